// Several replicas and restarts on a real API server: one leader writes, a killed leader is replaced
// within lease duration + retry period, SIGTERM releases the lease, and a restart in the middle of a
// rollout finishes it with no duplicate and no orphan.
import assert from 'node:assert/strict';
import type { TcrAccessSpec } from '../../src/api/v1alpha1/types.ts';
import { eventually } from '../support/wait.ts';
import type { OperatorProcess } from '../support/operator.ts';
import { startOperator } from '../support/operator.ts';
import { condition, createAccess, createNamespace, getAccess, getFixture, getOrUndefined, OPERATOR_NS, operatorIdentity, putSourceSecret, runOperator, type Fixture, type SecretObj } from '../support/fixture.ts';

interface Lease {
  metadata: { resourceVersion: string };
  spec: { holderIdentity?: string; renewTime?: string; acquireTime?: string; leaseTransitions?: number; leaseDurationSeconds?: number };
}

// the default Lease name: the Role in manifests/ grants exactly that one
const LEASE_ARGS = ['--leader-elect', '--lease-duration=4s', '--renew-deadline=3s', '--retry-period=500ms'];
const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${OPERATOR_NS}/leases/tcr-access-operator-leader`;

const spec = (name: string, label: string): TcrAccessSpec => ({
  registry: { server: 'replicas.tencentcloudcr.com' },
  credentials: { secretRef: { namespace: OPERATOR_NS, name: 'robot-replicas' } },
  imagePullSecret: { name, namespaces: { selector: { matchLabels: { [label]: 'yes' } } }, serviceAccounts: [] },
});

/** The replica whose logs say it became leader (its identity is in the lease). */
function leaderOf(ops: OperatorProcess[]): OperatorProcess | undefined {
  return ops.find((o) => o.logs.some((l) => l.includes('"Became leader"')) && o.proc.exitCode === null && o.proc.signalCode === null);
}

describe('replicas and restarts (real API server, operator processes)', function () {
  this.timeout(180_000);
  let f: Fixture;
  const ops: OperatorProcess[] = [];

  before(async function () {
    this.timeout(300_000);
    f = await getFixture();
    await putSourceSecret(f.admin, OPERATOR_NS, 'robot-replicas', { username: 'robot', password: 'replica-pass' });
  });

  afterEach(async () => {
    await Promise.all(ops.splice(0).map((o) => o.stop('SIGKILL')));
  });

  it('elects one leader; after the leader is killed the other takes over within lease duration + retry period', async () => {
    ops.push(runOperator(f, LEASE_ARGS), runOperator(f, LEASE_ARGS));
    const lease = await eventually(async () => {
      const l = await f.admin.get<Lease>(leasePath);
      assert.ok(l.spec.holderIdentity, 'lease held');
      assert.match(l.spec.renewTime ?? '', /\.\d{6}Z$/, 'MicroTime with six fractional digits');
      return l;
    }, { timeoutMs: 20_000 });
    const leader = await eventually(async () => {
      const l = leaderOf(ops);
      assert.ok(l, 'a replica logged that it leads');
      return l;
    });
    assert.equal(ops.filter((o) => o.logs.some((l) => l.includes('"Became leader"'))).length, 1, 'exactly one leader');
    const follower = ops.find((o) => o !== leader)!;

    await createNamespace(f.admin, 'r-one', { 'r-one': 'yes' }, []);
    await createAccess(f.admin, 'replicas-one', spec('r-pull', 'r-one'));
    await eventually(async () => assert.ok(await getOrUndefined(f.admin, '/api/v1/namespaces/r-one/secrets/r-pull')));
    assert.ok(!follower.logs.some((l) => l.includes('"Created Secret"')), 'the follower wrote nothing');

    const killedAt = Date.now();
    leader.proc.kill('SIGKILL');
    await eventually(async () => {
      const l = await f.admin.get<Lease>(leasePath);
      assert.notEqual(l.spec.holderIdentity, lease.spec.holderIdentity, 'lease taken over');
      assert.equal(l.spec.leaseTransitions, (lease.spec.leaseTransitions ?? 0) + 1);
    }, { timeoutMs: 15_000, intervalMs: 100 });
    const takeoverMs = Date.now() - killedAt;
    console.log(`      takeover after leader kill: ${takeoverMs} ms (lease 4 s + retry 0.5 s, jittered)`);
    assert.ok(takeoverMs < 4_000 + 500 * 2.2 + 1_500, `takeover took ${takeoverMs} ms`);
    // the new leader serves new work
    await createNamespace(f.admin, 'r-two', { 'r-one': 'yes' }, []);
    await eventually(async () => assert.ok(await getOrUndefined(f.admin, '/api/v1/namespaces/r-two/secrets/r-pull')), { timeoutMs: 10_000 });
    assert.ok(follower.logs.some((l) => l.includes('"Became leader"')));
  });

  it('releases the lease on SIGTERM so a successor need not wait', async () => {
    const a = runOperator(f, LEASE_ARGS);
    ops.push(a);
    await eventually(async () => assert.ok(a.logs.some((l) => l.includes('"Became leader"'))), { timeoutMs: 20_000 });
    const code = await a.stop('SIGTERM');
    assert.equal(code, 0, a.logs.slice(-5).join('\n'));
    assert.ok(a.logs.some((l) => l.includes('"Released the lease"')));
    const l = await f.admin.get<Lease>(leasePath);
    assert.equal(l.spec.holderIdentity ?? '', '');
    const b = runOperator(f, LEASE_ARGS);
    ops.push(b);
    const t0 = Date.now();
    await eventually(async () => assert.ok(b.logs.some((x) => x.includes('"Became leader"'))), { timeoutMs: 10_000 });
    assert.ok(Date.now() - t0 < 4_000, 'did not wait for the lease to expire');
  });

  it('a leader that cannot renew stops writing after the renew deadline; the other takes over', async () => {
    // two identities with the operator's RBAC, so one can lose its Lease permission alone
    const admin = f.admin;
    const kcA = await operatorIdentity(f, 'op-a', ['tcr-access-operator', 'tcr-access-operator-diagnose-pulls'], true);
    const kcB = await operatorIdentity(f, 'op-b', ['tcr-access-operator', 'tcr-access-operator-diagnose-pulls'], true);
    const a = startOperator({ kubeconfig: kcA, namespace: OPERATOR_NS, args: [...LEASE_ARGS, '--metrics-bind-address=0', '--health-probe-bind-address=0'] });
    ops.push(a);
    await eventually(async () => assert.ok(a.logs.some((l) => l.includes('"Became leader"'))), { timeoutMs: 20_000 });
    const b = startOperator({ kubeconfig: kcB, namespace: OPERATOR_NS, args: LEASE_ARGS });
    ops.push(b);
    await createNamespace(admin, 'r-renew-1', { 'r-one': 'yes' }, []);
    await eventually(async () => assert.ok(await getOrUndefined(admin, '/api/v1/namespaces/r-renew-1/secrets/r-pull')));
    // A can no longer touch the Lease: its renewals fail with 403
    await admin.delete(`/apis/rbac.authorization.k8s.io/v1/namespaces/${OPERATOR_NS}/rolebindings/op-a-lease`);
    await eventually(async () => assert.ok(a.logs.some((l) => l.includes('leader election lost')), 'A gave up leading'), { timeoutMs: 15_000 });
    const lostAt = a.logs.length;
    await eventually(async () => assert.ok(b.logs.some((l) => l.includes('"Became leader"')), 'B took over'), { timeoutMs: 15_000 });
    await createNamespace(admin, 'r-renew-2', { 'r-one': 'yes' }, []);
    await eventually(async () => assert.ok(await getOrUndefined(admin, '/api/v1/namespaces/r-renew-2/secrets/r-pull')));
    assert.ok(b.logs.some((l) => l.includes('"Created Secret"') && l.includes('r-renew-2')), 'B wrote it');
    assert.ok(!a.logs.slice(lostAt).some((l) => /"(Created|Updated|Deleted) Secret"|"Updated status"/.test(l)), 'A wrote nothing after losing the lease');
    assert.equal(await a.exited, 1, 'A exits non-zero (controller-runtime: "leader election lost"); its pod restarts as a fresh candidate');
  });

  it('finishes a rollout interrupted by a crash, with no duplicate and no orphan', async () => {
    const N = 120;
    await Promise.all(Array.from({ length: N }, (_, i) => createNamespace(f.admin, `roll-${i}`, i % 4 === 0 ? {} : { roll: 'yes' }, ['default'])));
    const selected = Array.from({ length: N }, (_, i) => i).filter((i) => i % 4 !== 0);
    const first = runOperator(f, ['--kube-api-qps=15', '--kube-api-burst=15']);
    ops.push(first);
    await createAccess(f.admin, 'rollout', { ...spec('roll-pull', 'roll'), imagePullSecret: { name: 'roll-pull', namespaces: { selector: { matchLabels: { roll: 'yes' } } } } });
    // wait until the rollout is under way, then crash the operator
    await eventually(async () => {
      const created = first.logs.filter((l) => l.includes('"Created Secret"')).length;
      assert.ok(created >= 10, `created ${created}`);
    }, { timeoutMs: 30_000, intervalMs: 20 });
    first.proc.kill('SIGKILL');
    await first.exited;
    const second = runOperator(f);
    ops.push(second);
    await eventually(async () => {
      const a = await getAccess(f.admin, 'rollout');
      assert.deepEqual(a.status?.secrets, { desired: selected.length, ready: selected.length, conflicts: 0 });
      assert.equal(condition(a, 'Ready')?.status, 'True');
    }, { timeoutMs: 60_000, intervalMs: 250 });
    const access = await getAccess(f.admin, 'rollout');
    const all = await f.admin.get<{ items: SecretObj[] }>('/api/v1/secrets', { labelSelector: 'tcr.tke.dev/access=rollout' });
    const byNs = new Map<string, number>();
    for (const s of all.items) byNs.set(s.metadata.namespace, (byNs.get(s.metadata.namespace) ?? 0) + 1);
    assert.deepEqual([...byNs.keys()].sort(), selected.map((i) => `roll-${i}`).sort(), 'Secrets exactly in the selected namespaces');
    assert.ok([...byNs.values()].every((n) => n === 1), 'one Secret per namespace');
    assert.ok(all.items.every((s) => s.metadata.ownerReferences?.[0]?.uid === access.metadata.uid));
    for (const i of [1, 2, 3, 5]) {
      const sa = await f.admin.get<{ imagePullSecrets?: Array<{ name: string }> }>(`/api/v1/namespaces/roll-${i}/serviceaccounts/default`);
      assert.deepEqual(sa.imagePullSecrets, [{ name: 'roll-pull' }], 'exactly one entry, no duplicate');
    }
  });
});
