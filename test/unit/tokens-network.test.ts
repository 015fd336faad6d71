// Pure parts of the cloud steps: when a token must be minted, DNS status spellings, registry domains,
// how cloud errors become reasons.
import assert from 'node:assert/strict';
import { Reason } from '../../src/api/v1alpha1/conditions.ts';
import { cloudFailure } from '../../src/controllers/tcraccess/cloud.ts';
import { dnsDisabled, dnsEnabled, linkReady, registryDomain } from '../../src/controllers/tcraccess/network.ts';
import { TEMP_REFRESH_BEFORE_MS, tokenPlan, tokenSecretBody } from '../../src/controllers/tcraccess/tokens.ts';
import { b64, makeAccess } from './fixtures.ts';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const H = 3_600_000;
const tokenSecret = (type: string, issuedAt: Date, expiresAt: Date) => ({
  metadata: { name: 'tcra-token-demo', namespace: 'tcr-system', annotations: { 'tcr.tke.dev/token-type': type, 'tcr.tke.dev/issued-at': issuedAt.toISOString(), 'tcr.tke.dev/expires-at': expiresAt.toISOString() } },
  data: { username: b64('100012345678'), password: b64('t0k') },
});
const temp = makeAccess({ spec: { credentials: { secretRef: undefined, instanceToken: { type: 'Temporary' } } } });
const longTerm = (rotationPeriod?: string) => makeAccess({ spec: { credentials: { secretRef: undefined, instanceToken: { type: 'LongTerm', ...(rotationPeriod ? { rotationPeriod } : {}) } } } });

describe('tokens: tokenPlan', () => {
  const cases: Array<{ name: string; access: ReturnType<typeof makeAccess>; current: ReturnType<typeof tokenSecret> | undefined; mint: boolean; nextMs?: number }> = [
    { name: 'nothing stored → mint', access: temp, current: undefined, mint: true },
    { name: 'temp, fresh → keep, look again 20 min before expiry', access: temp, current: tokenSecret('temp', NOW, new Date(NOW.getTime() + H)), mint: false, nextMs: H - TEMP_REFRESH_BEFORE_MS },
    { name: 'temp, 19 min left → mint', access: temp, current: tokenSecret('temp', new Date(NOW.getTime() - 41 * 60_000), new Date(NOW.getTime() + 19 * 60_000)), mint: true },
    { name: 'temp stored but spec now LongTerm → mint', access: longTerm(), current: tokenSecret('temp', NOW, new Date(NOW.getTime() + H)), mint: true },
    { name: 'longterm within rotationPeriod → keep until rotation', access: longTerm('48h'), current: tokenSecret('longterm', new Date(NOW.getTime() - 24 * H), new Date(NOW.getTime() + 1000 * H)), mint: false, nextMs: 24 * H },
    { name: 'longterm past rotationPeriod → mint', access: longTerm('48h'), current: tokenSecret('longterm', new Date(NOW.getTime() - 49 * H), new Date(NOW.getTime() + 1000 * H)), mint: true },
    { name: 'longterm expiring before rotation → mint', access: longTerm('720h'), current: tokenSecret('longterm', new Date(NOW.getTime() - H), new Date(NOW.getTime() + 10 * 60_000)), mint: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = tokenPlan(c.access, c.current, NOW);
      assert.equal(p.mint, c.mint, p.reason);
      if (c.nextMs !== undefined) assert.equal(p.nextCheckMs, c.nextMs);
    });
  }
  it('a rotationPeriod below the minimum is raised to it and explained; a due rotation is marked as one', () => {
    const fresh = tokenSecret('longterm', new Date(NOW.getTime() - 30 * 60_000), new Date(NOW.getTime() + 1000 * H));
    const p = tokenPlan(longTerm('0m'), fresh, NOW, H);
    assert.equal(p.mint, false, 'not before the minimum of 1 h');
    assert.equal(p.nextCheckMs, 30 * 60_000);
    assert.match(p.tooShort ?? '', /below the minimum of 60 minutes/);
    const old = tokenSecret('longterm', new Date(NOW.getTime() - 2 * H), new Date(NOW.getTime() + 1000 * H));
    assert.deepEqual([tokenPlan(longTerm('0m'), old, NOW, H).mint, tokenPlan(longTerm('0m'), old, NOW, H).rotation], [true, true]);
    assert.equal(tokenPlan(longTerm('48h'), fresh, NOW, H).tooShort, undefined);
  });
  it('a rotation asked for now is treated exactly like a rotation that is due (temporary and long-term)', () => {
    const fresh = tokenSecret('longterm', NOW, new Date(NOW.getTime() + 1000 * H));
    assert.equal(tokenPlan(longTerm('720h'), fresh, NOW, H).mint, false);
    assert.deepEqual([tokenPlan(longTerm('720h'), fresh, NOW, H, true).mint, tokenPlan(longTerm('720h'), fresh, NOW, H, true).rotation], [true, true], 'the rollout guard applies');
    assert.equal(tokenPlan(temp, tokenSecret('temp', NOW, new Date(NOW.getTime() + H)), NOW, H, true).mint, true);
  });
  it('a stored Secret without a value is minted again', () => {
    const s = tokenSecret('temp', NOW, new Date(NOW.getTime() + H));
    s.data.password = '';
    assert.equal(tokenPlan(temp, s, NOW).mint, true);
  });
  it('the token Secret is labelled as a token source, owned by the TcrAccess, and carries no token outside data', () => {
    const b = tokenSecretBody(temp, 'tcr-system', { username: 'u', token: 'SECRET-TOKEN', expiresAtMs: NOW.getTime() + H, type: 'temp' }, NOW);
    assert.equal(b.metadata.labels['tcr.tke.dev/role'], 'token-source');
    assert.equal(b.metadata.ownerReferences[0]!.uid, temp.metadata.uid);
    assert.equal(Buffer.from(b.data['password']!, 'base64').toString(), 'SECRET-TOKEN');
    assert.ok(!JSON.stringify(b.metadata).includes('SECRET-TOKEN'));
  });
});

