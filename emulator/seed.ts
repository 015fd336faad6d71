// Seeding the world (TypeScript API, admin HTTP API and `--seed file.yaml`) and reading it back.

import { cidrSize, formatIp, parseCidr } from './net.ts';
import {
  addressStatus,
  dnsKey,
  linkKey,
  newAccount,
  randomString,
  type Account,
  type AddressState,
  type Edition,
  type NatState,
  type Quotas,
  type RegistryState,
  type RouteTableState,
  type SubnetState,
  type TagState,
  type World,
} from './world.ts';

export const DEFAULT_REGION = 'ap-guangzhou';
export const DEFAULT_UIN = '100000000001';
export const DEFAULT_SECRET_ID = 'AKIDEMULATORDEFAULT00000000000000001';
export const DEFAULT_SECRET_KEY = 'emulatorDefaultSecretKey0000000001';

export type SeedTags = Record<string, string>;

export interface SeedRoute {
  destinationCidrBlock: string;
  gatewayType: string;
  gatewayId: string;
  description?: string;
}

export interface SeedRouteTable {
  id?: string;
  name?: string;
  /** The VPC's default table; subnets without routeTableId use it. The first table is main by default. */
  main?: boolean;
  routes?: SeedRoute[];
  /** Add the LOCAL system route for the VPC CIDR (default true). */
  localRoute?: boolean;
}

export interface SeedSubnet {
  id?: string;
  name?: string;
  zone?: string;
  cidrBlock: string;
  routeTableId?: string;
  /** Default: CIDR size minus 3 reserved addresses. */
  availableIps?: number;
  tags?: SeedTags;
}

export interface SeedVpc {
  id?: string;
  name?: string;
  region?: string;
  cidrBlock?: string;
  tags?: SeedTags;
  subnets?: SeedSubnet[];
  routeTables?: SeedRouteTable[];
}

export interface SeedRegistry {
  id?: string;
  name: string;
  type?: Edition;
  region?: string;
  /** Default Running. */
  status?: string;
  /** Default Closed. */
  externalEndpoint?: 'Closed' | 'Opened';
  securityPolicies?: Array<{ cidrBlock: string; description?: string }>;
  /** Existing links, already Running with an IP from the subnet. */
  links?: Array<{ vpcId: string; subnetId: string }>;
  /** Existing DNS records (the link for the VPC must be seeded too). */
  dns?: Array<{ vpcId: string; usePublicDomain: boolean }>;
  /** Existing long-term tokens. */
  tokens?: Array<{ id?: string; desc?: string; token?: string; enabled?: boolean }>;
  /** Custom domains (DescribeInstanceCustomizedDomain). */
  customDomains?: string[];
}

export interface SeedAddress {
  id?: string;
  /** Mbps (default 1, the API's default). */
  bandwidth?: number;
  ip?: string;
  name?: string;
  region?: string;
  tags?: SeedTags;
}

export interface SeedNatGateway {
  id?: string;
  name: string;
  vpcId: string;
  zone?: string;
  /** Default AVAILABLE. */
  state?: 'AVAILABLE' | 'PENDING';
  /** EIPs (ids or IPs of seeded addresses) bound to the gateway. */
  addresses?: string[];
  tags?: SeedTags;
}

export interface SeedAccount {
  uin?: string;
  appId?: number;
  /** API keys of the account; one is generated when omitted. */
  credentials?: Array<{ secretId: string; secretKey: string }>;
  privateDnsActivated?: boolean;
  quotas?: Partial<Quotas>;
  /** STS AssumeRoleWithWebIdentity: allowed role names, OIDC providers and tokens (omitted: any). */
  roles?: string[];
  oidcProviders?: string[];
  webIdentityTokens?: string[];
  registries?: SeedRegistry[];
  vpcs?: SeedVpc[];
  addresses?: SeedAddress[];
  natGateways?: SeedNatGateway[];
}

export interface Seed {
  /** Default region of the resources below (default ap-guangzhou). */
  region?: string;
  accounts: SeedAccount[];
}

