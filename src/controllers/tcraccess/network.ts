// Network reachability of the registry (network.mode Private | Public), one non-blocking step per
// reconcile: each call describes what exists, does at most the next create/delete, and says when to look
// again. A worker never waits for the cloud.
//
// Crash safety: every create is preceded by a lookup. Resources that carry tags or descriptions (NAT
// gateways, EIPs, routes, whitelist entries) are recognised by the operator's marker; for those that
// cannot (links, DNS, the public endpoint) the intent is written to status (and the tcr.tke.dev/cloud-created
// annotation, which a backup restore keeps) BEFORE the create call, so a resource found without our intent is
// someone else's and is never deleted.
import { Reason } from '../../api/v1alpha1/conditions.ts';
import type { TcrAccess, TcrAccessStatus } from '../../api/v1alpha1/types.ts';
import type { ConditionInput } from '../../k8s/conditions.ts';
import { randomUUID } from 'node:crypto';
import type { AccessLink, DnsKey, Instance, NatGateway, TencentCloud } from '../../cloud/tencent/port.ts';
import { CLOUD_TAG_KEY, isOurs, type Ours } from './marker.ts';

export type NetworkStatus = NonNullable<TcrAccessStatus['network']>;

export interface NetworkContext {
  cloud: TencentCloud;
  access: TcrAccess;
  /** What is known of the network before this step (status.network, or the annotation record after a restore). */
  prev: NetworkStatus;
  /** Marker written into descriptions and tags: identifies this cluster and TcrAccess (≤ 60 characters). */
  marker: string;
  /** Is this description or tag value ours (today's marker or an earlier format)? See marker.ts. */
  ours: (desc: string | undefined) => boolean;
  /** Tag key of resources the operator creates. */
  tagKey: string;
  /** Writes status.network now (before a create call). */
  persist: (n: NetworkStatus) => Promise<void>;
  /** A Warning Event (on transitions only: the caller de-duplicates). */
  warn: (reason: string, message: string) => void;
}

export interface NetworkOutcome {
  condition: ConditionInput;
  status: NetworkStatus;
  /** When to look again (ms); undefined: on the periodic resync. */
  requeueAfterMs?: number;
}

const POLL_MS = 5_000;
const SLOW_POLL_MS = 30_000;

const cond = (status: 'True' | 'False' | 'Unknown', reason: string, message: string): ConditionInput => ({ type: 'NetworkReady', status, reason, message });

export const dnsEnabled = (s: string | undefined): boolean => s === 'ENABLED' || s === 'ENABLE';
export const dnsDisabled = (s: string | undefined): boolean => s === 'DISABLED' || s === 'DISABLE' || s === '' || s === undefined;

/** The registry domain the chosen DNS mode resolves. */
export function registryDomain(instance: Instance, usePublicDomain: boolean): string {
  return usePublicDomain ? instance.publicDomain || `${instance.name}.tencentcloudcr.com` : `${instance.name}-vpc.tencentcloudcr.com`;
}

/** The standard domains of a TCR instance (public and -vpc); its custom domains come from DescribeInstanceCustomizedDomain. */
export const instanceDomains = (instance: Instance): string[] => [registryDomain(instance, true), registryDomain(instance, false)];

export async function checkInstance(cloud: TencentCloud, access: TcrAccess): Promise<{ instance?: Instance; outcome?: NetworkOutcome }> {
  const id = access.spec.registry.instanceId!;
  const instance = await cloud.describeInstance(id);
  if (!instance) {
    return { outcome: { condition: cond('False', Reason.InstanceNotFound, `TCR instance ${id} not found in ${access.spec.registry.region}`), status: {}, requeueAfterMs: SLOW_POLL_MS * 10 } };
  }
  if (instance.status !== 'Running') {
    return { instance, outcome: { condition: cond('False', Reason.InstanceNotRunning, `TCR instance ${id} is ${instance.status}, waiting for Running`), status: { registryName: instance.name }, requeueAfterMs: SLOW_POLL_MS } };
  }
  return { instance };
}

