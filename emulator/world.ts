// The emulated cloud: per-account TCR registries and VPC resources, with asynchronous states stored as
// timestamps and settled lazily (World.settle) against the emulator clock before every call and snapshot.

import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.ts';
import { formatIp } from './net.ts';

export type Edition = 'basic' | 'standard' | 'premium';
export type EndpointPhase = 'Closed' | 'Opening' | 'Opened' | 'Deleting';

/** How long each asynchronous transition takes, in milliseconds of emulator time. */
export interface Delays {
  /** ManageInternalEndpoint(Create): Creating -> Running with an AccessIp. */
  link: number;
  /** ManageInternalEndpoint(Delete): Deleting -> gone. */
  linkDelete: number;
  /** CreateInternalEndpointDns: DISABLED -> ENABLED. */
  dns: number;
  /** ManageExternalEndpoint: Opening -> Opened, Deleting -> Closed. */
  externalEndpoint: number;
  /** CreateNatGateway: PENDING -> AVAILABLE. */
  nat: number;
  /** DeleteNatGateway: DELETING -> gone (EIPs UNBINDING -> UNBIND). */
  natDelete: number;
  /** AllocateAddresses: CREATING -> UNBIND, task RUNNING -> SUCCESS. */
  eipAllocate: number;
  /** AssociateNatGatewayAddress: BINDING -> BIND, VPC task RUNNING -> SUCCESS. */
  eipAssociate: number;
  /** ReleaseAddresses: OFFLINING -> gone. */
  eipRelease: number;
}

export const DEFAULT_DELAYS: Readonly<Delays> = {
  link: 1500,
  linkDelete: 1000,
  dns: 0,
  externalEndpoint: 1000,
  nat: 1000,
  natDelete: 1000,
  eipAllocate: 300,
  eipAssociate: 300,
  eipRelease: 300,
};

export interface Quotas {
  /** VPC access links per TCR instance, by edition ([3P] basic=5 / standard=10 / premium=20). */
  linksPerInstance: Record<Edition, number>;
  /** EIPs per account and region (AddressQuotaLimitExceeded, [GO] says 20). */
  eipsPerRegion: number;
  /** NAT gateways per VPC (LimitExceeded.NatGatewayPerVpcLimitExceeded). */
  natPerVpc: number;
  /** EIPs bound to one NAT gateway ([TF] NAT_EIP_MAX_LIMIT = 10). */
  eipsPerNat: number;
  /** Routes per route table (LimitExceeded). */
  routesPerTable: number;
}

export const DEFAULT_QUOTAS: Readonly<Quotas> = {
  linksPerInstance: { basic: 5, standard: 10, premium: 20 },
  eipsPerRegion: 20,
  natPerVpc: 3,
  eipsPerNat: 10,
  routesPerTable: 200,
};

/** Knobs for behaviour the reference leaves open (see §10 of the reference). */
export interface Behaviour {
  /** Reject request keys the SDK type does not declare (UnknownParameter). */
  strictUnknownParameters: boolean;
  /** Return `null` instead of `[]` for empty top-level lists ("may be null" in the SDK). */
  nullLists: boolean;
  /** DescribeInternalEndpointDnsStatus spelling: doc/TF say ENABLED, the SDK comment says ENABLE. */
  dnsStatusSpelling: 'ENABLED' | 'ENABLE';
  /** Accept the undocumented `tag:<key>` filter on DescribeNatGateways (default: FilterInvalidKey). */
  acceptNatTagFilter: boolean;
  /** New NAT gateways end in PENDFAILURE instead of AVAILABLE. */
  natCreateFails: boolean;
  /**
   * [UNDOCUMENTED] How long AllocateAddresses remembers a ClientToken: `forever` (a replay returns the first
   * allocation's IDs even once released) or `while-addresses-exist` (forgotten once its EIPs are gone).
   */
  clientTokenMemory: 'forever' | 'while-addresses-exist';
  /** [UNDOCUMENTED] AccessVpcSet[].Status of a provisioned link (only `Running` is attested). */
  linkRunningStatus: string;
  /**
   * DeleteNatGateway without IgnoreOperationRisk on a gateway that carried traffic: the refusal code, or
   * `none` (no traffic check). Documented codes: UnsupportedOperation.NatGatewayHaveHighTraffic,
   * .NatGatewayHaveRouteAndHighTraffic, .TrafficValidationFailed.
   */
  natDeleteRisk: 'none' | 'UnsupportedOperation.NatGatewayHaveHighTraffic' | 'UnsupportedOperation.NatGatewayHaveRouteAndHighTraffic' | 'UnsupportedOperation.TrafficValidationFailed';
  /** The code CreateInternalEndpointDns answers when Private DNS is not activated for the account (all documented). */
  privateDnsErrorCode: 'UnsupportedOperation.CreatePrivateZone' | 'InternalError.CreatePrivateZone' | 'InternalError.CreatePrivateZoneRecord' | 'UnsupportedOperation.CreatePrivateZoneRecord';
  /** Largest page a list call returns whatever Limit asks (the real APIs document 100; lower exercises paging). */
  maxPageSize: number;
  /** [UNDOCUMENTED] DescribeInstanceToken `Offset` ("分页偏移量"): an item offset, a 0-based or a 1-based page number. */
  tokenPaging: 'offset' | 'page0' | 'page1';
  /**
   * [UNDOCUMENTED] DeleteSecurityPolicy: `cidr` (CidrBlock deletes by CIDR and wins), `index` (CidrBlock is
   * ignored: PolicyIndex + the current PolicyVersion are required), `exclusive` (either, never both).
   */
  securityPolicyDelete: 'cidr' | 'index' | 'exclusive';
  /** [UNDOCUMENTED] CreateSecurityPolicy stores the network address (10.1.2.3/24 → 10.1.2.0/24). */
  normaliseCidrs: boolean;
}