describe('network: pure helpers', () => {
  it('accepts every documented DNS status spelling', () => {
    for (const s of ['ENABLED', 'ENABLE']) assert.ok(dnsEnabled(s), s);
    for (const s of ['DISABLED', 'DISABLE', '', undefined]) assert.ok(dnsDisabled(s), String(s));
    assert.ok(!dnsEnabled('ERROR') && !dnsDisabled('ERROR'));
  });
  it('derives the registry domain from the DNS mode', () => {
    const inst = { registryId: 'tcr-1', name: 'prod', status: 'Running', type: 'premium', publicDomain: 'prod.tencentcloudcr.com', region: 'ap-guangzhou' };
    assert.equal(registryDomain(inst, true), 'prod.tencentcloudcr.com');
    assert.equal(registryDomain(inst, false), 'prod-vpc.tencentcloudcr.com');
  });
  it('a link is ready only with an access IP', () => {
    assert.ok(!linkReady({ vpcId: 'v', subnetId: 's', status: 'Running', accessIp: '' }));
    assert.ok(!linkReady({ vpcId: 'v', subnetId: 's', status: 'Creating', accessIp: '10.0.0.3' }));
    assert.ok(linkReady({ vpcId: 'v', subnetId: 's', status: 'Running', accessIp: '10.0.0.3' }));
  });
});

describe('cloud: cloudFailure', () => {
  const cases: Array<[string, string, number]> = [
    ['auth', Reason.CloudAuthFailed, 300_000],
    ['throttled', Reason.CloudThrottled, 10_000],
    ['quota', Reason.CloudQuotaExceeded, 300_000],
    ['permanent', Reason.CloudRequestInvalid, 300_000],
    ['transient', Reason.CloudUnavailable, 15_000],
  ];
  for (const [kind, reason, retry] of cases) {
    it(`${kind} → ${reason}`, () => {
      const f = cloudFailure(Object.assign(new Error('boom'), { kind, code: 'X.Y', requestId: 'req-1' }), 'Step');
      assert.equal(f.reason, reason);
      assert.equal(f.retryMs, retry);
      assert.match(f.message, /^Step: .*X\.Y: boom \(RequestId req-1\)/);
    });
  }
});
