// The shipped image on a real node: the Dockerfile built here with buildah (scripts/image-build.sh: offline,
// base images from Debian packages and the Node 24 npm package), pushed to the node's registry, and installed
// with `kubectl apply -k` of an overlay of manifests/ that sets only the image and what loopback needs (one
// replica on host network with free ports, the in-cluster API address at 127.0.0.1: there is no kube-proxy).
// Then, with the Deployment's own ServiceAccount token and the shipped RBAC: the pod is Running and Ready and
// leads, a TcrAccess converges, and the webhook, reached through its Service (--enable-aggregator-routing),
// mutates a pod.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Context } from 'mocha';
import { HTTP_ANNOTATION } from '../../src/webhook/annotations.ts';
import { binDirFrom, REPO_ROOT } from '../support/controlplane.ts';
import { condition, createAccess, createNamespace, getAccess, OPERATOR_NS, putSourceSecret } from '../support/fixture.ts';
import { freePort, which } from '../support/registry.ts';
import { NODE_NAME, nodeBlocker, startNode, type RealNode } from '../support/node/node.ts';
import { gone, waitDefaultServiceAccount } from '../support/node/suite.ts';
import { eventually } from '../support/wait.ts';

const run = promisify(execFile);
const IMAGE = 'tcr/tcr-access-operator';

interface PodList {
  items: Array<{ metadata: { name: string }; spec: { serviceAccountName?: string }; status?: { phase?: string; conditions?: Array<{ type: string; status: string }>; containerStatuses?: Array<{ state?: unknown; restartCount?: number }> } }>;
}

/** On failure: the operator pod's log (not debug), the webhook configuration and the Service's endpoints. */
async function printDiagnosis(node: RealNode): Promise<void> {
  const pods = await node.admin.get<PodList>(`/api/v1/namespaces/${OPERATOR_NS}/pods`).catch(() => ({ items: [] }) as PodList);
  for (const p of pods.items) {
    const text = (await node.cp.request(`/api/v1/namespaces/${OPERATOR_NS}/pods/${p.metadata.name}/log?tailLines=400`).catch((e: unknown) => ({ body: String(e) }))).body;
    console.log(`--- ${p.metadata.name} log\n${text.split('\n').filter((l) => !l.includes('"level":"debug"')).join('\n')}`);
  }
  for (const q of ['/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/tcr-access-operator', `/api/v1/namespaces/${OPERATOR_NS}/endpoints/tcr-access-operator-webhook`]) {
    console.log(`--- ${q}\n${JSON.stringify(await node.admin.get(q).catch((e: unknown) => String(e)))}`);
  }
}

