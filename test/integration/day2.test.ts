// Day-2 controls on a real kube-apiserver, the operator as its own process: namespace opt-out and several
// selectors, Secret metadata from the template, adopting an existing Secret, forcing a sync.
import assert from 'node:assert/strict';
import type { TcrAccessSpec } from '../../src/api/v1alpha1/types.ts';
import type { OperatorProcess } from '../support/operator.ts';
import { eventually } from '../support/wait.ts';
import { accessPath, createAccess, createNamespace, getFixture, getOrUndefined, OPERATOR_NS, putSourceSecret, runOperator, type Fixture, type SecretObj } from '../support/fixture.ts';

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
});