export const DEFAULT_BEHAVIOUR: Readonly<Behaviour> = {
  strictUnknownParameters: true,
  nullLists: false,
  dnsStatusSpelling: 'ENABLED',
  acceptNatTagFilter: false,
  natCreateFails: false,
  clientTokenMemory: 'forever',
  linkRunningStatus: 'Running',
  natDeleteRisk: 'UnsupportedOperation.NatGatewayHaveHighTraffic',
  privateDnsErrorCode: 'UnsupportedOperation.CreatePrivateZone',
  maxPageSize: 100,
  tokenPaging: 'offset',
  securityPolicyDelete: 'cidr',
  normaliseCidrs: true,
};

export interface TagState {
  key: string;
  value: string;
}

export interface LinkState {
  vpcId: string;
  subnetId: string;
  /** Allocated at creation, reported only once Running. */
  ip: string;
  phase: 'Creating' | 'Running' | 'Deleting';
  readyAt: number;
  deleteAt?: number;
}

export interface DnsState {
  vpcId: string;
  usePublicDomain: boolean;
  eniLbIp: string;
  region: string;
  readyAt: number;
}

export interface TokenState {
  id: string;
  desc: string;
  enabled: boolean;
  createdAt: number;
  expiresAt: number;
  token: string;
}

export interface TempTokenState {
  token: string;
  createdAt: number;
  expiresAt: number;
}

export interface PolicyState {
  cidrBlock: string;
  description: string;
}

export interface RegistryState {
  id: string;
  name: string;
  type: Edition;
  status: string;
  region: string;
  createdAt: number;
  endpoint: { phase: EndpointPhase; until: number };
  policies: PolicyState[];
  policyVersion: number;
  /** Keyed by linkKey(vpcId, subnetId). */
  links: Map<string, LinkState>;
  /** Keyed by dnsKey(vpcId, usePublicDomain). */
  dns: Map<string, DnsState>;
  tokens: Map<string, TokenState>;
  tempTokens: TempTokenState[];
  customDomains: string[];
}

export interface VpcState {
  id: string;
  name: string;
  region: string;
  cidrBlock: string;
  createdAt: number;
  tags: TagState[];
}

export interface SubnetState {
  id: string;
  vpcId: string;
  region: string;
  name: string;
  zone: string;
  cidrBlock: string;
  routeTableId: string;
  createdAt: number;
  totalIps: number;
  availableIps: number;
  usedIps: Set<string>;
  tags: TagState[];
}

export interface RouteState {
  routeId: number;
  itemId: string;
  destination: string;
  gatewayType: string;
  gatewayId: string;
  description: string;
  enabled: boolean;
  /** The LOCAL route: listed, never modifiable (UnsupportedOperation.SystemRoute). */
  system: boolean;
  createdAt: number;
}

export interface RouteTableState {
  id: string;
  vpcId: string;
  region: string;
  name: string;
  main: boolean;
  createdAt: number;
  routes: RouteState[];
  tags: TagState[];
}

export type NatPhase = 'PENDING' | 'AVAILABLE' | 'PENDFAILURE' | 'DELETING';

