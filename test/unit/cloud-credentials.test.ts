import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import winston from 'winston';
import { credentialsFromSecretData, defaultCredentialChain, isDynamicCredential, resolveCredentials, type StaticCredential } from '../../src/cloud/tencent/credentials.ts';
import { CloudError } from '../../src/cloud/tencent/errors.ts';
import { SdkCloudFactory } from '../../src/cloud/tencent/factory.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const silent = winston.createLogger({ silent: true });

describe('cloud credentials: credentialsFromSecretData', () => {
  it('reads SecretId/SecretKey[/Token], trimming a trailing newline', () => {
    assert.deepEqual(credentialsFromSecretData({ SecretId: b64('AKID1'), SecretKey: b64('key1\n') }), { ok: true, credentials: { secretId: 'AKID1', secretKey: 'key1' }, keys: 'SecretId/SecretKey' });
    assert.deepEqual(credentialsFromSecretData({ SecretId: b64('AKID1'), SecretKey: b64('key1'), Token: b64('t') }), {
      ok: true,
      credentials: { secretId: 'AKID1', secretKey: 'key1', token: 't' },
      keys: 'SecretId/SecretKey/Token',
    });
  });

  it('accepts secretId/secretKey and TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY', () => {
    const a = credentialsFromSecretData({ secretId: b64('A'), secretKey: b64('B') });
    assert.ok(a.ok && a.credentials.secretId === 'A' && a.keys === 'secretId/secretKey');
    const e = credentialsFromSecretData({ TENCENTCLOUD_SECRET_ID: b64('C'), TENCENTCLOUD_SECRET_KEY: b64('D'), TENCENTCLOUD_SESSION_TOKEN: b64('E') });
    assert.ok(e.ok);
    assert.deepEqual(e.credentials, { secretId: 'C', secretKey: 'D', token: 'E' });
  });

  it('explains what is wrong without echoing values', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{}, /must hold SecretId\/SecretKey, or secretId\/secretKey, or TENCENTCLOUD_SECRET_ID\/TENCENTCLOUD_SECRET_KEY/],
      [{ SecretId: b64('AKIDVALUE') }, /has SecretId but no SecretKey/],
      [{ SecretKey: b64('KEYVALUE') }, /has SecretKey but no SecretId/],
      [{ SecretId: b64('AKIDVALUE'), SecretKey: b64('  ') }, /key SecretKey is empty/],
      [{ SecretId: b64('AKID VALUE'), SecretKey: b64('KEYVALUE') }, /key SecretId contains whitespace/],
      [{ SecretId: 'not base64!!', SecretKey: b64('KEYVALUE') }, /key SecretId is not valid base64/],
    ];
    for (const [data, re] of cases) {
      const r = credentialsFromSecretData(data);
      assert.equal(r.ok, false);
      if (r.ok) continue;
      assert.match(r.message, re);
      assert.ok(!/AKID|KEYVALUE/.test(r.message), r.message);
    }
  });
});

