// VPC (vpc.tencentcloudapi.com, 2017-03-12): subnets, route tables and routes, NAT gateways, EIPs and the two
// task-result APIs. Request/response types are the SDK's own (vpc_models).

import type { Client as VpcClient } from 'tencentcloud-sdk-nodejs/tencentcloud/services/vpc/v20170312/vpc_client.js';
import type {
  Address,
  AllocateAddressesRequest,
  AllocateAddressesResponse,
  AssociateNatGatewayAddressRequest,
  AssociateNatGatewayAddressResponse,
  CreateNatGatewayRequest,
  CreateNatGatewayResponse,
  CreateRoutesRequest,
  CreateRoutesResponse,
  DeleteNatGatewayRequest,
  DeleteNatGatewayResponse,
  DeleteRoutesRequest,
  DeleteRoutesResponse,
  DescribeAddressesRequest,
  DescribeAddressesResponse,
  DescribeNatGatewaysRequest,
  DescribeNatGatewaysResponse,
  DescribeRouteTablesRequest,
  DescribeRouteTablesResponse,
  DescribeSubnetsRequest,
  DescribeSubnetsResponse,
  DescribeTaskResultRequest,
  DescribeTaskResultResponse,
  DescribeVpcTaskResultRequest,
  DescribeVpcTaskResultResponse,
  Filter,
  NatGateway,
  ReleaseAddressesRequest,
  ReleaseAddressesResponse,
  ReplaceRoutesRequest,
  ReplaceRoutesResponse,
  Route,
  RouteTable,
  Subnet,
  Tag,
} from 'tencentcloud-sdk-nodejs/tencentcloud/services/vpc/v20170312/vpc_models.js';
import {
  checkFilters,
  isoSeconds,
  matchTagFilter,
  page,
  runtimeActions,
  vpcPaging,
  vpcTime,
  type ActionTable,
  type CallContext,
  type FilterInput,
  type Reply,
} from './actions.ts';
import { fail } from './errors.ts';
import { cidrWithin, parseCidr } from './net.ts';
import type { ObjectSchema } from './schema.ts';
import {
  addressStatus,
  type Account,
  type AddressState,
  type NatState,
  type RouteState,
  type RouteTableState,
  type SubnetState,
  type TagState,
  type VpcState,
} from './world.ts';

export const VPC_VERSION = '2017-03-12';

/** Documented per-action rate limits (reference §7.3); others default to 20/s. */
export const VPC_RATE_LIMITS: Readonly<Record<string, number>> = {
  CreateNatGateway: 100,
  AssociateNatGatewayAddress: 100,
  DisassociateNatGatewayAddress: 100,
};

const ID_RE = (prefix: string): RegExp => new RegExp(`^${prefix}-[0-9a-z]{8}$`);
const SUBNET_ID = ID_RE('subnet');
const RTB_ID = ID_RE('rtb');
const NAT_ID = ID_RE('nat');
const EIP_ID = ID_RE('eip');
const VPC_ID = ID_RE('vpc');

const GATEWAY_TYPES = new Set([
  'CVM',
  'VPN',
  'DIRECTCONNECT',
  'PEERCONNECTION',
  'HAVIP',
  'NAT',
  'NORMAL_CVM',
  'EIP',
  'LOCAL_GATEWAY',
  'CCN',
  'GWLB_ENDPOINT',
  'INTRANAT',
  'USER_CCN',
]);
const NAT_BANDWIDTHS = [20, 50, 100, 200, 500, 1000, 2000, 5000];
/** EIP bandwidth cap (Mbps) for TRAFFIC_POSTPAID_BY_HOUR (the SDK: "1 to 100" for pay-by-traffic accounts). */
const EIP_MAX_BANDWIDTH = 100;
const EIP_CHARGE_TYPES = new Set(['BANDWIDTH_PACKAGE', 'BANDWIDTH_POSTPAID_BY_HOUR', 'BANDWIDTH_PREPAID_BY_MONTH', 'TRAFFIC_POSTPAID_BY_HOUR']);

function malformed(name: string, value: string): never {
  return fail('InvalidParameterValue.Malformed', `The value \`${value}\` of parameter \`${name}\` is malformed.`);
}

function tagsOf(tags: TagState[]): Tag[] {
  return tags.map((t) => ({ Key: t.key, Value: t.value }));
}

function tagsFrom(tags: Tag[] | undefined, codes: { key: string; value: string; duplicate: string }): TagState[] {
  const out: TagState[] = [];
  for (const t of tags ?? []) {
    if (!t.Key || t.Key.length > 127 || t.Key.startsWith('qcloud:')) fail(codes.key, `The tag key \`${t.Key}\` is invalid.`);
    const value = t.Value ?? '';
    if (value.length > 255) fail(codes.value, `The value of tag \`${t.Key}\` is too long.`);
    if (out.some((o) => o.key === t.Key)) fail(codes.duplicate, `The tag key \`${t.Key}\` is duplicated.`);
    out.push({ key: t.Key, value });
  }
  return out;
}

/** AND across filters, OR across the values of one filter. */
function applyFilters<T>(items: T[], filters: FilterInput[] | undefined, match: (item: T, name: string, values: string[]) => boolean): T[] {
  return items.filter((item) => (filters ?? []).every((f) => match(item, f.Name, f.Values)));
}

function byCreation<T extends { createdAt: number; id: string }>(a: T, b: T): number {
  return a.createdAt - b.createdAt || a.id.localeCompare(b.id);
}

function noCoexist(ids: string[] | undefined, filters: FilterInput[] | undefined, idsName: string, code = 'InvalidParameter.Coexist'): void {
  if (ids && ids.length > 0 && filters && filters.length > 0) fail(code, `\`${idsName}\` and \`Filters\` cannot be specified at the same time.`);
}

// ---- views ----

