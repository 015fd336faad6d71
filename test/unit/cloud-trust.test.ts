// Which cloud identity serves a TcrAccess: its cloudCredentials Secret (never one the operator made), or the
// operator's own ambient identity only while --cloud-ambient-credentials allows it.
import assert from 'node:assert/strict';
import { cloudCredentialsFor } from '../../src/controllers/tcraccess/cloud.ts';
import type { Deps } from '../../src/controllers/tcraccess/deps.ts';
import { b64, makeAccess } from './fixtures.ts';

const secrets = new Map<string, unknown>([
  ['tcr-system/tencentcloud', { metadata: { name: 'tencentcloud', namespace: 'tcr-system' }, data: { SecretId: b64('AKIDexample'), SecretKey: b64('key') } }],
  ['tcr-system/tcra-token-other', { metadata: { name: 'tcra-token-other', namespace: 'tcr-system', labels: { 'tcr.tke.dev/role': 'token-source' } }, data: { SecretId: b64('AKIDexample'), SecretKey: b64('key') } }],
]);
const deps = (ambientCredentials: boolean): Deps =>
  ({ opts: { sourceNamespaces: ['tcr-system'], ambientCredentials }, caches: { sources: new Map([['tcr-system', secrets]]) } }) as unknown as Deps;
const withCloudCredentials = (name: string) => {
  const a = makeAccess();
  a.spec.cloudCredentials = { secretRef: { namespace: 'tcr-system', name } };
  return a;
};

describe('cloud credentials: ambient identity and operator-made Secrets', () => {
  it('ambient credentials serve a TcrAccess without cloudCredentials while the flag allows it (the default)', () => {
    assert.deepEqual(cloudCredentialsFor(makeAccess(), deps(true)), { source: { kind: 'default' } });
  });
  it('with --cloud-ambient-credentials=false a TcrAccess without cloudCredentials gets AmbientCredentialsDisabled', () => {
    const r = cloudCredentialsFor(makeAccess(), deps(false));
    assert.equal(r.source, undefined);
    assert.equal(r.problem?.reason, 'AmbientCredentialsDisabled');
    assert.match(r.problem?.message ?? '', /cloudCredentials/);
  });
  it('its own cloudCredentials still work with the flag off', () => {
    assert.equal(cloudCredentialsFor(withCloudCredentials('tencentcloud'), deps(false)).source?.kind, 'static');
  });
  it('a Secret the operator made is never a cloudCredentials source', () => {
    assert.equal(cloudCredentialsFor(withCloudCredentials('tcra-token-other'), deps(true)).problem?.reason, 'SourceNotAllowed');
  });
});