describe('cloud credentials: the chain', () => {
  it('environment first; a partial environment fails clearly', async () => {
    const r = defaultCredentialChain({ env: { TENCENTCLOUD_SECRET_ID: 'AKIDENV', TENCENTCLOUD_SECRET_KEY: 'envkey', TKE_ROLE_ARN: 'qcs::cam::uin/1:roleName/r' } });
    assert.equal(r.description, 'environment (TENCENTCLOUD_SECRET_ID)');
    assert.deepEqual(r.credential, { secretId: 'AKIDENV', secretKey: 'envkey' });
    assert.ok(!r.fingerprint.includes('envkey'));
    const partial = defaultCredentialChain({ env: { TENCENTCLOUD_SECRET_ID: 'AKIDENV' } });
    assert.ok(isDynamicCredential(partial.credential));
    await assert.rejects(partial.credential.getCredential(), /TENCENTCLOUD_SECRET_KEY is not set/);
  });

  it('TKE pod identity when TKE_* are set (incomplete: names the missing variables); else the CVM role', async () => {
    const tke = defaultCredentialChain({ env: { TKE_ROLE_ARN: 'qcs::cam::uin/1:roleName/r', TKE_REGION: 'ap-guangzhou' } });
    assert.equal(tke.description, 'TKE pod identity (role qcs::cam::uin/1:roleName/r)');
    assert.ok(isDynamicCredential(tke.credential));
    await assert.rejects(tke.credential.getCredential(), /TKE_WEB_IDENTITY_TOKEN_FILE, TKE_PROVIDER_ID not set/);
    const cvm = defaultCredentialChain({ env: {} });
    assert.equal(cvm.description, 'CVM role (instance metadata)');
    assert.ok(isDynamicCredential(cvm.credential));
  });

  it('static sources: the key is in the credential, only a keyed hash in the fingerprint', () => {
    const a = resolveCredentials({ kind: 'static', secretId: 'AKID1', secretKey: 'key-1' }, { staticDescription: 'Secret tcr-system/tencentcloud' });
    const b = resolveCredentials({ kind: 'static', secretId: 'AKID1', secretKey: 'key-2' });
    assert.equal(a.description, 'Secret tcr-system/tencentcloud');
    assert.deepEqual(a.credential, { secretId: 'AKID1', secretKey: 'key-1' });
    assert.notEqual(a.fingerprint, b.fingerprint);
    assert.equal(a.fingerprint, resolveCredentials({ kind: 'static', secretId: 'AKID1', secretKey: 'key-1' }).fingerprint);
    assert.ok(!a.fingerprint.includes('key-1') && !a.fingerprint.includes('AKID1'));
  });
});