function subnetView(s: SubnetState): Subnet {
  return {
    VpcId: s.vpcId,
    SubnetId: s.id,
    SubnetName: s.name,
    CidrBlock: s.cidrBlock,
    IsDefault: false,
    EnableBroadcast: false,
    Zone: s.zone,
    RouteTableId: s.routeTableId,
    CreatedTime: vpcTime(s.createdAt),
    AvailableIpAddressCount: s.availableIps,
    Ipv6CidrBlock: '',
    NetworkAclId: '',
    IsRemoteVpcSnat: false,
    TotalIpAddressCount: s.totalIps,
    TagSet: tagsOf(s.tags),
    CdcId: '',
    IsCdcSubnet: 0,
  };
}

function routeView(table: RouteTableState, r: RouteState): Route {
  return {
    DestinationCidrBlock: r.destination,
    GatewayType: r.gatewayType,
    GatewayId: r.gatewayId,
    RouteId: r.routeId,
    RouteDescription: r.description,
    Enabled: r.enabled,
    RouteType: 'USER',
    RouteTableId: table.id,
    DestinationIpv6CidrBlock: '',
    RouteItemId: r.itemId,
    PublishedToVbc: false,
    CreatedTime: vpcTime(r.createdAt),
    CdcId: '',
  };
}

function tableView(acc: Account, t: RouteTableState): RouteTable {
  return {
    VpcId: t.vpcId,
    RouteTableId: t.id,
    RouteTableName: t.name,
    AssociationSet: [...acc.subnets.values()].filter((s) => s.routeTableId === t.id).map((s) => ({ SubnetId: s.id, RouteTableId: t.id })),
    RouteSet: t.routes.map((r) => routeView(t, r)),
    Main: t.main,
    CreatedTime: vpcTime(t.createdAt),
    TagSet: tagsOf(t.tags),
    LocalCidrForCcn: [],
  };
}

function natAddresses(acc: Account, natId: string): AddressState[] {
  return [...acc.addresses.values()].filter((a) => a.bind?.natId === natId).sort(byCreation);
}

function natView(acc: Account, n: NatState): NatGateway {
  return {
    NatGatewayId: n.id,
    NatGatewayName: n.name,
    CreatedTime: vpcTime(n.createdAt),
    State: n.phase,
    InternetMaxBandwidthOut: n.bandwidthOut,
    MaxConcurrentConnection: n.maxConnections,
    PublicIpAddressSet: natAddresses(acc, n.id).map((a) => ({ AddressId: a.id, PublicIpAddress: a.ip, IsBlocked: false, BlockType: 'NORMAL' })),
    NetworkState: 'AVAILABLE',
    DestinationIpPortTranslationNatRuleSet: [],
    VpcId: n.vpcId,
    Zone: n.zone,
    DirectConnectGatewayIds: [],
    SubnetId: '',
    TagSet: tagsOf(n.tags),
    SecurityGroupSet: [],
    SourceIpTranslationNatRuleSet: [],
    IsExclusive: false,
    ExclusiveGatewayBandwidth: 0,
    RestrictState: 'NORMAL',
    NatProductVersion: 1,
    StrictSnatMode: false,
    SmartScheduleMode: false,
    DedicatedClusterId: '',
    DeletionProtectionEnabled: false,
    ExclusiveType: '',
    AutoScaling: false,
    ICMPProxy: false,
    PublicAddressAffinity: false,
  };
}

function addressView(a: AddressState, now: number): Address {
  const view: Address = {
    AddressId: a.id,
    AddressName: a.name,
    AddressStatus: addressStatus(a, now),
    AddressIp: a.ip,
    CreatedTime: isoSeconds(a.createdAt),
    NetworkInterfaceId: '',
    PrivateAddressIp: '',
    IsArrears: false,
    IsBlocked: false,
    IsEipDirectConnection: false,
    AddressType: 'EIP',
    CascadeRelease: false,
    InternetServiceProvider: 'BGP',
    LocalBgp: false,
    Bandwidth: a.bandwidth,
    InternetChargeType: a.internetChargeType,
    TagSet: tagsOf(a.tags),
    DeadlineDate: '',
    Egress: 'center_egress1',
    AntiDDoSPackageId: '',
    RenewFlag: '',
    BandwidthPackageId: '',
    UnVpcId: '',
    DedicatedClusterId: '',
  };
  // Documented responses carry InstanceId and InstanceType on unbound EIPs too (empty here).
  view.InstanceId = a.bind ? a.bind.natId : '';
  view.InstanceType = a.bind ? 'NAT' : '';
  return view;
}

// ---- lookups ----

function vpcOf(ctx: CallContext, vpcId: string): VpcState {
  if (!VPC_ID.test(vpcId)) fail('InvalidVpcId.Malformed', `The VPC id \`${vpcId}\` is malformed.`);
  const vpc = ctx.account.vpcs.get(vpcId);
  if (!vpc || vpc.region !== ctx.region) fail('InvalidVpcId.NotFound', `The VPC \`${vpcId}\` does not exist.`);
  return vpc;
}

function tableOf(ctx: CallContext, id: string): RouteTableState {
  if (!RTB_ID.test(id)) malformed('RouteTableId', id);
  const t = ctx.account.routeTables.get(id);
  if (!t || t.region !== ctx.region) fail('ResourceNotFound', `The route table \`${id}\` does not exist.`);
  return t;
}

function natOf(ctx: CallContext, id: string): NatState {
  if (!NAT_ID.test(id)) malformed('NatGatewayId', id);
  const n = ctx.account.nats.get(id);
  if (!n || n.region !== ctx.region) fail('ResourceNotFound', `The NAT gateway \`${id}\` does not exist.`);
  return n;
}

function activeAddressesInRegion(acc: Account, region: string): number {
  return [...acc.addresses.values()].filter((a) => a.region === region && a.releaseAt === undefined).length;
}

function newAddresses(ctx: CallContext, count: number, opts: { name: string; tags: TagState[]; readyAt: number; bandwidth?: number; chargeType?: string }): AddressState[] {
  const out: AddressState[] = [];
  for (let i = 0; i < count; i++) {
    const a: AddressState = {
      id: ctx.world.newId('eip'),
      ip: ctx.world.nextPublicIp(),
      name: opts.name,
      region: ctx.region,
      tags: opts.tags.map((t) => ({ ...t })),
      createdAt: ctx.now,
      readyAt: opts.readyAt,
      // The API's default is 1 Mbps (AllocateAddresses InternetMaxBandwidthOut).
      bandwidth: opts.bandwidth ?? 1,
      internetChargeType: opts.chargeType ?? 'TRAFFIC_POSTPAID_BY_HOUR',
    };
    ctx.account.addresses.set(a.id, a);
    out.push(a);
  }
  return out;
}

