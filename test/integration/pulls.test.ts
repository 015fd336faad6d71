// The image-pull doctor inside the operator, on a real API server. There is no kubelet here, so the test
// writes what the kubelet would: the Pod's container status (ErrImagePull) and a `Failed` Event.
import assert from 'node:assert/strict';
import { eventually } from '../support/wait.ts';
import type { OperatorProcess } from '../support/operator.ts';
import { accessPath, condition, createAccess, createNamespace, getAccess, getFixture, OPERATOR_NS, putSourceSecret, runOperator, type Fixture } from '../support/fixture.ts';

const SERVER = 'diag.tencentcloudcr.com';
const TIMEOUT_MSG = `Failed to pull image "${SERVER}/team/app:1.0": rpc error: code = Unknown desc = failed to pull and unpack image "${SERVER}/team/app:1.0": failed to resolve reference "${SERVER}/team/app:1.0": failed to do request: Head "https://${SERVER}/v2/team/app/manifests/1.0": dial tcp 43.152.10.8:443: i/o timeout`;

interface Pod {
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string };
  status?: Record<string, unknown>;
}

describe('image-pull diagnosis (real API server, operator process)', function () {
  this.timeout(120_000);
  let f: Fixture;
  let op: OperatorProcess;

  const failPod = async (ns: string, name: string, image: string, message: string) => {
    const pod = await f.admin.create<Pod>(`/api/v1/namespaces/${ns}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image }] } });
    await f.admin.replace(`/api/v1/namespaces/${ns}/pods/${name}/status`, {
      ...pod,
      status: {
        phase: 'Pending',
        containerStatuses: [{ name: 'app', image, imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason: 'ErrImagePull', message } } }],
      },
    });
    await f.admin.create(`/api/v1/namespaces/${ns}/events`, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${name}.` },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name, namespace: ns, uid: pod.metadata.uid },
      reason: 'Failed',
      type: 'Warning',
      message,
      source: { component: 'kubelet' },
      firstTimestamp: new Date().toISOString(),
      lastTimestamp: new Date().toISOString(),
      count: 1,
    });
    return pod;
  };

  before(async function () {
    this.timeout(300_000);
    f = await getFixture();
    await putSourceSecret(f.admin, OPERATOR_NS, 'robot-diag', { username: 'u', password: 'diag-pass' });
    await createNamespace(f.admin, 'd-team');
    op = runOperator(f);
    await createAccess(f.admin, 'diag', {
      registry: { server: SERVER },
      credentials: { secretRef: { namespace: OPERATOR_NS, name: 'robot-diag' } },
      imagePullSecret: { name: 'diag-pull', namespaces: { names: ['d-team'] } },
    });
    await eventually(async () => assert.equal(condition(await getAccess(f.admin, 'diag'), 'PullHealthy')?.status, 'True'), { timeoutMs: 20_000 });
  });

  after(async () => {
    await op?.stop();
  });

  it('classifies a failing pull, counts it, and says what to do; Ready is unaffected', async () => {
    const pod = await failPod('d-team', 'app', `${SERVER}/team/app:1.0`, TIMEOUT_MSG);
    await failPod('d-team', 'other', 'docker.io/library/nginx:1', 'Failed to pull image "nginx:1": dial tcp 1.2.3.4:443: i/o timeout');
    await eventually(async () => {
      const a = await getAccess(f.admin, 'diag');
      const c = condition(a, 'PullHealthy');
      assert.equal(c?.status, 'False', JSON.stringify(c));
      assert.equal(c?.reason, 'NoNetworkPath');
      assert.match(c!.message, /43\.152\.10\.8/);
      assert.match(c!.message, /network/i);
      assert.deepEqual(a.status?.pullErrors?.failingPods, 1, 'the docker.io pod is not this registry');
      assert.deepEqual(a.status?.pullErrors?.byCause, { NoNetworkPath: 1 });
      assert.equal(a.status?.pullErrors?.example?.pod, 'd-team/app');
      assert.equal(condition(a, 'Ready')?.status, 'True', 'diagnostics never change Ready');
    }, { timeoutMs: 45_000, intervalMs: 250 });
    const events = await f.admin.get<{ items: Array<{ type: string; reason: string; message: string }> }>('/api/v1/namespaces/d-team/events', { fieldSelector: `involvedObject.uid=${pod.metadata.uid}` });
    const ours = events.items.filter((e) => e.reason === 'PullNoNetworkPath');
    assert.equal(ours.length, 1, 'one Warning Event per pod and cause');
    assert.equal(ours[0]!.type, 'Warning');
  });

  it('returns to healthy once the pod stops failing (status written at most every 30 s)', async () => {
    await f.admin.delete('/api/v1/namespaces/d-team/pods/app');
    await eventually(async () => {
      const a = await getAccess(f.admin, 'diag');
      assert.equal(condition(a, 'PullHealthy')?.status, 'True');
      assert.deepEqual(a.status?.pullErrors, { failingPods: 0 });
    }, { timeoutMs: 45_000, intervalMs: 500 });
    await f.admin.delete(accessPath('diag'));
  });
});
