// Moving from a hand-made pull Secret to the operator on a real node (kubelet + containerd + a TLS + auth
// registry): with creationPolicy Adopt the Secret is taken over in place, and pods created before, during and
// after the switch all pull (none sees a 401 or a missing Secret); the Secret's other registries' entries stay.
import assert from 'node:assert/strict';
import { condition, createAccess, createNamespace, getAccess, OPERATOR_NS, type SecretObj } from '../support/fixture.ts';
import { b64, unb64 } from '../support/kube.ts';
import { REGISTRY_USER } from '../support/node/node.ts';
import { createPod, getPod, SOURCE_SECRET, useNode, waitDefaultServiceAccount, waitRunning } from '../support/node/suite.ts';
import { eventually } from '../support/wait.ts';

const NS = 'n-adopt';
const PULL_SECRET = 'team-pull';
const OTHER = 'mirror.example.com';

describe('node: adopting a hand-made pull Secret while pods keep pulling (real kubelet, containerd, registry)', function () {
  this.timeout(180_000);
  const s = useNode();
  const secret = () => s.node.admin.get<SecretObj & { metadata: { annotations?: Record<string, string> } }>(`/api/v1/namespaces/${NS}/secrets/${PULL_SECRET}`);
  const auths = (x: SecretObj) => (JSON.parse(unb64(x.data['.dockerconfigjson']!)) as { auths: Record<string, { username?: string; password?: string }> }).auths;

  before(async function () {
    this.timeout(120_000);
    await createNamespace(s.f.admin, NS, {}, []);
    await waitDefaultServiceAccount(s.node, NS);
    // the hand-made Secret: the registry's credentials, plus an entry for another registry
    const hand = { auths: { [s.node.registries.private]: { username: REGISTRY_USER, password: s.node.password }, [OTHER]: { username: 'mirror', password: 'mirror-pass' } } };
    await s.node.admin.create(`/api/v1/namespaces/${NS}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: PULL_SECRET },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': b64(JSON.stringify(hand)) },
    });
    await s.node.admin.mergePatch(`/api/v1/namespaces/${NS}/serviceaccounts/default`, { imagePullSecrets: [{ name: PULL_SECRET }] });
  });

  it('pods pull before, during and after the switch; the Secret keeps its UID and its other entry', async () => {
    await createPod(s.node, NS, 'before', s.image);
    await waitRunning(s.node, NS, 'before');
    const uid = (await secret()).metadata.uid;

    await createAccess(s.f.admin, 'adopt', {
      registry: { server: s.node.registries.private },
      credentials: { secretRef: { namespace: OPERATOR_NS, name: SOURCE_SECRET } },
      imagePullSecret: { name: PULL_SECRET, namespaces: { names: [NS] }, creationPolicy: 'Adopt' },
    });
    // pods created while the operator takes the Secret over, until two after it carries the operator's label
    const pods: string[] = [];
    let afterAdoption = 0;
    for (let i = 0; afterAdoption < 2 && i < 100; i++) {
      const adopted = (await secret()).metadata.labels?.['app.kubernetes.io/managed-by'] === 'tcr-access-operator';
      if (adopted) afterAdoption++;
      const name = `during-${i}`;
      await createPod(s.node, NS, name, s.image);
      pods.push(name);
      await new Promise((r) => setTimeout(r, 150)); // spread pod creations over the switch
    }
    assert.equal(afterAdoption, 2, 'the Secret was adopted');
    for (const name of pods) {
      const pod = await waitRunning(s.node, NS, name);
      assert.deepEqual(pod.spec.imagePullSecrets, [{ name: PULL_SECRET }]);
    }
    const after = await secret();
    assert.equal(after.metadata.uid, uid, 'updated in place');
    assert.equal(after.metadata.annotations?.['tcr.tke.dev/adopted'], 'true');
    assert.deepEqual(Object.keys(auths(after)).sort(), [OTHER, s.node.registries.private].sort());
    await eventually(async () => assert.equal(condition(await getAccess(s.f.admin, 'adopt'), 'Ready')?.status, 'True'), { timeoutMs: 30_000 });
    assert.ok((await getPod(s.node, NS, 'before')).status?.containerStatuses?.[0]?.state?.running, 'the pod from before still runs');
  });

  it('on deletion of the TcrAccess the Secret stays, with only the other registry\'s entry and none of the operator\'s metadata', async () => {
    await s.f.admin.delete('/apis/tcr.tke.dev/v1alpha1/tcraccesses/adopt');
    await eventually(async () => {
      const x = await secret();
      assert.deepEqual(Object.keys(auths(x)), [OTHER]);
      assert.equal(x.metadata.labels?.['app.kubernetes.io/managed-by'], undefined);
    }, { timeoutMs: 30_000, intervalMs: 200 });
  });
});