// ---- subnets and route tables ----

export function describeSubnets(ctx: CallContext, req: DescribeSubnetsRequest): Reply<DescribeSubnetsResponse> {
  noCoexist(req.SubnetIds, req.Filters, 'SubnetIds');
  for (const id of req.SubnetIds ?? []) if (!SUBNET_ID.test(id)) malformed('SubnetIds', id);
  const names = new Set(['subnet-id', 'vpc-id', 'cidr-block', 'is-default', 'subnet-name', 'zone', 'tag-key', 'tag-value']);
  checkFilters(req.Filters, (n) => names.has(n) || n.startsWith('tag:'), { invalidKeyCode: 'InvalidParameter.FilterInvalidKey', maxFilters: 10, maxValues: 100 });
  const { offset, limit } = vpcPaging(req.Offset, req.Limit);
  let subnets = [...ctx.account.subnets.values()].filter((s) => s.region === ctx.region);
  if (req.SubnetIds && req.SubnetIds.length > 0) {
    const ids = req.SubnetIds;
    subnets = subnets.filter((s) => ids.includes(s.id));
  }
  subnets = applyFilters(subnets, req.Filters, (s, name, values) => {
    switch (name) {
      case 'subnet-id':
        return values.includes(s.id);
      case 'vpc-id':
        return values.includes(s.vpcId);
      case 'cidr-block':
        return values.includes(s.cidrBlock);
      case 'is-default':
        return values.includes('false');
      case 'subnet-name':
        return values.some((v) => s.name.includes(v));
      case 'zone':
        return values.includes(s.zone);
      default:
        return matchTagFilter(name, values, s.tags) ?? false;
    }
  });
  const p = page(subnets.sort(byCreation), offset, Math.min(limit, ctx.world.behaviour.maxPageSize));
  return { TotalCount: p.total, SubnetSet: p.items.map(subnetView) };
}

export function describeRouteTables(ctx: CallContext, req: DescribeRouteTablesRequest): Reply<DescribeRouteTablesResponse> {
  noCoexist(req.RouteTableIds, req.Filters, 'RouteTableIds');
  for (const id of req.RouteTableIds ?? []) if (!RTB_ID.test(id)) malformed('RouteTableIds', id);
  const names = new Set(['route-table-id', 'route-table-name', 'vpc-id', 'association.main', 'tag-key', 'tag-value', 'next-hop-type']);
  checkFilters(req.Filters, (n) => names.has(n) || n.startsWith('tag:'), { invalidKeyCode: 'InvalidParameter.FilterInvalidKey', maxFilters: 10, maxValues: 100 });
  const { offset, limit } = vpcPaging(req.Offset, req.Limit);
  const acc = ctx.account;
  let tables = [...acc.routeTables.values()].filter((t) => t.region === ctx.region);
  if (req.RouteTableIds && req.RouteTableIds.length > 0) {
    const ids = req.RouteTableIds;
    tables = tables.filter((t) => ids.includes(t.id));
  }
  tables = applyFilters(tables, req.Filters, (t, name, values) => {
    switch (name) {
      case 'route-table-id':
        return values.includes(t.id);
      case 'route-table-name':
        return values.includes(t.name);
      case 'vpc-id':
        return values.includes(t.vpcId);
      case 'association.main':
        return values.includes(String(t.main));
      case 'next-hop-type':
        return t.routes.some((r) => values.includes(r.gatewayType));
      default:
        return matchTagFilter(name, values, t.tags) ?? false;
    }
  });
  const p = page(tables.sort(byCreation), offset, Math.min(limit, ctx.world.behaviour.maxPageSize));
  return { TotalCount: p.total, RouteTableSet: p.items.map((t) => tableView(acc, t)) };
}

/** Validate the destination and next hop of a route for `table`. */
function checkRoute(ctx: CallContext, table: RouteTableState, r: Route): void {
  const dest = parseCidr(r.DestinationCidrBlock, true);
  if (!dest) malformed('DestinationCidrBlock', r.DestinationCidrBlock);
  if (r.GatewayType === 'LOCAL') fail('UnsupportedOperation.SystemRoute', 'LOCAL routes are system routes and cannot be created or modified.');
  if (!GATEWAY_TYPES.has(r.GatewayType)) fail('InvalidParameterValue', `GatewayType \`${r.GatewayType}\` is not supported.`);
  const vpc = ctx.account.vpcs.get(table.vpcId);
  const vpcCidr = vpc ? parseCidr(vpc.cidrBlock) : undefined;
  if (vpcCidr && cidrWithin(dest, vpcCidr)) fail('InvalidParameterValue.VpcCidrConflict', `The destination \`${r.DestinationCidrBlock}\` conflicts with the VPC CIDR.`);
  if (r.GatewayType === 'NAT') {
    const nat = ctx.account.nats.get(r.GatewayId);
    if (!nat || nat.vpcId !== table.vpcId || nat.phase === 'DELETING') {
      fail('InvalidParameterValue.RouteNextHopInvalid', `The next hop \`${r.GatewayId}\` is not a NAT gateway of \`${table.vpcId}\`.`);
    }
  } else if (!r.GatewayId) {
    fail('InvalidParameterValue.RouteNextHopInvalid', 'GatewayId must not be empty.');
  }
}

/** Same destination: same next hop is a duplicate, another next hop would make ECMP. */
function checkConflict(table: RouteTableState, r: Route, except?: RouteState): void {
  for (const existing of table.routes) {
    if (existing === except || existing.destination !== r.DestinationCidrBlock) continue;
    if (existing.gatewayType === r.GatewayType && existing.gatewayId === r.GatewayId) {
      fail('InvalidParameterValue.Duplicate', `A route to \`${r.DestinationCidrBlock}\` via \`${r.GatewayId}\` already exists.`);
    }
    fail('UnsupportedOperation.EcmpWithUserRoute', `A route to \`${r.DestinationCidrBlock}\` with another next hop already exists.`);
  }
}