export interface NatState {
  id: string;
  name: string;
  vpcId: string;
  region: string;
  zone: string;
  createdAt: number;
  phase: NatPhase;
  readyAt: number;
  fails: boolean;
  deleteAt?: number;
  tags: TagState[];
  bandwidthOut: number;
  maxConnections: number;
  /** Has carried traffic (DeleteNatGateway then needs IgnoreOperationRisk, see Behaviour.natDeleteRisk). */
  hadTraffic?: boolean;
}

export interface AddressState {
  id: string;
  ip: string;
  name: string;
  region: string;
  tags: TagState[];
  createdAt: number;
  readyAt: number;
  /** Mbps (AllocateAddresses InternetMaxBandwidthOut, default 1; a NAT's StockPublicIpAddressesBandwidthOut). */
  bandwidth: number;
  internetChargeType: string;
  bind?: { natId: string; at: number; unbindAt?: number };
  releaseAt?: number;
}

export interface EipTask {
  id: number;
  doneAt: number;
}

export interface VpcTask {
  /** The RequestId of the asynchronous call. */
  id: string;
  doneAt: number;
  resources: string[];
  /** The NAT gateway the task works on (mutual exclusion of NAT tasks). */
  natId?: string;
}

export interface Account {
  uin: string;
  appId: number;
  privateDnsActivated: boolean;
  quotas: Quotas;
  /** STS: role names that may be assumed (undefined: any). */
  roles?: string[];
  /** STS: accepted OIDC provider ids (undefined: any). */
  oidcProviders?: string[];
  /** STS: accepted web identity tokens (undefined: any non-empty token). */
  webIdentityTokens?: string[];
  registries: Map<string, RegistryState>;
  vpcs: Map<string, VpcState>;
  subnets: Map<string, SubnetState>;
  routeTables: Map<string, RouteTableState>;
  nats: Map<string, NatState>;
  addresses: Map<string, AddressState>;
  eipTasks: Map<number, EipTask>;
  vpcTasks: Map<string, VpcTask>;
  /** AllocateAddresses idempotency: `${region}/${ClientToken}`. */
  clientTokens: Map<string, { addressIds: string[]; taskId: number }>;
}

export interface CredentialRecord {
  secretId: string;
  secretKey: string;
  uin: string;
  /** Temporary (STS) credentials only. */
  token?: string;
  expiresAt?: number;
}

export const linkKey = (vpcId: string, subnetId: string): string => `${vpcId}/${subnetId}`;
export const dnsKey = (vpcId: string, usePublicDomain: boolean): string => `${vpcId}/${usePublicDomain ? 'public' : 'vpc'}`;

/** Region name -> numeric region id (TCR RegionId). */
export const REGION_IDS: Readonly<Record<string, number>> = {
  'ap-guangzhou': 1,
  'ap-shanghai': 4,
  'ap-hongkong': 5,
  'ap-shanghai-fsi': 7,
  'ap-beijing': 8,
  'ap-singapore': 9,
  'ap-shenzhen-fsi': 11,
  'na-siliconvalley': 15,
  'ap-chengdu': 16,
  'eu-frankfurt': 17,
  'ap-seoul': 18,
  'ap-chongqing': 19,
  'ap-mumbai': 21,
  'na-ashburn': 22,
  'ap-bangkok': 23,
  'ap-tokyo': 25,
  'ap-nanjing': 33,
  'ap-jakarta': 72,
  'sa-saopaulo': 74,
};

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

export function randomString(len: number, alphabet = ID_ALPHABET): string {
  const bytes = randomBytes(len);
  let s = '';
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return s;
}

/** Public test ranges (RFC 5737) handed out as EIPs. */
const EIP_POOLS = [0xcb007100 /* 203.0.113.0 */, 0xc6336400 /* 198.51.100.0 */, 0xc0000200 /* 192.0.2.0 */];

export function newAccount(uin: string, appId: number): Account {
  return {
    uin,
    appId,
    privateDnsActivated: true,
    quotas: structuredClone(DEFAULT_QUOTAS),
    registries: new Map(),
    vpcs: new Map(),
    subnets: new Map(),
    routeTables: new Map(),
    nats: new Map(),
    addresses: new Map(),
    eipTasks: new Map(),
    vpcTasks: new Map(),
    clientTokens: new Map(),
  };
}

export function addressStatus(a: AddressState, now: number): string {
  if (a.releaseAt !== undefined) return 'OFFLINING';
  if (now < a.readyAt) return 'CREATING';
  if (a.bind) {
    if (a.bind.unbindAt !== undefined) return 'UNBINDING';
    return now < a.bind.at ? 'BINDING' : 'BIND';
  }
  return 'UNBIND';
}

