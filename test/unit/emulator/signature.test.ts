import assert from 'node:assert/strict';
import http from 'node:http';
import type { LookupFunction } from 'node:net';
import { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, signRequest, startEmulator } from '../../../emulator/index.ts';
import { CommonClient, expectCode, TcrClient, useEmulator, VpcClient } from './helpers.ts';

describe('emulator: TC3 signature, envelope and dispatch', () => {
  const t = useEmulator();
  const REG = 'tcr-emu00001';

  it('accepts a request signed by the SDK and wraps the answer in the real envelope', async () => {
    const res = await t.clients.tcr.DescribeInstances({ Registryids: [REG] });
    assert.equal(res.TotalCount, 1);
    assert.equal(res.Registries?.[0]?.PublicDomain, 'emulator.tencentcloudcr.com');
    assert.match(res.RequestId ?? '', /^[0-9a-f-]{36}$/);
  });

  it('surfaces a wrong secret key as AuthFailure.SignatureFailure with requestId and traceId', async () => {
    const tcr = new TcrClient(t.emu.clientConfig({ credential: { secretId: DEFAULT_SECRET_ID, secretKey: 'wrong' } }));
    const e = await expectCode(tcr.DescribeInstances({}), 'AuthFailure.SignatureFailure');
    assert.match(e.message, /could not be validated/);
    assert.match(e.requestId, /^[0-9a-f-]{36}$/);
    assert.match(e.traceId, /^[0-9a-f-]{36}$/, 'X-TC-TraceId is echoed');
  });

  it('rejects an unknown SecretId with AuthFailure.SecretIdNotFound', async () => {
    const tcr = new TcrClient(t.emu.clientConfig({ credential: { secretId: 'AKIDnobody', secretKey: 'x' } }));
    await expectCode(tcr.DescribeInstances({}), 'AuthFailure.SecretIdNotFound');
  });

  it('rejects a token sent with a permanent key with AuthFailure.TokenFailure', async () => {
    const tcr = new TcrClient(t.emu.clientConfig({ credential: { secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY, token: 'bogus' } }));
    await expectCode(tcr.DescribeInstances({}), 'AuthFailure.TokenFailure');
  });

  it('rejects a timestamp more than 300 s off with AuthFailure.SignatureExpire', async () => {
    const emu = await startEmulator({ authNow: () => Date.now() + 301_000 });
    try {
      await expectCode(new TcrClient(emu.clientConfig()).DescribeInstances({}), 'AuthFailure.SignatureExpire');
    } finally {
      await emu.stop();
    }
  });

  it('verifies the raw body bytes and the credential scope', async () => {
    const body = Buffer.from(JSON.stringify({ RegistryId: REG }));
    const ts = Math.floor(Date.now() / 1000);
    const post = async (b: Buffer, authorization: string, extra: Record<string, string> = {}): Promise<{ Response: { Error?: { Code: string } } }> => {
      const res = await fetch(t.emu.url, {
        method: 'POST',
        body: b,
        headers: {
          'content-type': 'application/json',
          authorization,
          'x-tc-action': 'DescribeInternalEndpoints',
          'x-tc-version': '2019-09-24',
          'x-tc-region': 'ap-guangzhou',
          'x-tc-timestamp': String(ts),
          ...extra,
        },
      });
      assert.equal(res.status, 200);
      return (await res.json()) as { Response: { Error?: { Code: string } } };
    };
    const auth = signRequest({ secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY, service: 'tcr', timestampSec: ts, host: t.emu.endpoint, body });
    assert.equal((await post(body, auth)).Response.Error, undefined);
    // Same JSON, different bytes (whitespace): the signature covers the exact bytes.
    const spaced = Buffer.from(JSON.stringify({ RegistryId: REG }, null, 1));
    assert.equal((await post(spaced, auth)).Response.Error?.Code, 'AuthFailure.SignatureFailure');
    assert.equal((await post(body, 'TC3-HMAC-SHA256 garbage')).Response.Error?.Code, 'AuthFailure.InvalidAuthorization');
    assert.equal((await post(body, 'SKIP')).Response.Error?.Code, 'AuthFailure.InvalidAuthorization', 'SKIP only for STS');
    // A scope naming a product routes by it: tcr scope with the VPC version is a wrong version.
    const vpcAuth = signRequest({ secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY, service: 'tcr', timestampSec: ts, host: t.emu.endpoint, body });
    assert.equal((await post(body, vpcAuth, { 'x-tc-version': '2017-03-12' })).Response.Error?.Code, 'NoSuchVersion');
  });

  it('routes by X-TC-Version, not by action: unknown action, unknown version, missing region', async () => {
    const cfg = t.emu.clientConfig();
    await expectCode(new CommonClient('127.0.0.1', '2019-09-24', cfg).request('DescribeSubnets', {}), 'InvalidAction');
    await expectCode(new CommonClient('127.0.0.1', '2099-01-01', cfg).request('DescribeInstances', {}), 'NoSuchVersion');
    await expectCode(new TcrClient({ ...cfg, region: undefined }).DescribeInstances({}), 'MissingParameter');
    await expectCode(new TcrClient({ ...cfg, region: 'mars-north-1' }).DescribeInstances({}), 'UnsupportedRegion');
  });

  it('works with real hostnames through a custom agent (scope "tcr"/"vpc")', async () => {
    const lookup = ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) =>
      opts?.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) as unknown as LookupFunction;
    const agent = new http.Agent({ lookup });
    const profile = (svc: string) => ({ httpProfile: { endpoint: `${svc}.tencentcloudapi.com:${t.emu.port}`, protocol: 'http://', agent, reqTimeout: 5 } });
    const base = t.emu.clientConfig();
    const tcr = new TcrClient({ ...base, profile: profile('tcr') });
    const vpc = new VpcClient({ ...base, profile: profile('vpc') });
    assert.equal((await tcr.DescribeInstances({})).TotalCount, 1);
    assert.equal((await vpc.DescribeSubnets({})).TotalCount, 2);
    const scopes = t.emu.calls().map((c) => c.product);
    assert.deepEqual(scopes, ['tcr', 'vpc']);
    agent.destroy();
  });

  it('validates parameters: MissingParameter, InvalidParameter, UnknownParameter(.WithGuess)', async () => {
    const { tcr, vpc } = t.clients;
    await expectCode(tcr.DescribeInternalEndpoints({} as never), 'MissingParameter');
    await expectCode(tcr.DescribeInternalEndpoints({ RegistryId: 42 } as never), 'InvalidParameter');
    await expectCode(tcr.DescribeInternalEndpoints({ RegistryId: REG, Bogus: 1 } as never), 'UnknownParameter');
    await expectCode(vpc.DescribeSubnets({ subnetIds: [] } as never), 'UnknownParameter.WithGuess');
    // Nested keys are checked too.
    await expectCode(vpc.DescribeSubnets({ Filters: [{ Name: 'vpc-id', Value: ['x'] }] } as never), 'UnknownParameter.WithGuess');
    t.emu.setBehaviour({ strictUnknownParameters: false });
    const res = await tcr.DescribeInternalEndpoints({ RegistryId: REG, Bogus: 1 } as never);
    assert.equal(res.TotalCount, 0);
  });
});