describe('cloud credentials: TKE pod identity through a local STS', function () {
  this.timeout(20_000);
  let server: http.Server;
  let port: number;
  let dir: string;
  const seen: Array<{ version: string; action: string; authorization: string; token: string | undefined; body: Record<string, unknown> }> = [];
  let stsFails = 0;
  const saved: Record<string, string | undefined> = {};
  const VARS = ['TKE_ROLE_ARN', 'TKE_WEB_IDENTITY_TOKEN_FILE', 'TKE_PROVIDER_ID', 'TKE_REGION', 'TENCENTCLOUD_SECRET_ID', 'TENCENTCLOUD_SECRET_KEY'];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tke-oidc-'));
    writeFileSync(path.join(dir, 'token'), 'the-web-identity-jwt');
    for (const v of VARS) saved[v] = process.env[v];
    delete process.env['TENCENTCLOUD_SECRET_ID'];
    delete process.env['TENCENTCLOUD_SECRET_KEY'];
    // The SDK's OIDCRoleArnCredential reads these from process.env itself.
    process.env['TKE_ROLE_ARN'] = 'qcs::cam::uin/100:roleName/tcr-operator';
    process.env['TKE_WEB_IDENTITY_TOKEN_FILE'] = path.join(dir, 'token');
    process.env['TKE_PROVIDER_ID'] = 'cls-abc';
    process.env['TKE_REGION'] = 'ap-shanghai';
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const h = (k: string) => req.headers[k] as string | undefined;
        const r = { version: h('x-tc-version') ?? '', action: h('x-tc-action') ?? '', authorization: h('authorization') ?? '', token: h('x-tc-token'), body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown> };
        seen.push(r);
        let body: unknown;
        if (r.action === 'AssumeRoleWithWebIdentity') {
          body =
            stsFails-- > 0
              ? { Response: { Error: { Code: 'InternalError', Message: 'sts down' }, RequestId: randomUUID() } }
              : {
                  Response: {
                    Credentials: { TmpSecretId: 'AKIDTMP', TmpSecretKey: 'tmpkey', Token: 'sts-session-token' },
                    ExpiredTime: Math.floor(Date.now() / 1000) + 3600,
                    Expiration: new Date(Date.now() + 3600_000).toISOString(),
                    RequestId: randomUUID(),
                  },
                };
        } else {
          body = { Response: { AccessVpcSet: [], TotalCount: 0, RequestId: randomUUID() } };
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    for (const v of VARS) {
      if (saved[v] === undefined) delete process.env[v];
      else process.env[v] = saved[v];
    }
    rmSync(dir, { recursive: true, force: true });
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('exchanges the web identity token at STS (unsigned), then signs with the temporary key and token; recovers after an STS failure', async () => {
    const endpoint = { host: `127.0.0.1:${port}`, protocol: 'http://' as const };
    const factory = new SdkCloudFactory({ endpoint, stsEndpoint: endpoint, timeoutSeconds: 2, logger: silent, retry: { retries: 0 } });
    assert.equal(factory.describe({ kind: 'default' }), 'TKE pod identity (role qcs::cam::uin/100:roleName/tcr-operator)');
    const c = factory.client('ap-shanghai', { kind: 'default' });

    stsFails = 1;
    const err = await c.describeInternalEndpoints('tcr-abc').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof CloudError);
    assert.equal(err.kind, 'auth');
    assert.match(err.message, /TKE pod identity .*sts down/);

    seen.length = 0;
    assert.deepEqual(await c.describeInternalEndpoints('tcr-abc'), []);
    const sts = seen.find((s) => s.action === 'AssumeRoleWithWebIdentity');
    assert.ok(sts, 'the provider was rebuilt after the failure and asked STS again');
    assert.equal(sts.version, '2018-08-13');
    assert.equal(sts.authorization, 'SKIP');
    assert.equal(sts.body['RoleArn'], 'qcs::cam::uin/100:roleName/tcr-operator');
    assert.equal(sts.body['ProviderId'], 'cls-abc');
    assert.equal(sts.body['WebIdentityToken'], 'the-web-identity-jwt');
    const call = seen.find((s) => s.action === 'DescribeInternalEndpoints');
    assert.ok(call);
    assert.equal(call.token, 'sts-session-token');
    assert.match(call.authorization, /Credential=AKIDTMP\//);
  });
});

describe('cloud: SdkCloudFactory', () => {
  it('caches one client per (region, credentials)', () => {
    const f = new SdkCloudFactory({ timeoutSeconds: 5, logger: silent, env: { TENCENTCLOUD_SECRET_ID: 'AKIDENV', TENCENTCLOUD_SECRET_KEY: 'k' } });
    const s1: StaticCredential & { kind: 'static' } = { kind: 'static', secretId: 'AKID1', secretKey: 'a' };
    const a = f.client('ap-guangzhou', s1);
    assert.equal(f.client('ap-guangzhou', { ...s1 }), a);
    assert.notEqual(f.client('ap-shanghai', s1), a);
    assert.notEqual(f.client('ap-guangzhou', { ...s1, secretKey: 'b' }), a);
    const d = f.client('ap-guangzhou', { kind: 'default' });
    assert.equal(f.client('ap-guangzhou', { kind: 'default' }), d);
    assert.equal(d.credentialDescription, 'environment (TENCENTCLOUD_SECRET_ID)');
    assert.equal(f.describe(s1), 'static credentials');
  });

  it('drops the least recently used client beyond maxClients', () => {
    const f = new SdkCloudFactory({ timeoutSeconds: 5, logger: silent, maxClients: 2 });
    const src = { kind: 'static' as const, secretId: 'AKID1', secretKey: 'a' };
    const a = f.client('r1', src);
    const b = f.client('r2', src);
    assert.equal(f.client('r1', src), a);
    f.client('r3', src);
    assert.equal(f.client('r1', src), a, 'r1 was used recently');
    assert.notEqual(f.client('r2', src), b, 'r2 was dropped');
  });
});
