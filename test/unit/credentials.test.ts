import assert from 'node:assert/strict';
import { Reason } from '../../src/api/v1alpha1/conditions.ts';
import type { TcrAccess } from '../../src/api/v1alpha1/types.ts';
import { resolveCredentials, type SourceSecret } from '../../src/controllers/tcraccess/credentials.ts';
import { b64, makeAccess } from './fixtures.ts';

const SERVER = 'demo.tencentcloudcr.com';
const USER = '100012345678';
const PASS = 'Sup3r-S3cret!pw';
const AUTH = b64(`${USER}:${PASS}`);
const ALLOWED: ReadonlySet<string> = new Set(['tcr-system', 'shared-creds']);
/** Every string that must never appear in a message. */
const SECRETS = [PASS, AUTH, b64(PASS), '987654321987'];

const secret = (data: Record<string, string> | undefined, namespace = 'tcr-system', name = 'tcr-creds'): SourceSecret => {
  const s: SourceSecret = { metadata: { name, namespace, resourceVersion: '1' } };
  if (data) s.data = data;
  return s;
};
const dockerConfig = (auths: Record<string, Record<string, string>>): Record<string, string> => ({ '.dockerconfigjson': b64(JSON.stringify({ auths })) });

const assertNoSecretMaterial = (message: string, extra: string[] = []) => {
  for (const s of [...SECRETS, ...extra]) assert.ok(!message.includes(s), `message leaks secret material ${JSON.stringify(s)}: ${message}`);
};

describe('credentials: resolveCredentials (success)', () => {
  const cases: Array<{ name: string; source: SourceSecret; user?: string; pass?: string }> = [
    { name: 'username/password', source: secret({ username: b64(USER), password: b64(PASS) }) },
    { name: '.dockerconfigjson entry for the server', source: secret(dockerConfig({ [SERVER]: { username: USER, password: PASS, auth: AUTH } })) },
    { name: '.dockerconfigjson entry under https://server', source: secret(dockerConfig({ [`https://${SERVER}`]: { username: USER, password: PASS } })) },
    { name: '.dockerconfigjson entry under https://server/v2/', source: secret(dockerConfig({ [`https://${SERVER}/v2/`]: { username: USER, password: PASS } })) },
    { name: '.dockerconfigjson entry with auth only', source: secret(dockerConfig({ [SERVER]: { auth: AUTH } })) },
    {
      name: '.dockerconfigjson auth only, password containing ":"',
      source: secret(dockerConfig({ [SERVER]: { auth: b64(`${USER}:a:b:c`) } })),
      pass: 'a:b:c',
    },
    {
      name: '.dockerconfigjson picks the server among several entries',
      source: secret(dockerConfig({ 'other.tencentcloudcr.com': { username: 'x', password: 'y' }, [SERVER]: { username: USER, password: PASS } })),
    },
    {
      name: 'username/password win over .dockerconfigjson',
      source: secret({ username: b64(USER), password: b64(PASS), ...dockerConfig({ [SERVER]: { username: 'x', password: 'y' } }) }),
    },
    { name: 'Secret in another allowed namespace', source: secret({ username: b64(USER), password: b64(PASS) }, 'shared-creds') },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const access = makeAccess({ spec: { credentials: { secretRef: { namespace: c.source.metadata.namespace, name: 'tcr-creds' } } } });
      const r = resolveCredentials(access, c.source, ALLOWED, SERVER);
      assert.equal(r.ok, true, r.message);
      assert.ok(r.ok);
      assert.deepEqual(r.auth, { username: c.user ?? USER, password: c.pass ?? PASS });
      assertNoSecretMaterial(r.message, [c.pass ?? PASS]);
    });
  }
});

