import assert from 'node:assert/strict';
import { ConditionType, Reason } from '../../src/api/v1alpha1/conditions.ts';
import type { Condition, TcrAccess, TcrAccessStatus } from '../../src/api/v1alpha1/types.ts';
import type { CredentialsResult } from '../../src/controllers/tcraccess/credentials.ts';
import { computeStatus, networkCondition, readyCondition, sameStatus, secretsCondition, type Observation } from '../../src/controllers/tcraccess/status.ts';
import type { ConditionInput } from '../../src/k8s/conditions.ts';
import { makeAccess } from './fixtures.ts';

const T1 = '2024-05-01T10:00:00Z';
const T2 = '2024-05-01T11:30:00Z';

const CREDS_OK: CredentialsResult = { ok: true, auth: { username: 'u', password: 'p' }, message: 'Using username/password from Secret tcr-system/tcr-creds' };
const CREDS_BAD: CredentialsResult = { ok: false, reason: Reason.SourceSecretNotFound, message: 'Secret tcr-system/tcr-creds not found' };

const obs = (o: Partial<Observation> = {}): Observation => ({
  credentials: CREDS_OK,
  server: 'demo.tencentcloudcr.com',
  desired: 3,
  ready: 3,
  conflicts: [],
  failures: [],
  ...o,
});

const cond = (status: TcrAccessStatus, type: string): Condition => {
  const c = status.conditions?.find((x) => x.type === type);
  assert.ok(c, `condition ${type} missing`);
  return c;
};

const privateNetwork = { mode: 'Private' as const, private: { vpcId: 'vpc-1', subnetId: 'subnet-1' } };

describe('status: secretsCondition', () => {
  const cases: Array<{ name: string; o: Observation; status: string; reason: string; includes?: string[]; excludes?: string[] }> = [
    { name: 'all ready', o: obs(), status: 'True', reason: Reason.SecretsSynced, includes: ['3/3 namespaces ready'] },
    { name: 'nothing selected', o: obs({ desired: 0, ready: 0 }), status: 'True', reason: Reason.SecretsSynced, includes: ['No namespace is selected'] },
    { name: 'progressing', o: obs({ ready: 1 }), status: 'False', reason: Reason.SecretsProgressing, includes: ['1/3'] },
    { name: 'waiting for credentials', o: obs({ credentials: CREDS_BAD, ready: 0 }), status: 'False', reason: Reason.WaitingForCredentials },
    {
      name: 'apply failed (takes precedence over conflicts)',
      o: obs({ ready: 1, conflicts: ['c1'], failures: [{ namespace: 'team-b', message: 'forbidden' }, { namespace: 'team-c', message: 'boom' }] }),
      status: 'False',
      reason: Reason.ApplyFailed,
      includes: ['2 failing', 'team-b: forbidden'],
    },
    {
      name: 'conflicts once everything else is ready',
      o: obs({ desired: 4, ready: 2, conflicts: ['c1', 'c2'] }),
      status: 'False',
      reason: Reason.SecretConflict,
      includes: ['2 namespace(s): c1, c2'],
    },
    {
      name: 'conflicts while others still progress → progressing',
      o: obs({ desired: 5, ready: 2, conflicts: ['c1', 'c2'] }),
      status: 'False',
      reason: Reason.SecretsProgressing,
    },
    {
      name: 'conflict message lists at most 10 namespaces',
      o: obs({ desired: 12, ready: 0, conflicts: Array.from({ length: 12 }, (_, i) => `ns-${String(i).padStart(2, '0')}`) }),
      status: 'False',
      reason: Reason.SecretConflict,
      includes: ['12 namespace(s)', 'ns-09'],
      excludes: ['ns-10', 'ns-11'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = secretsCondition(c.o);
      assert.equal(got.type, ConditionType.SecretsReady);
      assert.equal(got.status, c.status);
      assert.equal(got.reason, c.reason);
      for (const s of c.includes ?? []) assert.ok(got.message.includes(s), `${got.message} should include ${s}`);
      for (const s of c.excludes ?? []) assert.ok(!got.message.includes(s), `${got.message} should not include ${s}`);
    });
  }
});

