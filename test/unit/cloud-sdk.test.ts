// SdkCloud against a tiny local HTTP server returning canned Tencent envelopes (the full emulator lives elsewhere).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import winston from 'winston';
import { CloudError } from '../../src/cloud/tencent/errors.ts';
import { PerActionRateLimiter } from '../../src/cloud/tencent/ratelimit.ts';
import { SdkCloud, type SdkCloudOptions } from '../../src/cloud/tencent/sdk.ts';

interface Seen {
  action: string;
  version: string;
  region: string;
  authorization: string;
  token: string | undefined;
  body: Record<string, unknown>;
  at: number;
}

type Reply = { status?: number; json?: unknown } | 'hang';
type Handler = (r: Seen, n: number) => Reply;

const ok = (fields: Record<string, unknown> = {}): Reply => ({ json: { Response: { ...fields, RequestId: randomUUID() } } });
const fail = (code: string, message = `${code} happened`): Reply => ({ json: { Response: { Error: { Code: code, Message: message }, RequestId: `rid-${code}` } } });

const SECRET_KEY = 'sk-THIS-MUST-NEVER-BE-LOGGED';

describe('cloud: SdkCloud over the real SDK', function () {
  this.timeout(20_000);
  let server: http.Server;
  let port: number;
  let seen: Seen[] = [];
  let handler: Handler = () => ok();
  let logs = '';
  const hanging = new Set<http.ServerResponse>();

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const h = (k: string) => {
          const v = req.headers[k];
          return Array.isArray(v) ? v.join(',') : v;
        };
        const r: Seen = {
          action: h('x-tc-action') ?? '',
          version: h('x-tc-version') ?? '',
          region: h('x-tc-region') ?? '',
          authorization: h('authorization') ?? '',
          token: h('x-tc-token'),
          body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>,
          at: performance.now(),
        };
        seen.push(r);
        const reply = handler(r, seen.filter((s) => s.action === r.action).length);
        if (reply === 'hang') {
          hanging.add(res);
          return;
        }
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', 'x-tc-traceid': h('x-tc-traceid') ?? '' });
        res.end(JSON.stringify(reply.json ?? {}));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    for (const r of hanging) r.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    seen = [];
    logs = '';
    handler = () => ok();
  });

  function cloud(over: Partial<SdkCloudOptions> = {}): SdkCloud {
    const stream = new PassThrough();
    stream.on('data', (d: Buffer) => (logs += d.toString('utf8')));
    const logger = winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
    return new SdkCloud({
      region: 'ap-guangzhou',
      credential: { secretId: 'AKIDTEST', secretKey: SECRET_KEY },
      endpoint: { host: `127.0.0.1:${port}`, protocol: 'http://' },
      timeoutSeconds: 2,
      logger,
      // Fast limits everywhere but where a test wants the real ones.
      rateLimiter: new PerActionRateLimiter({ defaultQps: 10_000, limits: { ManageInternalEndpoint: 10_000 } }),
      retry: { minTimeoutMs: 10, maxTimeoutMs: 40, maxRetryTimeMs: 3_000 },
      ...over,
    });
  }

  it('DescribeInstances: sends Registryids, signs with the TC3 scope, maps the registry', async () => {
    handler = (r) =>
      r.action === 'DescribeInstances'
        ? ok({
            TotalCount: 2,
            Registries: [
              { RegistryId: 'tcr-other', RegistryName: 'x' },
              { RegistryId: 'tcr-abc', RegistryName: 'reg', Status: 'Running', RegistryType: 'premium', PublicDomain: 'reg.tencentcloudcr.com', RegionName: 'ap-guangzhou' },
            ],
          })
        : fail('InvalidAction');
    const inst = await cloud().describeInstance('tcr-abc');
    assert.deepEqual(inst, { registryId: 'tcr-abc', name: 'reg', status: 'Running', type: 'premium', publicDomain: 'reg.tencentcloudcr.com', region: 'ap-guangzhou' });
    assert.equal(seen.length, 1);
    const r = seen[0]!;
    assert.deepEqual(r.body, { Registryids: ['tcr-abc'] });
    assert.equal(r.version, '2019-09-24');
    assert.equal(r.region, 'ap-guangzhou');
    assert.match(r.authorization, /^TC3-HMAC-SHA256 Credential=AKIDTEST\/\d{4}-\d\d-\d\d\/127\/tc3_request, SignedHeaders=content-type;host, Signature=[0-9a-f]{64}$/);
    assert.equal(r.token, undefined);
  });

  it('DescribeInstances: an empty list or ResourceNotFound is undefined', async () => {
    handler = () => ok({ TotalCount: 0, Registries: [] });
    assert.equal(await cloud().describeInstance('tcr-none'), undefined);
    handler = () => fail('ResourceNotFound');
    assert.equal(await cloud().describeInstance('tcr-none'), undefined);
  });

  it('VPC calls use the VPC version; subnet and route table are mapped', async () => {
    handler = (r) => {
      if (r.action === 'DescribeSubnets') return ok({ TotalCount: 1, SubnetSet: [{ SubnetId: 'subnet-1', VpcId: 'vpc-1', RouteTableId: 'rtb-1', Zone: 'ap-guangzhou-3', AvailableIpAddressCount: 250 }] });
      if (r.action === 'DescribeRouteTables')
        return ok({
          TotalCount: 1,
          RouteTableSet: [
            {
              RouteTableId: 'rtb-1',
              VpcId: 'vpc-1',
              AssociationSet: [{ SubnetId: 'subnet-1', RouteTableId: 'rtb-1' }, { SubnetId: 'subnet-2' }],
              RouteSet: [
                { DestinationCidrBlock: '10.0.0.0/16', GatewayType: 'LOCAL', GatewayId: 'local', RouteId: 1 },
                { DestinationCidrBlock: '0.0.0.0/0', GatewayType: 'NAT', GatewayId: 'nat-1', RouteId: 7, RouteDescription: 'owned-by tcr-access/x' },
              ],
            },
          ],
        });
      return ok({});
    };
    const c = cloud();
    assert.deepEqual(await c.describeSubnet('subnet-1'), { subnetId: 'subnet-1', vpcId: 'vpc-1', routeTableId: 'rtb-1', zone: 'ap-guangzhou-3', availableIps: 250 });
    assert.deepEqual(seen[0]!.body, { SubnetIds: ['subnet-1'] });
    assert.equal(seen[0]!.version, '2017-03-12');
    const rt = await c.describeRouteTable('rtb-1');
    assert.deepEqual(rt, {
      routeTableId: 'rtb-1',
      vpcId: 'vpc-1',
      subnetIds: ['subnet-1', 'subnet-2'],
      routes: [
        { destinationCidrBlock: '10.0.0.0/16', gatewayType: 'LOCAL', gatewayId: 'local', description: '', routeId: 1 },
        { destinationCidrBlock: '0.0.0.0/0', gatewayType: 'NAT', gatewayId: 'nat-1', description: 'owned-by tcr-access/x', routeId: 7 },
      ],
    });
    await c.createRoute('rtb-1', { destinationCidrBlock: '0.0.0.0/0', gatewayType: 'NAT', gatewayId: 'nat-1', description: 'm' });
    assert.deepEqual(seen.at(-1)!.body, { RouteTableId: 'rtb-1', Routes: [{ DestinationCidrBlock: '0.0.0.0/0', GatewayType: 'NAT', GatewayId: 'nat-1', RouteDescription: 'm' }] });
    await c.deleteRoute('rtb-1', 7);
    assert.deepEqual(seen.at(-1)!.body, { RouteTableId: 'rtb-1', Routes: [{ RouteId: 7 }] });
    handler = () => ok({ TotalCount: 0, SubnetSet: [] });
    assert.equal(await c.describeSubnet('subnet-x'), undefined);
  });

  it('paginates DescribeInstanceToken with Limit 100 over several pages', async () => {
    const all = Array.from({ length: 250 }, (_, i) => ({ Id: `tok-${i}`, Desc: `d${i}`, RegistryId: 'tcr-abc', Enabled: i % 2 === 0, CreatedAt: '2026-01-01', ExpiredAt: 1_900_000_000_000 + i }));
    handler = (r) => {
      const off = Number(r.body['Offset'] ?? 0);
      const lim = Number(r.body['Limit'] ?? 20);
      return ok({ TotalCount: all.length, Tokens: all.slice(off, off + lim) });
    };
    const tokens = await cloud().describeInstanceTokens('tcr-abc');
    assert.equal(tokens.length, 250);
    assert.deepEqual(tokens[3], { id: 'tok-3', desc: 'd3', enabled: false, createdAt: '2026-01-01', expiredAtMs: 1_900_000_000_003 });
    assert.deepEqual(
      seen.map((s) => [s.body['Offset'], s.body['Limit']]),
      [
        [0, 100],
        [100, 100],
        [200, 100],
      ],
    );
    assert.ok(seen.every((s) => s.action === 'DescribeInstanceToken' && s.body['RegistryId'] === 'tcr-abc'));
  });

  it('paginates DescribeNatGateways by vpc-id + tag-key until TotalCount', async () => {
    const all = Array.from({ length: 200 }, (_, i) => ({
      NatGatewayId: `nat-${i}`,
      NatGatewayName: `n${i}`,
      State: 'AVAILABLE',
      VpcId: 'vpc-1',
      PublicIpAddressSet: [{ AddressId: `eip-${i}`, PublicIpAddress: `1.2.3.${i % 250}` }],
      TagSet: [{ Key: 'owner', Value: `v${i}` }],
    }));
    handler = (r) => {
      const off = Number(r.body['Offset']);
      return ok({ TotalCount: all.length, NatGatewaySet: all.slice(off, off + Number(r.body['Limit'])) });
    };
    const nats = await cloud().describeNatGateways({ vpcId: 'vpc-1', tagKey: 'owner' });
    assert.equal(nats.length, 200);
    assert.equal(seen.length, 2, 'a full last page ending at TotalCount needs no extra call');
    assert.deepEqual(seen[0]!.body['Filters'], [
      { Name: 'vpc-id', Values: ['vpc-1'] },
      { Name: 'tag-key', Values: ['owner'] },
    ]);
    assert.deepEqual(nats[5], { natGatewayId: 'nat-5', name: 'n5', state: 'AVAILABLE', vpcId: 'vpc-1', publicIps: [{ addressId: 'eip-5', ip: '1.2.3.5' }], tags: [{ key: 'owner', value: 'v5' }], bandwidthOut: 0 });
    seen = [];
    handler = () => ok({ TotalCount: 0, NatGatewaySet: null });
    assert.deepEqual(await cloud().describeNatGateways({ ids: [] }), []);
    assert.equal(seen.length, 0, 'no call for an empty ID list');
    assert.deepEqual(await cloud().describeNatGateways({ ids: ['nat-x'] }), []);
    assert.deepEqual(seen[0]!.body, { NatGatewayIds: ['nat-x'], Offset: 0, Limit: 100 });
  });

  it('null or missing lists are []', async () => {
    handler = (r) => (r.action === 'DescribeInternalEndpoints' ? ok({ AccessVpcSet: null, TotalCount: 0 }) : ok({ SecurityPolicySet: null }));
    const c = cloud();
    assert.deepEqual(await c.describeInternalEndpoints('tcr-abc'), []);
    assert.deepEqual(await c.describeSecurityPolicies('tcr-abc'), []);
    handler = () => ok({});
    assert.deepEqual(await c.describeInternalEndpoints('tcr-abc'), []);
    assert.deepEqual(await c.describeSecurityPolicies('tcr-abc'), []);
    assert.deepEqual(await c.describeAddresses({ tag: { key: 'owner', value: 'me' } }), []);
    assert.deepEqual(seen.at(-1)!.body['Filters'], [{ Name: 'tag:owner', Values: ['me'] }]);
  });

  it('maps links, policies, DNS status (raw) and the DNS request fields', async () => {
    handler = (r) => {
      switch (r.action) {
        case 'DescribeInternalEndpoints':
          return ok({ AccessVpcSet: [{ VpcId: 'vpc-1', SubnetId: 'subnet-1', Status: 'Running', AccessIp: '10.0.0.9' }], TotalCount: 1 });
        case 'DescribeSecurityPolicies':
          return ok({ SecurityPolicySet: [{ CidrBlock: '1.2.3.4/32', Description: 'nat eip', PolicyIndex: 0, PolicyVersion: '3' }] });
        case 'DescribeInternalEndpointDnsStatus':
          return ok({ VpcSet: [{ Region: 'ap-guangzhou', VpcId: 'vpc-1', Status: 'ENABLE' }] });
        case 'DescribeExternalEndpointStatus':
          return ok({ Status: 'Opening' });
        default:
          return ok({ RegistryId: 'tcr-abc' });
      }
    };
    const c = cloud();
    assert.deepEqual(await c.describeInternalEndpoints('tcr-abc'), [{ vpcId: 'vpc-1', subnetId: 'subnet-1', status: 'Running', accessIp: '10.0.0.9' }]);
    assert.deepEqual(await c.describeSecurityPolicies('tcr-abc'), [{ cidrBlock: '1.2.3.4/32', description: 'nat eip', policyIndex: 0, policyVersion: '3' }]);
    const key = { registryId: 'tcr-abc', vpcId: 'vpc-1', eniLbIp: '10.0.0.9', usePublicDomain: true, regionName: 'ap-guangzhou' };
    assert.equal(await c.describeInternalEndpointDnsStatus(key), 'ENABLE');
    assert.deepEqual(seen.at(-1)!.body, { VpcSet: [{ InstanceId: 'tcr-abc', VpcId: 'vpc-1', EniLBIp: '10.0.0.9', UsePublicDomain: true, RegionName: 'ap-guangzhou' }] });
    await c.createInternalEndpointDns({ ...key, regionName: '' });
    assert.deepEqual(seen.at(-1)!.body, { InstanceId: 'tcr-abc', VpcId: 'vpc-1', EniLBIp: '10.0.0.9', UsePublicDomain: true });
    await c.manageInternalEndpoint('tcr-abc', 'Create', 'vpc-1', 'subnet-1');
    assert.deepEqual(seen.at(-1)!.body, { RegistryId: 'tcr-abc', Operation: 'Create', VpcId: 'vpc-1', SubnetId: 'subnet-1' });
    await c.deleteSecurityPolicy('tcr-abc', '1.2.3.4/32');
    assert.deepEqual(seen.at(-1)!.body, { RegistryId: 'tcr-abc', CidrBlock: '1.2.3.4/32' });
    assert.deepEqual(await c.describeExternalEndpointStatus('tcr-abc'), { status: 'Opening', reason: '' });
  });

  it('maps tokens, EIP allocation (string TaskId → number) and async task results', async () => {
    handler = (r) => {
      switch (r.action) {
        case 'CreateInstanceToken':
          return ok({ Username: '100036950234', Token: 'tok-value', ExpTime: 2051237057817, TokenId: 'ctrm3g86h7cp1kb7el2g' });
        case 'AllocateAddresses':
          return ok({ AddressSet: ['eip-1'], TaskId: '12345' });
        case 'DescribeTaskResult':
          return ok({ TaskId: 12345, Result: 'SUCCESS' });
        case 'DescribeVpcTaskResult':
          return ok({ Status: 'RUNNING' });
        case 'CreateNatGateway':
          return ok({ NatGatewaySet: [{ NatGatewayId: 'nat-new', State: 'PENDING' }], TotalCount: 1 });
        default:
          return ok({});
      }
    };
    const c = cloud();
    assert.deepEqual(await c.createInstanceToken('tcr-abc', 'longterm', 'marker'), { username: '100036950234', token: 'tok-value', expiresAtMs: 2051237057817, tokenId: 'ctrm3g86h7cp1kb7el2g' });
    assert.deepEqual(seen.at(-1)!.body, { RegistryId: 'tcr-abc', TokenType: 'longterm', Desc: 'marker' });
    assert.deepEqual(await c.allocateAddress({ name: 'eip-a', tags: [{ key: 'owner', value: 'me' }], clientToken: 'ct-1' }), { addressIds: ['eip-1'], taskId: 12345 });
    assert.deepEqual(seen.at(-1)!.body, { AddressCount: 1, AddressName: 'eip-a', Tags: [{ Key: 'owner', Value: 'me' }], ClientToken: 'ct-1' });
    assert.equal(await c.describeTaskResult(12345), 'SUCCESS');
    assert.deepEqual(seen.at(-1)!.body, { TaskId: 12345 });
    const { taskId } = await c.associateNatGatewayAddress('nat-1', ['1.2.3.4']);
    assert.match(taskId, /^[0-9a-f-]{36}$/, 'the task to poll is the RequestId of the call');
    assert.equal(await c.describeVpcTaskResult(taskId), 'RUNNING');
    assert.deepEqual(seen.at(-1)!.body, { TaskId: taskId });
    assert.equal(await c.createNatGateway({ name: 'n', vpcId: 'vpc-1', publicIps: ['1.2.3.4'], tags: [{ key: 'owner', value: 'me' }] }), 'nat-new');
    assert.deepEqual(seen.at(-1)!.body, { NatGatewayName: 'n', VpcId: 'vpc-1', PublicIpAddresses: ['1.2.3.4'], Tags: [{ Key: 'owner', Value: 'me' }] });
  });

  it('retries RequestLimitExceeded, then succeeds', async () => {
    handler = (_r, n) => (n <= 2 ? fail('RequestLimitExceeded') : ok({ SecurityPolicySet: [] }));
    assert.deepEqual(await cloud().describeSecurityPolicies('tcr-abc'), []);
    assert.equal(seen.length, 3);
  });

  it('reports every attempt for metrics: service, action, and Success, the Tencent code or HTTP<status>', async () => {
    const calls: string[] = [];
    const c = cloud({ onCall: (x) => calls.push(`${x.service} ${x.action} ${x.code}`) });
    handler = (_r, n) => (n === 1 ? fail('RequestLimitExceeded') : n === 2 ? { status: 503, json: {} } : ok({ SecurityPolicySet: [] }));
    await c.describeSecurityPolicies('tcr-abc');
    handler = () => ok({ SubnetSet: [] });
    await c.describeSubnet('subnet-1');
    assert.deepEqual(calls, ['tcr DescribeSecurityPolicies RequestLimitExceeded', 'tcr DescribeSecurityPolicies HTTP503', 'tcr DescribeSecurityPolicies Success', 'vpc DescribeSubnets Success']);
  });

  it('gives up after the retry budget, with the last error classified', async () => {
    handler = () => fail('RequestLimitExceeded.UinLimitExceeded');
    const err = await cloud({ retry: { retries: 2, minTimeoutMs: 5, maxTimeoutMs: 10 } })
      .describeSecurityPolicies('tcr-abc')
      .then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof CloudError);
    assert.equal(err.kind, 'throttled');
    assert.equal(seen.length, 3);
  });

  it('does not retry AuthFailure (permanent), and reports code and RequestId', async () => {
    handler = () => fail('AuthFailure.SignatureFailure', 'The provided credentials could not be validated.');
    const err = await cloud()
      .describeInternalEndpoints('tcr-abc')
      .then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof CloudError);
    assert.deepEqual([err.kind, err.code, err.requestId, err.action], ['auth', 'AuthFailure.SignatureFailure', 'rid-AuthFailure.SignatureFailure', 'DescribeInternalEndpoints']);
    assert.equal(seen.length, 1);
  });

  it('retries HTTP 5xx for reads but not for non-idempotent creates', async () => {
    handler = (_r, n) => (n === 1 ? { status: 503, json: {} } : ok({ AccessVpcSet: [] }));
    assert.deepEqual(await cloud().describeInternalEndpoints('tcr-abc'), []);
    assert.equal(seen.length, 2);
    seen = [];
    handler = () => ({ status: 502, json: {} });
    const err = await cloud()
      .createNatGateway({ name: 'n', vpcId: 'vpc-1', publicIps: [], tags: [] })
      .then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof CloudError);
    assert.deepEqual([err.kind, err.httpCode], ['transient', 502]);
    assert.equal(seen.length, 1, 'a 5xx may hide a created NAT gateway: not replayed');
  });

  it('a request timeout is transient (and retried within the budget)', async () => {
    handler = () => 'hang';
    const started = performance.now();
    const err = await cloud({ timeoutSeconds: 0.2, retry: { retries: 1, minTimeoutMs: 10, maxTimeoutMs: 10 } })
      .describeExternalEndpointStatus('tcr-abc')
      .then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof CloudError);
    assert.equal(err.kind, 'transient');
    assert.match(err.message, /network timeout/);
    assert.equal(seen.length, 2);
    assert.ok(performance.now() - started < 2_000);
  });

  it('connection refused is transient and marked not sent', async () => {
    const err = await cloud({ endpoint: { host: '127.0.0.1:1', protocol: 'http://' }, retry: { retries: 0 } })
      .describeInstance('tcr-abc')
      .then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof CloudError);
    assert.deepEqual([err.kind, err.notSent], ['transient', true]);
  });

  it('spaces ManageInternalEndpoint calls at its documented 2/s, waiting rather than failing', async () => {
    handler = () => ok({ RegistryId: 'tcr-abc' });
    const c = cloud({ rateLimiter: new PerActionRateLimiter() });
    await Promise.all([1, 2, 3].map((i) => c.manageInternalEndpoint('tcr-abc', 'Create', 'vpc-1', `subnet-${i}`)));
    assert.equal(seen.length, 3);
    const gaps = seen.slice(1).map((s, i) => s.at - seen[i]!.at);
    for (const g of gaps) assert.ok(g >= 450, `gap ${g.toFixed(0)} ms < 500 ms`);
  });

  it('logs action and RequestId at debug level, never the secret key', async () => {
    handler = (r) => (r.action === 'DescribeInstances' ? ok({ Registries: [] }) : fail('InvalidParameter'));
    const c = cloud();
    await c.describeInstance('tcr-abc');
    await c.describeSecurityPolicies('tcr-abc').catch(() => undefined);
    await new Promise((r) => setImmediate(r));
    const lines = logs
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.some((l) => l['action'] === 'DescribeInstances' && typeof l['requestId'] === 'string' && l['level'] === 'debug'));
    assert.ok(lines.some((l) => l['action'] === 'DescribeSecurityPolicies' && l['requestId'] === 'rid-InvalidParameter' && l['code'] === 'InvalidParameter'));
    assert.ok(!logs.includes(SECRET_KEY));
    assert.ok(!logs.includes('AKIDTEST'));
  });

  it('dynamic credentials: a token is sent; an unavailable identity is an auth error and nothing is sent', async () => {
    handler = () => ok({ AccessVpcSet: [] });
    await cloud({ credential: { getCredential: () => Promise.resolve({ secretId: 'AKIDTMP', secretKey: 'tmp', token: 'sess-token' }) } }).describeInternalEndpoints('tcr-abc');
    assert.equal(seen[0]!.token, 'sess-token');
    assert.match(seen[0]!.authorization, /Credential=AKIDTMP\//);
    seen = [];
    const { CredentialUnavailableError } = await import('../../src/cloud/tencent/errors.ts');
    const err = await cloud({ credential: { getCredential: () => Promise.reject(new CredentialUnavailableError('CVM role (instance metadata): no role')) } })
      .describeInternalEndpoints('tcr-abc')
      .then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof CloudError);
    assert.equal(err.kind, 'auth');
    assert.match(err.message, /credentials unavailable: CVM role/);
    assert.equal(seen.length, 0);
  });

  it('an aborted signal stops a call without retrying', async () => {
    handler = () => 'hang';
    const ac = new AbortController();
    const p = cloud({ signal: ac.signal, timeoutSeconds: 5 })
      .describeInternalEndpoints('tcr-abc')
      .then(() => undefined, (e: unknown) => e);
    setTimeout(() => ac.abort(), 100);
    const err = await p;
    assert.ok(err instanceof CloudError);
    assert.equal(err.aborted, true);
    assert.equal(seen.length, 1);
  });
});
