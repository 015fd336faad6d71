// Reads back, through the operator's own Tencent Cloud port (SdkCloud: the same describe calls the operator
// makes), what exists around a TCR instance: access links, internal DNS, the public endpoint and whitelist,
// the operator's NAT gateways, their EIPs, default routes of the given subnets, and the operator's long-term
// tokens. Works the same against the emulator and a real account. Never reads or prints a token or a key:
// the API returns token IDs and descriptions only.
import type { AccessLink, Address, Instance, InstanceTokenInfo, NatGateway, SecurityPolicy, TencentCloud } from '../../src/cloud/tencent/port.ts';
import { CLOUD_TAG_KEY } from '../../src/controllers/tcraccess/cloud.ts';

export interface CloudWorldQuery {
  registryId: string;
  region: string;
  /** VPCs to search for NAT gateways carrying the operator's tag. */
  vpcIds?: string[];
  /** NAT gateways named in specs or statuses (an existing gateway carries no tag of ours). */
  natIds?: string[];
  /** Subnets whose route table's default route is shown. */
  subnetIds?: string[];
}

export interface CloudWorld {
  instance: Instance | undefined;
  links: AccessLink[];
  dns: Array<{ vpcId: string; eniLbIp: string; usePublicDomain: boolean; status: string }>;
  publicEndpoint: string;
  whitelist: SecurityPolicy[];
  natGateways: NatGateway[];
  addresses: Address[];
  /** 0.0.0.0/0 of each subnet's route table ('' when there is none). */
  defaultRoutes: Array<{ subnetId: string; routeTableId: string; gatewayType: string; gatewayId: string; description: string }>;
  /** Long-term tokens made by a tcr-access-operator (Desc marker). */
  operatorTokens: InstanceTokenInfo[];
}

export async function readCloudWorld(cloud: TencentCloud, q: CloudWorldQuery): Promise<CloudWorld> {
  const instance = await cloud.describeInstance(q.registryId);
  const links = await cloud.describeInternalEndpoints(q.registryId);
  const dns: CloudWorld['dns'] = [];
  for (const l of links.filter((x) => x.accessIp)) {
    for (const usePublicDomain of [true, false]) {
      try {
        const status = await cloud.describeInternalEndpointDnsStatus({ registryId: q.registryId, vpcId: l.vpcId, eniLbIp: l.accessIp, usePublicDomain, regionName: q.region });
        if (status && !/^DISABLED?$/.test(status)) dns.push({ vpcId: l.vpcId, eniLbIp: l.accessIp, usePublicDomain, status });
      } catch {
        // no record of this kind
      }
    }
  }
  const publicEndpoint = (await cloud.describeExternalEndpointStatus(q.registryId)).status;
  const whitelist = publicEndpoint === 'Opened' ? await cloud.describeSecurityPolicies(q.registryId) : [];
  const nats = new Map<string, NatGateway>();
  for (const vpcId of new Set(q.vpcIds ?? [])) for (const g of await cloud.describeNatGateways({ vpcId, tagKey: CLOUD_TAG_KEY })) nats.set(g.natGatewayId, g);
  const named = [...new Set(q.natIds ?? [])].filter((id) => !nats.has(id));
  if (named.length) for (const g of await cloud.describeNatGateways({ ids: named })) nats.set(g.natGatewayId, g);
  const eipIds = [...nats.values()].flatMap((g) => g.publicIps.map((a) => a.addressId));
  const addresses = eipIds.length ? await cloud.describeAddresses({ ids: eipIds }) : [];
  const defaultRoutes: CloudWorld['defaultRoutes'] = [];
  for (const subnetId of new Set(q.subnetIds ?? [])) {
    const subnet = await cloud.describeSubnet(subnetId);
    if (!subnet) continue;
    const table = await cloud.describeRouteTable(subnet.routeTableId);
    const r = table?.routes.find((x) => x.destinationCidrBlock === '0.0.0.0/0');
    defaultRoutes.push({ subnetId, routeTableId: subnet.routeTableId, gatewayType: r?.gatewayType ?? '', gatewayId: r?.gatewayId ?? '', description: r?.description ?? '' });
  }
  const operatorTokens = (await cloud.describeInstanceTokens(q.registryId)).filter((t) => t.desc.startsWith(`${CLOUD_TAG_KEY}:`));
  return { instance, links, dns, publicEndpoint, whitelist, natGateways: [...nats.values()], addresses, defaultRoutes, operatorTokens };
}

/** One line per resource, for humans. */
export function formatCloudWorld(w: CloudWorld): string[] {
  const out: string[] = [];
  const row = (what: string, text: string) => out.push(`${what.padEnd(10)}${text}`);
  const i = w.instance;
  row('registry', i ? `${i.registryId} "${i.name}" ${i.type}, ${i.status}, public domain ${i.publicDomain}` : 'not found');
  if (!w.links.length) row('link', 'none');
  for (const l of w.links) row('link', `${l.vpcId}/${l.subnetId}  ${l.status || '-'}  access IP ${l.accessIp || '(pending)'}`);
  if (!w.dns.length) row('DNS', 'none');
  for (const d of w.dns) row('DNS', `${d.usePublicDomain ? `${i?.name ?? '?'}.tencentcloudcr.com` : `${i?.name ?? '?'}-vpc.tencentcloudcr.com`} → ${d.eniLbIp} inside ${d.vpcId}  ${d.status}`);
  row('endpoint', `public endpoint ${w.publicEndpoint}`);
  if (!w.natGateways.length) row('NAT', 'none');
  for (const g of w.natGateways) {
    const tag = g.tags.find((t) => t.key === CLOUD_TAG_KEY);
    row('NAT', `${g.natGatewayId} "${g.name}" ${g.state} in ${g.vpcId}${tag ? `, tag ${tag.key}=${tag.value}` : ''}`);
  }
  if (!w.addresses.length) row('EIP', 'none');
  for (const a of w.addresses) row('EIP', `${a.addressId} ${a.ip} ${a.status}${a.instanceId ? ` → ${a.instanceId}` : ''}`);
  for (const r of w.defaultRoutes) row('route', `${r.routeTableId} (${r.subnetId}): ${r.gatewayId ? `0.0.0.0/0 → ${r.gatewayType} ${r.gatewayId}${r.description ? ` "${r.description}"` : ''}` : 'no default route'}`);
  row('whitelist', w.publicEndpoint === 'Opened' ? (w.whitelist.length ? w.whitelist.map((p) => `${p.cidrBlock}${p.description ? ` (${p.description})` : ''}`).join(', ') : 'empty') : '- (public endpoint closed)');
  row('tokens', w.operatorTokens.length ? `${w.operatorTokens.length} long-term: ${w.operatorTokens.map((t) => `${t.id} "${t.desc}"`).join(', ')} (values never shown)` : 'no long-term tokens of the operator');
  return out;
}
