// Day-2 controls on a real kube-apiserver, the operator as its own process: namespace opt-out and several
// selectors, Secret metadata from the template, adopting an existing Secret, forcing a sync.
import assert from 'node:assert/strict';
import type { TcrAccessSpec } from '../../src/api/v1alpha1/types.ts';
import type { OperatorProcess } from '../support/operator.ts';
import { eventually } from '../support/wait.ts';
import { runCli } from '../support/cli.ts';
import { b64, unb64 } from '../support/kube.ts';
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

const SERVER = 'day2.tencentcloudcr.com';

describe('day-2 controls (real API server, operator process)', function () {
  this.timeout(120_000);
  let f: Fixture;
  let op: OperatorProcess;
  const secretIn = (ns: string, name: string) => getOrUndefined<SecretObj & { metadata: { annotations?: Record<string, string> } }>(f.admin, `/api/v1/namespaces/${ns}/secrets/${name}`);

  before(async function () {
    this.timeout(300_000);
    f = await getFixture();
    await putSourceSecret(f.admin, OPERATOR_NS, 'day2-robot', { username: 'robot$day2', password: 'day2-password-never-logged' });
    op = runOperator(f);
  });

  after(async () => {
    await op?.stop();
  });

  describe('namespace opt-out and several selectors', () => {
    const spec: TcrAccessSpec = {
      registry: { server: SERVER },
      credentials: { secretRef: { namespace: OPERATOR_NS, name: 'day2-robot' } },
      imagePullSecret: {
        name: 'sel-pull',
        namespaces: { names: ['d2-named-ignored'], selectors: [{ matchLabels: { 'd2-team': 'a' } }, { matchLabels: { 'd2-team': 'b' } }], exclude: ['d2-excluded'] },
      },
    };

    before(async () => {
      await createNamespace(f.admin, 'd2-team-a', { 'd2-team': 'a' });
      await createNamespace(f.admin, 'd2-team-b', { 'd2-team': 'b' });
      await createNamespace(f.admin, 'd2-team-c', { 'd2-team': 'c' });
      await createNamespace(f.admin, 'd2-opted-out', { 'd2-team': 'a', 'tcr.tke.dev/ignore': 'true' });
      await createNamespace(f.admin, 'd2-named-ignored', { 'tcr.tke.dev/ignore': 'true' });
      await createNamespace(f.admin, 'd2-excluded', { 'd2-team': 'b' });
      await createAccess(f.admin, 'd2-selectors', spec);
    });

    it('selects a namespace matching any of selectors, except opted-out and excluded ones; names beat the opt-out', async () => {
      await eventually(async () => {
        assert.ok(await secretIn('d2-team-a', 'sel-pull'), 'first selector');
        assert.ok(await secretIn('d2-team-b', 'sel-pull'), 'second selector');
        assert.ok(await secretIn('d2-named-ignored', 'sel-pull'), 'named despite the opt-out label');
      });
      assert.equal(await secretIn('d2-team-c', 'sel-pull'), undefined);
      assert.equal(await secretIn('d2-opted-out', 'sel-pull'), undefined);
      assert.equal(await secretIn('d2-excluded', 'sel-pull'), undefined);
    });

    it('removes the Secret once a namespace is labelled tcr.tke.dev/ignore=true', async () => {
      await f.admin.mergePatch('/api/v1/namespaces/d2-team-b', { metadata: { labels: { 'tcr.tke.dev/ignore': 'true' } } });
      await eventually(async () => assert.equal(await secretIn('d2-team-b', 'sel-pull'), undefined));
      await f.admin.mergePatch('/api/v1/namespaces/d2-team-b', { metadata: { labels: { 'tcr.tke.dev/ignore': null } } });
      await eventually(async () => assert.ok(await secretIn('d2-team-b', 'sel-pull')));
    });

    it('never selects kube-system through a selector, but does by name', async () => {
      await f.admin.mergePatch(accessPath('d2-selectors'), { spec: { imagePullSecret: { namespaces: { selectors: [{}] } } } });
      await eventually(async () => assert.ok(await secretIn('d2-team-c', 'sel-pull'), 'selectors: [{}] selects every ordinary namespace'));
      assert.equal(await secretIn('kube-system', 'sel-pull'), undefined);
      assert.equal(await secretIn('d2-opted-out', 'sel-pull'), undefined);
      await f.admin.mergePatch(accessPath('d2-selectors'), { spec: { imagePullSecret: { namespaces: { names: ['d2-named-ignored', 'kube-system'] } } } });
      await eventually(async () => assert.ok(await secretIn('kube-system', 'sel-pull')));
      await f.admin.delete(accessPath('d2-selectors'));
      await eventually(async () => assert.equal(await secretIn('kube-system', 'sel-pull'), undefined));
    });
  });

  describe('Secret metadata from the template', () => {
    before(async () => {
      await createNamespace(f.admin, 'd2-template');
      await createAccess(f.admin, 'd2-template', {
        registry: { server: SERVER },
        credentials: { secretRef: { namespace: OPERATOR_NS, name: 'day2-robot' } },
        imagePullSecret: {
          name: 'tmpl-pull',
          namespaces: { names: ['d2-template'] },
          template: { metadata: { labels: { 'velero.io/exclude-from-backup': 'true', team: 'a' }, annotations: { 'argocd.argoproj.io/compare-options': 'IgnoreExtraneous' } } },
        },
      });
    });

    it('puts the template labels and annotations on the Secret next to its own', async () => {
      await eventually(async () => {
        const s = await secretIn('d2-template', 'tmpl-pull');
        assert.ok(s);
        assert.equal(s.metadata.labels?.['velero.io/exclude-from-backup'], 'true');
        assert.equal(s.metadata.labels?.['team'], 'a');
        assert.equal(s.metadata.labels?.['app.kubernetes.io/managed-by'], 'tcr-access-operator');
        assert.equal(s.metadata.annotations?.['argocd.argoproj.io/compare-options'], 'IgnoreExtraneous');
        assert.equal(s.metadata.annotations?.['tcr.tke.dev/server'], SERVER);
      });
    });

    it('removes a key dropped from the template', async () => {
      await f.admin.mergePatch(accessPath('d2-template'), { spec: { imagePullSecret: { template: { metadata: { labels: { team: null } } } } } });
      await eventually(async () => {
        const s = await secretIn('d2-template', 'tmpl-pull');
        assert.ok(s);
        assert.equal(s.metadata.labels?.['team'], undefined);
        assert.equal(s.metadata.labels?.['velero.io/exclude-from-backup'], 'true');
      });
    });

    it("refuses a template that sets the operator's own label (API server)", async () => {
      await assert.rejects(
        f.admin.mergePatch(accessPath('d2-template'), { spec: { imagePullSecret: { template: { metadata: { labels: { 'app.kubernetes.io/managed-by': 'me' } } } } } }),
        /cannot be set in the template/,
      );
    });
  });

  describe('printer columns (kubectl get tcra, -o wide)', () => {
    interface Table {
      columnDefinitions: Array<{ name: string; priority: number }>;
      rows: Array<{ cells: unknown[]; object: { metadata: { name: string } } }>;
    }
    const table = () =>
      f.admin.request<Table>({ method: 'GET', path: '/apis/tcr.tke.dev/v1alpha1/tcraccesses', accept: 'application/json;as=Table;v=v1;g=meta.k8s.io', query: { includeObject: 'Metadata' } });

    it('shows Network from status, and Server, Expires and Message in -o wide only', async () => {
      await eventually(async () => {
        const t = await table();
        const cols = Object.fromEntries(t.columnDefinitions.map((c, i) => [c.name, { i, priority: c.priority }]));
        for (const wide of ['Server', 'Expires', 'Message']) assert.equal(cols[wide]?.priority, 1, `${wide} only in -o wide`);
        for (const always of ['Ready', 'Reason', 'Network']) assert.equal(cols[always]?.priority, 0, `${always} always shown`);
        const row = t.rows.find((r) => r.object.metadata.name === 'd2-template');
        assert.ok(row);
        // spec.network is not set: the column comes from status.network.mode written by the operator
        assert.equal(row.cells[cols['Network']!.i], 'None');
        assert.equal(row.cells[cols['Server']!.i], SERVER);
        assert.equal(row.cells[cols['Ready']!.i], 'True');
        assert.match(String(row.cells[cols['Message']!.i]), /\S/);
      });
    });
  });

  describe('adopting an existing Secret (creationPolicy Adopt)', () => {
    const OLD = 'hand-made-old-password';
    const dockerCfg = (auths: Record<string, { username: string; password: string }>) => b64(JSON.stringify({ auths }));
    const authsOf = (s: SecretObj) => (JSON.parse(unb64(s.data['.dockerconfigjson']!)) as { auths: Record<string, { username: string; password: string }> }).auths;
    const handMade = (ns: string, auths: Record<string, { username: string; password: string }>) =>
      f.admin.create(`/api/v1/namespaces/${ns}/secrets`, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'adopt-pull', labels: { owner: 'ops' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ data: { password: OLD } }) } },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': dockerCfg(auths) },
      });
    const adoptSpec = (names: string[], creationPolicy: 'Owner' | 'Adopt'): TcrAccessSpec => ({
      registry: { server: SERVER },
      credentials: { secretRef: { namespace: OPERATOR_NS, name: 'day2-adopt-robot' } },
      imagePullSecret: { name: 'adopt-pull', namespaces: { names }, creationPolicy },
    });
    let uidBefore = '';

    before(async () => {
      await putSourceSecret(f.admin, OPERATOR_NS, 'day2-adopt-robot', { username: 'robot$new', password: 'new-password-1' });
      await createNamespace(f.admin, 'd2-adopt');
      await createNamespace(f.admin, 'd2-adopt-only');
      await handMade('d2-adopt', { [SERVER]: { username: 'old', password: OLD }, 'docker.io': { username: 'hub', password: 'hub-pass' } });
      await handMade('d2-adopt-only', { [`https://${SERVER}`]: { username: 'old', password: OLD } });
      // pods pull through the hand-made Secret: the ServiceAccount already references it
      await f.admin.mergePatch('/api/v1/namespaces/d2-adopt/serviceaccounts/default', { imagePullSecrets: [{ name: 'adopt-pull' }] });
      uidBefore = (await secretIn('d2-adopt', 'adopt-pull'))!.metadata.uid;
      await createAccess(f.admin, 'd2-adopt', adoptSpec(['d2-adopt', 'd2-adopt-only'], 'Owner'));
    });

    it('with Owner (the default) a hand-made Secret is a conflict and left alone', async () => {
      await eventually(async () => {
        const a = await getAccess(f.admin, 'd2-adopt');
        assert.equal(a.status?.secrets?.conflicts, 2, JSON.stringify(a.status));
        assert.equal(condition(a, 'SecretsReady')?.reason, 'SecretConflict');
      });
      const s = (await secretIn('d2-adopt', 'adopt-pull'))!;
      assert.equal(authsOf(s)[SERVER]!.password, OLD);
      assert.equal(s.metadata.labels?.['app.kubernetes.io/managed-by'], undefined);
    });

    it('with Adopt takes the Secret over in place: its entry replaced, other registries kept, nothing old in metadata', async () => {
      await f.admin.mergePatch(accessPath('d2-adopt'), { spec: { imagePullSecret: { creationPolicy: 'Adopt' } } });
      await eventually(async () => {
        const s = (await secretIn('d2-adopt', 'adopt-pull'))!;
        const auths = authsOf(s);
        assert.equal(auths[SERVER]?.password, 'new-password-1');
        assert.equal(auths['docker.io']?.password, 'hub-pass');
        assert.equal(s.metadata.uid, uidBefore, 'updated in place, never deleted and recreated');
        assert.equal(s.metadata.labels?.['owner'], 'ops');
        assert.equal(s.metadata.labels?.['app.kubernetes.io/managed-by'], 'tcr-access-operator');
        assert.equal(s.metadata.annotations?.['tcr.tke.dev/adopted'], 'true');
        assert.doesNotMatch(JSON.stringify(s.metadata), new RegExp(OLD), 'the old credentials are not kept in metadata');
        const only = (await secretIn('d2-adopt-only', 'adopt-pull'))!;
        assert.deepEqual(Object.keys(authsOf(only)), [SERVER], 'the https:// form of our registry is replaced too');
        const a = await getAccess(f.admin, 'd2-adopt');
        assert.deepEqual(a.status?.secrets, { desired: 2, ready: 2, conflicts: 0 });
        assert.doesNotMatch(JSON.stringify(a.status), new RegExp(OLD));
      });
      const sa = await f.admin.get<SAObj>('/api/v1/namespaces/d2-adopt/serviceaccounts/default');
      assert.deepEqual(sa.imagePullSecrets, [{ name: 'adopt-pull' }]);
      assert.equal(sa.metadata.annotations?.['tcr.tke.dev/added-image-pull-secrets'], undefined, 'the entry was there before: not ours to remove');
    });

    it('keeps the other entries when its own credentials change', async () => {
      await putSourceSecret(f.admin, OPERATOR_NS, 'day2-adopt-robot', { username: 'robot$new', password: 'new-password-2' });
      await eventually(async () => {
        const auths = authsOf((await secretIn('d2-adopt', 'adopt-pull'))!);
        assert.equal(auths[SERVER]?.password, 'new-password-2');
        assert.equal(auths['docker.io']?.password, 'hub-pass');
      });
    });

    it('restores its entry when someone edits the adopted Secret, keeping what they added', async () => {
      const s = (await secretIn('d2-adopt', 'adopt-pull'))!;
      const auths = authsOf(s);
      delete auths[SERVER];
      auths['ghcr.io'] = { username: 'gh', password: 'gh-pass' };
      await f.admin.mergePatch('/api/v1/namespaces/d2-adopt/secrets/adopt-pull', { data: { '.dockerconfigjson': dockerCfg(auths) } });
      await eventually(async () => {
        const now = authsOf((await secretIn('d2-adopt', 'adopt-pull'))!);
        assert.deepEqual(Object.keys(now).sort(), [SERVER, 'docker.io', 'ghcr.io'].sort());
        assert.equal(now[SERVER]?.password, 'new-password-2');
      });
    });

    it('on deselection leaves only the other registries\' entries, without its label or owner', async () => {
      await f.admin.mergePatch(accessPath('d2-adopt'), { spec: { imagePullSecret: { namespaces: { names: ['d2-adopt-only'] } } } });
      await eventually(async () => {
        const s = (await secretIn('d2-adopt', 'adopt-pull'))!;
        assert.deepEqual(Object.keys(authsOf(s)).sort(), ['docker.io', 'ghcr.io']);
        assert.equal(s.metadata.labels?.['app.kubernetes.io/managed-by'], undefined);
        assert.equal(s.metadata.labels?.['owner'], 'ops');
        assert.equal(s.metadata.annotations?.['tcr.tke.dev/adopted'], undefined);
        assert.deepEqual(s.metadata.ownerReferences ?? [], []);
        assert.equal(s.metadata.uid, uidBefore);
      });
    });

    it('on deletion of the TcrAccess deletes an adopted Secret that has no other entries', async () => {
      await f.admin.delete(accessPath('d2-adopt'));
      await eventually(async () => assert.equal(await secretIn('d2-adopt-only', 'adopt-pull'), undefined));
      assert.ok(await secretIn('d2-adopt', 'adopt-pull'), 'the released Secret stays');
    });
  });

  describe('force sync (tcr-access sync)', () => {
    before(async () => {
      await createNamespace(f.admin, 'd2-force');
      // a foreign Secret of the wanted name: a conflict, retried only on the periodic resync (10 min) or a force sync
      await f.admin.create('/api/v1/namespaces/d2-force/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'force-pull' }, type: 'Opaque', data: { x: b64('y') } });
      await createAccess(f.admin, 'd2-force', { registry: { server: SERVER }, credentials: { secretRef: { namespace: OPERATOR_NS, name: 'day2-robot' } }, imagePullSecret: { name: 'force-pull', namespaces: { names: ['d2-force'] } } });
      await eventually(async () => assert.equal((await getAccess(f.admin, 'd2-force')).status?.secrets?.conflicts, 1));
    });

    it('re-checks a known conflict at once and records the value in status.lastForceSync', async () => {
      // the operator does not watch unlabelled Secrets: it cannot see this deletion by itself
      await f.admin.delete('/api/v1/namespaces/d2-force/secrets/force-pull');
      const r = await runCli(['sync', 'd2-force', '--wait', '--timeout', '30s', '--kubeconfig', f.cp.kubeconfigPath]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const value = /force-sync=(\S+)/.exec(r.stdout)?.[1];
      await eventually(async () => {
        const a = await getAccess(f.admin, 'd2-force');
        assert.equal(a.status?.lastForceSync, value);
        assert.deepEqual(a.status?.secrets, { desired: 1, ready: 1, conflicts: 0 });
        assert.equal((await secretIn('d2-force', 'force-pull'))?.type, 'kubernetes.io/dockerconfigjson');
      });
    });

    it('reports a TcrAccess that does not exist as a usage error', async () => {
      const r = await runCli(['sync', 'no-such-access', '--kubeconfig', f.cp.kubeconfigPath]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /TcrAccess "no-such-access" not found/);
    });
  });

  describe('logs', () => {
    it('never hold secret material', () => {
      const logs = op.logs.join('\n');
      assert.ok(op.logs.length > 5, 'the operator logged');
      for (const secret of ['day2-password-never-logged', 'hand-made-old-password', 'new-password-1', 'new-password-2', 'hub-pass', 'gh-pass']) assert.ok(!logs.includes(secret), secret);
    });
  });
});