describe('credentials: resolveCredentials (failures)', () => {
  type Case = { name: string; access?: TcrAccess; source: SourceSecret | undefined; reason: string; includes?: string[] };
  const cases: Case[] = [
    {
      name: 'no entry for the server → SourceSecretInvalid listing the hosts',
      source: secret(
        dockerConfig({
          'other.tencentcloudcr.com': { username: USER, password: PASS, auth: AUTH },
          'docker.io': { auth: AUTH },
          [`${SERVER}.evil`]: { username: USER, password: PASS },
        }),
      ),
      reason: Reason.SourceSecretInvalid,
      includes: ['docker.io', 'other.tencentcloudcr.com', `${SERVER}.evil`, SERVER],
    },
    { name: 'empty auths → SourceSecretInvalid', source: secret(dockerConfig({})), reason: Reason.SourceSecretInvalid, includes: ['none'] },
    {
      name: 'invalid .dockerconfigjson JSON',
      source: secret({ '.dockerconfigjson': b64(`{"auths":{"${SERVER}":{"password":"${PASS}","auth":"${AUTH}"`) }),
      reason: Reason.SourceSecretInvalid,
      includes: ['not valid JSON'],
    },
    {
      name: 'entry for the server without username/password or auth',
      source: secret(dockerConfig({ [SERVER]: { password: PASS } })),
      reason: Reason.SourceSecretInvalid,
    },
    {
      name: 'entry for the server whose auth has no colon',
      source: secret(dockerConfig({ [SERVER]: { auth: b64(PASS) } })),
      reason: Reason.SourceSecretInvalid,
    },
    {
      // Regression: a number here used to reach Buffer.from, which threw with the value in its message.
      name: 'entry whose auth is not a string (no throw, no leak)',
      source: { metadata: { name: 'tcr-creds', namespace: 'tcr-system' }, data: { '.dockerconfigjson': b64(`{"auths":{"${SERVER}":{"auth":987654321987}}}`) } },
      reason: Reason.SourceSecretInvalid,
      includes: ['no username and password'],
    },
    {
      name: 'entry whose username is not a string',
      source: { metadata: { name: 'tcr-creds', namespace: 'tcr-system' }, data: { '.dockerconfigjson': b64(`{"auths":{"${SERVER}":{"username":12345,"password":"${PASS}"}}}`) } },
      reason: Reason.SourceSecretInvalid,
    },
    { name: '.dockerconfigjson that is JSON null', source: secret({ '.dockerconfigjson': b64('null') }), reason: Reason.SourceSecretInvalid },
    { name: 'empty password', source: secret({ username: b64(USER), password: '' }), reason: Reason.SourceSecretInvalid, includes: ['empty'] },
    { name: 'empty username', source: secret({ username: '', password: b64(PASS) }), reason: Reason.SourceSecretInvalid, includes: ['empty'] },
    { name: 'password without username and no .dockerconfigjson', source: secret({ password: b64(PASS) }), reason: Reason.SourceSecretInvalid },
    { name: 'Secret without data', source: secret(undefined), reason: Reason.SourceSecretInvalid },
    {
      name: 'source namespace not allowed → SourceNotAllowed',
      access: makeAccess({ spec: { credentials: { secretRef: { namespace: 'kube-system', name: 'tcr-creds' } } } }),
      source: secret({ username: b64(USER), password: b64(PASS) }, 'kube-system'),
      reason: Reason.SourceNotAllowed,
      includes: ['kube-system', 'shared-creds, tcr-system'],
    },
    { name: 'missing Secret → SourceSecretNotFound', source: undefined, reason: Reason.SourceSecretNotFound, includes: ['tcr-system/tcr-creds'] },
    {
      name: 'instanceToken before the first token is stored → TokenProvisioning',
      access: makeAccess({ spec: { credentials: { secretRef: undefined, instanceToken: { type: 'Temporary' } } } }),
      source: undefined,
      reason: Reason.TokenProvisioning,
    },
    {
      name: 'instanceToken while the instance domain is unknown → WaitingForInstance',
      access: makeAccess({ spec: { registry: { server: undefined, instanceId: 'tcr-abc123', region: 'ap-guangzhou' }, credentials: { secretRef: undefined, instanceToken: { type: 'Temporary' } } } }),
      source: secret({ username: b64(USER), password: b64(PASS) }),
      reason: Reason.WaitingForInstance,
    },
    {
      name: 'no registry.server yet (instance not checked) → WaitingForInstance',
      access: makeAccess({ spec: { registry: { server: undefined, instanceId: 'tcr-abc123', region: 'ap-guangzhou' } } }),
      source: secret({ username: b64(USER), password: b64(PASS) }),
      reason: Reason.WaitingForInstance,
    },
    {
      name: 'no credentials source at all',
      access: makeAccess({ spec: { credentials: { secretRef: undefined } } }),
      source: secret({ username: b64(USER), password: b64(PASS) }),
      reason: Reason.SourceSecretInvalid,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const a = c.access ?? makeAccess();
      const r = resolveCredentials(a, c.source, ALLOWED, a.spec.registry.server, [SERVER]);
      assert.equal(r.ok, false);
      assert.ok(!r.ok);
      assert.equal(r.reason, c.reason, r.message);
      assert.ok(r.message.length > 0);
      for (const s of c.includes ?? []) assert.ok(r.message.includes(s), `message should mention ${s}: ${r.message}`);
      assertNoSecretMaterial(r.message);
    });
  }

  it('an instance token stored by the operator resolves, with its expiry and no secret material', () => {
    const a = makeAccess({ spec: { credentials: { secretRef: undefined, instanceToken: { type: 'LongTerm' } } } });
    const src = { ...secret({ username: b64('100012345678'), password: b64('tok-3f9a') }), metadata: { name: 'tcra-token-prod', namespace: 'tcr-system', annotations: { 'tcr.tke.dev/expires-at': '2027-01-01T00:00:00.000Z' } } };
    const r = resolveCredentials(a, src, ALLOWED, SERVER, [SERVER]);
    assert.ok(r.ok, r.message);
    assert.deepEqual(r.auth, { username: '100012345678', password: 'tok-3f9a' });
    assert.match(r.message, /Long-term instance token valid until 2027-01-01/);
    assertNoSecretMaterial(r.message, ['tok-3f9a']);
  });
});