export function createRoutes(ctx: CallContext, req: CreateRoutesRequest): Reply<CreateRoutesResponse> {
  const table = tableOf(ctx, req.RouteTableId);
  if (req.Routes.length === 0) fail('InvalidParameterValue', 'Routes must not be empty.');
  const seen = new Set<string>();
  for (const r of req.Routes) {
    checkRoute(ctx, table, r);
    if (seen.has(r.DestinationCidrBlock)) fail('InvalidParameterValue.Duplicate', `The destination \`${r.DestinationCidrBlock}\` appears twice in the request.`);
    seen.add(r.DestinationCidrBlock);
    checkConflict(table, r);
  }
  const quota = ctx.account.quotas.routesPerTable;
  if (table.routes.length + req.Routes.length > quota) fail('LimitExceeded', `A route table holds at most ${quota} routes.`);
  for (const r of req.Routes) {
    table.routes.push({
      routeId: ctx.world.nextRouteId(),
      itemId: ctx.world.newId('rti'),
      destination: r.DestinationCidrBlock,
      gatewayType: r.GatewayType,
      gatewayId: r.GatewayId,
      description: r.RouteDescription ?? '',
      enabled: true,
      system: false,
      createdAt: ctx.now,
    });
  }
  return { TotalCount: 1, RouteTableSet: [tableView(ctx.account, table)] };
}

/** Find the route a request item points at, by RouteId or RouteItemId. */
function routeRef(table: RouteTableState, r: Partial<Route>): RouteState | undefined {
  if (typeof r.RouteId === 'number') return table.routes.find((x) => x.routeId === r.RouteId);
  if (typeof r.RouteItemId === 'string') return table.routes.find((x) => x.itemId === r.RouteItemId);
  return undefined;
}

export function deleteRoutes(ctx: CallContext, req: DeleteRoutesRequest): Reply<DeleteRoutesResponse> {
  const table = tableOf(ctx, req.RouteTableId);
  const items: Array<Partial<Route>> = req.Routes ?? [];
  if (items.length === 0) fail('MissingParameter', 'The request is missing a required parameter `Routes`.');
  const targets: RouteState[] = [];
  for (const item of items) {
    if (typeof item.RouteId !== 'number' && typeof item.RouteItemId !== 'string') {
      fail('InvalidParameterValue.Malformed', 'Each route to delete needs a RouteId (or RouteItemId).');
    }
    const r = routeRef(table, item);
    if (!r) fail('ResourceNotFound', `The route \`${String(item.RouteId ?? item.RouteItemId)}\` does not exist in \`${table.id}\`.`);
    if (r.system) fail('UnsupportedOperation.SystemRoute', 'System routes cannot be deleted.');
    targets.push(r);
  }
  const deleted = targets.map((r) => routeView(table, r));
  table.routes = table.routes.filter((r) => !targets.includes(r));
  return { RouteSet: deleted };
}

export function replaceRoutes(ctx: CallContext, req: ReplaceRoutesRequest): Reply<ReplaceRoutesResponse> {
  const table = tableOf(ctx, req.RouteTableId);
  if (req.Routes.length === 0) fail('InvalidParameterValue', 'Routes must not be empty.');
  const pairs: Array<[RouteState, Route]> = [];
  for (const item of req.Routes) {
    const r = routeRef(table, item);
    if (!r) fail('UnsupportedOperation.RecordNotExists', `The route \`${String(item.RouteId ?? item.RouteItemId)}\` does not exist in \`${table.id}\`.`);
    if (r.system) fail('UnsupportedOperation.SystemRoute', 'System routes cannot be modified.');
    checkRoute(ctx, table, item);
    checkConflict(table, item, r);
    pairs.push([r, item]);
  }
  const oldSet = pairs.map(([r]) => routeView(table, r));
  for (const [r, item] of pairs) {
    r.destination = item.DestinationCidrBlock;
    r.gatewayType = item.GatewayType;
    r.gatewayId = item.GatewayId;
    if (item.RouteDescription !== undefined) r.description = item.RouteDescription;
  }
  return { OldRouteSet: oldSet, NewRouteSet: pairs.map(([r]) => routeView(table, r)) };
}

// ---- NAT gateways ----

/** Resolve EIPs by IP address for binding to a NAT gateway. */
function bindableAddresses(ctx: CallContext, ips: string[], badStateCode: string): AddressState[] {
  return ips.map((ip) => {
    const a = [...ctx.account.addresses.values()].find((x) => x.ip === ip && x.region === ctx.region);
    if (!a) fail('UnsupportedOperation.PublicIpAddressIsNotExisted', `The EIP \`${ip}\` does not exist.`);
    if (a.bind) fail('ResourceInUse.Address', `The EIP \`${ip}\` is already bound to \`${a.bind.natId}\`.`);
    const status = addressStatus(a, ctx.now);
    if (status !== 'UNBIND') fail(badStateCode, `The EIP \`${ip}\` is ${status}; only UNBIND addresses can be bound.`);
    return a;
  });
}

