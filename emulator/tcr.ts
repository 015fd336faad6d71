// TCR (tcr.tencentcloudapi.com, 2019-09-24): instances, private access links and DNS, the public endpoint and
// its whitelist, instance tokens. Request/response types are the SDK's own (tcr_models).

import type { Client as TcrClient } from 'tencentcloud-sdk-nodejs/tencentcloud/services/tcr/v20190924/tcr_client.js';
import type {
  AccessVpc,
  CreateInstanceTokenRequest,
  CreateInstanceTokenResponse,
  CreateInternalEndpointDnsRequest,
  CreateInternalEndpointDnsResponse,
  CreateSecurityPolicyRequest,
  CreateSecurityPolicyResponse,
  DeleteInstanceTokenRequest,
  DeleteInstanceTokenResponse,
  DeleteInternalEndpointDnsRequest,
  DeleteInternalEndpointDnsResponse,
  DeleteSecurityPolicyRequest,
  DeleteSecurityPolicyResponse,
  DescribeExternalEndpointStatusRequest,
  DescribeExternalEndpointStatusResponse,
  DescribeInstancesRequest,
  DescribeInstancesResponse,
  DescribeInstanceTokenRequest,
  DescribeInstanceTokenResponse,
  DescribeInstanceCustomizedDomainRequest,
  DescribeInstanceCustomizedDomainResponse,
  DescribeInternalEndpointDnsStatusRequest,
  DescribeInternalEndpointDnsStatusResponse,
  DescribeInternalEndpointsRequest,
  DescribeInternalEndpointsResponse,
  DescribeSecurityPoliciesRequest,
  DescribeSecurityPoliciesResponse,
  Filter,
  ManageExternalEndpointRequest,
  ManageExternalEndpointResponse,
  ManageInternalEndpointRequest,
  ManageInternalEndpointResponse,
  Registry,
  TcrInstanceToken,
  VpcPrivateDomainStatus,
} from 'tencentcloud-sdk-nodejs/tencentcloud/services/tcr/v20190924/tcr_models.js';
import { checkFilters, page, runtimeActions, tcrPaging, tcrTime, type ActionTable, type CallContext, type Reply } from './actions.ts';
import { fail } from './errors.ts';
import { formatCidr, parseCidr } from './net.ts';
import type { ObjectSchema } from './schema.ts';
import { allocateSubnetIp, newTcrToken } from './seed.ts';
import { dnsKey, linkKey, randomString, REGION_IDS, type LinkState, type RegistryState } from './world.ts';

export const TCR_VERSION = '2019-09-24';

/** Documented per-action rate limits (reference §7.3); others default to 20/s. */
export const TCR_RATE_LIMITS: Readonly<Record<string, number>> = {
  ManageInternalEndpoint: 2,
  DescribeInstances: 100,
  CreateInstanceToken: 100,
};

const LONG_TERM_TOKEN_MS = 10 * 365 * 86400_000;
const TEMP_TOKEN_MS = 3600_000;

/**
 * Code for an unknown RegistryId, per action. DescribeInternalEndpoints answers InternalError ([TF] comment);
 * elsewhere ResourceNotFound where the action's documented error list has it, else InvalidParameter.
 */
const REGISTRY_NOT_FOUND: Readonly<Record<string, string>> = {
  DescribeInternalEndpoints: 'InternalError',
  ManageInternalEndpoint: 'ResourceNotFound',
  CreateInternalEndpointDns: 'InvalidParameter',
  DescribeInternalEndpointDnsStatus: 'InvalidParameter',
  DeleteInternalEndpointDns: 'InvalidParameter',
  DescribeExternalEndpointStatus: 'ResourceNotFound',
  ManageExternalEndpoint: 'InvalidParameter',
  DescribeSecurityPolicies: 'ResourceNotFound',
  CreateSecurityPolicy: 'InvalidParameter',
  DeleteSecurityPolicy: 'InvalidParameter',
  CreateInstanceToken: 'ResourceNotFound.TcrResourceNotFound',
  DescribeInstanceToken: 'InvalidParameter',
  DeleteInstanceToken: 'InvalidParameter',
};