describe('credentials: trust between TcrAccess objects (issue 8 item 3)', () => {
  const pw = { username: b64(USER), password: b64(PASS) };
  const labelled = (labels: Record<string, string>): SourceSecret => ({ ...secret(pw), metadata: { ...secret(pw).metadata, labels } });
  for (const [what, s] of [
    ['a token Secret (tcr.tke.dev/role: token-source)', labelled({ 'tcr.tke.dev/role': 'token-source' })],
    ['the webhook certificate (tcr.tke.dev/role: webhook-serving-cert)', labelled({ 'tcr.tke.dev/role': 'webhook-serving-cert' })],
    ['an image-pull copy (managed-by tcr-access-operator)', labelled({ 'app.kubernetes.io/managed-by': 'tcr-access-operator' })],
    ['a Secret owned by a TcrAccess, labels removed', { ...secret(pw), metadata: { ...secret(pw).metadata, ownerReferences: [{ kind: 'TcrAccess' }] } }],
  ] as Array<[string, SourceSecret]>) {
    it(`an operator-made Secret is never a source: ${what}`, () => {
      const r = resolveCredentials(makeAccess(), s, ALLOWED, SERVER);
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.reason, Reason.SourceNotAllowed);
      assert.match(r.message, /made by the operator/);
      assertNoSecretMaterial(r.message);
    });
  }

  const tokenAccess = (server?: string) =>
    makeAccess({ spec: { registry: { instanceId: 'tcr-abc123', region: 'ap-guangzhou', ...(server ? { server } : { server: undefined }) }, credentials: { secretRef: undefined, instanceToken: { type: 'Temporary' } } } });
  const tokenSecret = secret(pw, 'tcr-system', 'tcra-token-demo');
  const domains = ['demo.tencentcloudcr.com', 'demo-vpc.tencentcloudcr.com'];
  it('an instance token is never rendered for a registry.server that is not one of the instance domains', () => {
    const r = resolveCredentials(tokenAccess('evil.example.com'), tokenSecret, ALLOWED, 'evil.example.com', domains);
    assert.equal(!r.ok && r.reason, Reason.ServerNotInstanceDomain);
    assert.match(r.message, /demo-vpc\.tencentcloudcr\.com/);
  });
  it('…waits for the instance to be checked before rendering for an explicit registry.server', () => {
    const r = resolveCredentials(tokenAccess('demo.tencentcloudcr.com'), tokenSecret, ALLOWED, 'demo.tencentcloudcr.com', undefined);
    assert.equal(!r.ok && r.reason, Reason.WaitingForInstance);
  });
  it('…and accepts the public and -vpc domains', () => {
    for (const d of domains) assert.equal(resolveCredentials(tokenAccess(d), tokenSecret, ALLOWED, d, domains).ok, true, d);
    assert.equal(resolveCredentials(tokenAccess(), tokenSecret, ALLOWED, 'demo.tencentcloudcr.com', domains).ok, true, 'derived server');
  });
});
