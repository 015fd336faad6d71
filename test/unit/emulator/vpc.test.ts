import assert from 'node:assert/strict';
import { defaultSeed, type Seed } from '../../../emulator/index.ts';
import { expectCode, useEmulator } from './helpers.ts';

const VPC = 'vpc-emu00001';
const SUBNET = 'subnet-emu00001';
const SUBNET2 = 'subnet-emu00002';
const RTB = 'rtb-emu00001';
const OWNER = 'tcr-access-operator/owner';

function seed(): Seed {
  const s = defaultSeed();
  const acc = s.accounts[0];
  assert.ok(acc);
  acc.addresses = [{ id: 'eip-seed0001', name: 'seeded' }];
  acc.natGateways = [{ id: 'nat-seed0001', name: 'seeded', vpcId: VPC, addresses: ['eip-seed0001'], tags: { team: 'net' } }];
  return s;
}

describe('emulator: VPC', () => {
  const t = useEmulator({ seed: seed() });

  describe('subnets and route tables', () => {
    it('describes subnets by id and filter, with string or numeric Offset/Limit', async () => {
      const { vpc } = t.clients;
      const one = await vpc.DescribeSubnets({ SubnetIds: [SUBNET] });
      const s = one.SubnetSet?.[0];
      assert.deepEqual(
        { vpc: s?.VpcId, zone: s?.Zone, rtb: s?.RouteTableId, free: s?.AvailableIpAddressCount, cidr: s?.CidrBlock },
        { vpc: VPC, zone: 'ap-guangzhou-3', rtb: RTB, free: 253, cidr: '10.0.1.0/24' },
      );
      const page = await vpc.DescribeSubnets({ Filters: [{ Name: 'vpc-id', Values: [VPC] }], Offset: '1', Limit: '1' });
      assert.equal(page.TotalCount, 2);
      assert.deepEqual(page.SubnetSet?.map((x) => x.SubnetId), [SUBNET2]);
      const numeric = await vpc.DescribeSubnets({ Offset: 0 as unknown as string, Limit: 1 as unknown as string });
      assert.equal(numeric.SubnetSet?.length, 1);
      assert.deepEqual((await vpc.DescribeSubnets({ SubnetIds: ['subnet-nothere1'] })).SubnetSet, []);
      await expectCode(vpc.DescribeSubnets({ SubnetIds: [SUBNET], Filters: [{ Name: 'vpc-id', Values: [VPC] }] }), 'InvalidParameter.Coexist');
      await expectCode(vpc.DescribeSubnets({ SubnetIds: ['subnet-1'] }), 'InvalidParameterValue.Malformed');
      await expectCode(vpc.DescribeSubnets({ Filters: [{ Name: 'colour', Values: ['x'] }] }), 'InvalidParameter.FilterInvalidKey');
      await expectCode(vpc.DescribeSubnets({ Limit: '101' }), 'InvalidParameterValue.Range');
      await expectCode(vpc.DescribeSubnets({ Limit: 'ten' }), 'InvalidParameterValue.Malformed');
    });

    it('describes route tables with associations and the LOCAL route', async () => {
      const res = await t.clients.vpc.DescribeRouteTables({ RouteTableIds: [RTB] });
      const rt = res.RouteTableSet?.[0];
      assert.equal(rt?.Main, true);
      assert.deepEqual(rt?.AssociationSet?.map((a) => a.SubnetId).sort(), [SUBNET, SUBNET2]);
      assert.deepEqual(rt?.RouteSet?.map((r) => [r.DestinationCidrBlock, r.GatewayType]), [['10.0.0.0/16', 'LOCAL']]);
      const byVpc = await t.clients.vpc.DescribeRouteTables({ Filters: [{ Name: 'vpc-id', Values: [VPC] }] });
      assert.equal(byVpc.TotalCount, 1);
    });
  });

  describe('routes', () => {
    const natRoute = { DestinationCidrBlock: '0.0.0.0/0', GatewayType: 'NAT', GatewayId: 'nat-seed0001', RouteDescription: 'tcr-access-operator' };

    it('creates, refuses duplicates and conflicts, replaces and deletes routes', async () => {
      const { vpc } = t.clients;
      const created = await vpc.CreateRoutes({ RouteTableId: RTB, Routes: [natRoute] });
      const route = created.RouteTableSet?.[0]?.RouteSet?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0');
      assert.equal(route?.GatewayId, 'nat-seed0001');
      assert.equal(route?.RouteDescription, 'tcr-access-operator');
      assert.equal(typeof route?.RouteId, 'number');
      assert.match(route?.RouteItemId ?? '', /^rti-[0-9a-z]{8}$/);

      await expectCode(vpc.CreateRoutes({ RouteTableId: RTB, Routes: [natRoute] }), 'InvalidParameterValue.Duplicate');
      await expectCode(vpc.CreateRoutes({ RouteTableId: RTB, Routes: [{ ...natRoute, GatewayType: 'CVM', GatewayId: '10.0.1.5' }] }), 'UnsupportedOperation.EcmpWithUserRoute');
      await expectCode(vpc.CreateRoutes({ RouteTableId: RTB, Routes: [{ ...natRoute, DestinationCidrBlock: '10.0.5.0/24' }] }), 'InvalidParameterValue.VpcCidrConflict');
      await expectCode(vpc.CreateRoutes({ RouteTableId: RTB, Routes: [{ ...natRoute, DestinationCidrBlock: '172.16.0.1/16' }] }), 'InvalidParameterValue.Malformed');
      await expectCode(vpc.CreateRoutes({ RouteTableId: RTB, Routes: [{ ...natRoute, DestinationCidrBlock: '172.16.0.0/16', GatewayId: 'nat-nothere1' }] }), 'InvalidParameterValue.RouteNextHopInvalid');
      await expectCode(vpc.CreateRoutes({ RouteTableId: RTB, Routes: [{ ...natRoute, GatewayType: 'LOCAL' }] }), 'UnsupportedOperation.SystemRoute');
      await expectCode(vpc.CreateRoutes({ RouteTableId: 'rtb-nothere1', Routes: [natRoute] }), 'ResourceNotFound');

      const replaced = await vpc.ReplaceRoutes({ RouteTableId: RTB, Routes: [{ ...natRoute, RouteId: route?.RouteId, RouteDescription: 'taken over' }] });
      assert.equal(replaced.OldRouteSet?.[0]?.RouteDescription, 'tcr-access-operator');
      assert.equal(replaced.NewRouteSet?.[0]?.RouteDescription, 'taken over');
      await expectCode(vpc.ReplaceRoutes({ RouteTableId: RTB, Routes: [{ ...natRoute, RouteId: 999 }] }), 'UnsupportedOperation.RecordNotExists');

      const local = (await vpc.DescribeRouteTables({ RouteTableIds: [RTB] })).RouteTableSet?.[0]?.RouteSet?.find((r) => r.GatewayType === 'LOCAL');
      await expectCode(vpc.DeleteRoutes({ RouteTableId: RTB, Routes: [{ RouteId: local?.RouteId } as never] }), 'UnsupportedOperation.SystemRoute');
      await expectCode(vpc.DeleteRoutes({ RouteTableId: RTB, Routes: [{ RouteId: 12345 } as never] }), 'ResourceNotFound');
      const deleted = await vpc.DeleteRoutes({ RouteTableId: RTB, Routes: [{ RouteId: route?.RouteId } as never] });
      assert.equal(deleted.RouteSet?.[0]?.RouteId, route?.RouteId);
      const after = (await vpc.DescribeRouteTables({ RouteTableIds: [RTB] })).RouteTableSet?.[0]?.RouteSet;
      assert.equal(after?.length, 1);
    });
  });

  describe('EIPs and NAT gateways', () => {
    it('allocates idempotently by ClientToken, tracks the task, creates a NAT, associates, tears down', async () => {
      const { vpc } = t.clients;
      const emu = t.emu;
      const tags = [{ Key: OWNER, Value: 'uid-1' }];

      const a1 = await vpc.AllocateAddresses({ AddressCount: 1, AddressName: 'tcr-access', Tags: tags, ClientToken: 'tok-uid-1' });
      const a2 = await vpc.AllocateAddresses({ AddressCount: 1, AddressName: 'tcr-access', Tags: tags, ClientToken: 'tok-uid-1' });
      assert.deepEqual(a2.AddressSet, a1.AddressSet, 'same ClientToken, same EIP');
      assert.equal(a2.TaskId, a1.TaskId);
      assert.equal(typeof a1.TaskId, 'string');
      const eipId = a1.AddressSet?.[0] ?? '';
      assert.match(eipId, /^eip-[0-9a-z]{8}$/);

      assert.equal((await vpc.DescribeTaskResult({ TaskId: Number(a1.TaskId) })).Result, 'RUNNING');
      assert.equal((await vpc.DescribeAddresses({ AddressIds: [eipId] })).AddressSet?.[0]?.AddressStatus, 'CREATING');
      emu.advance(300);
      assert.deepEqual(await vpc.DescribeTaskResult({ TaskId: Number(a1.TaskId) }), { TaskId: Number(a1.TaskId), Result: 'SUCCESS', RequestId: emu.calls().at(-1)?.requestId });
      const byTag = await vpc.DescribeAddresses({ Filters: [{ Name: `tag:${OWNER}`, Values: ['uid-1'] }] });
      assert.equal(byTag.TotalCount, 1);
      const eip = byTag.AddressSet?.[0];
      assert.equal(eip?.AddressStatus, 'UNBIND');
      assert.equal(eip?.AddressName, 'tcr-access');
      const ip = eip?.AddressIp ?? '';
      await expectCode(vpc.DescribeAddresses({ AddressIds: [eipId], Filters: [{ Name: 'address-ip', Values: [ip] }] }), 'InvalidParameter');

      const created = await vpc.CreateNatGateway({ NatGatewayName: 'tcr-access', VpcId: VPC, PublicIpAddresses: [ip], Tags: tags });
      const nat = created.NatGatewaySet?.[0];
      assert.equal(nat?.State, 'PENDING');
      const natId = nat?.NatGatewayId ?? '';
      assert.deepEqual(nat?.PublicIpAddressSet?.map((p) => p.PublicIpAddress), [ip]);
      assert.equal((await vpc.DescribeAddresses({ AddressIds: [eipId] })).AddressSet?.[0]?.AddressStatus, 'BINDING');
      await expectCode(vpc.AssociateNatGatewayAddress({ NatGatewayId: natId, AddressCount: 1 }), 'UnsupportedOperation.InvalidState');
      emu.advance(1000);
      const found = await vpc.DescribeNatGateways({ Filters: [{ Name: 'vpc-id', Values: [VPC] }, { Name: 'tag-key', Values: [OWNER] }] });
      assert.equal(found.TotalCount, 1, 'the seeded NAT has no owner tag');
      assert.equal(found.NatGatewaySet?.[0]?.State, 'AVAILABLE');
      assert.deepEqual(found.NatGatewaySet?.[0]?.TagSet, tags);
      const bound = (await vpc.DescribeAddresses({ AddressIds: [eipId] })).AddressSet?.[0];
      assert.deepEqual([bound?.AddressStatus, bound?.InstanceId, bound?.InstanceType], ['BIND', natId, 'NAT']);
      assert.equal((await vpc.DescribeNatGateways({ Filters: [{ Name: 'nat-state', Values: ['AVAILABLE'] }] })).TotalCount, 2);
      await expectCode(vpc.DescribeNatGateways({ Filters: [{ Name: `tag:${OWNER}`, Values: ['uid-1'] }] }), 'InvalidParameter.FilterInvalidKey');
      await expectCode(vpc.DescribeNatGateways({ NatGatewayIds: [natId], Filters: [{ Name: 'vpc-id', Values: [VPC] }] }), 'InvalidParameter.Coexist');
      emu.setBehaviour({ acceptNatTagFilter: true });
      assert.equal((await vpc.DescribeNatGateways({ Filters: [{ Name: `tag:${OWNER}`, Values: ['uid-1'] }] })).TotalCount, 1);

      // A second EIP, associated asynchronously and tracked with the call's RequestId.
      const second = await vpc.AllocateAddresses({ Tags: tags });
      emu.advance(300);
      const ip2 = (await vpc.DescribeAddresses({ AddressIds: second.AddressSet })).AddressSet?.[0]?.AddressIp ?? '';
      const assoc = await vpc.AssociateNatGatewayAddress({ NatGatewayId: natId, PublicIpAddresses: [ip2] });
      const task = await vpc.DescribeVpcTaskResult({ TaskId: assoc.RequestId ?? '' });
      assert.equal(task.Status, 'RUNNING');
      assert.equal((await vpc.DescribeAddresses({ AddressIds: second.AddressSet })).AddressSet?.[0]?.AddressStatus, 'BINDING');
      emu.advance(300);
      assert.equal((await vpc.DescribeVpcTaskResult({ TaskId: assoc.RequestId ?? '' })).Status, 'SUCCESS');
      assert.equal((await vpc.DescribeAddresses({ AddressIds: second.AddressSet })).AddressSet?.[0]?.AddressStatus, 'BIND');
      assert.equal((await vpc.DescribeNatGateways({ NatGatewayIds: [natId] })).NatGatewaySet?.[0]?.PublicIpAddressSet?.length, 2);
      await expectCode(vpc.DescribeVpcTaskResult({ TaskId: 'no-such-task' }), 'ResourceNotFound');

      // Release only from UNBIND.
      await expectCode(vpc.ReleaseAddresses({ AddressIds: [eipId] }), 'InvalidAddressState');
      await expectCode(vpc.ReleaseAddresses({ AddressIds: ['eip-nothere1'] }), 'InvalidAddressId.NotFound');
      await expectCode(vpc.ReleaseAddresses({ AddressIds: ['eip-1'] }), 'InvalidParameterValue.AddressIdMalformed');

      // Routes block NAT deletion; then DELETING -> gone, EIPs UNBINDING -> UNBIND.
      const rt = await vpc.CreateRoutes({ RouteTableId: RTB, Routes: [{ DestinationCidrBlock: '0.0.0.0/0', GatewayType: 'NAT', GatewayId: natId }] });
      const routeId = rt.RouteTableSet?.[0]?.RouteSet?.find((r) => r.GatewayId === natId)?.RouteId;
      await expectCode(vpc.DeleteNatGateway({ NatGatewayId: natId }), 'UnsupportedOperation.NatGatewayHaveRoute');
      await vpc.DeleteRoutes({ RouteTableId: RTB, Routes: [{ RouteId: routeId } as never] });
      // A gateway that carried traffic needs IgnoreOperationRisk (Behaviour.natDeleteRisk).
      await expectCode(vpc.DeleteNatGateway({ NatGatewayId: natId }), 'UnsupportedOperation.NatGatewayHaveHighTraffic');
      await vpc.DeleteNatGateway({ NatGatewayId: natId, IgnoreOperationRisk: true });
      assert.equal((await vpc.DescribeNatGateways({ NatGatewayIds: [natId] })).NatGatewaySet?.[0]?.State, 'DELETING');
      assert.equal((await vpc.DescribeAddresses({ AddressIds: [eipId] })).AddressSet?.[0]?.AddressStatus, 'UNBINDING');
      emu.advance(1000);
      assert.deepEqual((await vpc.DescribeNatGateways({ NatGatewayIds: [natId] })).NatGatewaySet, []);
      const ids = [eipId, ...(second.AddressSet ?? [])];
      const freed = await vpc.DescribeAddresses({ AddressIds: ids });
      assert.deepEqual(freed.AddressSet?.map((a) => [a.AddressStatus, a.InstanceId]), [['UNBIND', ''], ['UNBIND', '']]);

      const rel = await vpc.ReleaseAddresses({ AddressIds: ids });
      assert.equal((await vpc.DescribeAddresses({ AddressIds: ids })).AddressSet?.[0]?.AddressStatus, 'OFFLINING');
      assert.equal((await vpc.DescribeTaskResult({ TaskId: Number(rel.TaskId) })).Result, 'RUNNING');
      emu.advance(300);
      assert.equal((await vpc.DescribeTaskResult({ TaskId: Number(rel.TaskId) })).Result, 'SUCCESS');
      assert.equal((await vpc.DescribeAddresses({ AddressIds: ids })).TotalCount, 0);
    });

    it('validates CreateNatGateway and enforces the NAT and EIP quotas', async () => {
      const s = seed();
      const acc = s.accounts[0];
      assert.ok(acc);
      acc.quotas = { natPerVpc: 2, eipsPerRegion: 3 };
      t.emu.reset(s);
      const { vpc } = t.clients;
      await expectCode(vpc.CreateNatGateway({ NatGatewayName: 'x', VpcId: 'vpc-nothere1', AddressCount: 1 }), 'InvalidVpcId.NotFound');
      await expectCode(vpc.CreateNatGateway({ NatGatewayName: 'x', VpcId: 'vpc-1', AddressCount: 1 }), 'InvalidVpcId.Malformed');
      await expectCode(vpc.CreateNatGateway({ NatGatewayName: 'x', VpcId: VPC, PublicIpAddresses: ['192.0.2.200'] }), 'UnsupportedOperation.PublicIpAddressIsNotExisted');
      await expectCode(vpc.CreateNatGateway({ NatGatewayName: 'x', VpcId: VPC }), 'InvalidParameterValue.Empty');
      const seededIp = (await vpc.DescribeAddresses({ AddressIds: ['eip-seed0001'] })).AddressSet?.[0]?.AddressIp ?? '';
      await expectCode(vpc.CreateNatGateway({ NatGatewayName: 'x', VpcId: VPC, PublicIpAddresses: [seededIp] }), 'ResourceInUse.Address');
      const res = await vpc.CreateNatGateway({ NatGatewayName: 'auto', VpcId: VPC, AddressCount: 2 });
      assert.equal(res.NatGatewaySet?.[0]?.PublicIpAddressSet?.length, 2);
      await expectCode(vpc.CreateNatGateway({ NatGatewayName: 'third', VpcId: VPC, AddressCount: 1 }), 'LimitExceeded.NatGatewayPerVpcLimitExceeded');
      await expectCode(vpc.AllocateAddresses({ AddressCount: 1 }), 'AddressQuotaLimitExceeded');
    });

    it('can make NAT creation fail (PENDFAILURE) and frees its EIPs', async () => {
      t.emu.setBehaviour({ natCreateFails: true });
      const { vpc } = t.clients;
      const a = await vpc.AllocateAddresses({});
      t.emu.advance(300);
      const ip = (await vpc.DescribeAddresses({ AddressIds: a.AddressSet })).AddressSet?.[0]?.AddressIp ?? '';
      const nat = (await vpc.CreateNatGateway({ NatGatewayName: 'doomed', VpcId: VPC, PublicIpAddresses: [ip] })).NatGatewaySet?.[0];
      t.emu.advance(1000);
      assert.equal((await vpc.DescribeNatGateways({ NatGatewayIds: [nat?.NatGatewayId ?? ''] })).NatGatewaySet?.[0]?.State, 'PENDFAILURE');
      assert.equal((await vpc.DescribeAddresses({ AddressIds: a.AddressSet })).AddressSet?.[0]?.AddressStatus, 'UNBIND');
    });

    it('pages DescribeAddresses and bounds Limit', async () => {
      const { vpc } = t.clients;
      await vpc.AllocateAddresses({ AddressCount: 4 });
      const p = await vpc.DescribeAddresses({ Offset: 3, Limit: 2 });
      assert.equal(p.TotalCount, 5);
      assert.equal(p.AddressSet?.length, 2);
      await expectCode(vpc.DescribeAddresses({ Limit: 101 }), 'InvalidParameterValue.LimitExceeded');
      await expectCode(vpc.DescribeAddresses({ Filters: [{ Name: 'colour', Values: ['x'] }] }), 'InvalidParameter.InvalidFilter');
    });
  });
});