export class World {
  readonly accounts = new Map<string, Account>();
  readonly credentials = new Map<string, CredentialRecord>();
  readonly clock: Clock;
  delays: Delays;
  behaviour: Behaviour;
  /** Regions accepted in X-TC-Region (known regions plus any used by seeds). */
  readonly regions = new Set<string>(Object.keys(REGION_IDS));
  #routeSeq = 100000;
  #taskSeq = 1000000;
  #ipSeq = 0;
  readonly #ids = new Set<string>();

  constructor(clock: Clock, delays: Partial<Delays> = {}, behaviour: Partial<Behaviour> = {}) {
    this.clock = clock;
    this.delays = { ...DEFAULT_DELAYS, ...delays };
    this.behaviour = { ...DEFAULT_BEHAVIOUR, ...behaviour };
  }

  now(): number {
    return this.clock.now();
  }

  /** Remove every account, credential and resource (delays and behaviour are kept). */
  clear(): void {
    this.accounts.clear();
    this.credentials.clear();
    this.#ids.clear();
    this.#routeSeq = 100000;
    this.#taskSeq = 1000000;
    this.#ipSeq = 0;
  }

  /** A fresh `<prefix>-xxxxxxxx` id, unique in this world. */
  newId(prefix: string, len = 8): string {
    for (;;) {
      const id = `${prefix}-${randomString(len)}`;
      if (!this.#ids.has(id)) {
        this.#ids.add(id);
        return id;
      }
    }
  }

  /** Reserve an id given by a seed. */
  claimId(id: string): void {
    this.#ids.add(id);
  }

  nextRouteId(): number {
    return ++this.#routeSeq;
  }

  nextTaskId(): number {
    return ++this.#taskSeq;
  }

  nextPublicIp(): string {
    const inUse = new Set<string>();
    for (const acc of this.accounts.values()) for (const a of acc.addresses.values()) inUse.add(a.ip);
    for (let i = 0; i < 240 * EIP_POOLS.length; i++) {
      const seq = this.#ipSeq++;
      const pool = EIP_POOLS[Math.floor(seq / 240) % EIP_POOLS.length] ?? 0;
      const ip = formatIp(pool + 10 + (seq % 240));
      if (!inUse.has(ip)) return ip;
    }
    throw new Error('emulator EIP pool exhausted');
  }

  accountOfSecretId(secretId: string): Account | undefined {
    const cred = this.credentials.get(secretId);
    return cred ? this.accounts.get(cred.uin) : undefined;
  }

  /** Apply every time-based transition that is due at `now`. */
  settle(now: number = this.now()): void {
    for (const acc of this.accounts.values()) {
      for (const reg of acc.registries.values()) {
        const ep = reg.endpoint;
        if (ep.phase === 'Opening' && now >= ep.until) ep.phase = 'Opened';
        if (ep.phase === 'Deleting' && now >= ep.until) {
          ep.phase = 'Closed';
          // [ASSUME] closing the public endpoint drops its whitelist (the security group goes with it).
          if (reg.policies.length > 0) {
            reg.policies = [];
            reg.policyVersion++;
          }
        }
        for (const [key, link] of reg.links) {
          if (link.phase === 'Creating' && now >= link.readyAt) link.phase = 'Running';
          if (link.phase === 'Deleting' && link.deleteAt !== undefined && now >= link.deleteAt) {
            reg.links.delete(key);
            const subnet = acc.subnets.get(link.subnetId);
            if (subnet && subnet.usedIps.delete(link.ip)) subnet.availableIps++;
          }
        }
        reg.tempTokens = reg.tempTokens.filter((t) => t.expiresAt > now);
      }
      for (const nat of acc.nats.values()) {
        if (nat.phase === 'PENDING' && now >= nat.readyAt) {
          nat.phase = nat.fails ? 'PENDFAILURE' : 'AVAILABLE';
          // [ASSUME] a working gateway carries traffic (the image pulls it exists for).
          nat.hadTraffic = !nat.fails;
          if (nat.fails) for (const a of acc.addresses.values()) if (a.bind?.natId === nat.id) delete a.bind;
        }
        if (nat.phase === 'DELETING' && nat.deleteAt !== undefined && now >= nat.deleteAt) acc.nats.delete(nat.id);
      }
      for (const a of acc.addresses.values()) {
        if (a.releaseAt !== undefined && now >= a.releaseAt) acc.addresses.delete(a.id);
        else if (a.bind?.unbindAt !== undefined && now >= a.bind.unbindAt) delete a.bind;
      }
    }
  }
}
