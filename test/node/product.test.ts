// The product on a real node: a real kubelet + containerd pull a private image (TLS + basic auth registry) with the
// Secrets the operator writes, through the ServiceAccounts (no imagePullSecrets in any Pod spec).
import assert from 'node:assert/strict';
import { condition, createAccess, createNamespace, getAccess, OPERATOR_NS, putSourceSecret, type SAObj, type SecretObj } from '../support/fixture.ts';
import { unb64 } from '../support/kube.ts';
import { HELLO_REPO, REGISTRY_USER } from '../support/node/node.ts';
import { createPod, SOURCE_SECRET, useNode, waitDefaultServiceAccount, waitPullFailure, waitRunning } from '../support/node/suite.ts';
import { eventually } from '../support/wait.ts';

const PULL_SECRET = 'tcr-pull';
const TEAM = { team: 'a' };

describe('node: pods pull with the Secrets the operator writes (real kubelet, containerd, registry)', function () {
  this.timeout(120_000);
  const s = useNode();

  /** Waits until the ServiceAccount lists the operator's pull Secret. */
  const waitServiceAccountHasSecret = (ns: string, sa: string) =>
    eventually(async () => {
      const obj = await s.node.admin.get<SAObj>(`/api/v1/namespaces/${ns}/serviceaccounts/${sa}`);
      assert.ok(obj.imagePullSecrets?.some((r) => r.name === PULL_SECRET), `${ns}/${sa}: ${JSON.stringify(obj.imagePullSecrets)}`);
    }, { timeoutMs: 30_000, intervalMs: 100 });

  const passwordInSecret = async (ns: string): Promise<string> => {
    const secret = await s.node.admin.get<SecretObj>(`/api/v1/namespaces/${ns}/secrets/${PULL_SECRET}`);
    const cfg = JSON.parse(unb64(secret.data['.dockerconfigjson']!)) as { auths: Record<string, { password?: string }> };
    return cfg.auths[s.node.registries.private]?.password ?? '';
  };

  before(async function () {
    this.timeout(120_000);
    // The namespaces get their `default` ServiceAccount from the real ServiceAccount controller.
    for (const ns of ['n-a', 'n-b', 'n-x']) await createNamespace(s.f.admin, ns, TEAM, []);
    await createNamespace(s.f.admin, 'n-free', {}, []);
    await createAccess(s.f.admin, 'node', {
      registry: { server: s.node.registries.private },
      credentials: { secretRef: { namespace: OPERATOR_NS, name: SOURCE_SECRET } },
      imagePullSecret: { name: PULL_SECRET, namespaces: { selector: { matchLabels: TEAM }, exclude: ['n-x'] }, serviceAccounts: ['*'] },
    });
    await eventually(async () => assert.equal(condition(await getAccess(s.f.admin, 'node'), 'Ready')?.status, 'True'), { timeoutMs: 30_000 });
  });

  it('a pod in each selected namespace (ServiceAccount default, no imagePullSecrets in its spec) pulls the private image and runs', async () => {
    for (const ns of ['n-a', 'n-b']) {
      await waitServiceAccountHasSecret(ns, 'default');
      await createPod(s.node, ns, 'app', s.image);
    }
    for (const ns of ['n-a', 'n-b']) {
      const pod = await waitRunning(s.node, ns, 'app');
      assert.deepEqual(pod.spec.imagePullSecrets, [{ name: PULL_SECRET }], 'the ServiceAccount admission copied the Secret into the Pod');
    }
  });

  it("an excluded namespace's pod gets the registry's 401", async () => {
    await waitDefaultServiceAccount(s.node, 'n-x');
    await createPod(s.node, 'n-x', 'app', s.image);
    const failure = await waitPullFailure(s.node, 'n-x', 'app');
    assert.match(failure.message, /401 Unauthorized/);
  });

  it('serviceAccounts ["*"] covers a ServiceAccount created later and the default one the ServiceAccount controller makes in a new namespace', async () => {
    await s.node.admin.create('/api/v1/namespaces/n-a/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'late' } });
    await createNamespace(s.f.admin, 'n-new', TEAM, []);
    await waitServiceAccountHasSecret('n-a', 'late');
    await waitServiceAccountHasSecret('n-new', 'default');
    await createPod(s.node, 'n-a', 'late', s.image, { serviceAccount: 'late' });
    await createPod(s.node, 'n-new', 'app', s.image);
    await waitRunning(s.node, 'n-a', 'late');
    await waitRunning(s.node, 'n-new', 'app');
  });

  it('after the password is rotated at the registry and in the source Secret, a new pod pulls with the new one', async () => {
    const next = `rotated-${Date.now()}`;
    await s.node.rotatePassword(next);
    await createPod(s.node, 'n-a', 'stale', s.image);
    assert.match((await waitPullFailure(s.node, 'n-a', 'stale')).message, /401 Unauthorized/, 'the old password no longer works');
    await putSourceSecret(s.f.admin, OPERATOR_NS, SOURCE_SECRET, { username: REGISTRY_USER, password: next });
    await eventually(async () => assert.equal(await passwordInSecret('n-a'), next), { timeoutMs: 30_000, intervalMs: 200 });
    await createPod(s.node, 'n-a', 'rotated', s.image);
    await waitRunning(s.node, 'n-a', 'rotated');
  });

  it('IfNotPresent: an image cached by another namespace runs without credentials, unless the kubelet has KubeletEnsureSecretPulledImages', async function () {
    this.timeout(180_000);
    // Feature off (the default): n-free has no Secret, yet runs the image n-a pulled.
    await waitDefaultServiceAccount(s.node, 'n-free');
    await createPod(s.node, 'n-free', 'cached', s.image, { pullPolicy: 'IfNotPresent' });
    await waitRunning(s.node, 'n-free', 'cached');

    // Feature on: the kubelet records which credentials pulled an image and makes other pods prove theirs.
    await s.node.restartKubelet({ ensureSecretPulledImages: true });
    const v2 = `${s.node.registries.private}/${HELLO_REPO}:v2`;
    await createPod(s.node, 'n-a', 'v2', v2, { pullPolicy: 'IfNotPresent' });
    await waitRunning(s.node, 'n-a', 'v2');
    await createPod(s.node, 'n-free', 'cached-v2', v2, { pullPolicy: 'IfNotPresent' });
    assert.match((await waitPullFailure(s.node, 'n-free', 'cached-v2')).message, /401 Unauthorized/);
    await createPod(s.node, 'n-b', 'cached-v2', v2, { pullPolicy: 'IfNotPresent' });
    await waitRunning(s.node, 'n-b', 'cached-v2');
  });
});