function registryOf(ctx: CallContext, registryId: string): RegistryState {
  const reg = ctx.account.registries.get(registryId);
  if (!reg || reg.region !== ctx.region) {
    fail(REGISTRY_NOT_FOUND[ctx.action] ?? 'ResourceNotFound', `The TCR instance \`${registryId}\` does not exist in ${ctx.region}.`);
  }
  return reg;
}

function requireRunning(reg: RegistryState): void {
  if (reg.status !== 'Running') fail('ResourceInsufficient.ErrorInstanceNotRunning', `The TCR instance \`${reg.id}\` is ${reg.status}, not Running.`);
}

function registryView(reg: RegistryState): Registry {
  return {
    RegistryId: reg.id,
    RegistryName: reg.name,
    RegistryType: reg.type,
    Status: reg.status,
    PublicDomain: `${reg.name}.tencentcloudcr.com`,
    CreatedAt: tcrTime(reg.createdAt),
    RegionName: reg.region,
    RegionId: REGION_IDS[reg.region] ?? 0,
    EnableAnonymous: false,
    TokenValidTime: 1,
    InternalEndpoint: '',
    TagSpecification: { ResourceType: 'instance', Tags: [] },
    ExpiredAt: '',
    PayMod: 0,
    RenewFlag: 0,
    DeletionProtection: false,
    AIFeature: false,
    EnableCosMAZ: false,
    EnableCosVersioning: false,
  };
}

function linkView(link: LinkState, runningStatus: string): AccessVpc {
  return { VpcId: link.vpcId, SubnetId: link.subnetId, Status: link.phase === 'Running' ? runningStatus : link.phase, AccessIp: link.phase === 'Creating' ? '' : link.ip };
}

// ---- instances ----

export function describeInstances(ctx: CallContext, req: DescribeInstancesRequest): Reply<DescribeInstancesResponse> {
  checkFilters(req.Filters, (n) => n === 'RegistryName' || n === 'RegistryId', { invalidKeyCode: 'InvalidParameter' });
  const { offset, limit } = tcrPaging(req.Offset, req.Limit);
  let regs = [...ctx.account.registries.values()].filter((r) => req.AllRegion === true || r.region === ctx.region);
  if (req.Registryids && req.Registryids.length > 0) {
    const ids = req.Registryids;
    regs = regs.filter((r) => ids.includes(r.id));
  }
  for (const f of req.Filters ?? []) {
    regs = regs.filter((r) => f.Values.includes(f.Name === 'RegistryName' ? r.name : r.id));
  }
  regs.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  const p = page(regs, offset, limit);
  return { TotalCount: p.total, Registries: p.items.map(registryView) };
}

// ---- private access links ----

export function describeInternalEndpoints(ctx: CallContext, req: DescribeInternalEndpointsRequest): Reply<DescribeInternalEndpointsResponse> {
  const reg = registryOf(ctx, req.RegistryId);
  const links = [...reg.links.values()].map((l) => linkView(l, ctx.world.behaviour.linkRunningStatus));
  return { AccessVpcSet: links, TotalCount: links.length };
}

export function manageInternalEndpoint(ctx: CallContext, req: ManageInternalEndpointRequest): Reply<ManageInternalEndpointResponse> {
  const reg = registryOf(ctx, req.RegistryId);
  const acc = ctx.account;
  const key = linkKey(req.VpcId, req.SubnetId);
  const existing = reg.links.get(key);
  if (req.Operation === 'Create') {
    requireRunning(reg);
    if (existing) fail('InternalError.ErrorConflict', `The access link of \`${reg.id}\` to ${req.VpcId}/${req.SubnetId} already exists.`);
    const region = req.RegionName || regionOfId(req.RegionId) || reg.region;
    const vpc = acc.vpcs.get(req.VpcId);
    if (!vpc || vpc.region !== region) fail('InvalidParameter', `The VPC \`${req.VpcId}\` does not exist in ${region}.`);
    const subnet = acc.subnets.get(req.SubnetId);
    if (!subnet || subnet.vpcId !== vpc.id) fail('InvalidParameter', `The subnet \`${req.SubnetId}\` does not exist in VPC \`${req.VpcId}\`.`);
    const quota = acc.quotas.linksPerInstance[reg.type];
    if (reg.links.size >= quota) fail('InternalError.ErrorOverLimit', `The ${reg.type} edition allows at most ${quota} VPC access links.`);
    const ip = allocateSubnetIp(subnet) ?? fail('FailedOperation', `The subnet \`${subnet.id}\` has no available IP address.`);
    reg.links.set(key, { vpcId: vpc.id, subnetId: subnet.id, ip, phase: 'Creating', readyAt: ctx.now + ctx.world.delays.link });
  } else if (req.Operation === 'Delete') {
    if (!existing) fail('ResourceNotFound', `The access link of \`${reg.id}\` to ${req.VpcId}/${req.SubnetId} does not exist.`);
    if (existing.phase !== 'Deleting') {
      const dnsLeft = [...reg.dns.values()].some((d) => d.vpcId === existing.vpcId && d.eniLbIp === existing.ip);
      if (dnsLeft) fail('ResourceInsufficient.ErrorVpcDnsStatus', 'Vpc dns status abnormal or not deleted.');
      existing.phase = 'Deleting';
      existing.deleteAt = ctx.now + ctx.world.delays.linkDelete;
    }
  } else {
    fail('InvalidParameter', 'not support operation, must Create or Delete');
  }
  return { RegistryId: reg.id };
}

