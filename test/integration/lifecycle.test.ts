// The operator process's life as an on-call engineer sees it (real API server, operator processes): caches that
// cannot sync end the process non-zero, a lost leadership stops every write and every cloud call and exits,
// /readyz waits for the webhook, and --no-diagnose-pulls runs without Pod or Event read access.
import assert from 'node:assert/strict';
import path from 'node:path';
import { request } from 'node:http';
import { connect } from 'node:tls';
import { defaultSeed, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, startEmulator, type TencentCloudEmulator } from '../../emulator/index.ts';
import type { KubeClient } from '../../src/k8s/client.ts';
import { accessPath, condition, createAccess, createNamespace, getAccess, getFixture, getOrUndefined, OPERATOR_NS, operatorIdentity, putSourceSecret, type Fixture } from '../support/fixture.ts';
import { startOperator, type OperatorProcess } from '../support/operator.ts';
import { freePort } from '../support/registry.ts';
import { REPO_ROOT } from '../support/controlplane.ts';
import { applyObjects, readYamlObjects } from '../support/kube.ts';
import { eventually } from '../support/wait.ts';

for (const k of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY']) delete process.env[k];

const LEASE_PATH = `/apis/coordination.k8s.io/v1/namespaces/${OPERATOR_NS}/leases/tcr-access-operator-leader`;
const LEASE_ARGS = ['--leader-elect', '--lease-duration=4s', '--renew-deadline=3s', '--retry-period=500ms'];

const httpStatus = (port: number, path: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });

