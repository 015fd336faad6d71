// `tcr-access doctor pod|namespace` against a real kube-apiserver. There is no kubelet: the test writes what a
// kubelet would — the Pod's container statuses (through the status subresource) and its Failed Events — and
// runs the CLI as a child process with an admin kubeconfig.
import { runCli, type Run } from '../support/cli.ts';
import assert from 'node:assert/strict';
import type { Report } from '../../src/cli/doctor/report.ts';
import { isNotFound } from '../../src/k8s/client.ts';
import { accessPath, createNamespace, getFixture, type Fixture } from '../support/fixture.ts';
import { CORPUS } from '../unit/diagnostics/corpus.ts';

const REGISTRY = 'doctor.tencentcloudcr.com';
const IMAGE = `${REGISTRY}/team/app:v1`;
const BAD_NS = 'doctor-bad';
const OK_NS = 'doctor-ok';
const ACCESS = 'doctor-prod';

// Corpus messages, with the registry host swapped for this test's.
const fromCorpus = (pick: (e: (typeof CORPUS)[number]) => boolean) => CORPUS.find(pick)!.message.replaceAll('prod.tencentcloudcr.com', REGISTRY);
const TIMEOUT = fromCorpus((e) => e.source === 'kubelet' && e.dialedIpKind === 'public' && e.registry === 'prod.tencentcloudcr.com');
const SCOPE = fromCorpus((e) => e.source === 'kubelet' && e.cause === 'CredentialsRejected' && e.message.startsWith('rpc error: code = NotFound'));

function doctor(f: Fixture, args: string[]): Promise<Run> {
  return runCli(['doctor', ...args, '--kubeconfig', f.cp.kubeconfigPath]);
}

const report = (r: Run): Report => {
  assert.equal(r.stderr, '', r.stderr);
  return JSON.parse(r.stdout) as Report;
};

async function createPod(f: Fixture, ns: string, name: string, init = false): Promise<string> {
  const pod = await f.admin.create<{ metadata: { uid: string } }>(`/api/v1/namespaces/${ns}/pods`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      ...(init ? { initContainers: [{ name: 'migrate', image: `${REGISTRY}/missing-ns/migrate:v1` }] } : {}),
      containers: [{ name: 'app', image: IMAGE }],
      // What the ServiceAccount admission gives a Pod created once the operator served its namespace (a Pod
      // without it is diagnosed NoPullSecret).
      imagePullSecrets: [{ name: 'tcr-pull' }],
    },
  });
  return pod.metadata.uid;
}

const waiting = (name: string, image: string, reason: string, message: string) => ({
  name,
  image,
  imageID: '',
  ready: false,
  restartCount: 0,
  state: { waiting: { reason, message } },
});