function regionOfId(id: number | undefined): string | undefined {
  if (id === undefined) return undefined;
  return Object.entries(REGION_IDS).find(([, v]) => v === id)?.[0];
}

// ---- private DNS ----

export function createInternalEndpointDns(ctx: CallContext, req: CreateInternalEndpointDnsRequest): Reply<CreateInternalEndpointDnsResponse> {
  const reg = registryOf(ctx, req.InstanceId);
  const acc = ctx.account;
  if (!acc.privateDnsActivated) fail(ctx.world.behaviour.privateDnsErrorCode, 'The Private DNS service is not activated for this account.');
  const region = req.RegionName || regionOfId(req.RegionId) || reg.region;
  const vpc = acc.vpcs.get(req.VpcId);
  if (!vpc || vpc.region !== region) fail('InvalidParameter', `The VPC \`${req.VpcId}\` does not exist in ${region}.`);
  const link = [...reg.links.values()].find((l) => l.vpcId === vpc.id && l.phase === 'Running' && l.ip === req.EniLBIp);
  if (!link) fail('InvalidParameter', `EniLBIp \`${req.EniLBIp}\` is not the access IP of a running link of \`${reg.id}\` in \`${vpc.id}\`.`);
  const usePublicDomain = req.UsePublicDomain ?? false;
  const key = dnsKey(vpc.id, usePublicDomain);
  const existing = reg.dns.get(key);
  if (existing) existing.eniLbIp = link.ip;
  else reg.dns.set(key, { vpcId: vpc.id, usePublicDomain, eniLbIp: link.ip, region, readyAt: ctx.now + ctx.world.delays.dns });
  return {};
}

export function describeInternalEndpointDnsStatus(ctx: CallContext, req: DescribeInternalEndpointDnsStatusRequest): Reply<DescribeInternalEndpointDnsStatusResponse> {
  const enabled = ctx.world.behaviour.dnsStatusSpelling;
  const disabled = enabled === 'ENABLED' ? 'DISABLED' : 'DISABLE';
  const set: VpcPrivateDomainStatus[] = req.VpcSet.map((item) => {
    const reg = registryOf(ctx, item.InstanceId);
    const rec = reg.dns.get(dnsKey(item.VpcId, item.UsePublicDomain ?? false));
    const on = rec !== undefined && ctx.now >= rec.readyAt;
    return { Region: item.RegionName || rec?.region || reg.region, VpcId: item.VpcId, Status: on ? enabled : disabled };
  });
  return { VpcSet: set };
}

export function deleteInternalEndpointDns(ctx: CallContext, req: DeleteInternalEndpointDnsRequest): Reply<DeleteInternalEndpointDnsResponse> {
  const reg = registryOf(ctx, req.InstanceId);
  // [ASSUME] idempotent: deleting an absent record succeeds.
  reg.dns.delete(dnsKey(req.VpcId, req.UsePublicDomain ?? false));
  return {};
}

// ---- public endpoint and whitelist ----