export function createNatGateway(ctx: CallContext, req: CreateNatGatewayRequest): Reply<CreateNatGatewayResponse> {
  const acc = ctx.account;
  const vpc = vpcOf(ctx, req.VpcId);
  if (!req.NatGatewayName) fail('InvalidParameterValue.Empty', 'NatGatewayName must not be empty.');
  if (req.NatGatewayName.length > 60) fail('InvalidParameterValue.TooLong', 'NatGatewayName is longer than 60 characters.');
  if (req.InternetMaxBandwidthOut !== undefined && !NAT_BANDWIDTHS.includes(req.InternetMaxBandwidthOut)) {
    fail('InvalidParameterValue.Range', `InternetMaxBandwidthOut must be one of ${NAT_BANDWIDTHS.join(', ')}.`);
  }
  for (const [name, v] of [['StockPublicIpAddressesBandwidthOut', req.StockPublicIpAddressesBandwidthOut], ['PublicIpAddressesBandwidthOut', req.PublicIpAddressesBandwidthOut]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > EIP_MAX_BANDWIDTH)) fail('InvalidParameterValue.Range', `${name} must be between 1 and ${EIP_MAX_BANDWIDTH}.`);
  }
  if (req.Zone !== undefined && !req.Zone.startsWith(`${vpc.region}-`)) fail('UnsupportedOperation.NotSupportZone', `The zone \`${req.Zone}\` is not in ${vpc.region}.`);
  const tags = tagsFrom(req.Tags, { key: 'InvalidParameterValue.TagInvalidKey', value: 'InvalidParameterValue.TagInvalidVal', duplicate: 'InvalidParameterValue.TagDuplicateKey' });
  const ips = req.PublicIpAddresses ?? [];
  const count = req.AddressCount ?? 0;
  if (ips.length === 0 && count <= 0) fail('InvalidParameterValue.Empty', 'One of AddressCount and PublicIpAddresses is required.');
  if (ips.length + count > acc.quotas.eipsPerNat) {
    fail('LimitExceeded.PublicIpAddressPerNatGatewayLimitExceeded', `A NAT gateway can bind at most ${acc.quotas.eipsPerNat} EIPs.`);
  }
  const inVpc = [...acc.nats.values()].filter((n) => n.vpcId === vpc.id && n.phase !== 'DELETING').length;
  if (inVpc >= acc.quotas.natPerVpc) fail('LimitExceeded.NatGatewayPerVpcLimitExceeded', `A VPC can hold at most ${acc.quotas.natPerVpc} NAT gateways.`);
  const existing = bindableAddresses(ctx, ips, 'InvalidAddressState');
  if (count > 0 && activeAddressesInRegion(acc, ctx.region) + count > acc.quotas.eipsPerRegion) {
    fail('AddressQuotaLimitExceeded', `Each account can hold at most ${acc.quotas.eipsPerRegion} EIPs per region.`);
  }
  const zone = req.Zone ?? [...acc.subnets.values()].find((s) => s.vpcId === vpc.id)?.zone ?? `${vpc.region}-3`;
  const nat: NatState = {
    id: ctx.world.newId('nat'),
    name: req.NatGatewayName,
    vpcId: vpc.id,
    region: vpc.region,
    zone,
    createdAt: ctx.now,
    phase: 'PENDING',
    readyAt: ctx.now + ctx.world.delays.nat,
    fails: ctx.world.behaviour.natCreateFails,
    tags,
    bandwidthOut: req.InternetMaxBandwidthOut ?? 100,
    maxConnections: req.MaxConcurrentConnection ?? 1000000,
  };
  acc.nats.set(nat.id, nat);
  // [ASSUME] EIPs created through AddressCount do not inherit the gateway's tags (reference §10.5).
  const created = newAddresses(ctx, count, { name: '', tags: [], readyAt: ctx.now, ...(req.PublicIpAddressesBandwidthOut !== undefined ? { bandwidth: req.PublicIpAddressesBandwidthOut } : {}) });
  // StockPublicIpAddressesBandwidthOut sets the bandwidth of the existing EIPs bound at creation.
  if (req.StockPublicIpAddressesBandwidthOut !== undefined) for (const a of existing) a.bandwidth = req.StockPublicIpAddressesBandwidthOut;
  for (const a of [...existing, ...created]) a.bind = { natId: nat.id, at: nat.readyAt };
  return { NatGatewaySet: [natView(acc, nat)], TotalCount: 1 };
}

export function describeNatGateways(ctx: CallContext, req: DescribeNatGatewaysRequest): Reply<DescribeNatGatewaysResponse> {
  const acc = ctx.account;
  noCoexist(req.NatGatewayIds, req.Filters, 'NatGatewayIds');
  const ids = req.NatGatewayIds ?? [];
  if (ids.length > 100) fail('InvalidParameterValue.LimitExceeded', 'At most 100 NatGatewayIds are allowed.');
  for (const id of ids) if (!NAT_ID.test(id)) malformed('NatGatewayIds', id);
  const names = new Set(['nat-gateway-id', 'vpc-id', 'nat-gateway-name', 'nat-state', 'tag-key']);
  const acceptTag = ctx.world.behaviour.acceptNatTagFilter;
  checkFilters(req.Filters, (n) => names.has(n) || (acceptTag && n.startsWith('tag:')), {
    invalidKeyCode: 'InvalidParameter.FilterInvalidKey',
    maxFilters: 10,
    maxValues: 5,
  });
  const { offset, limit } = vpcPaging(req.Offset, req.Limit);
  let nats = [...acc.nats.values()].filter((n) => n.region === ctx.region);
  if (ids.length > 0) nats = nats.filter((n) => ids.includes(n.id));
  nats = applyFilters(nats, req.Filters, (n, name, values) => {
    switch (name) {
      case 'nat-gateway-id':
        return values.includes(n.id);
      case 'vpc-id':
        return values.includes(n.vpcId);
      case 'nat-gateway-name':
        return values.some((v) => n.name.includes(v));
      case 'nat-state':
        return values.includes(n.phase);
      default:
        return matchTagFilter(name, values, n.tags) ?? false;
    }
  });
  const p = page(nats.sort(byCreation), offset, Math.min(limit, ctx.world.behaviour.maxPageSize));
  // VerboseLevel: in the SDK model and the documented example ("DETAIL").
  return { NatGatewaySet: p.items.map((n) => natView(acc, n)), TotalCount: p.total, VerboseLevel: 'DETAIL' };
}

