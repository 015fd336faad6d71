// Proves the test harness: a real kube-apiserver with RBAC and the ServiceAccount admission plugin.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { getControlPlane } from '../support/shared-controlplane.ts';
import type { ControlPlane } from '../support/controlplane.ts';
import { eventually } from '../support/wait.ts';

const uniq = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

describe('integration: control plane harness', function () {
  let cp: ControlPlane;

  before(async function () {
    this.timeout(240_000); // may include a cold `scripts/envtest-bins.sh` check and a slow first start
    cp = await getControlPlane();
  });

  it('serves /version of kube-apiserver v1.34.4', async function () {
    const res = await cp.request('/version');
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json<{ gitVersion: string }>().gitVersion, 'v1.34.4');
  });

  it('works through the admin KubeConfig', async function () {
    const ns = await cp.kubeConfig.makeApiClient(k8s.CoreV1Api).readNamespace({ name: 'default' });
    assert.equal(ns.metadata?.name, 'default');
  });

  it('enforces RBAC: an unbound ServiceAccount token gets 403 listing secrets, admin gets 200', async function () {
    const namespace = uniq('rbac');
    const token = await cp.tokenFor(namespace, 'nobody');

    const denied = await cp.request('/api/v1/secrets', { token });
    assert.equal(denied.status, 403, denied.body);
    assert.match(denied.body, /system:serviceaccount:rbac-[0-9a-f]+:nobody/);

    const allowed = await cp.request('/api/v1/secrets');
    assert.equal(allowed.status, 200, allowed.body);

    // The same identity through a generated kubeconfig (how the operator under test is run).
    const { kubeConfig, path } = await cp.kubeConfigFor(namespace, 'nobody');
    assert.ok(path.startsWith(cp.dir));
    await assert.rejects(
      kubeConfig.makeApiClient(k8s.CoreV1Api).listSecretForAllNamespaces(),
      (err: unknown) => err instanceof k8s.ApiException && err.code === 403,
    );
  });

  it('runs the ServiceAccount admission plugin (imagePullSecrets of the SA are copied into new Pods)', async function () {
    const core = cp.kubeConfig.makeApiClient(k8s.CoreV1Api);
    const namespace = uniq('sa-admission');
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: 'default' }, imagePullSecrets: [{ name: 'x' }] },
    });
    const pod = await eventually(
      () =>
        core.createNamespacedPod({
          namespace,
          body: {
            metadata: { name: 'p' },
            spec: { containers: [{ name: 'c', image: 'registry.example/app:1' }] },
          },
        }),
      { timeoutMs: 10_000, message: 'creating a Pod in a namespace with a default ServiceAccount' },
    );
    assert.equal(pod.spec?.serviceAccountName, 'default');
    assert.deepEqual(
      pod.spec?.imagePullSecrets?.map((s) => s.name),
      ['x'],
    );
  });
});