describe('status: networkCondition', () => {
  const cases: Array<{ name: string; network: TcrAccess['spec']['network']; status: string; reason: string }> = [
    { name: 'unset defaults to None', network: undefined, status: 'True', reason: Reason.NetworkNotManaged },
    { name: 'None', network: { mode: 'None' }, status: 'True', reason: Reason.NetworkNotManaged },
    { name: 'Private, not checked yet → Unknown', network: privateNetwork, status: 'Unknown', reason: Reason.Unknown },
    { name: 'Public, not checked yet → Unknown', network: { mode: 'Public', public: { natGateway: { id: 'nat-1' } } }, status: 'Unknown', reason: Reason.Unknown },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const access = makeAccess(c.network ? { spec: { network: c.network } } : {});
      const got = networkCondition(access);
      assert.deepEqual([got.type, got.status, got.reason], [ConditionType.NetworkReady, c.status, c.reason]);
    });
  }
});

describe('status: readyCondition', () => {
  const ok = (type: string, message = `${type} fine`): ConditionInput => ({ type, status: 'True', reason: 'Fine', message });
  const bad = (type: string, reason: string): ConditionInput => ({ type, status: 'False', reason, message: `${type} broken` });
  const C = ConditionType.CredentialsReady;
  const N = ConditionType.NetworkReady;
  const S = ConditionType.SecretsReady;
  const cases: Array<{ name: string; parts: ConditionInput[]; status: string; reason: string }> = [
    { name: 'all True → Ready', parts: [ok(C), ok(N), ok(S)], status: 'True', reason: Reason.Ready },
    { name: 'credentials first', parts: [bad(C, 'CredBad'), bad(N, 'NetBad'), bad(S, 'SecBad')], status: 'False', reason: 'CredBad' },
    { name: 'network before secrets', parts: [ok(C), bad(N, 'NetBad'), bad(S, 'SecBad')], status: 'False', reason: 'NetBad' },
    { name: 'secrets last', parts: [ok(C), ok(N), bad(S, 'SecBad')], status: 'False', reason: 'SecBad' },
    { name: 'Unknown is not Ready', parts: [ok(C), { type: N, status: 'Unknown', reason: 'Dunno', message: 'm' }, ok(S)], status: 'Unknown', reason: 'Dunno' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = readyCondition(c.parts);
      assert.equal(got.type, ConditionType.Ready);
      assert.equal(got.status, c.status);
      assert.equal(got.reason, c.reason);
      if (c.status !== 'True') assert.match(got.message, /^\w+Ready: \w+ broken$|^NetworkReady: m$/);
    });
  }
});

