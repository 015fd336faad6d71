// Availability against a real API server (issue 9, item 8): the operator talks to the API server through a TCP
// proxy that can silence its connections without closing them (a dead watch), and an admission webhook answers
// its ServiceAccount patches with 409 (a conflict that never clears). A dead watch is detected and restarted
// (--watch-idle-timeout), and repeated 409s are retried with backoff, not in a spin.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { planServingSecret } from '../../src/webhook/certs.ts';
import { eventually } from '../support/wait.ts';
import { startOperator, type OperatorProcess } from '../support/operator.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { b64 } from '../support/kube.ts';
import { accessPath, createAccess, createNamespace, getFixture, getOrUndefined, OPERATOR_NS, putSourceSecret, type Fixture } from '../support/fixture.ts';

for (const k of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY']) delete process.env[k];

const WEBHOOK_CONFIG = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/tcra-test-sa-conflict';
const CONFLICT_LABEL = 'tcra-test/sa-conflict';

interface AdmissionReview {
  request: { uid: string; namespace?: string; name?: string; operation: string; dryRun?: boolean; userInfo: { username: string } };
}

/** An HTTPS admission webhook that answers every ServiceAccount UPDATE it is sent with 409 Conflict, counting them. */
async function startConflictWebhook(): Promise<{ port: number; caBundle: string; denied: () => number; close: () => Promise<void> }> {
  const { data } = planServingSecret(undefined, { namespace: 'tcra-test', service: 'sa-conflict', ips: ['127.0.0.1'], now: new Date() });
  let denied = 0;
  const server = https.createServer({ cert: data['tls.crt'], key: data['tls.key'] }, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const review = JSON.parse(body) as AdmissionReview;
      if (!review.request.dryRun) denied++;
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify({
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          response: { uid: review.request.uid, allowed: false, status: { code: 409, reason: 'Conflict', message: 'the object has been modified (test: a writer that always wins)' } },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { port, caBundle: data['ca.crt'], denied: () => denied, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('watches and conflicts (real API server behind a TCP proxy)', function () {
  this.timeout(180_000);
  let f: Fixture;
  let proxy: TcpProxy;
  let op: OperatorProcess;
  const spec = (secret: string, names: string[]) => ({
    registry: { server: 'registry.watch.example' },
    credentials: { secretRef: { namespace: OPERATOR_NS, name: 'robot-watch' } },
    imagePullSecret: { name: secret, namespaces: { names } },
  });
  const secretIn = (ns: string, name: string) => getOrUndefined(f.admin, `/api/v1/namespaces/${ns}/secrets/${name}`);

  before(async function () {
    this.timeout(300_000);
    f = await getFixture();
    await putSourceSecret(f.admin, OPERATOR_NS, 'robot-watch', { username: 'robot', password: 'watch-pass' });
    // the operator's kubeconfig, pointed at the proxy: TLS stays end to end (the server certificate names 127.0.0.1)
    const kubeconfig = readFileSync(f.operatorKubeconfig, 'utf8');
    const m = /server:\s*https:\/\/([\d.]+):(\d+)/.exec(kubeconfig);
    assert.ok(m, 'the kubeconfig names the API server');
    proxy = await startTcpProxy({ host: m[1]!, port: Number(m[2]) });
    const proxied = path.join(f.cp.dir, 'operator-through-proxy.kubeconfig');
    writeFileSync(proxied, kubeconfig.replace(m[0], `server: https://127.0.0.1:${proxy.port}`), { mode: 0o600 });
    op = startOperator({ kubeconfig: proxied, namespace: OPERATOR_NS, args: ['--watch-idle-timeout=3s'] });
  });

  after(async () => {
    await op?.stop();
    await proxy?.close();
  });

  it('repeated 409s on a ServiceAccount are retried with backoff, never in a spin', async () => {
    const hook = await startConflictWebhook();
    try {
      await createNamespace(f.admin, 'w-conflict', { [CONFLICT_LABEL]: 'true' });
      await f.admin.create('/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name: path.basename(WEBHOOK_CONFIG) },
        webhooks: [
          {
            name: 'sa-conflict.test.tcr.tke.dev',
            clientConfig: { url: `https://127.0.0.1:${hook.port}/`, caBundle: b64(hook.caBundle) },
            rules: [{ operations: ['UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['serviceaccounts'], scope: 'Namespaced' }],
            namespaceSelector: { matchLabels: { [CONFLICT_LABEL]: 'true' } },
            sideEffects: 'None',
            admissionReviewVersions: ['v1'],
            failurePolicy: 'Fail',
            timeoutSeconds: 5,
          },
        ],
      });
      // the API server loads the configuration asynchronously: wait until an update is refused with 409
      await eventually(async () => {
        const e = await f.admin.mergePatch('/api/v1/namespaces/w-conflict/serviceaccounts/default', { metadata: { labels: { probe: 'x' } } }, { dryRun: 'All' }).catch((x: unknown) => x);
        assert.equal((e as { status?: number }).status, 409);
      }, { timeoutMs: 30_000, intervalMs: 200 });

      await createAccess(f.admin, 'w-conflict', spec('w-conflict-pull', ['w-conflict']));
      await eventually(async () => assert.ok(hook.denied() >= 5, `the operator tried (${hook.denied()} patches refused)`), { timeoutMs: 30_000, intervalMs: 100 });
      // per-key backoff doubles from 5 ms: after a few seconds the retries are seconds apart. A spin would send
      // hundreds of patches in the window (5 per attempt).
      await new Promise((r) => setTimeout(r, 3_000));
      const before = hook.denied();
      await new Promise((r) => setTimeout(r, 10_000));
      const inWindow = hook.denied() - before;
      assert.ok(inWindow <= 30, `${inWindow} patches in 10 s: retries must back off`);
      assert.ok(await secretIn('w-conflict', 'w-conflict-pull'), 'the Secret itself was written');
    } finally {
      await f.admin.delete(WEBHOOK_CONFIG).catch(() => undefined);
      await hook.close();
    }
    await f.admin.delete(accessPath('w-conflict'));
    await eventually(async () => assert.equal(await getOrUndefined(f.admin, accessPath('w-conflict')), undefined), { timeoutMs: 30_000 });
  });

  it('a silently dead watch is detected and restarted: a namespace created while every connection is frozen gets its Secret', async () => {
    await createAccess(f.admin, 'w-dead', spec('w-dead-pull', ['w-live', 'w-frozen']));
    await createNamespace(f.admin, 'w-live');
    await eventually(async () => assert.ok(await secretIn('w-live', 'w-dead-pull'), 'working before the freeze'), { timeoutMs: 30_000, intervalMs: 100 });
    // every connection of the operator goes silent, watches included; neither end is closed
    proxy.freeze();
    const accepted = proxy.accepted;
    await createNamespace(f.admin, 'w-frozen');
    await eventually(async () => assert.ok(await secretIn('w-frozen', 'w-dead-pull'), 'the Secret reached the namespace created after the freeze'), { timeoutMs: 90_000, intervalMs: 250 });
    assert.ok(proxy.accepted > accepted, 'through new connections: the frozen ones were given up');
    await f.admin.delete(accessPath('w-dead'));
    await eventually(async () => assert.equal(await getOrUndefined(f.admin, accessPath('w-dead')), undefined), { timeoutMs: 60_000 });
  });
});