describe('node: the image, installed with kubectl apply -k, runs the product (buildah, real kubelet)', function () {
  this.timeout(300_000);
  let node: RealNode | undefined;
  let overlay: string;
  let image: string;
  let imageSize = '';

  before(async function (this: Context) {
    this.timeout(900_000);
    const blocker = nodeBlocker() ?? (which('buildah') ? undefined : 'buildah is needed: apt-get install -y --no-install-recommends buildah');
    if (blocker) {
      if (process.env['CI'] === 'true') throw new Error(`the image test cannot run here: ${blocker}`);
      console.log(`      SKIPPED (the image test cannot run here): ${blocker}`);
      this.skip();
    }
    const { stdout } = await run('bash', [path.join(REPO_ROOT, 'scripts', 'image-build.sh'), 'localhost/tcr-access-operator:node-test'], { maxBuffer: 64 * 1024 * 1024 });
    const built = stdout.trim().split('\n').pop()!;
    imageSize = (await run('buildah', ['images', '--format', '{{.Size}}', built])).stdout.trim();
    node = await startNode({}, { apiServerArgs: ['--enable-aggregator-routing=true'] });
    // Endpoints may not hold loopback addresses: give the node (and so the host-network pod) this machine's own
    // non-loopback address, so the webhook Service gets an endpoint. Traffic to it never leaves the machine.
    const hostIp = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    assert.ok(hostIp, 'a non-loopback IPv4 address on this machine');
    await node.admin.request({ method: 'PATCH', path: `/api/v1/nodes/${NODE_NAME}/status`, body: { status: { addresses: [{ type: 'InternalIP', address: hostIp }] } }, contentType: 'application/merge-patch+json' });
    image = `${node.registries.plainByIp}/${IMAGE}`;
    await run('buildah', ['push', '--tls-verify=false', '--quiet', built, `docker://${image}:test`]);

    // the overlay: only the image, one replica on host network with free ports, the API server on loopback
    const [metrics, health, webhook] = [await freePort(), await freePort(), await freePort()];
    const apiPort = new URL(node.cp.server).port;
    overlay = mkdtempSync(path.join(os.tmpdir(), 'tcra-overlay-'));
    const patch = [
      { op: 'replace', path: '/spec/replicas', value: 1 },
      { op: 'add', path: '/spec/template/spec/hostNetwork', value: true },
      { op: 'replace', path: '/spec/template/spec/containers/0/args', value: ['--leader-elect', `--metrics-bind-address=:${metrics}`, `--health-probe-bind-address=:${health}`, `--webhook-bind-address=:${webhook}`] },
      {
        op: 'replace',
        path: '/spec/template/spec/containers/0/ports',
        value: [
          { name: 'metrics', containerPort: metrics, protocol: 'TCP' },
          { name: 'health', containerPort: health, protocol: 'TCP' },
          { name: 'webhook', containerPort: webhook, protocol: 'TCP' },
        ],
      },
      { op: 'add', path: '/spec/template/spec/containers/0/env/-', value: { name: 'KUBERNETES_SERVICE_HOST', value: '127.0.0.1' } },
      { op: 'add', path: '/spec/template/spec/containers/0/env/-', value: { name: 'KUBERNETES_SERVICE_PORT', value: apiPort } },
    ];
    writeFileSync(
      path.join(overlay, 'kustomization.yaml'),
      JSON.stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: [path.relative(overlay, path.join(REPO_ROOT, 'manifests'))],
        images: [{ name: 'ghcr.io/tcr-access-operator/tcr-access-operator', newName: image, newTag: 'test' }],
        patches: [{ target: { kind: 'Deployment', name: 'tcr-access-operator' }, patch: JSON.stringify(patch) }],
      }),
    );
    // kubectl of the control plane's version, built with the node binaries (scripts/node-bins.sh)
    const kubectl = path.join(await binDirFrom('node-bins.sh'), 'kubectl');
    await run(kubectl, ['--kubeconfig', node.cp.kubeconfigPath, 'apply', '--server-side', '-k', overlay], { maxBuffer: 16 * 1024 * 1024 });
  });

  after(async function (this: Context) {
    this.timeout(120_000);
    if (overlay) rmSync(overlay, { recursive: true, force: true });
    if (!node) return;
    if (this.test?.parent?.tests.some((t) => t.state === 'failed')) await printDiagnosis(node);
    // pods first, so the node stops with nothing running
    await node.admin.delete(`/apis/apps/v1/namespaces/${OPERATOR_NS}/deployments/tcr-access-operator`).catch(() => undefined);
    await eventually(async () => assert.equal((await node!.admin.get<PodList>(`/api/v1/namespaces/${OPERATOR_NS}/pods`)).items.length, 0), { timeoutMs: 60_000 }).catch(() => undefined);
    await node.stop();
    assert.deepEqual(await node.leaks(), [], 'the node left something behind');
  });

  it(`runs the Deployment's pod, Running and Ready, as its ServiceAccount, holding the lease`, async () => {
    console.log(`      image: ${image}:test, ${imageSize}`);
    const pod = await eventually(async () => {
      const pods = await node!.admin.get<PodList>(`/api/v1/namespaces/${OPERATOR_NS}/pods`, { labelSelector: 'app.kubernetes.io/name=tcr-access-operator' });
      assert.equal(pods.items.length, 1);
      const p = pods.items[0]!;
      assert.equal(p.status?.phase, 'Running', JSON.stringify(p.status));
      assert.equal(p.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', JSON.stringify(p.status?.conditions));
      return p;
    }, { timeoutMs: 120_000, intervalMs: 500 });
    assert.equal(pod.spec.serviceAccountName, 'tcr-access-operator');
    assert.equal(pod.status?.containerStatuses?.[0]?.restartCount, 0, 'never crashed');
    const lease = await node!.admin.get<{ spec: { holderIdentity?: string } }>(`/apis/coordination.k8s.io/v1/namespaces/${OPERATOR_NS}/leases/tcr-access-operator-leader`);
    assert.ok(lease.spec.holderIdentity, 'the pod leads (its Lease write went through its RBAC)');
  });

  it('converges a TcrAccess, and its webhook, reached through the Service, mutates a pod', async () => {
    const admin = node!.admin;
    const plain = node!.registries.plainByIp;
    await putSourceSecret(admin, OPERATOR_NS, 'img-robot', { username: 'u', password: 'image-test-pass' });
    await createNamespace(admin, 'img-team', {}, []);
    await waitDefaultServiceAccount(node!, 'img-team');
    await createAccess(admin, 'img', {
      registry: { server: plain, plainHTTP: true },
      credentials: { secretRef: { namespace: OPERATOR_NS, name: 'img-robot' } },
      imagePullSecret: { name: 'img-pull', namespaces: { names: ['img-team'] } },
    });
    await eventually(async () => assert.equal(condition(await getAccess(admin, 'img'), 'Ready')?.status, 'True', JSON.stringify((await getAccess(admin, 'img')).status?.conditions)), { timeoutMs: 60_000, intervalMs: 250 });
    assert.ok(await admin.get('/api/v1/namespaces/img-team/secrets/img-pull'), 'the pull Secret, written by the pod');
    // the operator fills in caBundle and matchConditions asynchronously: create until the pod comes back mutated
    let n = 0;
    const mutated = await eventually(async () => {
      const name = `probe-${n++}`;
      const p = await admin.create<{ metadata: { name: string; annotations?: Record<string, string> } }>('/api/v1/namespaces/img-team/pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: { hostNetwork: true, terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: `${plain}/team/app:1.0` }] },
      });
      await admin.delete(`/api/v1/namespaces/img-team/pods/${name}`).catch(() => undefined);
      assert.equal(p.metadata.annotations?.[HTTP_ANNOTATION], plain, JSON.stringify(p.metadata.annotations));
      return p;
    }, { timeoutMs: 60_000, intervalMs: 1_000 });
    assert.ok(mutated);
    await admin.delete('/apis/tcr.tke.dev/v1alpha1/tcraccesses/img');
    await eventually(async () => assert.ok(await gone(node!, '/apis/tcr.tke.dev/v1alpha1/tcraccesses/img'), 'finalizer released by the pod'), { timeoutMs: 30_000 });
  });
});