// ----------------------------------------------------------------------------------------------- Private

export async function ensurePrivate(ctx: NetworkContext, instance: Instance): Promise<NetworkOutcome> {
  const { cloud, access } = ctx;
  const p = access.spec.network!.private!;
  const registryId = instance.registryId;
  const prev = ctx.prev;
  const sameLink = prev.privateLink?.vpcId === p.vpcId && prev.privateLink?.subnetId === p.subnetId;
  const status: NetworkStatus = { mode: 'Private', registryName: instance.name };
  const links = await cloud.describeInternalEndpoints(registryId);
  const link = links.find((l) => l.vpcId === p.vpcId && l.subnetId === p.subnetId);
  const ownedLink = sameLink && prev.privateLink?.createdByOperator === true;
  if (!link) {
    // Intent first, then the create: a crash in between leaves an intent, never an unknown link.
    status.privateLink = { vpcId: p.vpcId, subnetId: p.subnetId, status: 'Creating', createdByOperator: true };
    await ctx.persist({ ...prev, ...status });
    await cloud.manageInternalEndpoint(registryId, 'Create', p.vpcId, p.subnetId);
    return { condition: cond('False', Reason.LinkProvisioning, `Creating the private access link into ${p.vpcId}/${p.subnetId}`), status, requeueAfterMs: POLL_MS };
  }
  status.privateLink = { vpcId: link.vpcId, subnetId: link.subnetId, status: link.status, ...(link.accessIp ? { accessIp: link.accessIp } : {}), createdByOperator: ownedLink };
  if (!linkReady(link)) {
    return { condition: cond('False', Reason.LinkProvisioning, `Private access link ${p.vpcId}/${p.subnetId} is ${link.status || 'pending'}, waiting for an access IP`), status, requeueAfterMs: POLL_MS };
  }
  if (p.dns?.enabled === false) {
    return { condition: cond('True', Reason.PrivateLinkReady, `Private access link ready at ${link.accessIp} (internal DNS not managed)`), status };
  }
  const usePublicDomain = p.dns?.usePublicDomain !== false;
  const key: DnsKey = { registryId, vpcId: p.vpcId, eniLbIp: link.accessIp, usePublicDomain, regionName: access.spec.registry.region ?? instance.region };
  const domain = registryDomain(instance, usePublicDomain);
  const prevDns = prev.dns;
  const ownedDns = prevDns?.usePublicDomain === usePublicDomain && prevDns.createdByOperator === true;
  const dnsStatus = await cloud.describeInternalEndpointDnsStatus(key);
  if (dnsEnabled(dnsStatus)) {
    status.dns = { domain, usePublicDomain, status: dnsStatus, eniLbIp: link.accessIp, createdByOperator: ownedDns };
    return { condition: cond('True', Reason.PrivateLinkReady, `${domain} resolves to ${link.accessIp} inside ${p.vpcId}`), status };
  }
  if (dnsStatus === 'ERROR') {
    status.dns = { domain, usePublicDomain, status: dnsStatus, eniLbIp: link.accessIp, createdByOperator: ownedDns };
    return { condition: cond('False', Reason.DnsFailed, `Internal DNS for ${domain} in ${p.vpcId} is in ERROR; check that Private DNS is activated for the account`), status, requeueAfterMs: SLOW_POLL_MS };
  }
  status.dns = { domain, usePublicDomain, status: 'Creating', eniLbIp: link.accessIp, createdByOperator: true };
  await ctx.persist({ ...prev, ...status });
  try {
    await cloud.createInternalEndpointDns(key);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string' || !privateDnsUnavailable(code)) throw e;
    return {
      condition: cond('False', Reason.DnsFailed, `Internal DNS for ${domain} in ${p.vpcId} could not be created (${code}): activate Private DNS for the account (PrivateDNS console, service "privatedns"), or set network.private.dns.enabled: false and resolve the domain yourself`),
      status,
      requeueAfterMs: SLOW_POLL_MS * 2,
    };
  }
  return { condition: cond('False', Reason.DnsPending, `Enabling internal DNS: ${domain} → ${link.accessIp} in ${p.vpcId}`), status, requeueAfterMs: POLL_MS };
}