export function deleteNatGateway(ctx: CallContext, req: DeleteNatGatewayRequest): Reply<DeleteNatGatewayResponse> {
  const acc = ctx.account;
  const nat = natOf(ctx, req.NatGatewayId);
  if (nat.phase === 'PENDING' || nat.phase === 'DELETING') {
    fail('UnsupportedOperation.MutexOperationTaskRunning', `The NAT gateway \`${nat.id}\` is ${nat.phase}.`);
  }
  const withRoutes = [...acc.routeTables.values()].filter((t) => t.routes.some((r) => r.gatewayType === 'NAT' && r.gatewayId === nat.id));
  if (withRoutes.length > 0) {
    // [ASSUME] routes block deletion unless IgnoreOperationRisk is set, in which case they are removed.
    if (req.IgnoreOperationRisk !== true) fail('UnsupportedOperation.NatGatewayHaveRoute', `Routes in ${withRoutes.map((t) => t.id).join(', ')} still point at \`${nat.id}\`.`);
    for (const t of withRoutes) t.routes = t.routes.filter((r) => !(r.gatewayType === 'NAT' && r.gatewayId === nat.id));
  }
  // A gateway that carried traffic is protected by the anti-misoperation check unless IgnoreOperationRisk.
  const risk = ctx.world.behaviour.natDeleteRisk;
  if (risk !== 'none' && nat.hadTraffic === true && req.IgnoreOperationRisk !== true) {
    fail(risk, `The NAT gateway \`${nat.id}\` recently carried traffic above the detection threshold; pass IgnoreOperationRisk to delete it.`);
  }
  nat.phase = 'DELETING';
  nat.deleteAt = ctx.now + ctx.world.delays.natDelete;
  for (const a of natAddresses(acc, nat.id)) if (a.bind) a.bind.unbindAt = nat.deleteAt;
  return {};
}

export function associateNatGatewayAddress(ctx: CallContext, req: AssociateNatGatewayAddressRequest): Reply<AssociateNatGatewayAddressResponse> {
  const acc = ctx.account;
  const nat = natOf(ctx, req.NatGatewayId);
  if (nat.phase !== 'AVAILABLE') fail('UnsupportedOperation.InvalidState', `The NAT gateway \`${nat.id}\` is ${nat.phase}, not AVAILABLE.`);
  if ([...acc.vpcTasks.values()].some((t) => t.natId === nat.id && ctx.now < t.doneAt)) {
    fail('UnsupportedOperation.MutexOperationTaskRunning', `Another task is running on \`${nat.id}\`.`);
  }
  const ips = req.PublicIpAddresses ?? [];
  const count = req.AddressCount ?? 0;
  if (ips.length === 0 && count <= 0) fail('InvalidParameterValue.Malformed', 'One of AddressCount and PublicIpAddresses is required.');
  if (natAddresses(acc, nat.id).length + ips.length + count > acc.quotas.eipsPerNat) {
    fail('LimitExceeded.PublicIpAddressPerNatGatewayLimitExceeded', `A NAT gateway can bind at most ${acc.quotas.eipsPerNat} EIPs.`);
  }
  const existing = bindableAddresses(ctx, ips, 'UnsupportedOperation.InvalidState');
  if (count > 0 && activeAddressesInRegion(acc, ctx.region) + count > acc.quotas.eipsPerRegion) {
    fail('LimitExceeded.AddressQuotaLimitExceeded', `Each account can hold at most ${acc.quotas.eipsPerRegion} EIPs per region.`);
  }
  const created = newAddresses(ctx, count, { name: '', tags: [], readyAt: ctx.now });
  const doneAt = ctx.now + ctx.world.delays.eipAssociate;
  const bound = [...existing, ...created];
  for (const a of bound) a.bind = { natId: nat.id, at: doneAt };
  acc.vpcTasks.set(ctx.requestId, { id: ctx.requestId, doneAt, resources: bound.map((a) => a.id), natId: nat.id });
  return {};
}

// ---- EIPs ----

export function allocateAddresses(ctx: CallContext, req: AllocateAddressesRequest): Reply<AllocateAddressesResponse> {
  const acc = ctx.account;
  let tokenKey: string | undefined;
  if (req.ClientToken !== undefined) {
    if (req.ClientToken.length === 0 || req.ClientToken.length > 64 || !/^[\x20-\x7e]+$/.test(req.ClientToken)) {
      fail('InvalidParameterValue', 'ClientToken must be 1-64 ASCII characters.');
    }
    tokenKey = `${ctx.region}/${req.ClientToken}`;
    const hit = acc.clientTokens.get(tokenKey);
    const forgotten = hit !== undefined && ctx.world.behaviour.clientTokenMemory === 'while-addresses-exist' && hit.addressIds.every((id) => !acc.addresses.has(id));
    if (hit && !forgotten) return { AddressSet: [...hit.addressIds], TaskId: String(hit.taskId) };
  }
  const count = req.AddressCount ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 100) fail('InvalidParameterValue.Range', 'AddressCount must be between 1 and 100.');
  if (req.AddressType !== undefined && req.AddressType !== 'EIP') fail('InvalidParameterValue.Combination', `AddressType \`${req.AddressType}\` is not supported by the emulator.`);
  const tags = tagsFrom(req.Tags, { key: 'InvalidParameterValue.InvalidTag', value: 'InvalidParameterValue.InvalidTag', duplicate: 'InvalidParameterValue.InvalidTag' });
  if (activeAddressesInRegion(acc, ctx.region) + count > acc.quotas.eipsPerRegion) {
    fail('AddressQuotaLimitExceeded', `Each account can hold at most ${acc.quotas.eipsPerRegion} EIPs per region.`);
  }
  const chargeType = req.InternetChargeType ?? 'TRAFFIC_POSTPAID_BY_HOUR';
  if (!EIP_CHARGE_TYPES.has(chargeType)) fail('InvalidParameterValue', `InternetChargeType \`${chargeType}\` is not supported.`);
  const bandwidth = req.InternetMaxBandwidthOut ?? 1;
  if (!Number.isInteger(bandwidth) || bandwidth < 1 || bandwidth > EIP_MAX_BANDWIDTH) {
    fail('InvalidParameterValue.BandwidthOutOfRange', `InternetMaxBandwidthOut must be between 1 and ${EIP_MAX_BANDWIDTH}.`);
  }
  const readyAt = ctx.now + ctx.world.delays.eipAllocate;
  const created = newAddresses(ctx, count, { name: req.AddressName ?? '', tags, readyAt, bandwidth, chargeType });
  const task = { id: ctx.world.nextTaskId(), doneAt: readyAt };
  acc.eipTasks.set(task.id, task);
  const ids = created.map((a) => a.id);
  if (tokenKey) acc.clientTokens.set(tokenKey, { addressIds: ids, taskId: task.id });
  return { AddressSet: ids, TaskId: String(task.id) };
}

