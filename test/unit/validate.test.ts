// Values that slip past the API server (no CEL, or stored before a rule existed) give a condition, never
// an uncaught throw: the run-time schema check, desiredFor's InvalidSpec, and the probe's invalid address.
import assert from 'node:assert/strict';
import { specProblem } from '../../src/api/v1alpha1/validate.ts';
import type { Deps } from '../../src/controllers/tcraccess/deps.ts';
import { observeProbe } from '../../src/controllers/tcraccess/diagnose.ts';
import { desiredFor } from '../../src/controllers/tcraccess/observe.ts';
import { makeAccess } from './fixtures.ts';

/** Just what desiredFor and observeProbe read. */
function fakeDeps(): Deps {
  return {
    opts: { sourceNamespaces: ['tcr-system'] },
    caches: { sources: new Map() },
    state: { cloud: new Map(), probes: new Map() },
    queue: { addAfter: () => undefined },
    now: () => new Date('2025-01-01T00:00:00Z'),
  } as unknown as Deps;
}

describe('run-time spec validation (values that slipped past the API server)', () => {
  it('specProblem accepts a valid spec and names the bad field of an invalid one, without echoing it', () => {
    assert.equal(specProblem(makeAccess().spec), undefined);
    const bad = makeAccess({ spec: { registry: { server: 'https://Evil.example/x' } } }).spec;
    const p = specProblem(bad);
    assert.match(p ?? '', /spec\.registry\.server/);
    assert.doesNotMatch(p ?? '', /Evil/);
    assert.match(specProblem(makeAccess({ spec: { registry: { instanceId: 'abc', region: 'ap-guangzhou' } } }).spec) ?? '', /spec\.registry\.instanceId/);
    assert.match(specProblem(makeAccess({ spec: { imagePullSecret: { name: 'Bad Name' } } }).spec) ?? '', /spec\.imagePullSecret\.name/);
  });

  it('desiredFor turns an invalid spec into CredentialsReady InvalidSpec: no Secret, no server', () => {
    const r = desiredFor(makeAccess({ spec: { registry: { server: 'registry.example.com/path' } } }), fakeDeps());
    assert.equal(r.credentials.ok, false);
    assert.equal(!r.credentials.ok && r.credentials.reason, 'InvalidSpec');
    assert.equal(r.secret, undefined);
    assert.equal(r.server, undefined);
  });

  it('the live probe reports an address it cannot parse as a condition instead of throwing', async () => {
    // port 99999 matches the OpenAPI pattern; only the CEL rule (absent on old API servers) refuses it
    const access = makeAccess({ spec: { registry: { server: 'registry.example.com:99999' } } });
    (access.spec as { diagnostics?: unknown }).diagnostics = { probe: { enabled: true } };
    const conditions = await observeProbe(access, { server: 'registry.example.com:99999', credentials: { ok: false, reason: 'SourceSecretNotFound', message: '' }, secret: undefined }, fakeDeps());
    const reachable = conditions?.find((c) => c.type === 'RegistryReachable');
    assert.equal(reachable?.status, 'False');
    assert.equal(reachable?.reason, 'InvalidServer');
  });
});