export function describeExternalEndpointStatus(ctx: CallContext, req: DescribeExternalEndpointStatusRequest): Reply<DescribeExternalEndpointStatusResponse> {
  const reg = registryOf(ctx, req.RegistryId);
  return { Status: reg.endpoint.phase, Reason: '' };
}

export function manageExternalEndpoint(ctx: CallContext, req: ManageExternalEndpointRequest): Reply<ManageExternalEndpointResponse> {
  const reg = registryOf(ctx, req.RegistryId);
  const ep = reg.endpoint;
  const until = ctx.now + ctx.world.delays.externalEndpoint;
  if (req.Operation === 'Create') {
    requireRunning(reg);
    if (ep.phase === 'Closed' || ep.phase === 'Deleting') reg.endpoint = { phase: 'Opening', until };
  } else if (req.Operation === 'Delete') {
    if (ep.phase === 'Opened' || ep.phase === 'Opening') reg.endpoint = { phase: 'Deleting', until };
  } else {
    fail('InvalidParameter', 'not support operation, must Create or Delete');
  }
  return { RegistryId: reg.id };
}

/** The whitelist exists only on standard/premium instances whose public endpoint is Opened. */
function whitelistOf(ctx: CallContext, registryId: string): RegistryState {
  const reg = registryOf(ctx, registryId);
  if (reg.type === 'basic') fail('UnsupportedOperation', 'The basic edition does not support public network access control.');
  if (reg.endpoint.phase !== 'Opened') fail('ResourceNotFound', 'Failed to get security group id from registry: the public endpoint is not opened.');
  return reg;
}

export function describeSecurityPolicies(ctx: CallContext, req: DescribeSecurityPoliciesRequest): Reply<DescribeSecurityPoliciesResponse> {
  const reg = whitelistOf(ctx, req.RegistryId);
  const version = String(reg.policyVersion);
  return {
    SecurityPolicySet: reg.policies.map((p, i) => ({ PolicyIndex: i, Description: p.description, CidrBlock: p.cidrBlock, PolicyVersion: version })),
  };
}

export function createSecurityPolicy(ctx: CallContext, req: CreateSecurityPolicyRequest): Reply<CreateSecurityPolicyResponse> {
  const reg = whitelistOf(ctx, req.RegistryId);
  const parsed = parseCidr(req.CidrBlock);
  if (!parsed) fail('InvalidParameter', `CidrBlock \`${req.CidrBlock}\` is not a valid IPv4 CIDR block.`);
  // [UNDOCUMENTED] the whitelist is a security group: it stores the network address (Behaviour.normaliseCidrs).
  const cidrBlock = ctx.world.behaviour.normaliseCidrs ? formatCidr(parsed) : req.CidrBlock;
  // [ASSUME] a duplicate CIDR is refused (reference §3.3 leaves it open).
  if (reg.policies.some((p) => p.cidrBlock === cidrBlock)) fail('InvalidParameter', `CidrBlock \`${cidrBlock}\` is already in the whitelist.`);
  reg.policies.push({ cidrBlock, description: req.Description });
  reg.policyVersion++;
  return { RegistryId: reg.id };
}

export function deleteSecurityPolicy(ctx: CallContext, req: DeleteSecurityPolicyRequest): Reply<DeleteSecurityPolicyResponse> {
  const reg = whitelistOf(ctx, req.RegistryId);
  const mode = ctx.world.behaviour.securityPolicyDelete;
  if (mode === 'exclusive' && req.CidrBlock && req.PolicyIndex !== undefined) fail('InvalidParameter', 'CidrBlock and PolicyIndex cannot be specified at the same time.');
  if (req.CidrBlock && mode !== 'index') {
    // CidrBlock wins over PolicyIndex when both are given [SDK].
    const cidr = req.CidrBlock;
    if (!reg.policies.some((p) => p.cidrBlock === cidr)) fail('InvalidParameter', `CidrBlock \`${cidr}\` is not in the whitelist.`);
    reg.policies = reg.policies.filter((p) => p.cidrBlock !== cidr);
  } else if (req.PolicyIndex !== undefined) {
    if (req.PolicyVersion === undefined) fail('MissingParameter', 'The request is missing a required parameter `PolicyVersion`.');
    if (req.PolicyVersion !== String(reg.policyVersion)) {
      fail('InvalidParameter', `PolicyVersion \`${req.PolicyVersion}\` is stale; the current version is ${reg.policyVersion}.`);
    }
    if (req.PolicyIndex < 0 || req.PolicyIndex >= reg.policies.length) fail('InvalidParameter', `PolicyIndex ${req.PolicyIndex} does not exist.`);
    reg.policies.splice(req.PolicyIndex, 1);
  } else {
    fail('MissingParameter', 'The request is missing a required parameter: `CidrBlock` or `PolicyIndex`.');
  }
  reg.policyVersion++;
  return { RegistryId: reg.id };
}