/**
 * Only `Running` is attested for AccessVpcSet[].Status: a link is ready when it has an access IP and its status
 * is not a creating, deleting or failed one (any case), so `running`, `Normal`, `Available` or empty also do.
 */
export const linkReady = (l: AccessLink): boolean => l.accessIp !== '' && !/creat|delet|fail|error|pending/i.test(l.status);

/** CreateInternalEndpointDns codes that mean the account's Private DNS service cannot create the zone. */
export const privateDnsUnavailable = (code: string): boolean => /^(InternalError|UnsupportedOperation)\.(Create|Modify|Describe)PrivateZone/.test(code);

/** A whitelist CIDR as the API stores it: the network address (10.1.2.3/24 → 10.1.2.0/24). Invalid input is returned as is. */
export function normalizeCidr(cidr: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!m) return cidr;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return cidr;
  const ip = octets.reduce((n, o) => n * 256 + o, 0);
  const base = prefix === 0 ? 0 : (ip & (~0 << (32 - prefix))) >>> 0;
  return `${[base >>> 24, (base >>> 16) & 255, (base >>> 8) & 255, base & 255].join('.')}/${prefix}`;
}

/** What other TcrAccess objects on the same instance still use: never deleted from under them. */
export interface StillNeeded {
  /** `${vpcId}/${subnetId}` of links other TcrAccesses use. */
  links: Set<string>;
  /** Another TcrAccess uses the public endpoint. */
  publicEndpoint: boolean;
  /** NAT gateway IDs other TcrAccesses name. */
  natGateways: Set<string>;
  /** CIDRs other TcrAccesses keep on the whitelist. */
  cidrs: Set<string>;
}

export const nothingShared = (): StillNeeded => ({ links: new Set(), publicEndpoint: false, natGateways: new Set(), cidrs: new Set() });

/** Tears down what the Private mode created (DNS before link). Returns true when nothing is left. */
export async function cleanupPrivate(cloud: TencentCloud, registryId: string, regionName: string, n: NetworkStatus, shared: StillNeeded = nothingShared()): Promise<boolean> {
  let done = true;
  if (n.privateLink && shared.links.has(`${n.privateLink.vpcId}/${n.privateLink.subnetId}`)) return true; // still in use: leave link and DNS
  if (n.dns?.createdByOperator && n.privateLink && n.dns.eniLbIp) {
    const key: DnsKey = { registryId, vpcId: n.privateLink.vpcId, eniLbIp: n.dns.eniLbIp, usePublicDomain: n.dns.usePublicDomain, regionName };
    const st = await cloud.describeInternalEndpointDnsStatus(key);
    if (!dnsDisabled(st)) {
      await cloud.deleteInternalEndpointDns(key);
      done = false;
    }
  }
  if (n.privateLink?.createdByOperator) {
    const links = await cloud.describeInternalEndpoints(registryId);
    const link = links.find((l) => l.vpcId === n.privateLink!.vpcId && l.subnetId === n.privateLink!.subnetId);
    if (link) {
      if (!/delet/i.test(link.status)) await cloud.manageInternalEndpoint(registryId, 'Delete', link.vpcId, link.subnetId);
      done = false;
    }
  }
  return done;
}

// ------------------------------------------------------------------------------------------------ Public

/** Bandwidths (Mbps) a created gateway and its EIP get unless the spec says otherwise: suited to image pulls. */
export const DEFAULT_NAT_BANDWIDTH_MBPS = 100;
export const DEFAULT_EIP_BANDWIDTH_MBPS = 100;
/** EIPs are billed by traffic (the only charge type valid for every account type); sent explicitly. */
export const EIP_CHARGE_TYPE = 'TRAFFIC_POSTPAID_BY_HOUR';