async function failedEvent(f: Fixture, ns: string, pod: string, uid: string, fieldPath: string, reason: string, message: string, n: number): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await f.admin.create(`/api/v1/namespaces/${ns}/events`, {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${pod}.${n}` },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: pod, uid, fieldPath },
    reason,
    message,
    type: 'Warning',
    source: { component: 'kubelet', host: 'eklet-subnet-1' },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  });
}

describe('tcr-access doctor (real API server, CLI process)', function () {
  this.timeout(120_000);
  let f: Fixture;

  before(async function () {
    this.timeout(300_000);
    f = await getFixture();
    await createNamespace(f.admin, BAD_NS);
    await createNamespace(f.admin, OK_NS);
    // The TcrAccess whose registry the pods pull from (no operator runs: spec only, no status).
    await f.admin.create('/apis/tcr.tke.dev/v1alpha1/tcraccesses', {
      apiVersion: 'tcr.tke.dev/v1alpha1',
      kind: 'TcrAccess',
      metadata: { name: ACCESS },
      spec: {
        registry: { server: REGISTRY },
        credentials: { secretRef: { namespace: 'tcr-system', name: 'robot' } },
        imagePullSecret: { name: 'tcr-pull', namespaces: { names: [BAD_NS] } },
        network: { mode: 'Private', private: { vpcId: 'vpc-doctor1', subnetId: 'subnet-doctor1' } },
      },
    });

    // web: ImagePullBackOff; the status only says "Back-off", the kubelet's Failed Event has the cause.
    const web = await createPod(f, BAD_NS, 'web');
    await f.admin.mergePatch(`/api/v1/namespaces/${BAD_NS}/pods/web/status`, {
      status: { phase: 'Pending', containerStatuses: [waiting('app', IMAGE, 'ImagePullBackOff', `Back-off pulling image "${IMAGE}"`)] },
    });
    await failedEvent(f, BAD_NS, 'web', web, 'spec.containers{app}', 'Failed', TIMEOUT, 1);
    await failedEvent(f, BAD_NS, 'web', web, 'spec.containers{app}', 'BackOff', `Back-off pulling image "${IMAGE}"`, 2);

    // batch: an init container in ErrImagePull (insufficient_scope: a TCR namespace that does not exist).
    await createPod(f, BAD_NS, 'batch', true);
    await f.admin.mergePatch(`/api/v1/namespaces/${BAD_NS}/pods/batch/status`, {
      status: {
        phase: 'Pending',
        initContainerStatuses: [waiting('migrate', `${REGISTRY}/missing-ns/migrate:v1`, 'ErrImagePull', SCOPE)],
        containerStatuses: [waiting('app', IMAGE, 'PodInitializing', '')],
      },
    });

    // The healthy namespace: one running pod, one not scheduled yet (no status, no events).
    await createPod(f, OK_NS, 'running');
    await f.admin.mergePatch(`/api/v1/namespaces/${OK_NS}/pods/running/status`, {
      status: { phase: 'Running', containerStatuses: [{ name: 'app', image: IMAGE, imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: '2025-01-01T00:00:00Z' } } }] },
    });
    await createPod(f, OK_NS, 'unscheduled');
  });

  after(async () => {
    try {
      await f?.admin.delete(accessPath(ACCESS));
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    for (const ns of [BAD_NS, OK_NS]) await f?.admin.delete(`/api/v1/namespaces/${ns}`).catch(() => undefined);
  });

  it('doctor pod: the cause from the Failed Event, in the TcrAccess\'s terms, exit 1', async () => {
    const r = await doctor(f, ['pod', 'web', '-n', BAD_NS, '--tcraccess', ACCESS, '-o', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const rep = report(r);
    assert.deepEqual(rep.scope, { kind: 'pod', namespace: BAD_NS, pod: 'web' });
    assert.equal(rep.healthy, false);
    assert.equal(rep.findings.length, 1);
    const [fd] = rep.findings;
    assert.equal(fd!.container, 'app');
    assert.equal(fd!.reason, 'ImagePullBackOff');
    assert.equal(fd!.image, IMAGE);
    assert.deepEqual(fd!.context, { source: `tcraccess/${ACCESS}`, registryHost: REGISTRY, networkMode: 'Private' });
    assert.equal(fd!.diagnosis.cause, 'NoNetworkPath');
    assert.equal(fd!.diagnosis.dialedIp, '43.137.12.5');
    assert.equal(fd!.diagnosis.dialedIpKind, 'public');
    assert.match(fd!.diagnosis.fix, /DNS does not resolve privately/);
    assert.match(fd!.diagnosis.fix, /network\.private\.dns/);
    assert.match(rep.notes.join(' '), /not inside the cluster's VPC/);
  });

  it('doctor pod (text): says what it found and where it runs from', async () => {
    const r = await doctor(f, ['pod', 'web', '-n', BAD_NS, '--network-mode', 'Public']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /cause: +NoNetworkPath/);
    assert.match(r.stdout, /dialled: +43\.137\.12\.5 — a public IP/);
    assert.match(r.stdout, /whitelist/);
    assert.match(r.stdout, /does not test the network from here/);
  });

  it('doctor namespace: every failing pod, init containers included, with the TcrAccess found by registry', async () => {
    const r = await doctor(f, ['namespace', BAD_NS, '-o', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const rep = report(r);
    assert.deepEqual(rep.scope, { kind: 'namespace', namespace: BAD_NS, podsChecked: 2 });
    const byPod = Object.fromEntries(rep.findings.map((x) => [`${x.pod}/${x.container}`, x]));
    assert.deepEqual(Object.keys(byPod).sort(), ['batch/migrate', 'web/app']);
    assert.equal(byPod['batch/migrate']!.initContainer, true);
    assert.equal(byPod['batch/migrate']!.diagnosis.cause, 'CredentialsRejected');
    assert.match(byPod['batch/migrate']!.diagnosis.fix, /TCR namespace/);
    assert.equal(byPod['web/app']!.diagnosis.cause, 'NoNetworkPath');
    assert.equal(byPod['web/app']!.context.source, `tcraccess/${ACCESS}`);
  });

  it('doctor namespace on a healthy namespace exits 0', async () => {
    const r = await doctor(f, ['namespace', OK_NS, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const rep = report(r);
    assert.equal(rep.healthy, true);
    assert.deepEqual(rep.findings, []);
    assert.deepEqual(rep.scope, { kind: 'namespace', namespace: OK_NS, podsChecked: 2 });
    const text = await doctor(f, ['namespace', OK_NS]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^OK: no pod in namespace doctor-ok/);
  });

  it('doctor pod on a healthy pod exits 0; a missing pod, namespace or TcrAccess exits 2', async () => {
    assert.equal((await doctor(f, ['pod', 'running', '-n', OK_NS])).code, 0);
    const missing = await doctor(f, ['pod', 'nope', '-n', OK_NS]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /pod "nope" not found in namespace "doctor-ok"/);
    assert.equal((await doctor(f, ['namespace', 'doctor-nope'])).code, 2);
    assert.equal((await doctor(f, ['pod', 'web', '-n', BAD_NS, '--tcraccess', 'nope'])).code, 2);
  });
});