// ---- instance tokens ----

export function createInstanceToken(ctx: CallContext, req: CreateInstanceTokenRequest): Reply<CreateInstanceTokenResponse> {
  const reg = registryOf(ctx, req.RegistryId);
  const type = req.TokenType ?? 'temp';
  if (type !== 'temp' && type !== 'longterm') fail('InvalidParameter', `TokenType \`${type}\` is not supported; use temp or longterm.`);
  requireRunning(reg);
  const token = newTcrToken(ctx.account.uin, reg.id, ctx.now);
  if (type === 'temp') {
    const expiresAt = ctx.now + TEMP_TOKEN_MS;
    reg.tempTokens.push({ token, createdAt: ctx.now, expiresAt });
    // The documented example of a temporary token carries TokenId "".
    return { Username: ctx.account.uin, Token: token, ExpTime: expiresAt, TokenId: '' };
  }
  const id = randomString(20);
  const expiresAt = ctx.now + LONG_TERM_TOKEN_MS;
  reg.tokens.set(id, { id, desc: req.Desc ?? '', enabled: true, createdAt: ctx.now, expiresAt, token });
  return { Username: ctx.account.uin, Token: token, ExpTime: expiresAt, TokenId: id };
}

export function describeInstanceToken(ctx: CallContext, req: DescribeInstanceTokenRequest): Reply<DescribeInstanceTokenResponse> {
  const reg = registryOf(ctx, req.RegistryId);
  const paging = tcrPaging(req.Offset, req.Limit);
  const limit = Math.min(paging.limit, ctx.world.behaviour.maxPageSize);
  // [UNDOCUMENTED] "分页偏移量": an item offset, or a page number (0- or 1-based) — Behaviour.tokenPaging.
  const mode = ctx.world.behaviour.tokenPaging;
  const offset = mode === 'offset' ? paging.offset : (mode === 'page1' ? Math.max(paging.offset - 1, 0) : paging.offset) * limit;
  const all = [...reg.tokens.values()].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  const p = page(all, offset, limit);
  const tokens: TcrInstanceToken[] = p.items.map((t) => ({
    Id: t.id,
    Desc: t.desc,
    RegistryId: reg.id,
    Enabled: t.enabled,
    CreatedAt: tcrTime(t.createdAt),
    ExpiredAt: t.expiresAt,
  }));
  return { TotalCount: p.total, Tokens: tokens };
}

export function describeInstanceCustomizedDomain(ctx: CallContext, req: DescribeInstanceCustomizedDomainRequest): Reply<DescribeInstanceCustomizedDomainResponse> {
  const reg = registryOf(ctx, req.RegistryId);
  const { offset, limit } = tcrPaging(req.Offset, req.Limit);
  const p = page(reg.customDomains, offset, limit);
  return { TotalCount: p.total, DomainInfoList: p.items.map((d) => ({ RegistryId: reg.id, CertId: 'emulator-cert', DomainName: d, Status: 'SUCCESS' })) };
}

export function deleteInstanceToken(ctx: CallContext, req: DeleteInstanceTokenRequest): Reply<DeleteInstanceTokenResponse> {
  const reg = registryOf(ctx, req.RegistryId);
  if (!reg.tokens.delete(req.TokenId)) fail('InvalidParameter', `The token \`${req.TokenId}\` does not exist.`);
  return {};
}

// ---- schemas and table ----

const FILTER: ObjectSchema<Filter> = { Name: { type: 'string', required: true }, Values: { type: 'string[]', required: true } };
const REGISTRY_ID = { type: 'string', required: true } as const;