/** One account with a Running premium registry and a VPC with two subnets. */
export function defaultSeed(): Seed {
  return {
    region: DEFAULT_REGION,
    accounts: [
      {
        uin: DEFAULT_UIN,
        appId: 1250000001,
        credentials: [{ secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY }],
        registries: [{ id: 'tcr-emu00001', name: 'emulator', type: 'premium' }],
        vpcs: [
          {
            id: 'vpc-emu00001',
            name: 'default',
            cidrBlock: '10.0.0.0/16',
            routeTables: [{ id: 'rtb-emu00001', name: 'default', main: true }],
            subnets: [
              { id: 'subnet-emu00001', name: 'zone-3', zone: 'ap-guangzhou-3', cidrBlock: '10.0.1.0/24' },
              { id: 'subnet-emu00002', name: 'zone-4', zone: 'ap-guangzhou-4', cidrBlock: '10.0.2.0/24' },
            ],
          },
        ],
      },
    ],
  };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

class SeedError extends Error {
  override name = 'SeedError';
}

const ID_SHAPES: Record<string, RegExp> = {
  tcr: /^tcr-[0-9a-z]{8}$/,
  vpc: /^vpc-[0-9a-z]{8}$/,
  subnet: /^subnet-[0-9a-z]{8}$/,
  rtb: /^rtb-[0-9a-z]{8}$/,
  nat: /^nat-[0-9a-z]{8}$/,
  eip: /^eip-[0-9a-z]{8}$/,
};

function takeId(world: World, prefix: string, given: string | undefined): string {
  if (given === undefined) return world.newId(prefix);
  const shape = ID_SHAPES[prefix];
  if (shape && !shape.test(given)) throw new SeedError(`seed: id ${given} must look like ${prefix}-xxxxxxxx (8 lowercase letters/digits)`);
  world.claimId(given);
  return given;
}

function tagsOf(tags: SeedTags | undefined): TagState[] {
  return Object.entries(tags ?? {}).map(([key, value]) => ({ key, value }));
}

/** Take the next free address of a subnet (ascending from .2, skipping used ones). */
export function allocateSubnetIp(subnet: SubnetState): string | undefined {
  if (subnet.availableIps <= 0) return undefined;
  const cidr = parseCidr(subnet.cidrBlock);
  if (!cidr) return undefined;
  const size = cidrSize(cidr);
  for (let i = 2; i < size - 1; i++) {
    const ip = formatIp(cidr.base + i);
    if (!subnet.usedIps.has(ip)) {
      subnet.usedIps.add(ip);
      subnet.availableIps--;
      return ip;
    }
  }
  return undefined;
}

export function newTcrToken(uin: string, registryId: string, now: number): string {
  const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ sub: uin, aud: registryId, iat: Math.floor(now / 1000), jti: randomString(16) })}.${randomString(43, `${ALNUM}-_`)}`;
}

/** Add the seed's accounts and resources to the world (existing accounts are extended). */
export function applySeed(world: World, seed: Seed): void {
  const now = world.now();
  const defRegion = seed.region ?? DEFAULT_REGION;
  world.regions.add(defRegion);
  for (const sa of seed.accounts) {
    const uin = sa.uin !== undefined ? String(sa.uin) : `1000${randomString(8, '0123456789')}`;
    let acc = world.accounts.get(uin);
    if (!acc) {
      acc = newAccount(uin, sa.appId ?? 1250000000 + world.accounts.size + 1);
      world.accounts.set(uin, acc);
    }
    if (sa.privateDnsActivated !== undefined) acc.privateDnsActivated = sa.privateDnsActivated;
    if (sa.quotas) acc.quotas = { ...acc.quotas, ...sa.quotas };
    if (sa.roles) acc.roles = [...sa.roles];
    if (sa.oidcProviders) acc.oidcProviders = [...sa.oidcProviders];
    if (sa.webIdentityTokens) acc.webIdentityTokens = [...sa.webIdentityTokens];
    const hasCreds = [...world.credentials.values()].some((c) => c.uin === uin && c.token === undefined);
    const creds = sa.credentials ?? (hasCreds ? [] : [{ secretId: `AKID${randomString(32, ALNUM)}`, secretKey: randomString(32, ALNUM) }]);
    for (const c of creds) world.credentials.set(c.secretId, { secretId: c.secretId, secretKey: c.secretKey, uin });

    for (const sv of sa.vpcs ?? []) seedVpc(world, acc, sv, defRegion, now);
    for (const sd of sa.addresses ?? []) {
      const region = sd.region ?? defRegion;
      world.regions.add(region);
      const a: AddressState = {
        id: takeId(world, 'eip', sd.id),
        ip: sd.ip ?? world.nextPublicIp(),
        name: sd.name ?? '',
        region,
        tags: tagsOf(sd.tags),
        createdAt: now,
        readyAt: now,
        bandwidth: sd.bandwidth ?? 1,
        internetChargeType: 'TRAFFIC_POSTPAID_BY_HOUR',
      };
      acc.addresses.set(a.id, a);
    }
    for (const sn of sa.natGateways ?? []) seedNat(world, acc, sn, now);
    for (const sr of sa.registries ?? []) seedRegistry(world, acc, sr, defRegion, now);
  }
}

function seedVpc(world: World, acc: Account, sv: SeedVpc, defRegion: string, now: number): void {
  const region = sv.region ?? defRegion;
  world.regions.add(region);
  const cidrBlock = sv.cidrBlock ?? '10.0.0.0/16';
  if (!parseCidr(cidrBlock, true)) throw new SeedError(`seed: bad VPC CIDR ${cidrBlock}`);
  const vpcId = takeId(world, 'vpc', sv.id);
  acc.vpcs.set(vpcId, { id: vpcId, name: sv.name ?? vpcId, region, cidrBlock, createdAt: now, tags: tagsOf(sv.tags) });
  const tables = sv.routeTables && sv.routeTables.length > 0 ? sv.routeTables : [{ main: true }];
  let mainId: string | undefined;
  tables.forEach((st, i) => {
    const id = takeId(world, 'rtb', st.id);
    const main = st.main ?? i === 0;
    if (main) mainId ??= id;
    const table: RouteTableState = { id, vpcId, region, name: st.name ?? (main ? 'default' : id), main, createdAt: now, routes: [], tags: [] };
    if (st.localRoute ?? true) {
      table.routes.push({
        routeId: world.nextRouteId(),
        itemId: world.newId('rti'),
        destination: cidrBlock,
        gatewayType: 'LOCAL',
        gatewayId: 'Local',
        description: '',
        enabled: true,
        system: true,
        createdAt: now,
      });
    }
    for (const r of st.routes ?? []) {
      table.routes.push({
        routeId: world.nextRouteId(),
        itemId: world.newId('rti'),
        destination: r.destinationCidrBlock,
        gatewayType: r.gatewayType,
        gatewayId: r.gatewayId,
        description: r.description ?? '',
        enabled: true,
        system: false,
        createdAt: now,
      });
    }
    acc.routeTables.set(id, table);
  });
  for (const ss of sv.subnets ?? []) {
    const cidr = parseCidr(ss.cidrBlock, true);
    if (!cidr) throw new SeedError(`seed: bad subnet CIDR ${ss.cidrBlock}`);
    const routeTableId = ss.routeTableId ?? mainId;
    if (!routeTableId || !acc.routeTables.has(routeTableId)) throw new SeedError(`seed: subnet ${ss.cidrBlock}: unknown route table ${String(routeTableId)}`);
    const total = cidrSize(cidr);
    const subnet: SubnetState = {
      id: takeId(world, 'subnet', ss.id),
      vpcId,
      region,
      name: ss.name ?? ss.cidrBlock,
      zone: ss.zone ?? `${region}-3`,
      cidrBlock: ss.cidrBlock,
      routeTableId,
      createdAt: now,
      totalIps: total,
      availableIps: ss.availableIps ?? Math.max(0, total - 3),
      usedIps: new Set(),
      tags: tagsOf(ss.tags),
    };
    acc.subnets.set(subnet.id, subnet);
  }
}

function seedNat(world: World, acc: Account, sn: SeedNatGateway, now: number): void {
  const vpc = acc.vpcs.get(sn.vpcId);
  if (!vpc) throw new SeedError(`seed: NAT gateway ${sn.name}: unknown VPC ${sn.vpcId}`);
  const nat: NatState = {
    id: takeId(world, 'nat', sn.id),
    name: sn.name,
    vpcId: vpc.id,
    region: vpc.region,
    zone: sn.zone ?? `${vpc.region}-3`,
    createdAt: now,
    phase: sn.state ?? 'AVAILABLE',
    readyAt: sn.state === 'PENDING' ? now + world.delays.nat : now,
    fails: false,
    tags: tagsOf(sn.tags),
    bandwidthOut: 100,
    maxConnections: 1000000,
    hadTraffic: (sn.state ?? 'AVAILABLE') === 'AVAILABLE',
  };
  acc.nats.set(nat.id, nat);
  for (const ref of sn.addresses ?? []) {
    const a = [...acc.addresses.values()].find((x) => x.id === ref || x.ip === ref);
    if (!a) throw new SeedError(`seed: NAT gateway ${sn.name}: unknown address ${ref}`);
    a.bind = { natId: nat.id, at: nat.readyAt };
  }
}

function seedRegistry(world: World, acc: Account, sr: SeedRegistry, defRegion: string, now: number): void {
  const region = sr.region ?? defRegion;
  world.regions.add(region);
  const reg: RegistryState = {
    id: takeId(world, 'tcr', sr.id),
    name: sr.name,
    type: sr.type ?? 'premium',
    status: sr.status ?? 'Running',
    region,
    createdAt: now,
    endpoint: { phase: sr.externalEndpoint ?? 'Closed', until: now },
    policies: (sr.securityPolicies ?? []).map((p) => ({ cidrBlock: p.cidrBlock, description: p.description ?? '' })),
    policyVersion: 1,
    links: new Map(),
    dns: new Map(),
    tokens: new Map(),
    tempTokens: [],
    customDomains: [...(sr.customDomains ?? [])],
  };
  for (const l of sr.links ?? []) {
    const subnet = acc.subnets.get(l.subnetId);
    if (!subnet || subnet.vpcId !== l.vpcId) throw new SeedError(`seed: registry ${sr.name}: unknown subnet ${l.subnetId} in ${l.vpcId}`);
    const ip = allocateSubnetIp(subnet);
    if (!ip) throw new SeedError(`seed: subnet ${l.subnetId} has no free IP`);
    reg.links.set(linkKey(l.vpcId, l.subnetId), { vpcId: l.vpcId, subnetId: l.subnetId, ip, phase: 'Running', readyAt: now });
  }
  for (const d of sr.dns ?? []) {
    const link = [...reg.links.values()].find((l) => l.vpcId === d.vpcId);
    if (!link) throw new SeedError(`seed: registry ${sr.name}: DNS for ${d.vpcId} needs a link in that VPC`);
    reg.dns.set(dnsKey(d.vpcId, d.usePublicDomain), { vpcId: d.vpcId, usePublicDomain: d.usePublicDomain, eniLbIp: link.ip, region, readyAt: now });
  }
  for (const t of sr.tokens ?? []) {
    const id = t.id ?? randomString(20);
    reg.tokens.set(id, {
      id,
      desc: t.desc ?? '',
      enabled: t.enabled ?? true,
      createdAt: now,
      expiresAt: now + 10 * 365 * 86400_000,
      token: t.token ?? newTcrToken(acc.uin, reg.id, now),
    });
  }
  acc.registries.set(reg.id, reg);
}

// ---- snapshot ----

export interface TagSnapshot {
  key: string;
  value: string;
}

export interface RegistrySnapshot {
  registryId: string;
  name: string;
  type: Edition;
  status: string;
  region: string;
  publicDomain: string;
  externalEndpoint: string;
  policyVersion: number;
  securityPolicies: Array<{ cidrBlock: string; description: string }>;
  links: Array<{ vpcId: string; subnetId: string; status: string; accessIp: string }>;
  dns: Array<{ vpcId: string; usePublicDomain: boolean; eniLbIp: string; region: string; enabled: boolean }>;
  tokens: Array<{ id: string; desc: string; enabled: boolean; expiresAt: number }>;
  tempTokens: number;
}

export interface AccountSnapshot {
  uin: string;
  appId: number;
  secretIds: string[];
  privateDnsActivated: boolean;
  registries: RegistrySnapshot[];
  vpcs: Array<{ vpcId: string; name: string; region: string; cidrBlock: string }>;
  subnets: Array<{ subnetId: string; vpcId: string; zone: string; cidrBlock: string; routeTableId: string; availableIps: number }>;
  routeTables: Array<{
    routeTableId: string;
    vpcId: string;
    main: boolean;
    routes: Array<{ routeId: number; routeItemId: string; destinationCidrBlock: string; gatewayType: string; gatewayId: string; description: string }>;
  }>;
  natGateways: Array<{ natGatewayId: string; name: string; vpcId: string; zone: string; state: string; publicIps: Array<{ addressId: string; ip: string }>; tags: TagSnapshot[] }>;
  addresses: Array<{ addressId: string; ip: string; name: string; region: string; status: string; instanceId: string; tags: TagSnapshot[] }>;
}

export interface WorldSnapshot {
  now: number;
  accounts: AccountSnapshot[];
}

export function snapshotWorld(world: World): WorldSnapshot {
  const now = world.now();
  world.settle(now);
  return {
    now,
    accounts: [...world.accounts.values()].map((acc) => ({
      uin: acc.uin,
      appId: acc.appId,
      secretIds: [...world.credentials.values()].filter((c) => c.uin === acc.uin && c.token === undefined).map((c) => c.secretId),
      privateDnsActivated: acc.privateDnsActivated,
      registries: [...acc.registries.values()].map((r) => ({
        registryId: r.id,
        name: r.name,
        type: r.type,
        status: r.status,
        region: r.region,
        publicDomain: `${r.name}.tencentcloudcr.com`,
        externalEndpoint: r.endpoint.phase,
        policyVersion: r.policyVersion,
        securityPolicies: r.policies.map((p) => ({ ...p })),
        links: [...r.links.values()].map((l) => ({ vpcId: l.vpcId, subnetId: l.subnetId, status: l.phase, accessIp: l.phase === 'Creating' ? '' : l.ip })),
        dns: [...r.dns.values()].map((d) => ({ vpcId: d.vpcId, usePublicDomain: d.usePublicDomain, eniLbIp: d.eniLbIp, region: d.region, enabled: now >= d.readyAt })),
        tokens: [...r.tokens.values()].map((t) => ({ id: t.id, desc: t.desc, enabled: t.enabled, expiresAt: t.expiresAt })),
        tempTokens: r.tempTokens.length,
      })),
      vpcs: [...acc.vpcs.values()].map((v) => ({ vpcId: v.id, name: v.name, region: v.region, cidrBlock: v.cidrBlock })),
      subnets: [...acc.subnets.values()].map((s) => ({ subnetId: s.id, vpcId: s.vpcId, zone: s.zone, cidrBlock: s.cidrBlock, routeTableId: s.routeTableId, availableIps: s.availableIps })),
      routeTables: [...acc.routeTables.values()].map((t) => ({
        routeTableId: t.id,
        vpcId: t.vpcId,
        main: t.main,
        routes: t.routes.map((r) => ({
          routeId: r.routeId,
          routeItemId: r.itemId,
          destinationCidrBlock: r.destination,
          gatewayType: r.gatewayType,
          gatewayId: r.gatewayId,
          description: r.description,
        })),
      })),
      natGateways: [...acc.nats.values()].map((n) => ({
        natGatewayId: n.id,
        name: n.name,
        vpcId: n.vpcId,
        zone: n.zone,
        state: n.phase,
        publicIps: [...acc.addresses.values()].filter((a) => a.bind?.natId === n.id).map((a) => ({ addressId: a.id, ip: a.ip })),
        tags: n.tags.map((t) => ({ ...t })),
      })),
      addresses: [...acc.addresses.values()].map((a) => ({
        addressId: a.id,
        ip: a.ip,
        name: a.name,
        region: a.region,
        status: addressStatus(a, now),
        instanceId: a.bind?.natId ?? '',
        tags: a.tags.map((t) => ({ ...t })),
      })),
    })),
  };
}