describe('status: computeStatus', () => {
  type Case = { name: string; access?: TcrAccess; o: Observation; ready: string; reason: string; failing?: string };
  const cases: Case[] = [
    { name: 'everything ready', o: obs(), ready: 'True', reason: Reason.Ready },
    { name: 'credentials missing', o: obs({ credentials: CREDS_BAD, ready: 0 }), ready: 'False', reason: Reason.SourceSecretNotFound, failing: ConditionType.CredentialsReady },
    {
      name: 'credentials missing and network unsupported → credentials reason',
      access: makeAccess({ spec: { network: privateNetwork } }),
      o: obs({ credentials: CREDS_BAD, ready: 0 }),
      ready: 'False',
      reason: Reason.SourceSecretNotFound,
      failing: ConditionType.CredentialsReady,
    },
    {
      name: 'link provisioning and secrets progressing → network reason',
      access: makeAccess({ spec: { network: privateNetwork } }),
      o: obs({ ready: 1, cloud: { uid: 'u', generation: 1, nextAt: 0, network: { type: 'NetworkReady', status: 'False', reason: Reason.LinkProvisioning, message: 'creating' } } }),
      ready: 'False',
      reason: Reason.LinkProvisioning,
      failing: ConditionType.NetworkReady,
    },
    { name: 'secrets progressing', o: obs({ ready: 1 }), ready: 'False', reason: Reason.SecretsProgressing, failing: ConditionType.SecretsReady },
    {
      name: 'apply failed',
      o: obs({ ready: 2, failures: [{ namespace: 'team-b', message: 'quota exceeded' }] }),
      ready: 'False',
      reason: Reason.ApplyFailed,
      failing: ConditionType.SecretsReady,
    },
    { name: 'conflict', o: obs({ ready: 2, conflicts: ['team-c'] }), ready: 'False', reason: Reason.SecretConflict, failing: ConditionType.SecretsReady },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const access = c.access ?? makeAccess({ generation: 7 });
      const st = computeStatus(access, c.o, T1);
      const ready = cond(st, ConditionType.Ready);
      assert.equal(ready.status, c.ready);
      assert.equal(ready.reason, c.reason);
      if (c.failing) assert.ok(ready.message.startsWith(`${c.failing}: `), ready.message);
      const parts = [ConditionType.CredentialsReady, ConditionType.NetworkReady, ConditionType.SecretsReady].map((t) => cond(st, t).status);
      assert.equal(ready.status === 'True', parts.every((s) => s === 'True'));
    });
  }

  it('orders conditions Ready, CredentialsReady, SecretsReady, NetworkReady and keeps foreign ones after them', () => {
    const foreign: Condition = { type: 'Aaa', status: 'True', reason: 'X', message: '', lastTransitionTime: T1 };
    const st = computeStatus(makeAccess({ status: { conditions: [foreign] } }), obs(), T1);
    assert.deepEqual(
      st.conditions!.map((c) => c.type),
      ['Ready', 'CredentialsReady', 'SecretsReady', 'NetworkReady', 'Aaa'],
    );
  });

  it('sets observedGeneration on the status and on every condition', () => {
    const st = computeStatus(makeAccess({ generation: 42 }), obs(), T1);
    assert.equal(st.observedGeneration, 42);
    assert.equal(st.conditions!.length, 4);
    for (const c of st.conditions!) assert.equal(c.observedGeneration, 42, c.type);
    // a later generation updates every condition's observedGeneration even when nothing else changes
    const next = computeStatus(makeAccess({ generation: 43, status: st }), obs(), T2);
    for (const c of next.conditions!) assert.equal(c.observedGeneration, 43, c.type);
  });

  it('keeps lastTransitionTime when status is unchanged and moves it when it flips', () => {
    const first = computeStatus(makeAccess(), obs({ ready: 1 }), T1);
    for (const c of first.conditions!) assert.equal(c.lastTransitionTime, T1);
    assert.equal(cond(first, 'Ready').status, 'False');

    // same statuses (even with a new reason/message): times stay
    const same = computeStatus(makeAccess({ status: first }), obs({ ready: 2, failures: [{ namespace: 'x', message: 'y' }] }), T2);
    for (const c of same.conditions!) assert.equal(c.lastTransitionTime, T1, c.type);
    assert.equal(cond(same, 'SecretsReady').reason, Reason.ApplyFailed);

    // Secrets become ready: Ready and SecretsReady flip; the others keep their time
    const flipped = computeStatus(makeAccess({ status: same }), obs(), T2);
    assert.equal(cond(flipped, 'Ready').status, 'True');
    assert.equal(cond(flipped, 'Ready').lastTransitionTime, T2);
    assert.equal(cond(flipped, 'SecretsReady').lastTransitionTime, T2);
    assert.equal(cond(flipped, 'CredentialsReady').lastTransitionTime, T1);
    assert.equal(cond(flipped, 'NetworkReady').lastTransitionTime, T1);

    // recomputing the same status is a no-op
    assert.ok(sameStatus(computeStatus(makeAccess({ status: flipped }), obs(), '2030-01-01T00:00:00Z'), flipped));
  });

  it('reports counts, server and the network the cloud step observed', () => {
    const network = { mode: 'Private', privateLink: { vpcId: 'vpc-1', subnetId: 'subnet-1', accessIp: '10.0.0.9', status: 'Running', createdByOperator: true } };
    const cloud = { uid: 'u', generation: 1, nextAt: 0, networkStatus: network, network: { type: 'NetworkReady', status: 'True' as const, reason: Reason.PrivateLinkReady, message: 'ok' } };
    const st = computeStatus(makeAccess({ spec: { network: privateNetwork } }), obs({ desired: 5, ready: 3, conflicts: ['a', 'b'], cloud }), T1);
    assert.deepEqual(st.secrets, { desired: 5, ready: 3, conflicts: 2, conflictNamespaces: ['a', 'b'] });
    assert.equal(st.server, 'demo.tencentcloudcr.com');
    assert.deepEqual(st.network, network);
    assert.equal(cond(st, 'NetworkReady').reason, Reason.PrivateLinkReady);
    assert.deepEqual(st.credentials, { source: 'SecretRef' });
  });

  it('caps conflictNamespaces at 10 but counts all conflicts', () => {
    const conflicts = Array.from({ length: 15 }, (_, i) => `ns-${String(i).padStart(2, '0')}`);
    const st = computeStatus(makeAccess(), obs({ desired: 15, ready: 0, conflicts }), T1);
    assert.equal(st.secrets!.conflicts, 15);
    assert.deepEqual(st.secrets!.conflictNamespaces, conflicts.slice(0, 10));
    assert.equal(cond(st, 'Ready').reason, Reason.SecretConflict);
  });

  it('drops conflictNamespaces and server once they no longer apply', () => {
    const withConflicts = computeStatus(makeAccess(), obs({ ready: 2, conflicts: ['x'] }), T1);
    const cleared = computeStatus(makeAccess({ status: withConflicts }), obs({ server: undefined }), T2);
    assert.deepEqual(cleared.secrets, { desired: 3, ready: 3, conflicts: 0 });
    assert.equal('server' in cleared, false);
  });

  it('does not modify the TcrAccess it is given', () => {
    const prev = computeStatus(makeAccess(), obs({ ready: 1 }), T1);
    const access = makeAccess({ status: prev });
    const snapshot = structuredClone(access);
    computeStatus(access, obs(), T2);
    assert.deepEqual(access, snapshot);
  });
});