export function describeAddresses(ctx: CallContext, req: DescribeAddressesRequest): Reply<DescribeAddressesResponse> {
  noCoexist(req.AddressIds, req.Filters, 'AddressIds', 'InvalidParameter');
  for (const id of req.AddressIds ?? []) if (!EIP_ID.test(id)) fail('InvalidParameterValue.AddressIdMalformed', `The EIP id \`${id}\` is malformed.`);
  const names = new Set([
    'address-id',
    'address-name',
    'address-ip',
    'address-status',
    'instance-id',
    'instance-type',
    'address-type',
    'address-isp',
    'is-arrears',
    'private-ip-address',
    'network-interface-id',
    'dedicated-cluster-id',
    'tag-key',
    'tag-value',
  ]);
  checkFilters(req.Filters, (n) => names.has(n) || n.startsWith('tag:'), {
    invalidKeyCode: 'InvalidParameter.InvalidFilter',
    maxFilters: 10,
    tooManyCode: 'LimitExceeded.NumberOfFilters',
  });
  for (const f of req.Filters ?? []) if (f.Values.length > 100) fail('InvalidParameterValue.LimitExceeded', `Filter \`${f.Name}\` allows at most 100 values.`);
  const { offset, limit } = vpcPaging(req.Offset, req.Limit, 'InvalidParameterValue.LimitExceeded');
  const now = ctx.now;
  let addrs = [...ctx.account.addresses.values()].filter((a) => a.region === ctx.region);
  if (req.AddressIds && req.AddressIds.length > 0) {
    const ids = req.AddressIds;
    addrs = addrs.filter((a) => ids.includes(a.id));
  }
  addrs = applyFilters(addrs, req.Filters, (a, name, values) => {
    switch (name) {
      case 'address-id':
        return values.includes(a.id);
      case 'address-name':
        return a.name === values[0];
      case 'address-ip':
        return values.includes(a.ip);
      case 'address-status':
        return values.includes(addressStatus(a, now));
      case 'instance-id':
        return a.bind !== undefined && values.includes(a.bind.natId);
      case 'instance-type':
        return a.bind !== undefined && values.includes('NAT');
      case 'address-type':
        return values.includes('EIP');
      case 'address-isp':
        return values.includes('BGP');
      case 'is-arrears':
        return values.includes('FALSE') || values.includes('false');
      case 'private-ip-address':
      case 'network-interface-id':
      case 'dedicated-cluster-id':
        return false;
      default:
        return matchTagFilter(name, values, a.tags) ?? false;
    }
  });
  const p = page(addrs.sort(byCreation), offset, Math.min(limit, ctx.world.behaviour.maxPageSize));
  return { TotalCount: p.total, AddressSet: p.items.map((a) => addressView(a, now)) };
}

export function releaseAddresses(ctx: CallContext, req: ReleaseAddressesRequest): Reply<ReleaseAddressesResponse> {
  const acc = ctx.account;
  if (req.AddressIds.length === 0) fail('MissingParameter', 'The request is missing a required parameter `AddressIds`.');
  const targets = req.AddressIds.map((id) => {
    if (!EIP_ID.test(id)) fail('InvalidParameterValue.AddressIdMalformed', `The EIP id \`${id}\` is malformed.`);
    const a = acc.addresses.get(id);
    if (!a || a.region !== ctx.region) fail('InvalidAddressId.NotFound', `The EIP \`${id}\` does not exist.`);
    const status = addressStatus(a, ctx.now);
    if (status !== 'UNBIND') fail('InvalidAddressState', `The EIP \`${id}\` is ${status}; only UNBIND addresses can be released.`);
    return a;
  });
  const releaseAt = ctx.now + ctx.world.delays.eipRelease;
  for (const a of targets) a.releaseAt = releaseAt;
  const task = { id: ctx.world.nextTaskId(), doneAt: releaseAt };
  acc.eipTasks.set(task.id, task);
  return { TaskId: String(task.id) };
}

export function describeTaskResult(ctx: CallContext, req: DescribeTaskResultRequest): Reply<DescribeTaskResultResponse> {
  if (req.TaskId === undefined) {
    if (req.DealName !== undefined) fail('InvalidParameter', 'DealName is not supported by the emulator; pass TaskId.');
    fail('MissingParameter', 'The request is missing a required parameter `TaskId`.');
  }
  const task = ctx.account.eipTasks.get(req.TaskId);
  if (!task) fail('InvalidParameter', `The task \`${req.TaskId}\` does not exist.`);
  return { TaskId: task.id, Result: ctx.now >= task.doneAt ? 'SUCCESS' : 'RUNNING' };
}

export function describeVpcTaskResult(ctx: CallContext, req: DescribeVpcTaskResultRequest): Reply<DescribeVpcTaskResultResponse> {
  const task = ctx.account.vpcTasks.get(req.TaskId);
  if (!task) fail('ResourceNotFound', `The task \`${req.TaskId}\` does not exist.`);
  const status = ctx.now >= task.doneAt ? 'SUCCESS' : 'RUNNING';
  return { Status: status, Output: '', Result: task.resources.map((id) => ({ ResourceId: id, Status: status })) };
}

// ---- schemas and table ----

const FILTER: ObjectSchema<Filter> = { Name: { type: 'string', required: true }, Values: { type: 'string[]', required: true } };
const TAG: ObjectSchema<Tag> = { Key: { type: 'string', required: true }, Value: { type: 'string', required: false } };
const ROUTE: ObjectSchema<Route> = {
  DestinationCidrBlock: { type: 'string', required: true },
  GatewayType: { type: 'string', required: true },
  GatewayId: { type: 'string', required: true },
  RouteId: { type: 'integer', required: false },
  RouteDescription: { type: 'string', required: false },
  Enabled: { type: 'boolean', required: false },
  RouteType: { type: 'string', required: false },
  RouteTableId: { type: 'string', required: false },
  DestinationIpv6CidrBlock: { type: 'string', required: false },
  RouteItemId: { type: 'string', required: false },
  PublishedToVbc: { type: 'boolean', required: false },
  CreatedTime: { type: 'string', required: false },
  CdcId: { type: 'string', required: false },
};
const OFFSET_S = { type: 'numeric-string', required: false } as const;
const FILTERS = { type: 'object[]', required: false, items: FILTER } as const;
const TAGS = { type: 'object[]', required: false, items: TAG } as const;