export async function ensurePublic(ctx: NetworkContext, instance: Instance): Promise<NetworkOutcome> {
  const { cloud, access } = ctx;
  const pub = access.spec.network!.public!;
  const registryId = instance.registryId;
  const prev = ctx.prev;
  const status: NetworkStatus = { mode: 'Public', registryName: instance.name };
  if (instance.type === 'basic') {
    return { condition: cond('False', Reason.EditionUnsupported, `TCR instance ${registryId} is a basic edition: it has no public-access whitelist; upgrade to standard or premium, or use network.mode Private`), status };
  }
  // 1. the public endpoint
  const ep = await cloud.describeExternalEndpointStatus(registryId);
  const openedByUs = prev.publicEndpoint?.openedByOperator === true;
  if (ep.status === 'Closed') {
    status.publicEndpoint = { status: 'Opening', openedByOperator: true };
    await ctx.persist({ ...prev, ...status });
    await cloud.manageExternalEndpoint(registryId, 'Create');
    return { condition: cond('False', Reason.EndpointOpening, `Opening the public endpoint of ${registryId}`), status, requeueAfterMs: POLL_MS };
  }
  status.publicEndpoint = { status: ep.status, openedByOperator: openedByUs };
  if (ep.status !== 'Opened') {
    return { condition: cond('False', Reason.EndpointOpening, `Public endpoint of ${registryId} is ${ep.status}`), status, requeueAfterMs: POLL_MS };
  }
  // 2. the NAT gateway
  let nat: NatGateway | undefined;
  if (pub.natGateway.id) {
    nat = (await cloud.describeNatGateways({ ids: [pub.natGateway.id] }))[0];
    if (!nat) return { condition: cond('False', Reason.NatGatewayNotFound, `NAT gateway ${pub.natGateway.id} not found`), status, requeueAfterMs: SLOW_POLL_MS };
    status.natGateway = { id: nat.natGatewayId, state: nat.state, createdByOperator: false, ...bandwidthOf(nat) };
  } else {
    const create = pub.natGateway.create!;
    const found = (await cloud.describeNatGateways({ vpcId: create.vpcId, tagKey: ctx.tagKey })).filter((g) => isOurs(ctx.ours, g));
    nat = found[0];
    if (!nat) {
      // an EIP first. The ClientToken makes one allocation attempt idempotent (a replayed call after a timeout
      // returns the same EIP); it is written to status before the call and replaced once the EIP it returns is
      // released or missing, because Tencent may remember a token forever. The tag finds the EIP after a crash.
      const eipBandwidth = create.eipBandwidthMbps ?? DEFAULT_EIP_BANDWIDTH_MBPS;
      const eips = (await cloud.describeAddresses({ tagKey: ctx.tagKey })).filter((a) => isOurs(ctx.ours, a) && !gone(a.status));
      status.eips = eips.map((a) => ({ id: a.addressId, ip: a.ip, allocatedByOperator: true, ...(a.bandwidth ? { bandwidthMbps: a.bandwidth } : {}) }));
      const eip = eips[0];
      if (!eip) {
        const clientToken = prev.eipClientToken ?? `tcra-${randomUUID()}`;
        status.eipClientToken = clientToken;
        if (prev.eipClientToken !== clientToken) await ctx.persist({ ...prev, ...status });
        const r = await cloud.allocateAddress({
          name: `tcra-${access.metadata.name}`.slice(0, 60),
          tags: [{ key: ctx.tagKey, value: ctx.marker }],
          clientToken,
          bandwidthMbps: eipBandwidth,
          chargeType: EIP_CHARGE_TYPE,
        });
        const returned = r.addressIds.length ? await cloud.describeAddresses({ ids: r.addressIds }) : [];
        if (returned.length === 0 || returned.every((a) => gone(a.status))) {
          // the token was used before and its EIP is gone: the next attempt uses a new token
          delete status.eipClientToken;
          status.eips = [];
          return { condition: cond('False', Reason.NatGatewayPending, `ClientToken ${clientToken} returned a released EIP (${r.addressIds.join(', ') || 'none'}); allocating again with a new token`), status, requeueAfterMs: 1_000 };
        }
        status.eips = r.addressIds.map((id) => ({ id, allocatedByOperator: true }));
        return { condition: cond('False', Reason.NatGatewayPending, 'Allocating an EIP for the NAT gateway'), status, requeueAfterMs: 1_000 };
      }
      if (prev.eipClientToken) status.eipClientToken = prev.eipClientToken;
      if (eip.status === 'CREATING' || !eip.ip) {
        return { condition: cond('False', Reason.NatGatewayPending, `EIP ${eip.addressId} is ${eip.status}`), status, requeueAfterMs: 1_000 };
      }
      const natBandwidth = create.bandwidthMbps ?? DEFAULT_NAT_BANDWIDTH_MBPS;
      const id = await cloud.createNatGateway({
        name: `tcra-${access.metadata.name}`.slice(0, 60),
        vpcId: create.vpcId,
        publicIps: [eip.ip],
        tags: [{ key: ctx.tagKey, value: ctx.marker }],
        bandwidthMbps: natBandwidth,
        stockEipBandwidthMbps: eipBandwidth,
      });
      delete status.eipClientToken;
      status.natGateway = { id, state: 'PENDING', createdByOperator: true, bandwidthMbps: natBandwidth };
      return { condition: cond('False', Reason.NatGatewayPending, `Creating NAT gateway ${id} in ${create.vpcId}`), status, requeueAfterMs: POLL_MS };
    }
    status.natGateway = { id: nat.natGatewayId, state: nat.state, createdByOperator: true, ...bandwidthOf(nat) };
    const tagged = (await cloud.describeAddresses({ tagKey: ctx.tagKey })).filter((a) => isOurs(ctx.ours, a));
    status.eips = nat.publicIps.map((a) => {
      const t = tagged.find((x) => x.addressId === a.addressId);
      return { id: a.addressId, ip: a.ip, allocatedByOperator: t !== undefined, ...(t?.bandwidth ? { bandwidthMbps: t.bandwidth } : {}) };
    });
  }
  if (nat.state === 'PENDFAILURE') return { condition: cond('False', Reason.NatGatewayFailed, `NAT gateway ${nat.natGatewayId} failed to create`), status, requeueAfterMs: SLOW_POLL_MS };
  if (nat.state !== 'AVAILABLE') return { condition: cond('False', Reason.NatGatewayPending, `NAT gateway ${nat.natGatewayId} is ${nat.state}`), status, requeueAfterMs: POLL_MS };
  if (pub.natGateway.id) {
    const ids = nat.publicIps.map((a) => a.addressId);
    const addrs = ids.length ? await cloud.describeAddresses({ ids }) : [];
    status.eips = nat.publicIps.map((a) => {
      const bw = addrs.find((x) => x.addressId === a.addressId)?.bandwidth;
      return { id: a.addressId, ip: a.ip, allocatedByOperator: false, ...(bw ? { bandwidthMbps: bw } : {}) };
    });
  }

  // 3. the subnet's default route (only when asked)
  if (pub.manageRoute) {
    const subnetId = pub.natGateway.create?.subnetId;
    if (!subnetId) return { condition: cond('False', Reason.InvalidNetworkSpec, 'manageRoute needs natGateway.create.subnetId to know which subnet to route'), status };
    const subnet = await cloud.describeSubnet(subnetId);
    if (!subnet) return { condition: cond('False', Reason.SubnetNotFound, `Subnet ${subnetId} not found`), status, requeueAfterMs: SLOW_POLL_MS };
    const table = await cloud.describeRouteTable(subnet.routeTableId);
    if (!table) return { condition: cond('False', Reason.SubnetNotFound, `Route table ${subnet.routeTableId} of ${subnetId} not found`), status, requeueAfterMs: SLOW_POLL_MS };
    const others = table.subnetIds.filter((s) => s !== subnetId);
    const def = table.routes.find((r) => r.destinationCidrBlock === '0.0.0.0/0');
    if (def && !(def.gatewayType === 'NAT' && def.gatewayId === nat.natGatewayId)) {
      return { condition: cond('False', Reason.DefaultRouteConflict, `Route table ${table.routeTableId} already sends 0.0.0.0/0 to ${def.gatewayType} ${def.gatewayId}; change it yourself or set manageRoute: false`), status, requeueAfterMs: SLOW_POLL_MS };
    }
    if (!def) {
      if (others.length > 0) {
        return { condition: cond('False', Reason.SharedRouteTable, `Route table ${table.routeTableId} also serves ${others.join(', ')}: not changing it; add the route yourself or give ${subnetId} its own table`), status, requeueAfterMs: SLOW_POLL_MS };
      }
      await cloud.createRoute(table.routeTableId, { destinationCidrBlock: '0.0.0.0/0', gatewayType: 'NAT', gatewayId: nat.natGatewayId, description: ctx.marker });
      status.route = { routeTableId: table.routeTableId, gatewayId: nat.natGatewayId, createdByOperator: true };
      return { condition: cond('False', Reason.RoutePending, `Added 0.0.0.0/0 → ${nat.natGatewayId} to ${table.routeTableId}`), status, requeueAfterMs: 1_000 };
    }
    status.route = { routeTableId: table.routeTableId, ...(def.routeId !== undefined ? { routeId: def.routeId } : {}), gatewayId: nat.natGatewayId, createdByOperator: isOurs(ctx.ours, def) };
  }

  // 4. the whitelist: NAT EIPs (/32) + cidrs, entries marked in Description; stale marked entries removed
  // CIDRs compared as the API stores them (network address): 10.1.2.3/24 is 10.1.2.0/24, never re-added
  const want = new Set<string>([...(pub.whitelist?.includeNatEips === false ? [] : nat.publicIps.map((a) => `${a.ip}/32`)), ...(pub.whitelist?.cidrs ?? [])].map(normalizeCidr));
  const have = await cloud.describeSecurityPolicies(registryId);
  const haveCidrs = new Set(have.map((h) => normalizeCidr(h.cidrBlock)));
  const added: string[] = [];
  for (const cidr of [...want].sort()) {
    if (haveCidrs.has(cidr)) continue;
    await cloud.createSecurityPolicy(registryId, cidr, ctx.marker);
    added.push(cidr);
    if (cidr === '0.0.0.0/0') ctx.warn(Reason.WhitelistOpenToAll, 'The TCR whitelist now allows 0.0.0.0/0: anyone can reach the registry endpoint. Use this only while testing.');
  }
  const removed: string[] = [];
  for (const h of have) {
    if (isOurs(ctx.ours, h) && !want.has(normalizeCidr(h.cidrBlock))) {
      await cloud.deleteSecurityPolicy(registryId, h.cidrBlock);
      removed.push(h.cidrBlock);
    }
  }
  status.whitelist = [...want].sort();
  if (added.length || removed.length) {
    return {
      condition: cond('False', Reason.WhitelistUpdated, `Whitelist updated (+${added.join(', ') || 'none'} −${removed.join(', ') || 'none'}); checking again`),
      status,
      requeueAfterMs: 1_000,
    };
  }
  return { condition: cond('True', Reason.PublicAccessReady, `Public access through ${nat.natGatewayId} (${nat.publicIps.map((a) => a.ip).join(', ')}) allowed by the whitelist`), status };
}