/** True when something answers a TLS handshake on the port. */
const tlsListening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, timeout: 2_000 }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.on('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });

async function deleteLease(admin: KubeClient): Promise<void> {
  await admin.delete(LEASE_PATH).catch(() => undefined);
}

describe('operator lifecycle (real API server, operator processes)', function () {
  this.timeout(180_000);
  let f: Fixture;
  const ops: OperatorProcess[] = [];

  before(async function () {
    this.timeout(300_000);
    f = await getFixture();
    await putSourceSecret(f.admin, OPERATOR_NS, 'robot-life', { username: 'robot', password: 'life-pass' });
  });

  afterEach(async () => {
    await Promise.all(ops.splice(0).map((o) => o.stop('SIGKILL')));
    await deleteLease(f.admin);
  });

  it('caches that never sync (no Pod/Event read access) end the process non-zero after --cache-sync-timeout, with a clear log', async () => {
    const kc = await operatorIdentity(f, 'life-nosync', ['tcr-access-operator'], false);
    const op = startOperator({ kubeconfig: kc, namespace: OPERATOR_NS, args: ['--cache-sync-timeout=3s'] });
    ops.push(op);
    const code = await Promise.race([op.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 30_000))]);
    assert.equal(code, 1, 'exits non-zero');
    const line = op.logs.find((l) => l.includes('Timed out waiting for the caches to sync'));
    assert.ok(line, op.logs.slice(-5).join('\n'));
    assert.match(line, /pending-pods/);
    assert.match(line, /pod-failed-events/);
  });

  it('--no-diagnose-pulls needs no Pod or Event read access: the same identity syncs and works', async () => {
    const kc = await operatorIdentity(f, 'life-nopulls', ['tcr-access-operator'], false);
    await createNamespace(f.admin, 'life-nopulls');
    const op = startOperator({ kubeconfig: kc, namespace: OPERATOR_NS, args: ['--cache-sync-timeout=5s', '--no-diagnose-pulls'] });
    ops.push(op);
    await createAccess(f.admin, 'life-nopulls', {
      registry: { server: 'life.tencentcloudcr.com' },
      credentials: { secretRef: { namespace: OPERATOR_NS, name: 'robot-life' } },
      imagePullSecret: { name: 'life-pull', namespaces: { names: ['life-nopulls'] } },
    });
    const a = await eventually(async () => {
      const x = await getAccess(f.admin, 'life-nopulls');
      assert.equal(condition(x, 'Ready')?.status, 'True', JSON.stringify(x.status?.conditions));
      return x;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    assert.equal(condition(a, 'PullHealthy'), undefined, 'no diagnosis without the Pod/Event caches');
    assert.ok(await getOrUndefined(f.admin, '/api/v1/namespaces/life-nopulls/secrets/life-pull'));
    assert.equal(op.proc.exitCode, null, 'still running');
    await f.admin.delete(accessPath('life-nopulls'));
    await eventually(async () => assert.equal(await getOrUndefined(f.admin, accessPath('life-nopulls')), undefined));
  });

  it('without manifests/cluster-default (no kube-system/eks-config access) and no ClusterDefault rule, the annotation sync completes', async () => {
    await applyObjects(f.cp.kubeConfig, readYamlObjects(path.join(REPO_ROOT, 'manifests', 'webhook.yaml')));
    const kc = await operatorIdentity(f, 'life-nocd', ['tcr-access-operator', 'tcr-access-operator-diagnose-pulls'], true);
    const webhook = await freePort();
    const op = startOperator({
      kubeconfig: kc,
      namespace: OPERATOR_NS,
      args: [...LEASE_ARGS, `--webhook-bind-address=127.0.0.1:${webhook}`, `--webhook-url=https://127.0.0.1:${webhook}/mutate-pods`, '--webhook-ip-sans=127.0.0.1'],
    });
    ops.push(op);
    // the sync reaches its end (webhook configuration written, eks-config skipped) instead of failing every 5 s
    await eventually(async () => assert.ok(op.logs.some((l) => l.includes('Annotation configuration in sync')), op.logs.slice(-5).join('\n')), { timeoutMs: 60_000, intervalMs: 250 });
    assert.deepEqual(op.logs.filter((l) => l.includes('Annotation sync failed')), []);
  });

  it('/readyz stays 503 until the webhook listens with a certificate', async () => {
    // another holder keeps the Lease: this replica campaigns, and only a leader makes the serving certificate
    await f.admin.create(`/apis/coordination.k8s.io/v1/namespaces/${OPERATOR_NS}/leases`, {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'tcr-access-operator-leader' },
      spec: { holderIdentity: 'someone-else', leaseDurationSeconds: 3600, renewTime: new Date().toISOString().replace('Z', '000Z') },
    });
    await f.admin.delete(`/api/v1/namespaces/${OPERATOR_NS}/secrets/tcr-access-operator-webhook-cert`).catch(() => undefined);
    const [health, webhook] = [await freePort(), await freePort()];
    const op = startOperator({
      kubeconfig: f.operatorKubeconfig,
      namespace: OPERATOR_NS,
      args: [...LEASE_ARGS, `--health-probe-bind-address=127.0.0.1:${health}`, `--webhook-bind-address=127.0.0.1:${webhook}`, `--webhook-url=https://127.0.0.1:${webhook}/mutate-pods`, '--webhook-ip-sans=127.0.0.1'],
    });
    ops.push(op);
    await eventually(async () => assert.equal(await httpStatus(health, '/healthz'), 200), { timeoutMs: 20_000 });
    // campaigning, caches up: everything but the webhook is ready
    await eventually(async () => assert.ok(op.logs.some((l) => l.includes('Starting'))), { timeoutMs: 10_000 });
    for (let i = 0; i < 3; i++) {
      assert.equal(await tlsListening(webhook), false, 'no webhook yet');
      assert.equal(await httpStatus(health, '/readyz'), 503, 'not ready while the webhook does not listen');
    }
    // the Lease is free: this replica leads, makes the certificate, serves
    await deleteLease(f.admin);
    await eventually(async () => {
      assert.equal(await httpStatus(health, '/readyz'), 200);
    }, { timeoutMs: 30_000, intervalMs: 200 });
    assert.ok(await tlsListening(webhook), 'ready means the webhook answers');
  });

  describe('losing leadership', () => {
    let emu: TencentCloudEmulator;
    before(async () => {
      emu = await startEmulator({ seed: defaultSeed(), delays: { link: 600_000 } });
      await putSourceSecret(f.admin, OPERATOR_NS, 'tencentcloud', { SecretId: DEFAULT_SECRET_ID, SecretKey: DEFAULT_SECRET_KEY });
    });
    after(async () => emu?.stop());

    it('stops every write and every cloud call, and exits non-zero ("leader election lost")', async () => {
      const kc = await operatorIdentity(f, 'life-leader', ['tcr-access-operator', 'tcr-access-operator-diagnose-pulls'], true);
      // every cloud step is slow: a step is almost always in flight when the Lease is lost
      emu.injectFault({ action: 'DescribeInstances', fault: { kind: 'delay', ms: 2_500 } });
      const op = startOperator({
        kubeconfig: kc,
        namespace: OPERATOR_NS,
        args: [...LEASE_ARGS, `--tencentcloud-endpoint=${emu.endpoint}`, '--tencentcloud-protocol=http://', '--tencentcloud-timeout=10s', '--cluster-id=cls-life'],
      });
      ops.push(op);
      await createNamespace(f.admin, 'life-cloud');
      await eventually(async () => assert.ok(op.logs.some((l) => l.includes('"Became leader"'))), { timeoutMs: 20_000 });
      await createAccess(f.admin, 'life-cloud', {
        registry: { instanceId: 'tcr-emu00001', region: 'ap-guangzhou' },
        credentials: { secretRef: { namespace: OPERATOR_NS, name: 'robot-life' } },
        imagePullSecret: { name: 'life-cloud-pull', namespaces: { names: ['life-cloud'] } },
        cloudCredentials: { secretRef: { namespace: OPERATOR_NS, name: 'tencentcloud' } },
        network: { mode: 'Private', private: { vpcId: 'vpc-emu00001', subnetId: 'subnet-emu00001' } },
      });
      // the link never finishes (long delay): the operator keeps polling the cloud
      await eventually(async () => assert.ok(emu.callCount('DescribeInternalEndpoints') >= 2), { timeoutMs: 60_000, intervalMs: 200 });
      // the operator can no longer renew its Lease
      await f.admin.delete(`/apis/rbac.authorization.k8s.io/v1/namespaces/${OPERATOR_NS}/rolebindings/life-leader-lease`);
      const lost = await eventually(async () => {
        const at = op.logs.findIndex((l) => l.includes('leader election lost'));
        assert.ok(at >= 0, 'logged the loss');
        return at;
      }, { timeoutMs: 20_000, intervalMs: 20 });
      // The operator logs how many requests it had sent when it stopped; a request sent just before may still
      // be on its way to the emulator, so the emulator's count is compared once the process is gone.
      const sentAtLoss = Number((JSON.parse(op.logs[lost]!) as { cloudRequestsSent?: number }).cloudRequestsSent);
      assert.ok(Number.isInteger(sentAtLoss) && sentAtLoss > 0, `the loss is logged with the requests sent so far: ${op.logs[lost]}`);
      const code = await Promise.race([op.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 20_000))]);
      assert.equal(code, 1, 'the process exits non-zero');
      assert.ok(emu.received() <= sentAtLoss, `no cloud call once leadership was lost: ${emu.received()} received, ${sentAtLoss} sent before the loss`);
      assert.ok(emu.received() >= sentAtLoss - 1, 'the count is the emulator\'s: at most the request cut short at the loss is missing');
      const written = op.logs.slice(lost).filter((l) => /"(Created|Updated|Deleted) Secret"|"Updated status"|"Recorded intent/.test(l));
      assert.deepEqual(written, [], 'no Kubernetes write after the loss');
      await f.admin.mergePatch(accessPath('life-cloud'), { metadata: { finalizers: null } });
      await f.admin.delete(accessPath('life-cloud')).catch(() => undefined);
    });
  });
});