export const vpcActions: ActionTable<VpcClient> = {
  DescribeSubnets: {
    mutating: false,
    schema: {
      SubnetIds: { type: 'string[]', required: false },
      Filters: FILTERS,
      Offset: OFFSET_S,
      Limit: OFFSET_S,
      MaxResults: { type: 'integer', required: false },
      NextToken: { type: 'string', required: false },
    },
    handler: describeSubnets,
  },
  DescribeRouteTables: {
    mutating: false,
    schema: {
      Filters: FILTERS,
      RouteTableIds: { type: 'string[]', required: false },
      Offset: OFFSET_S,
      Limit: OFFSET_S,
      NeedRouterInfo: { type: 'boolean', required: false },
    },
    handler: describeRouteTables,
  },
  CreateRoutes: {
    mutating: true,
    schema: { RouteTableId: { type: 'string', required: true }, Routes: { type: 'object[]', required: true, items: ROUTE } },
    handler: createRoutes,
  },
  // Route items of DeleteRoutes need only RouteId (or RouteItemId); the handler checks them.
  DeleteRoutes: {
    mutating: true,
    schema: { RouteTableId: { type: 'string', required: true }, Routes: { type: 'object[]', required: false } },
    handler: deleteRoutes,
  },
  ReplaceRoutes: {
    mutating: true,
    schema: { RouteTableId: { type: 'string', required: true }, Routes: { type: 'object[]', required: true, items: ROUTE } },
    handler: replaceRoutes,
  },
  CreateNatGateway: {
    mutating: true,
    schema: {
      NatGatewayName: { type: 'string', required: true },
      VpcId: { type: 'string', required: true },
      InternetMaxBandwidthOut: { type: 'integer', required: false },
      MaxConcurrentConnection: { type: 'integer', required: false },
      AddressCount: { type: 'integer', required: false },
      PublicIpAddresses: { type: 'string[]', required: false },
      Zone: { type: 'string', required: false },
      Tags: TAGS,
      SubnetId: { type: 'string', required: false },
      StockPublicIpAddressesBandwidthOut: { type: 'integer', required: false },
      PublicIpAddressesBandwidthOut: { type: 'integer', required: false },
      PublicIpFromSameZone: { type: 'boolean', required: false },
      NatProductVersion: { type: 'integer', required: false },
      DeletionProtectionEnabled: { type: 'boolean', required: false },
      ExclusiveType: { type: 'string', required: false },
    },
    handler: createNatGateway,
  },
  DescribeNatGateways: {
    mutating: false,
    schema: {
      NatGatewayIds: { type: 'string[]', required: false },
      Filters: FILTERS,
      Offset: { type: 'integer', required: false },
      Limit: { type: 'integer', required: false },
    },
    handler: describeNatGateways,
  },
  DeleteNatGateway: {
    mutating: true,
    schema: { NatGatewayId: { type: 'string', required: true }, IgnoreOperationRisk: { type: 'boolean', required: false } },
    handler: deleteNatGateway,
  },
  AssociateNatGatewayAddress: {
    mutating: true,
    schema: {
      NatGatewayId: { type: 'string', required: true },
      AddressCount: { type: 'integer', required: false },
      PublicIpAddresses: { type: 'string[]', required: false },
      Zone: { type: 'string', required: false },
      StockPublicIpAddressesBandwidthOut: { type: 'integer', required: false },
      PublicIpAddressesBandwidthOut: { type: 'integer', required: false },
      PublicIpFromSameZone: { type: 'boolean', required: false },
      IpAddressEnableMode: { type: 'boolean', required: false },
    },
    handler: associateNatGatewayAddress,
  },
  AllocateAddresses: {
    mutating: true,
    schema: {
      AddressCount: { type: 'integer', required: false },
      InternetServiceProvider: { type: 'string', required: false },
      InternetChargeType: { type: 'string', required: false },
      IPChargeType: { type: 'string', required: false },
      InternetMaxBandwidthOut: { type: 'integer', required: false },
      AddressChargePrepaid: { type: 'object', required: false },
      AddressType: { type: 'string', required: false },
      AnycastZone: { type: 'string', required: false },
      VipCluster: { type: 'string[]', required: false },
      ApplicableForCLB: { type: 'boolean', required: false },
      Tags: TAGS,
      BandwidthPackageId: { type: 'string', required: false },
      AddressName: { type: 'string', required: false },
      DedicatedClusterId: { type: 'string', required: false },
      IsDedicatedAddressPool: { type: 'boolean', required: false },
      Egress: { type: 'string', required: false },
      AntiDDoSPackageId: { type: 'string', required: false },
      ClientToken: { type: 'string', required: false },
    },
    handler: allocateAddresses,
  },
  DescribeAddresses: {
    mutating: false,
    schema: {
      AddressIds: { type: 'string[]', required: false },
      Filters: FILTERS,
      Offset: { type: 'integer', required: false },
      Limit: { type: 'integer', required: false },
    },
    handler: describeAddresses,
  },
  ReleaseAddresses: { mutating: true, schema: { AddressIds: { type: 'string[]', required: true } }, handler: releaseAddresses },
  DescribeTaskResult: {
    mutating: false,
    schema: { TaskId: { type: 'integer', required: false }, DealName: { type: 'string', required: false } },
    handler: describeTaskResult,
  },
  DescribeVpcTaskResult: { mutating: false, schema: { TaskId: { type: 'string', required: true } }, handler: describeVpcTaskResult },
};

export const vpcRuntimeActions = runtimeActions(vpcActions);
