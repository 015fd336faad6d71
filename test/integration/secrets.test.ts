// The operator's first whole job on a real kube-apiserver: image-pull Secrets and ServiceAccount entries
// across namespaces, kept right as namespaces, Secrets and sources change, and removed on deletion.
// The operator runs as its own process with only the RBAC of manifests/.
import assert from 'node:assert/strict';
import type { TcrAccessSpec } from '../../src/api/v1alpha1/types.ts';
import { eventually } from '../support/wait.ts';
import type { OperatorProcess } from '../support/operator.ts';
import { unb64 } from '../support/kube.ts';
import { freePort } from '../support/registry.ts';

import {
  accessPath,
  condition,
  createAccess,
  createNamespace,
  getAccess,
  getFixture,
  getOrUndefined,
  OPERATOR_NS,
  putSourceSecret,
  runOperator,
  type Fixture,
  type SAObj,
  type SecretObj,
} from '../support/fixture.ts';

const SERVER = 'prod.tencentcloudcr.com';
const PASSWORD = 'p4ss-word-never-logged-7f3a';
const PASSWORD2 = 'rotated-secret-never-logged-91bc';

const spec = (over: Partial<TcrAccessSpec['imagePullSecret']> = {}): TcrAccessSpec => ({
  registry: { server: SERVER },
  credentials: { secretRef: { namespace: OPERATOR_NS, name: 'robot' } },
  imagePullSecret: {
    name: 'tcr-pull',
    namespaces: { names: ['s-named'], selector: { matchLabels: { 'tcr-access': 'enabled' } }, exclude: ['s-excluded'] },
    ...over,
  },
});