/** Where to look for Public resources besides status: VPCs (NAT gateways by tag) and route tables (routes by description). */
export interface PublicHints {
  vpcIds: string[];
  routeTableIds: string[];
}

/**
 * Tears down what the Public mode created, in the order the API requires. Found by marker in the cloud (whitelist
 * entries, routes, tagged NAT gateways and EIPs) as well as by status; the public endpoint only by status
 * (the cloud keeps no marker on it). True when nothing is left.
 */
export async function cleanupPublic(cloud: TencentCloud, registryId: string, n: NetworkStatus, ours: Ours, shared: StillNeeded = nothingShared(), hints: PublicHints = { vpcIds: [], routeTableIds: [] }): Promise<boolean> {
  let done = true;
  // whitelist entries we added (found by marker, deleted by CIDR), unless another TcrAccess wants the CIDR
  const ep = await cloud.describeExternalEndpointStatus(registryId);
  if (ep.status === 'Opened') {
    for (const h of await cloud.describeSecurityPolicies(registryId)) {
      if (isOurs(ours, h) && !shared.cidrs.has(normalizeCidr(h.cidrBlock))) {
        await cloud.deleteSecurityPolicy(registryId, h.cidrBlock);
        done = false;
      }
    }
  }
  // the routes we added, before the gateway
  for (const routeTableId of new Set([...(n.route?.routeTableId ? [n.route.routeTableId] : []), ...hints.routeTableIds])) {
    const table = await cloud.describeRouteTable(routeTableId);
    for (const r of table?.routes.filter((x) => isOurs(ours, x) && x.destinationCidrBlock === '0.0.0.0/0' && x.routeId !== undefined) ?? []) {
      await cloud.deleteRoute(routeTableId, r.routeId!);
      done = false;
    }
  }
  // the gateways we created: tagged with our marker, or recorded as ours in status
  const gateways = new Map<string, NatGateway>();
  for (const vpcId of new Set(hints.vpcIds)) for (const g of await cloud.describeNatGateways({ vpcId, tagKey: CLOUD_TAG_KEY })) if (isOurs(ours, g)) gateways.set(g.natGatewayId, g);
  if (n.natGateway?.createdByOperator && n.natGateway.id && !gateways.has(n.natGateway.id)) for (const g of await cloud.describeNatGateways({ ids: [n.natGateway.id] })) gateways.set(g.natGatewayId, g);
  let gatewaysLeft = false;
  for (const g of gateways.values()) {
    if (shared.natGateways.has(g.natGatewayId)) continue;
    // Ours: the anti-misoperation traffic check (NatGatewayHaveHighTraffic, ...) would refuse it forever.
    if (g.state !== 'DELETING') await cloud.deleteNatGateway(g.natGatewayId, { ignoreOperationRisk: true });
    gatewaysLeft = true;
  }
  if (gatewaysLeft) return false; // EIPs unbind only once the gateway is gone
  // EIPs we allocated (tagged, or recorded in status), only once unbound
  const eips = new Map((await cloud.describeAddresses({ tagKey: CLOUD_TAG_KEY })).filter((a) => isOurs(ours, a)).map((a) => [a.addressId, a]));
  const recorded = (n.eips ?? []).filter((e) => e.allocatedByOperator && !eips.has(e.id)).map((e) => e.id);
  if (recorded.length) for (const a of await cloud.describeAddresses({ ids: recorded })) eips.set(a.addressId, a);
  const live = [...eips.values()].filter((a) => a.status !== 'OFFLINING');
  const unbound = live.filter((a) => a.status === 'UNBIND').map((a) => a.addressId);
  if (unbound.length) await cloud.releaseAddresses(unbound);
  if (live.length) done = false;
  // the public endpoint, if we opened it
  if (n.publicEndpoint?.openedByOperator && done && !shared.publicEndpoint) {
    if (ep.status === 'Opened') {
      await cloud.manageExternalEndpoint(registryId, 'Delete');
      done = false;
    } else if (ep.status !== 'Closed') done = false;
  }
  return done;
}

/** An EIP on its way out (released or being released). */
const gone = (status: string): boolean => /^(OFFLINING|RELEASED|DELETED)$/i.test(status);

const bandwidthOf = (nat: NatGateway): { bandwidthMbps?: number } => (nat.bandwidthOut ? { bandwidthMbps: nat.bandwidthOut } : {});
