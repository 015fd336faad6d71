import assert from 'node:assert/strict';
import { defaultSeed, type Seed } from '../../../emulator/index.ts';
import { expectCode, useEmulator } from './helpers.ts';

const REG = 'tcr-emu00001';
const VPC = 'vpc-emu00001';
const SUBNET = 'subnet-emu00001';
const SUBNET2 = 'subnet-emu00002';

function seedWith(extra: NonNullable<Seed['accounts'][number]['registries']>): Seed {
  const seed = defaultSeed();
  const acc = seed.accounts[0];
  assert.ok(acc);
  acc.registries = [...(acc.registries ?? []), ...extra];
  return seed;
}

describe('emulator: TCR', () => {
  const t = useEmulator({
    seed: seedWith([
      { id: 'tcr-basic001', name: 'cheap', type: 'basic', externalEndpoint: 'Opened' },
      { id: 'tcr-other001', name: 'other', type: 'standard' },
      { id: 'tcr-shanghai', name: 'east', region: 'ap-shanghai' },
    ]),
  });

  describe('DescribeInstances', () => {
    it('lists the region, filters by id and name, pages with Offset/Limit', async () => {
      const { tcr } = t.clients;
      const all = await tcr.DescribeInstances({});
      assert.equal(all.TotalCount, 3, 'ap-shanghai is not listed from ap-guangzhou');
      const reg = (await tcr.DescribeInstances({ Registryids: [REG] })).Registries?.[0];
      assert.deepEqual(
        { id: reg?.RegistryId, name: reg?.RegistryName, type: reg?.RegistryType, status: reg?.Status, region: reg?.RegionName, regionId: reg?.RegionId },
        { id: REG, name: 'emulator', type: 'premium', status: 'Running', region: 'ap-guangzhou', regionId: 1 },
      );
      const byName = await tcr.DescribeInstances({ Filters: [{ Name: 'RegistryName', Values: ['other'] }] });
      assert.deepEqual(byName.Registries?.map((r) => r.RegistryId), ['tcr-other001']);
      const page = await tcr.DescribeInstances({ Offset: 2, Limit: 2 });
      assert.equal(page.TotalCount, 3);
      assert.equal(page.Registries?.length, 1);
      assert.equal((await tcr.DescribeInstances({ AllRegion: true })).TotalCount, 4);
    });

    it('answers an empty list for an unknown id (documented choice)', async () => {
      const res = await t.clients.tcr.DescribeInstances({ Registryids: ['tcr-nothere1'] });
      assert.equal(res.TotalCount, 0);
      assert.deepEqual(res.Registries, []);
    });
  });

  describe('private access link and DNS', () => {
    it('walks the whole flow: link, IP after the delay, DNS, ordered teardown', async () => {
      const { tcr } = t.clients;
      const emu = t.emu;
      const dns = (ip: string, usePublicDomain = true) => ({ InstanceId: REG, VpcId: VPC, EniLBIp: ip, UsePublicDomain: usePublicDomain, RegionName: 'ap-guangzhou' });

      await tcr.ManageInternalEndpoint({ RegistryId: REG, Operation: 'Create', VpcId: VPC, SubnetId: SUBNET });
      let links = await tcr.DescribeInternalEndpoints({ RegistryId: REG });
      assert.equal(links.TotalCount, 1);
      assert.deepEqual(links.AccessVpcSet[0], { VpcId: VPC, SubnetId: SUBNET, Status: 'Creating', AccessIp: '' });

      // No IP yet: DNS cannot be created (EniLBIp must be the link's IP).
      await expectCode(tcr.CreateInternalEndpointDns(dns('')), 'InvalidParameter');
      await expectCode(tcr.CreateInternalEndpointDns(dns('10.0.1.2')), 'InvalidParameter');

      emu.advance(1500);
      links = await tcr.DescribeInternalEndpoints({ RegistryId: REG });
      const link = links.AccessVpcSet[0];
      assert.equal(link?.Status, 'Running');
      assert.match(link?.AccessIp ?? '', /^10\.0\.1\.\d+$/);
      const ip = link?.AccessIp ?? '';

      await expectCode(tcr.CreateInternalEndpointDns(dns('10.0.1.99')), 'InvalidParameter');
      let status = await tcr.DescribeInternalEndpointDnsStatus({ VpcSet: [dns(ip)] });
      assert.deepEqual(status.VpcSet, [{ Region: 'ap-guangzhou', VpcId: VPC, Status: 'DISABLED' }]);
      await tcr.CreateInternalEndpointDns(dns(ip));
      await tcr.CreateInternalEndpointDns(dns(ip)); // idempotent
      await tcr.CreateInternalEndpointDns(dns(ip, false));
      status = await tcr.DescribeInternalEndpointDnsStatus({ VpcSet: [dns(ip), dns(ip, false)] });
      assert.deepEqual(status.VpcSet?.map((s) => s.Status), ['ENABLED', 'ENABLED']);

      // The link cannot go while DNS records point at it.
      await expectCode(tcr.ManageInternalEndpoint({ RegistryId: REG, Operation: 'Delete', VpcId: VPC, SubnetId: SUBNET }), 'ResourceInsufficient.ErrorVpcDnsStatus');
      await tcr.DeleteInternalEndpointDns(dns(ip));
      await expectCode(tcr.ManageInternalEndpoint({ RegistryId: REG, Operation: 'Delete', VpcId: VPC, SubnetId: SUBNET }), 'ResourceInsufficient.ErrorVpcDnsStatus');
      await tcr.DeleteInternalEndpointDns(dns(ip, false));
      status = await tcr.DescribeInternalEndpointDnsStatus({ VpcSet: [dns(ip)] });
      assert.equal(status.VpcSet?.[0]?.Status, 'DISABLED');

      await tcr.ManageInternalEndpoint({ RegistryId: REG, Operation: 'Delete', VpcId: VPC, SubnetId: SUBNET });
      assert.equal((await tcr.DescribeInternalEndpoints({ RegistryId: REG })).AccessVpcSet[0]?.Status, 'Deleting');
      emu.advance(1000);
      links = await tcr.DescribeInternalEndpoints({ RegistryId: REG });
      assert.deepEqual(links.AccessVpcSet, []);
      assert.equal(links.TotalCount, 0);
      const subnet = emu.snapshot().accounts[0]?.subnets.find((s) => s.subnetId === SUBNET);
      assert.equal(subnet?.availableIps, 253, 'the IP went back to the subnet');
    });

    it('refuses duplicates, unknown VPCs/subnets, bad operations, and answers InternalError for an unknown registry', async () => {
      const { tcr } = t.clients;
      const create = { RegistryId: REG, Operation: 'Create', VpcId: VPC, SubnetId: SUBNET };
      await tcr.ManageInternalEndpoint(create);
      await expectCode(tcr.ManageInternalEndpoint(create), 'InternalError.ErrorConflict');
      await expectCode(tcr.ManageInternalEndpoint({ ...create, SubnetId: 'subnet-nothere1' }), 'InvalidParameter');
      await expectCode(tcr.ManageInternalEndpoint({ ...create, VpcId: 'vpc-nothere1' }), 'InvalidParameter');
      await expectCode(tcr.ManageInternalEndpoint({ ...create, Operation: 'Modify' }), 'InvalidParameter');
      await expectCode(tcr.ManageInternalEndpoint({ ...create, Operation: 'Delete', SubnetId: SUBNET2 }), 'ResourceNotFound');
      await expectCode(tcr.ManageInternalEndpoint({ ...create, RegistryId: 'tcr-nothere1' }), 'ResourceNotFound');
      await expectCode(tcr.DescribeInternalEndpoints({ RegistryId: 'tcr-nothere1' }), 'InternalError');
      await expectCode(tcr.DescribeInternalEndpoints({ RegistryId: 'tcr-shanghai' }), 'InternalError');
    });

    it('enforces the per-edition link quota and refuses DNS when Private DNS is not activated', async () => {
      const seed = defaultSeed();
      const acc = seed.accounts[0];
      assert.ok(acc);
      acc.privateDnsActivated = false;
      acc.quotas = { linksPerInstance: { basic: 5, standard: 10, premium: 1 } };
      t.emu.reset(seed);
      const { tcr } = t.clients;
      await tcr.ManageInternalEndpoint({ RegistryId: REG, Operation: 'Create', VpcId: VPC, SubnetId: SUBNET });
      await expectCode(tcr.ManageInternalEndpoint({ RegistryId: REG, Operation: 'Create', VpcId: VPC, SubnetId: SUBNET2 }), 'InternalError.ErrorOverLimit');
      t.emu.advance(2000);
      const ip = (await tcr.DescribeInternalEndpoints({ RegistryId: REG })).AccessVpcSet[0]?.AccessIp ?? '';
      await expectCode(tcr.CreateInternalEndpointDns({ InstanceId: REG, VpcId: VPC, EniLBIp: ip }), 'UnsupportedOperation.CreatePrivateZone');
    });

    it('can answer ENABLE/DISABLE spellings and null lists', async () => {
      t.emu.setBehaviour({ dnsStatusSpelling: 'ENABLE', nullLists: true });
      const { tcr } = t.clients;
      const links = await tcr.DescribeInternalEndpoints({ RegistryId: REG });
      assert.equal(links.AccessVpcSet, null);
      const st = await tcr.DescribeInternalEndpointDnsStatus({ VpcSet: [{ InstanceId: REG, VpcId: VPC, EniLBIp: '10.0.1.2' }] });
      assert.equal(st.VpcSet?.[0]?.Status, 'DISABLE');
    });
  });

  describe('public endpoint and whitelist', () => {
    it('opens Closed -> Opening -> Opened; the whitelist is ResourceNotFound until Opened', async () => {
      const { tcr } = t.clients;
      assert.equal((await tcr.DescribeExternalEndpointStatus({ RegistryId: REG })).Status, 'Closed');
      await expectCode(tcr.DescribeSecurityPolicies({ RegistryId: REG }), 'ResourceNotFound');
      await expectCode(tcr.CreateSecurityPolicy({ RegistryId: REG, CidrBlock: '203.0.113.10/32', Description: 'x' }), 'ResourceNotFound');
      await tcr.ManageExternalEndpoint({ RegistryId: REG, Operation: 'Create' });
      assert.equal((await tcr.DescribeExternalEndpointStatus({ RegistryId: REG })).Status, 'Opening');
      await expectCode(tcr.DescribeSecurityPolicies({ RegistryId: REG }), 'ResourceNotFound');
      t.emu.advance(1000);
      assert.equal((await tcr.DescribeExternalEndpointStatus({ RegistryId: REG })).Status, 'Opened');
      assert.deepEqual((await tcr.DescribeSecurityPolicies({ RegistryId: REG })).SecurityPolicySet, []);

      await tcr.ManageExternalEndpoint({ RegistryId: REG, Operation: 'Delete' });
      assert.equal((await tcr.DescribeExternalEndpointStatus({ RegistryId: REG })).Status, 'Deleting');
      t.emu.advance(1000);
      assert.equal((await tcr.DescribeExternalEndpointStatus({ RegistryId: REG })).Status, 'Closed');
    });

    it('creates, describes and deletes entries by CidrBlock and by index (CidrBlock wins)', async () => {
      const { tcr } = t.clients;
      await tcr.ManageExternalEndpoint({ RegistryId: REG, Operation: 'Create' });
      t.emu.advance(1000);
      for (const [cidr, desc] of [['203.0.113.10/32', 'nat eip'], ['198.51.100.0/24', 'office'], ['192.0.2.7/32', 'ci']]) {
        await tcr.CreateSecurityPolicy({ RegistryId: REG, CidrBlock: cidr ?? '', Description: desc ?? '' });
      }
      await expectCode(tcr.CreateSecurityPolicy({ RegistryId: REG, CidrBlock: '203.0.113.10/32', Description: 'dup' }), 'InvalidParameter');
      await expectCode(tcr.CreateSecurityPolicy({ RegistryId: REG, CidrBlock: '300.1.2.3/32', Description: 'bad' }), 'InvalidParameter');
      let set = (await tcr.DescribeSecurityPolicies({ RegistryId: REG })).SecurityPolicySet;
      assert.deepEqual(set[0], { PolicyIndex: 0, Description: 'nat eip', CidrBlock: '203.0.113.10/32', PolicyVersion: '4' });
      assert.deepEqual(set.map((p) => p.PolicyIndex), [0, 1, 2]);

      // By index, with the current version; a stale version is refused.
      await expectCode(tcr.DeleteSecurityPolicy({ RegistryId: REG, PolicyIndex: 1, PolicyVersion: '3' }), 'InvalidParameter');
      await tcr.DeleteSecurityPolicy({ RegistryId: REG, PolicyIndex: 1, PolicyVersion: '4' });
      set = (await tcr.DescribeSecurityPolicies({ RegistryId: REG })).SecurityPolicySet;
      assert.deepEqual(set.map((p) => p.CidrBlock), ['203.0.113.10/32', '192.0.2.7/32']);
      assert.equal(set[0]?.PolicyVersion, '5');

      // CidrBlock wins over PolicyIndex.
      await tcr.DeleteSecurityPolicy({ RegistryId: REG, CidrBlock: '192.0.2.7/32', PolicyIndex: 0, PolicyVersion: '5' });
      set = (await tcr.DescribeSecurityPolicies({ RegistryId: REG })).SecurityPolicySet;
      assert.deepEqual(set.map((p) => p.CidrBlock), ['203.0.113.10/32']);
      await expectCode(tcr.DeleteSecurityPolicy({ RegistryId: REG, CidrBlock: '192.0.2.7/32' }), 'InvalidParameter');
      await expectCode(tcr.DeleteSecurityPolicy({ RegistryId: REG }), 'MissingParameter');
      assert.deepEqual(t.emu.snapshot().accounts[0]?.registries.find((r) => r.registryId === REG)?.securityPolicies, [
        { cidrBlock: '203.0.113.10/32', description: 'nat eip' },
      ]);
    });

    it('has no whitelist on the basic edition', async () => {
      await expectCode(t.clients.tcr.DescribeSecurityPolicies({ RegistryId: 'tcr-basic001' }), 'UnsupportedOperation');
    });
  });

  describe('instance tokens', () => {
    it('creates temp tokens (TokenId "" as documented, not listed) and long-term tokens (listed by Id with Desc)', async () => {
      const { tcr } = t.clients;
      const now = t.emu.now();
      const temp = await tcr.CreateInstanceToken({ RegistryId: REG });
      assert.equal(temp.TokenId, '');
      assert.equal(temp.Username, '100000000001');
      assert.ok(Math.abs((temp.ExpTime ?? 0) - (now + 3600_000)) < 5000, 'temp tokens last one hour (epoch ms)');
      const long = await tcr.CreateInstanceToken({ RegistryId: REG, TokenType: 'longterm', Desc: 'tcr-access-operator/ns/name' });
      assert.match(long.TokenId ?? '', /^[0-9a-z]{20}$/);
      await expectCode(tcr.CreateInstanceToken({ RegistryId: REG, TokenType: 'forever' }), 'InvalidParameter');
      await expectCode(tcr.CreateInstanceToken({ RegistryId: 'tcr-nothere1' }), 'ResourceNotFound.TcrResourceNotFound');

      const list = await tcr.DescribeInstanceToken({ RegistryId: REG });
      assert.equal(list.TotalCount, 1);
      assert.deepEqual(
        list.Tokens?.map((x) => ({ Id: x.Id, Desc: x.Desc, RegistryId: x.RegistryId, Enabled: x.Enabled })),
        [{ Id: long.TokenId, Desc: 'tcr-access-operator/ns/name', RegistryId: REG, Enabled: true }],
      );
      assert.ok(t.emu.checkRegistryLogin(REG, long.Username ?? '', long.Token ?? ''));
      assert.ok(t.emu.checkRegistryLogin(REG, temp.Username ?? '', temp.Token ?? ''));

      await tcr.DeleteInstanceToken({ RegistryId: REG, TokenId: long.TokenId ?? '' });
      await expectCode(tcr.DeleteInstanceToken({ RegistryId: REG, TokenId: long.TokenId ?? '' }), 'InvalidParameter');
      assert.equal((await tcr.DescribeInstanceToken({ RegistryId: REG })).TotalCount, 0);
      assert.equal(t.emu.checkRegistryLogin(REG, long.Username ?? '', long.Token ?? ''), false);
      t.emu.advance(3600_000);
      assert.equal(t.emu.checkRegistryLogin(REG, temp.Username ?? '', temp.Token ?? ''), false, 'temp token expired');
    });

    it('pages DescribeInstanceToken', async () => {
      const { tcr } = t.clients;
      for (let i = 0; i < 5; i++) await tcr.CreateInstanceToken({ RegistryId: REG, TokenType: 'longterm', Desc: `t${i}` });
      const p1 = await tcr.DescribeInstanceToken({ RegistryId: REG, Limit: 2, Offset: 0 });
      const p3 = await tcr.DescribeInstanceToken({ RegistryId: REG, Limit: 2, Offset: 4 });
      assert.equal(p1.TotalCount, 5);
      assert.equal(p1.Tokens?.length, 2);
      assert.equal(p3.Tokens?.length, 1);
    });
  });
});