export const tcrActions: ActionTable<TcrClient> = {
  DescribeInstances: {
    mutating: false,
    schema: {
      Registryids: { type: 'string[]', required: false },
      Offset: { type: 'integer', required: false },
      Limit: { type: 'integer', required: false },
      Filters: { type: 'object[]', required: false, items: FILTER },
      AllRegion: { type: 'boolean', required: false },
    },
    handler: describeInstances,
  },
  DescribeInternalEndpoints: { mutating: false, schema: { RegistryId: REGISTRY_ID }, handler: describeInternalEndpoints },
  ManageInternalEndpoint: {
    mutating: true,
    schema: {
      RegistryId: REGISTRY_ID,
      Operation: { type: 'string', required: true },
      VpcId: { type: 'string', required: true },
      SubnetId: { type: 'string', required: true },
      RegionId: { type: 'integer', required: false },
      RegionName: { type: 'string', required: false },
    },
    handler: manageInternalEndpoint,
  },
  CreateInternalEndpointDns: {
    mutating: true,
    schema: {
      InstanceId: { type: 'string', required: true },
      VpcId: { type: 'string', required: true },
      EniLBIp: { type: 'string', required: true },
      UsePublicDomain: { type: 'boolean', required: false },
      RegionName: { type: 'string', required: false },
      RegionId: { type: 'integer', required: false },
    },
    handler: createInternalEndpointDns,
  },
  DescribeInternalEndpointDnsStatus: {
    mutating: false,
    schema: {
      VpcSet: {
        type: 'object[]',
        required: true,
        items: {
          InstanceId: { type: 'string', required: true },
          VpcId: { type: 'string', required: true },
          EniLBIp: { type: 'string', required: true },
          UsePublicDomain: { type: 'boolean', required: false },
          RegionName: { type: 'string', required: false },
        },
      },
    },
    handler: describeInternalEndpointDnsStatus,
  },
  DeleteInternalEndpointDns: {
    mutating: true,
    schema: {
      InstanceId: { type: 'string', required: true },
      VpcId: { type: 'string', required: true },
      EniLBIp: { type: 'string', required: true },
      UsePublicDomain: { type: 'boolean', required: false },
      RegionName: { type: 'string', required: false },
    },
    handler: deleteInternalEndpointDns,
  },
  DescribeExternalEndpointStatus: { mutating: false, schema: { RegistryId: REGISTRY_ID }, handler: describeExternalEndpointStatus },
  ManageExternalEndpoint: {
    mutating: true,
    schema: { RegistryId: REGISTRY_ID, Operation: { type: 'string', required: true } },
    handler: manageExternalEndpoint,
  },
  DescribeSecurityPolicies: { mutating: false, schema: { RegistryId: REGISTRY_ID }, handler: describeSecurityPolicies },
  CreateSecurityPolicy: {
    mutating: true,
    schema: { RegistryId: REGISTRY_ID, CidrBlock: { type: 'string', required: true }, Description: { type: 'string', required: true } },
    handler: createSecurityPolicy,
  },
  DeleteSecurityPolicy: {
    mutating: true,
    schema: {
      RegistryId: REGISTRY_ID,
      PolicyIndex: { type: 'integer', required: false },
      PolicyVersion: { type: 'string', required: false },
      CidrBlock: { type: 'string', required: false },
    },
    handler: deleteSecurityPolicy,
  },
  CreateInstanceToken: {
    mutating: true,
    schema: { RegistryId: REGISTRY_ID, TokenType: { type: 'string', required: false }, Desc: { type: 'string', required: false } },
    handler: createInstanceToken,
  },
  DescribeInstanceToken: {
    mutating: false,
    schema: { RegistryId: REGISTRY_ID, Limit: { type: 'integer', required: false }, Offset: { type: 'integer', required: false } },
    handler: describeInstanceToken,
  },
  DescribeInstanceCustomizedDomain: {
    mutating: false,
    schema: { RegistryId: REGISTRY_ID, Limit: { type: 'integer', required: false }, Offset: { type: 'integer', required: false } },
    handler: describeInstanceCustomizedDomain,
  },
  DeleteInstanceToken: {
    mutating: true,
    schema: { RegistryId: REGISTRY_ID, TokenId: { type: 'string', required: true } },
    handler: deleteInstanceToken,
  },
};

export const tcrRuntimeActions = runtimeActions(tcrActions);
