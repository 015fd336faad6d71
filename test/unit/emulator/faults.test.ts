import assert from 'node:assert/strict';
import { startEmulator, type TencentCloudEmulator } from '../../../emulator/index.ts';
import { clientsFor, expectCode, frozenNow, sdkError, TcrClient, useEmulator } from './helpers.ts';

const REG = 'tcr-emu00001';
const link = (subnet: string) => ({ RegistryId: REG, Operation: 'Create', VpcId: 'vpc-emu00001', SubnetId: subnet });

describe('emulator: rate limits', () => {
  let emu: TencentCloudEmulator;
  before(async () => {
    emu = await startEmulator({ now: frozenNow() });
  });
  after(async () => {
    await emu.stop();
  });
  beforeEach(() => emu.reset());

  it('throttles ManageInternalEndpoint at its documented 2/s and refills with time', async () => {
    const { tcr } = clientsFor(emu);
    await tcr.ManageInternalEndpoint(link('subnet-emu00001'));
    await tcr.ManageInternalEndpoint({ ...link('subnet-emu00001'), Operation: 'Delete' });
    const e = await expectCode(tcr.ManageInternalEndpoint(link('subnet-emu00002')), 'RequestLimitExceeded');
    assert.match(e.message, /frequency limit `2`/);
    emu.advance(1000);
    await tcr.ManageInternalEndpoint(link('subnet-emu00002'));
  });

  it('applies a global override and counts per SecretId and action', async () => {
    emu.setRateLimits({ overridePerSecond: 3 });
    const { tcr, vpc } = clientsFor(emu);
    for (let i = 0; i < 3; i++) await tcr.DescribeInstances({});
    await expectCode(tcr.DescribeInstances({}), 'RequestLimitExceeded');
    await vpc.DescribeSubnets({}); // another action has its own bucket
    emu.setRateLimits({ enabled: false });
    for (let i = 0; i < 10; i++) await tcr.DescribeInstances({});
  });
});

describe('emulator: fault injection and call statistics', () => {
  const t = useEmulator();

  it('answers HTTP 5xx (the SDK reports httpCode, no code)', async () => {
    t.emu.injectFault({ action: 'DescribeInstances', fault: { kind: 'http', status: 503 }, times: 1 });
    const e = await sdkError(t.clients.tcr.DescribeInstances({}));
    assert.equal(e.httpCode, 503);
    assert.equal(e.code, undefined);
    assert.equal((await t.clients.tcr.DescribeInstances({})).TotalCount, 1, 'times: 1');
  });

  it('hangs until the SDK times out', async () => {
    t.emu.injectFault({ action: 'DescribeInstances', fault: { kind: 'hang' } });
    const tcr = new TcrClient(t.emu.clientConfig({ reqTimeout: 0.3 }));
    const e = await sdkError(tcr.DescribeInstances({}));
    assert.match(e.message, /network timeout/);
    assert.equal(e.code, undefined);
  });

  it('fails after the Nth call, with a fixed code and message', async () => {
    t.emu.injectFault({ action: 'DescribeInternalEndpoints', after: 2, times: 1, fault: { kind: 'error', code: 'InternalError.DbError', message: 'db down' } });
    const { tcr } = t.clients;
    await tcr.DescribeInternalEndpoints({ RegistryId: REG });
    await tcr.DescribeInternalEndpoints({ RegistryId: REG });
    const e = await expectCode(tcr.DescribeInternalEndpoints({ RegistryId: REG }), 'InternalError.DbError');
    assert.equal(e.message, 'db down');
    await tcr.DescribeInternalEndpoints({ RegistryId: REG });
  });

  it('throttles N calls, returns malformed bodies, loses responses after executing, nulls lists', async () => {
    const { tcr } = t.clients;
    t.emu.injectFault({ action: 'DescribeExternalEndpointStatus', times: 2, fault: { kind: 'throttle' } });
    await expectCode(tcr.DescribeExternalEndpointStatus({ RegistryId: REG }), 'RequestLimitExceeded');
    await expectCode(tcr.DescribeExternalEndpointStatus({ RegistryId: REG }), 'RequestLimitExceeded');
    assert.equal((await tcr.DescribeExternalEndpointStatus({ RegistryId: REG })).Status, 'Closed');

    t.emu.injectFault({ action: 'DescribeInstances', times: 1, fault: { kind: 'malformed' } });
    await assert.rejects(tcr.DescribeInstances({}), (e: Error) => e.name === 'FetchError' && /invalid json/.test(e.message));

    t.emu.injectFault({ action: 'ManageExternalEndpoint', times: 1, fault: { kind: 'lose-response' } });
    const short = new TcrClient(t.emu.clientConfig({ reqTimeout: 0.3 }));
    await sdkError(short.ManageExternalEndpoint({ RegistryId: REG, Operation: 'Create' }));
    assert.equal((await tcr.DescribeExternalEndpointStatus({ RegistryId: REG })).Status, 'Opening', 'the change happened');

    t.emu.injectFault({ action: 'DescribeInternalEndpoints', fault: { kind: 'null-lists' } });
    assert.equal((await tcr.DescribeInternalEndpoints({ RegistryId: REG })).AccessVpcSet, null);
    t.emu.clearFaults();
    assert.deepEqual((await tcr.DescribeInternalEndpoints({ RegistryId: REG })).AccessVpcSet, []);
  });

  it('adds latency with a delay fault, and faults can be scoped to a product', async () => {
    t.emu.injectFault({ product: 'vpc', fault: { kind: 'error', code: 'InternalError.ModuleError' } });
    await expectCode(t.clients.vpc.DescribeSubnets({}), 'InternalError.ModuleError');
    await t.clients.tcr.DescribeInstances({});
    t.emu.clearFaults();
    t.emu.injectFault({ action: 'DescribeInstances', times: 1, fault: { kind: 'delay', ms: 150 } });
    const t0 = Date.now();
    await t.clients.tcr.DescribeInstances({});
    assert.ok(Date.now() - t0 >= 140);
  });

  it('counts calls per action, with a mutating flag', async () => {
    const { tcr, vpc } = t.clients;
    await tcr.DescribeInstances({});
    await tcr.DescribeInstances({});
    await tcr.ManageExternalEndpoint({ RegistryId: REG, Operation: 'Create' });
    await expectCode(vpc.DescribeSubnets({ SubnetIds: ['bad'] }), 'InvalidParameterValue.Malformed');
    assert.equal(t.emu.callCount('DescribeInstances'), 2);
    assert.equal(t.emu.callCount(undefined, { mutatingOnly: true }), 1);
    assert.deepEqual(t.emu.callCounts(), {
      DescribeInstances: { calls: 2, ok: 2, errors: 0, mutating: false },
      ManageExternalEndpoint: { calls: 1, ok: 1, errors: 0, mutating: true },
      DescribeSubnets: { calls: 1, ok: 0, errors: 1, mutating: false },
    });
    const rec = t.emu.calls({ action: 'ManageExternalEndpoint' })[0];
    assert.deepEqual(
      { product: rec?.product, region: rec?.region, params: rec?.params, token: rec?.token },
      { product: 'tcr', region: 'ap-guangzhou', params: { RegistryId: REG, Operation: 'Create' }, token: false },
    );
    assert.equal(t.emu.calls({ action: 'DescribeSubnets' })[0]?.errorCode, 'InvalidParameterValue.Malformed');
  });
});