describe('status: sameStatus', () => {
  const cases: Array<[string, unknown, unknown, boolean]> = [
    ['identical', { a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2] } }, true],
    ['key order ignored (top level)', { a: 1, b: 2 }, { b: 2, a: 1 }, true],
    ['key order ignored (nested, in arrays)', { x: [{ p: 1, q: 2 }], y: { m: 1, n: 2 } }, { y: { n: 2, m: 1 }, x: [{ q: 2, p: 1 }] }, true],
    ['undefined members ignored', { a: 1, b: undefined }, { a: 1 }, true],
    ['array order matters', { c: [1, 2] }, { c: [2, 1] }, false],
    ['value differs', { a: 1 }, { a: 2 }, false],
    ['extra key', { a: 1 }, { a: 1, b: 0 }, false],
    ['nested value differs', { s: { ready: 1 } }, { s: { ready: 2 } }, false],
    ['undefined vs empty', undefined, {}, false],
  ];
  for (const [name, a, b, want] of cases) {
    it(name, () => {
      assert.equal(sameStatus(a, b), want);
      assert.equal(sameStatus(b, a), want);
    });
  }
  it('treats statuses built in different key orders as equal', () => {
    const st = computeStatus(makeAccess(), obs(), T1);
    const reordered = JSON.parse(JSON.stringify(st, Object.keys(st).reverse().concat(['type', 'status', 'reason', 'message', 'observedGeneration', 'lastTransitionTime', 'desired', 'ready', 'conflicts', 'mode', 'source']))) as TcrAccessStatus;
    assert.notEqual(JSON.stringify(reordered), JSON.stringify(st));
    assert.ok(sameStatus(st, reordered));
  });
});