describe('image-pull Secrets (real API server, operator process)', function () {
  this.timeout(120_000);
  let f: Fixture;
  let op: OperatorProcess;
  let metricsPort = 0;
  const secretAt = (ns: string) => getOrUndefined<SecretObj>(f.admin, `/api/v1/namespaces/${ns}/secrets/tcr-pull`);
  const saAt = (ns: string, name = 'default') => f.admin.get<SAObj>(`/api/v1/namespaces/${ns}/serviceaccounts/${name}`);
  const pullSecretsOf = async (ns: string, name = 'default') => ((await saAt(ns, name)).imagePullSecrets ?? []).map((r) => r.name);

  before(async function () {
    this.timeout(300_000);
    f = await getFixture();
    await putSourceSecret(f.admin, OPERATOR_NS, 'robot', { username: 'robot$prod', password: PASSWORD });
    await createNamespace(f.admin, 's-named');
    await createNamespace(f.admin, 's-labelled', { 'tcr-access': 'enabled' }, ['default', 'builder']);
    await createNamespace(f.admin, 's-other');
    await createNamespace(f.admin, 's-excluded', { 'tcr-access': 'enabled' });
    // a ServiceAccount that already references another Secret: merged, never replaced
    await f.admin.mergePatch('/api/v1/namespaces/s-labelled/serviceaccounts/default', { imagePullSecrets: [{ name: 'users-own' }] });
    metricsPort = await freePort();
    op = runOperator(f, [`--metrics-bind-address=127.0.0.1:${metricsPort}`]);
    await createAccess(f.admin, 'secrets', spec());
  });

  after(async () => {
    await op?.stop();
  });

  it('creates the Secret in named and labelled namespaces only, rendered for registry.server', async () => {
    await eventually(async () => {
      for (const ns of ['s-named', 's-labelled']) {
        const s = await secretAt(ns);
        assert.ok(s, `Secret in ${ns}`);
        assert.equal(s.type, 'kubernetes.io/dockerconfigjson');
        const cfg = JSON.parse(unb64(s.data['.dockerconfigjson']!)) as { auths: Record<string, { username: string; password: string; auth: string }> };
        assert.deepEqual(Object.keys(cfg.auths), [SERVER]);
        assert.equal(cfg.auths[SERVER]!.username, 'robot$prod');
        assert.equal(cfg.auths[SERVER]!.password, PASSWORD);
        assert.equal(unb64(cfg.auths[SERVER]!.auth), `robot$prod:${PASSWORD}`);
        const access = await getAccess(f.admin, 'secrets');
        assert.deepEqual(s.metadata.ownerReferences?.map((o) => o.uid), [access.metadata.uid]);
      }
      assert.equal(await secretAt('s-other'), undefined);
      assert.equal(await secretAt('s-excluded'), undefined);
    });
  });

  it('merges the entry into the default ServiceAccount, keeping entries it did not add', async () => {
    await eventually(async () => {
      assert.deepEqual(await pullSecretsOf('s-named'), ['tcr-pull']);
      assert.deepEqual(await pullSecretsOf('s-labelled'), ['users-own', 'tcr-pull']);
      assert.deepEqual(await pullSecretsOf('s-labelled', 'builder'), [], 'only the default ServiceAccount is selected by default');
    });
  });

  it('reports Ready with counts and observedGeneration', async () => {
    await eventually(async () => {
      const a = await getAccess(f.admin, 'secrets');
      assert.equal(a.status?.observedGeneration, a.metadata.generation);
      assert.deepEqual(a.status?.secrets, { desired: 2, ready: 2, conflicts: 0 });
      assert.equal(condition(a, 'Ready')?.status, 'True', JSON.stringify(a.status?.conditions));
      for (const t of ['Ready', 'CredentialsReady', 'SecretsReady', 'NetworkReady']) assert.equal(condition(a, t)?.observedGeneration, a.metadata.generation);
      assert.equal(condition(a, 'NetworkReady')?.reason, 'NetworkNotManaged');
      assert.equal(a.status?.server, SERVER);
    });
  });

  it('gives a Pod the Secret through its ServiceAccount (ServiceAccount admission plugin)', async () => {
    await eventually(async () => assert.ok((await pullSecretsOf('s-named')).includes('tcr-pull')));
    const pod = await f.admin.create<{ spec: { imagePullSecrets?: Array<{ name: string }> } }>('/api/v1/namespaces/s-named/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'app' },
      spec: { containers: [{ name: 'app', image: `${SERVER}/team/app:1.0` }] },
    });
    assert.deepEqual(pod.spec.imagePullSecrets, [{ name: 'tcr-pull' }]);
  });

  it('serves a namespace created later within about a second', async () => {
    const t0 = Date.now();
    await createNamespace(f.admin, 's-late', { 'tcr-access': 'enabled' });
    await eventually(async () => {
      assert.ok(await secretAt('s-late'));
      assert.deepEqual(await pullSecretsOf('s-late'), ['tcr-pull']);
    }, { timeoutMs: 5_000, intervalMs: 25 });
    console.log(`      namespace → Secret + ServiceAccount entry in ${Date.now() - t0} ms`);
  });

  it('patches a ServiceAccount created later when "*" selects all', async () => {
    await f.admin.mergePatch(accessPath('secrets'), { spec: { imagePullSecret: { serviceAccounts: ['*'] } } });
    await eventually(async () => assert.deepEqual(await pullSecretsOf('s-labelled', 'builder'), ['tcr-pull']));
    await f.admin.create('/api/v1/namespaces/s-labelled/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'later' } });
    await eventually(async () => assert.deepEqual(await pullSecretsOf('s-labelled', 'later'), ['tcr-pull']));
  });

  it('removes the Secret and its entries from a namespace that stops matching', async () => {
    await f.admin.mergePatch('/api/v1/namespaces/s-late', { metadata: { labels: { 'tcr-access': null } } });
    await eventually(async () => {
      assert.equal(await secretAt('s-late'), undefined);
      assert.deepEqual(await pullSecretsOf('s-late'), []);
    });
  });

  it('removes what is no longer selected even while the source Secret is gone (never waits for credentials)', async () => {
    await putSourceSecret(f.admin, OPERATOR_NS, 'robot-shrink', { username: 'robot$shrink', password: PASSWORD });
    await createNamespace(f.admin, 'shrink-a');
    await createNamespace(f.admin, 'shrink-b', { 'shrink-me': 'yes' });
    await createNamespace(f.admin, 'shrink-c');
    const at = (ns: string) => getOrUndefined<SecretObj>(f.admin, `/api/v1/namespaces/${ns}/secrets/shrink-pull`);
    await createAccess(f.admin, 'shrink', {
      ...spec({ name: 'shrink-pull', namespaces: { names: ['shrink-a', 'shrink-c'], selector: { matchLabels: { 'shrink-me': 'yes' } } } }),
      credentials: { secretRef: { namespace: OPERATOR_NS, name: 'robot-shrink' } },
    });
    await eventually(async () => {
      for (const ns of ['shrink-a', 'shrink-b', 'shrink-c']) {
        assert.ok(await at(ns), ns);
        assert.deepEqual(await pullSecretsOf(ns), ['shrink-pull'], ns);
      }
    });
    await f.admin.delete(`/api/v1/namespaces/${OPERATOR_NS}/secrets/robot-shrink`);
    await eventually(async () => assert.equal(condition(await getAccess(f.admin, 'shrink'), 'CredentialsReady')?.reason, 'SourceSecretNotFound'));
    // an incident responder's first move: exclude one namespace, unlabel another
    await f.admin.mergePatch(accessPath('shrink'), { spec: { imagePullSecret: { namespaces: { exclude: ['shrink-c'] } } } });
    await f.admin.mergePatch('/api/v1/namespaces/shrink-b', { metadata: { labels: { 'shrink-me': null } } });
    await eventually(async () => {
      for (const ns of ['shrink-b', 'shrink-c']) {
        assert.equal(await at(ns), undefined, ns);
        assert.deepEqual(await pullSecretsOf(ns), [], ns);
      }
    });
    // what is still selected keeps its Secret and entry: nothing is created or updated without credentials
    assert.ok(await at('shrink-a'));
    assert.deepEqual(await pullSecretsOf('shrink-a'), ['shrink-pull']);
    await f.admin.delete(accessPath('shrink'));
    await eventually(async () => assert.equal(await at('shrink-a'), undefined));
  });

  it('restores a managed Secret that is deleted or edited', async () => {
    const before = await secretAt('s-named');
    await f.admin.delete('/api/v1/namespaces/s-named/secrets/tcr-pull');
    await eventually(async () => {
      const s = await secretAt('s-named');
      assert.ok(s && s.metadata.uid !== before!.metadata.uid, 'recreated');
    });
    await f.admin.mergePatch('/api/v1/namespaces/s-named/secrets/tcr-pull', { data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') } });
    await eventually(async () => {
      const s = await secretAt('s-named');
      assert.match(unb64(s!.data['.dockerconfigjson']!), new RegExp(SERVER.replace(/\./g, '\\.')));
    });
    // removing our label hides it from the operator's filtered watch: it must still come back
    await f.admin.mergePatch('/api/v1/namespaces/s-named/secrets/tcr-pull', { metadata: { labels: { 'app.kubernetes.io/managed-by': null } } });
    await eventually(async () => {
      const s = await secretAt('s-named');
      assert.equal(s!.metadata.labels?.['app.kubernetes.io/managed-by'], 'tcr-access-operator');
    }, { timeoutMs: 15_000 });
  });

  it('never overwrites a Secret it does not own, and reports the conflict', async () => {
    await createNamespace(f.admin, 's-foreign');
    await f.admin.create('/api/v1/namespaces/s-foreign/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tcr-pull' }, stringData: { note: 'mine' } });
    await f.admin.mergePatch('/api/v1/namespaces/s-foreign', { metadata: { labels: { 'tcr-access': 'enabled' } } });
    await eventually(async () => {
      const a = await getAccess(f.admin, 'secrets');
      assert.equal(a.status?.secrets?.conflicts, 1, JSON.stringify(a.status));
      assert.deepEqual(a.status?.secrets?.conflictNamespaces, ['s-foreign']);
      assert.equal(condition(a, 'SecretsReady')?.reason, 'SecretConflict');
      assert.equal(condition(a, 'Ready')?.status, 'False');
    });
    const s = await secretAt('s-foreign');
    assert.equal(unb64(s!.data['note']!), 'mine');
    assert.equal(s!.type, 'Opaque');
    assert.deepEqual(await pullSecretsOf('s-foreign'), [], 'a ServiceAccount never points at a Secret that is not ours');
    await f.admin.delete('/api/v1/namespaces/s-foreign');
  });

  it('updates every copy when the source Secret changes', async () => {
    await putSourceSecret(f.admin, OPERATOR_NS, 'robot', { username: 'robot$prod', password: PASSWORD2 });
    await eventually(async () => {
      for (const ns of ['s-named', 's-labelled']) assert.match(unb64((await secretAt(ns))!.data['.dockerconfigjson']!), new RegExp(PASSWORD2));
    });
  });

  it('writes nothing once converged', async () => {
    const a0 = await eventually(async () => {
      const a = await getAccess(f.admin, 'secrets');
      assert.equal(condition(a, 'Ready')?.status, 'True', JSON.stringify(a.status?.conditions));
      return a;
    });
    const s0 = await secretAt('s-named');
    const sa0 = await saAt('s-labelled');
    // an observation window, not a sleep standing in for a condition: nothing may change during it
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal((await getAccess(f.admin, 'secrets')).metadata.resourceVersion, a0.metadata.resourceVersion);
    assert.equal((await secretAt('s-named'))!.metadata.resourceVersion, s0!.metadata.resourceVersion);
    assert.equal((await saAt('s-labelled')).metadata.resourceVersion, sa0.metadata.resourceVersion);
  });

  it('refuses a source Secret outside the allowed namespaces', async () => {
    await putSourceSecret(f.admin, 's-other', 'robot', { username: 'u', password: 'p' });
    await createAccess(f.admin, 'not-allowed', { ...spec({ name: 'other-pull', namespaces: { names: ['s-other'] } }), credentials: { secretRef: { namespace: 's-other', name: 'robot' } } });
    await eventually(async () => {
      const a = await getAccess(f.admin, 'not-allowed');
      assert.equal(condition(a, 'CredentialsReady')?.reason, 'SourceNotAllowed');
      assert.equal(condition(a, 'Ready')?.status, 'False');
      assert.equal(condition(a, 'Ready')?.reason, 'SourceNotAllowed');
    });
    assert.equal(await getOrUndefined(f.admin, '/api/v1/namespaces/s-other/secrets/other-pull'), undefined);
    await f.admin.delete(accessPath('not-allowed'));
  });

  it("refuses another TcrAccess's token Secret (any Secret the operator made) as a source", async () => {
    await f.admin.create(`/api/v1/namespaces/${OPERATOR_NS}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'tcra-token-victim', labels: { 'app.kubernetes.io/managed-by': 'tcr-access-operator', 'tcr.tke.dev/access': 'victim', 'tcr.tke.dev/role': 'token-source' } },
      type: 'Opaque',
      data: { username: Buffer.from('100012345678').toString('base64'), password: Buffer.from('victims-token').toString('base64') },
    });
    await createAccess(f.admin, 'thief', { ...spec({ name: 'stolen-pull', namespaces: { names: ['s-other'] } }), credentials: { secretRef: { namespace: OPERATOR_NS, name: 'tcra-token-victim' } } });
    await eventually(async () => {
      const a = await getAccess(f.admin, 'thief');
      assert.equal(condition(a, 'CredentialsReady')?.reason, 'SourceNotAllowed');
      assert.match(condition(a, 'CredentialsReady')?.message ?? '', /made by the operator/);
    });
    assert.equal(await getOrUndefined(f.admin, '/api/v1/namespaces/s-other/secrets/stolen-pull'), undefined);
    await f.admin.delete(accessPath('thief'));
    await f.admin.delete(`/api/v1/namespaces/${OPERATOR_NS}/secrets/tcra-token-victim`);
  });

  it('never reports success for a cloud spec it cannot reach', async () => {
    // no Tencent Cloud endpoint is reachable from this operator: the conditions must say so
    await createAccess(f.admin, 'unreachable', {
      ...spec({ name: 'x-pull', namespaces: { names: ['s-other'] } }),
      registry: { server: SERVER, instanceId: 'tcr-abc123', region: 'ap-guangzhou' },
      credentials: { instanceToken: { type: 'Temporary' } },
      network: { mode: 'Private', private: { vpcId: 'vpc-1', subnetId: 'subnet-1' } },
    });
    await eventually(async () => {
      const a = await getAccess(f.admin, 'unreachable');
      assert.equal(a.status?.observedGeneration, a.metadata.generation);
      for (const t of ['Ready', 'NetworkReady', 'CredentialsReady']) assert.notEqual(condition(a, t)?.status, 'True', `${t}: ${JSON.stringify(condition(a, t))}`);
      assert.ok(condition(a, 'NetworkReady'));
    }, { timeoutMs: 30_000 });
    assert.equal(await getOrUndefined(f.admin, '/api/v1/namespaces/s-other/secrets/x-pull'), undefined, 'no Secret without a token');
    await f.admin.delete(accessPath('unreachable'));
    await eventually(async () => assert.equal(await getOrUndefined(f.admin, accessPath('unreachable')), undefined), { timeoutMs: 30_000 });
  });

  it('leaves a Secret owned by another TcrAccess to its current owner', async () => {
    await createAccess(f.admin, 'second', { ...spec({ name: 'tcr-pull', namespaces: { names: ['s-named', 's-other'] } }) });
    await eventually(async () => {
      const a = await getAccess(f.admin, 'second');
      assert.deepEqual(a.status?.secrets, { desired: 2, ready: 1, conflicts: 1, conflictNamespaces: ['s-named'] });
      assert.ok(await secretAt('s-other'));
    });
    const first = await getAccess(f.admin, 'secrets');
    assert.deepEqual((await secretAt('s-named'))!.metadata.ownerReferences?.map((o) => o.uid), [first.metadata.uid], 'the first owner keeps it');
    await f.admin.delete(accessPath('second'));
    await eventually(async () => assert.equal(await secretAt('s-other'), undefined));
    assert.ok(await secretAt('s-named'), "deleting the second TcrAccess leaves the first one's Secret");
  });

  it('skips terminating namespaces: not counted, not an error', async () => {
    const before = (await getAccess(f.admin, 'secrets')).status!.secrets!.desired;
    await createNamespace(f.admin, 's-doomed', { 'tcr-access': 'enabled' });
    await eventually(async () => {
      assert.ok(await secretAt('s-doomed'));
      assert.equal((await getAccess(f.admin, 'secrets')).status?.secrets?.desired, before + 1);
    });
    await f.admin.delete('/api/v1/namespaces/s-doomed'); // stays Terminating: no namespace controller here
    await eventually(async () => {
      const a = await getAccess(f.admin, 'secrets');
      assert.equal(a.status?.secrets?.desired, before);
      assert.equal(condition(a, 'Ready')?.status, 'True', JSON.stringify(a.status));
    });
  });

  it('records Events on condition transitions only', async () => {
    const events = await f.admin.get<{ items: Array<{ type: string; reason: string; message: string; involvedObject: { name: string } }> }>('/api/v1/namespaces/default/events', {
      fieldSelector: 'involvedObject.name=secrets',
    });
    const reasons = events.items.map((e) => `${e.type}/${e.reason}`);
    assert.ok(reasons.includes('Warning/SecretConflict'), reasons.join(','));
    assert.ok(reasons.includes('Normal/Ready'), reasons.join(','));
    // every Event is a condition transition ("<Type>=<Status>: ..."), and none is added while nothing changes
    for (const e of events.items) assert.match(e.message, /^(Ready|CredentialsReady|SecretsReady|NetworkReady|PullHealthy)=(True|False|Unknown): /);
    await new Promise((r) => setTimeout(r, 2_000)); // an observation window: the state is not changing
    const again = await f.admin.get<{ items: unknown[] }>('/api/v1/namespaces/default/events', { fieldSelector: 'involvedObject.name=secrets' });
    assert.equal(again.items.length, events.items.length, 'no Event without a transition');
    for (const e of events.items) assert.ok(!e.message.includes(PASSWORD) && !e.message.includes(PASSWORD2));
  });

  it('serves Prometheus metrics without secret material', async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    for (const m of ['tcra_reconcile_total', 'tcra_reconcile_duration_seconds', 'tcra_workqueue_depth', 'tcra_secrets_managed', 'tcra_secret_conflicts', 'tcra_kube_writes_total', 'tcra_reconcile_errors_total']) {
      assert.match(text, new RegExp(`^# TYPE ${m} `, 'm'), m);
    }
    assert.match(text, /^tcra_secrets_managed\{tcraccess="secrets"\} [1-9]/m);
    assert.match(text, /^tcra_reconcile_total\{kind="namespace",result="success"\} [1-9]/m);
    assert.ok(!text.includes(PASSWORD) && !text.includes(PASSWORD2));
  });

  it('on deletion removes its Secrets and only its ServiceAccount entries', async () => {
    await f.admin.delete(accessPath('secrets'));
    await eventually(async () => {
      assert.equal(await getOrUndefined(f.admin, accessPath('secrets')), undefined, 'finalizer released');
      for (const ns of ['s-named', 's-labelled']) assert.equal(await secretAt(ns), undefined);
      assert.deepEqual(await pullSecretsOf('s-labelled'), ['users-own']);
      assert.deepEqual(await pullSecretsOf('s-named'), []);
      const sa = await saAt('s-labelled');
      assert.equal(sa.metadata.annotations?.['tcr.tke.dev/added-image-pull-secrets'], undefined);
    }, { timeoutMs: 20_000 });
  });

  it('never logs secret material', () => {
    const all = op.logs.join('\n');
    assert.ok(op.logs.length > 5, 'the operator logged');
    for (const s of [PASSWORD, PASSWORD2, Buffer.from(PASSWORD).toString('base64'), Buffer.from(`robot$prod:${PASSWORD}`).toString('base64')]) {
      assert.ok(!all.includes(s), 'secret material in logs');
    }
    for (const line of op.logs) assert.doesNotThrow(() => JSON.parse(line), `not a JSON log line: ${line}`);
  });
});
