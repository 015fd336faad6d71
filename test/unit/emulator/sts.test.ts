import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientConfig, DynamicCredential } from 'tencentcloud-sdk-nodejs/tencentcloud/common/interface.js';
import { defaultSeed, DEFAULT_UIN } from '../../../emulator/index.ts';
import { expectCode, OIDCRoleArnCredential, sdkError, StsClient, TcrClient, useEmulator } from './helpers.ts';

const ROLE_ARN = `qcs::cam::uin/${DEFAULT_UIN}:roleName/tcr-access-operator`;
const PROVIDER = 'tke-cls-emu00001';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.pod-identity.sig';

/** The TypeScript overloads do not allow the single-argument (TKE) form the JS supports (reference §1.7). */
const TkeOidcCredential = OIDCRoleArnCredential as unknown as new (clientConfig: ClientConfig) => DynamicCredential;

describe('emulator: STS AssumeRoleWithWebIdentity (TKE pod identity)', () => {
  const seed = defaultSeed();
  const acc = seed.accounts[0];
  assert.ok(acc);
  acc.roles = ['tcr-access-operator'];
  acc.oidcProviders = [PROVIDER];
  acc.webIdentityTokens = [TOKEN];
  const t = useEmulator({ seed });

  const saved: Record<string, string | undefined> = {};
  const ENV = ['TKE_REGION', 'TKE_PROVIDER_ID', 'TKE_WEB_IDENTITY_TOKEN_FILE', 'TKE_ROLE_ARN'];
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'emu-oidc-'));
    for (const k of ENV) saved[k] = process.env[k];
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  function tkeEnv(token = TOKEN, roleArn = ROLE_ARN): void {
    const file = join(dir, 'token');
    writeFileSync(file, token);
    Object.assign(process.env, { TKE_REGION: 'ap-guangzhou', TKE_PROVIDER_ID: PROVIDER, TKE_WEB_IDENTITY_TOKEN_FILE: file, TKE_ROLE_ARN: roleArn });
  }

  function tcrWithOidc(): TcrClient {
    const oidc = new TkeOidcCredential({ credential: { secretId: '', secretKey: '' }, profile: t.emu.clientConfig().profile });
    return new TcrClient({ ...t.emu.clientConfig(), credential: oidc });
  }

  it('serves the SDK OIDCRoleArnCredential (unsigned SKIP call) and accepts the temporary key with its token', async () => {
    tkeEnv();
    const tcr = tcrWithOidc();
    assert.equal((await tcr.DescribeInstances({})).TotalCount, 1);
    const [sts, call] = t.emu.calls();
    assert.deepEqual([sts?.product, sts?.action, sts?.secretId, sts?.outcome], ['sts', 'AssumeRoleWithWebIdentity', '', 'ok']);
    assert.equal((sts?.params as { ProviderId?: string }).ProviderId, PROVIDER);
    assert.deepEqual([call?.action, call?.token, call?.outcome], ['DescribeInstances', true, 'ok']);
    assert.match(call?.secretId ?? '', /^AKID[0-9A-Za-z]{32}$/);
  });

  it('rejects the temporary key once the emulator clock passes its expiry (AuthFailure.TokenFailure)', async () => {
    tkeEnv();
    const tcr = tcrWithOidc();
    await tcr.DescribeInstances({});
    t.emu.advance(7200_000);
    await expectCode(tcr.DescribeInstances({}), 'AuthFailure.TokenFailure');
  });

  it('refuses an unknown role or a bad web identity token (the SDK wraps it without a code)', async () => {
    tkeEnv(TOKEN, `qcs::cam::uin/${DEFAULT_UIN}:roleName/someone-else`);
    let e = await sdkError(tcrWithOidc().DescribeInstances({}));
    assert.match(e.message, /Get STS AssumeRoleWithWebIdentity failed: .*role `someone-else` does not exist/);
    tkeEnv('forged');
    e = await sdkError(tcrWithOidc().DescribeInstances({}));
    assert.match(e.message, /web identity token is invalid/);
    assert.deepEqual(
      t.emu.calls({ action: 'AssumeRoleWithWebIdentity' }).map((c) => c.errorCode),
      ['InternalError.GetRoleError', 'InvalidParameter.WebIdentityTokenError'],
    );
  });

  it('also answers a signed call from the STS client, with ExpiredTime and Expiration', async () => {
    const sts = new StsClient(t.emu.clientConfig());
    const res = await sts.AssumeRoleWithWebIdentity({ ProviderId: PROVIDER, WebIdentityToken: TOKEN, RoleArn: ROLE_ARN, RoleSessionName: 's', DurationSeconds: 600 });
    assert.equal(res.ExpiredTime, Math.floor((t.emu.now() + 600_000) / 1000));
    assert.match(res.Expiration ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await expectCode(sts.AssumeRoleWithWebIdentity({ ProviderId: PROVIDER, WebIdentityToken: TOKEN, RoleArn: 'not-an-arn', RoleSessionName: 's' }), 'InvalidParameter.ParamError');
  });
});
