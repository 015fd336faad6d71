// TencentCloud port implemented with tencentcloud-sdk-nodejs (deep imports: only the TCR and VPC clients load).
// One instance per (region, credentials). Every call goes through `call`: per-action client-side rate limit,
// a request timeout (the SDK's reqTimeout), short in-call retries for throttling / network / 5xx only
// (p-retry, exponential backoff with jitter, ≤ 3 retries, ≤ 5 s), classification into CloudError, and a
// debug log line with the action and Tencent RequestId (never credentials, request bodies or responses).
//
// Endpoints. By default the SDK calls https://tcr.tencentcloudapi.com and https://vpc.tencentcloudapi.com.
// `endpoint` overrides the host of both clients:
//  - a local emulator: { host: '127.0.0.1:PORT', protocol: 'http://' }. The SDK derives the signing service from
//    the first label of the host, so with an IP both products sign as "127"; the emulator takes the service from
//    the credential scope and routes by X-TC-Version.
//  - clusters without Internet egress: Tencent's private-network API domains,
//    { host: '{service}.internal.tencentcloudapi.com', protocol: 'https://' } → tcr.internal.tencentcloudapi.com and
//    vpc.internal.tencentcloudapi.com (resolvable only from inside Tencent Cloud VPCs). The
//    `<service>.internal.tencentcloudapi.com` pattern is used by Tencent's own code (vpc.internal, cvm.internal,
//    cfs.internal, sts.internal.tencentcloudapi.com); tcr.internal was not found documented anywhere — verify in
//    the target region before relying on it.
// Without an override, financial regions (`*-fsi`) use their own hosts, {service}.{region}.tencentcloudapi.com
// (e.g. tcr.ap-shanghai-fsi.tencentcloudapi.com): the global host does not serve them.
import type { Agent } from 'node:http';
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from 'winston';
import type * as tcr from 'tencentcloud-sdk-nodejs/tencentcloud/services/tcr/v20190924/tcr_models.js';
import type * as vpc from 'tencentcloud-sdk-nodejs/tencentcloud/services/vpc/v20170312/vpc_models.js';
import { agentFor, type CloudEndpoint, endpointHost, isDynamicCredential, isRenewable, type SdkCredential } from './credentials.ts';
import { CloudError, classifyCloudError } from './errors.ts';
import type {
  AccessLink,
  Address,
  DnsKey,
  Instance,
  InstanceToken,
  InstanceTokenInfo,
  NatGateway,
  Route,
  RouteTable,
  SecurityPolicy,
  Subnet,
  Tag,
  TaskStatus,
  TencentCloud,
} from './port.ts';
import type { ActionRateLimiter } from './ratelimit.ts';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
  /** No retry starts after this much time since the first attempt. */
  maxRetryTimeMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, minTimeoutMs: 250, maxTimeoutMs: 2_000, maxRetryTimeMs: 5_000 };

export interface SdkCloudOptions {
  region: string;
  credential: SdkCredential;
  /** Where the credentials come from, for log lines (never the key). */
  credentialDescription?: string;
  endpoint?: CloudEndpoint;
  /** Per-request timeout, seconds (the SDK's reqTimeout; fractions allowed). */
  timeoutSeconds: number;
  logger: Logger;
  rateLimiter: ActionRateLimiter;
  retry?: Partial<RetryPolicy>;
  /** Aborts in-flight requests and retries (shutdown, leadership lost). */
  signal?: AbortSignal;
  /** Called once per request sent (every attempt), for metrics. */
  onCall?: (call: CloudCall) => void;
  /** Called just before a request is handed to the SDK's transport. */
  onSend?: () => void;
}

/** One request to the Tencent Cloud API, as metrics see it (no request or response content). */
export interface CloudCall {
  service: string;
  action: string;
  /** "Success", the Tencent error code, "HTTP<status>", "Aborted" or "NetworkError". */
  code: string;
  seconds: number;
}

/** The result code of a failed request, for metrics. */
export function callCode(err: CloudError): string {
  if (err.code) return err.code;
  if (err.aborted) return 'Aborted';
  if (err.httpCode) return `HTTP${err.httpCode}`;
  return 'NetworkError';
}

/** Page size for list calls (the APIs' maximum). */
export const PAGE_LIMIT = 100;
const MAX_PAGES = 1000;

/**
 * Actions that are not safe to replay after an ambiguous failure (a timeout or 5xx may hide a success): they
 * are retried in-call only when throttled or when the request certainly was not sent. The controller
 * re-describes before creating again.
 */
const NOT_IDEMPOTENT: ReadonlySet<string> = new Set(['CreateNatGateway', 'CreateSecurityPolicy', 'CreateInstanceToken', 'AssociateNatGatewayAddress']);

type Product = 'tcr' | 'vpc';

interface SdkClient {
  request(action: string, req: unknown, options?: { signal?: AbortSignal }): Promise<unknown>;
}

const str = (v: string | null | undefined): string => v ?? '';
const tags = (set: ReadonlyArray<{ Key?: string; Value?: string }> | null | undefined): Tag[] => (set ?? []).map((t) => ({ key: str(t.Key), value: str(t.Value) }));
const taskStatus = (s: string | null | undefined): TaskStatus => {
  const u = str(s).toUpperCase();
  return u === 'SUCCESS' || u === 'FAILED' ? u : 'RUNNING';
};

export class SdkCloud implements TencentCloud {
  readonly region: string;
  readonly credentialDescription: string;
  /** The SDK's clients, loaded on the first call (the SDK costs memory an operator without cloud work never needs). */
  private readonly clients: () => Promise<Record<Product, SdkClient>>;
  private readonly credential: SdkCredential;
  private readonly logger: Logger;
  private readonly rateLimiter: ActionRateLimiter;
  private readonly retry: RetryPolicy;
  private readonly signal: AbortSignal | undefined;
  private readonly onCall: ((call: CloudCall) => void) | undefined;
  private readonly onSend: (() => void) | undefined;

  constructor(opts: SdkCloudOptions) {
    this.onCall = opts.onCall;
    this.onSend = opts.onSend;
    this.region = opts.region;
    this.credential = opts.credential;
    this.credentialDescription = opts.credentialDescription ?? 'credentials';
    this.logger = opts.logger;
    this.rateLimiter = opts.rateLimiter;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.signal = opts.signal;
    const endpoint = opts.endpoint ?? regionalEndpoint(opts.region);
    const config = (service: Product) => {
      const host = endpoint ? endpointHost(endpoint, service) : undefined;
      const agent: Agent | undefined = agentFor(endpoint, host);
      return {
        credential: opts.credential,
        region: opts.region,
        profile: {
          httpProfile: {
            reqTimeout: opts.timeoutSeconds,
            ...(endpoint && host ? { endpoint: host, protocol: endpoint.protocol } : {}),
            ...(agent ? { agent } : {}),
          },
        },
      };
    };
    let clients: Promise<Record<Product, SdkClient>> | undefined;
    this.clients = () =>
      (clients ??= Promise.all([
        import('tencentcloud-sdk-nodejs/tencentcloud/services/tcr/v20190924/tcr_client.js'),
        import('tencentcloud-sdk-nodejs/tencentcloud/services/vpc/v20170312/vpc_client.js'),
      ]).then(([tcr, vpc]) => ({ tcr: new tcr.Client(config('tcr')) as unknown as SdkClient, vpc: new vpc.Client(config('vpc')) as unknown as SdkClient })));
  }

  // ---------------------------------------------------------------------------------------------------
  // The one way out

  /**
   * One API call. Temporary credentials that the API refuses as expired (AuthFailure.TokenFailure: the SDK's
   * own refresh comes too late) are fetched anew and the call is made once more — safe even for creates, as a
   * refused signature means nothing was executed.
   */
  private async call<Res extends { RequestId?: string }>(product: Product, action: string, req: object): Promise<Res> {
    try {
      return await this.callOnce<Res>(product, action, req);
    } catch (e) {
      if (!(e instanceof CloudError) || e.code !== 'AuthFailure.TokenFailure' || !isRenewable(this.credential)) throw e;
      this.logger.info('tencentcloud temporary credentials refused as expired; fetching new ones', { action, region: this.region, credentials: this.credentialDescription });
      this.credential.renew();
      return await this.callOnce<Res>(product, action, req);
    }
  }

  private async callOnce<Res extends { RequestId?: string }>(product: Product, action: string, req: object): Promise<Res> {
    const client = (await this.clients())[product];
    let attempt = 0;
    const started = performance.now();
    const run = async (): Promise<Res> => {
      attempt += 1;
      await this.rateLimiter.take(action, this.signal);
      const t0 = performance.now();
      try {
        if (this.signal?.aborted) throw new CloudError({ message: `${action}: aborted`, action, kind: 'transient', aborted: true, backoffHintMs: 0 });
        // Fetch dynamic credentials first, so a missing identity is an `auth` error rather than a network one.
        if (isDynamicCredential(this.credential)) await this.credential.getCredential();
        this.onSend?.();
        const res = (await client.request(action, req, this.signal ? { signal: this.signal } : {})) as Res;
        this.onCall?.({ service: product, action, code: 'Success', seconds: (performance.now() - t0) / 1000 });
        this.logger.debug('tencentcloud call', { action, region: this.region, requestId: res.RequestId, attempt, durationMs: Math.round(performance.now() - t0) });
        return res;
      } catch (e) {
        const err = classifyCloudError(e, action);
        this.onCall?.({ service: product, action, code: callCode(err), seconds: (performance.now() - t0) / 1000 });
        this.logger.debug('tencentcloud call failed', {
          action,
          region: this.region,
          requestId: err.requestId,
          code: err.code,
          httpCode: err.httpCode,
          kind: err.kind,
          attempt,
          durationMs: Math.round(performance.now() - t0),
        });
        if (!this.retryNow(err, action)) throw new AbortError(err);
        throw err;
      }
    };
    try {
      return await pRetry(run, {
        retries: this.retry.retries,
        factor: 2,
        minTimeout: this.retry.minTimeoutMs,
        maxTimeout: this.retry.maxTimeoutMs,
        randomize: true,
        maxRetryTime: this.retry.maxRetryTimeMs,
        ...(this.signal ? { signal: this.signal } : {}),
      });
    } catch (e) {
      const err = classifyCloudError(e, action);
      if (attempt > 1) this.logger.debug('tencentcloud call gave up', { action, region: this.region, attempts: attempt, elapsedMs: Math.round(performance.now() - started), kind: err.kind });
      throw err;
    }
  }

  private retryNow(err: CloudError, action: string): boolean {
    if (err.aborted || this.signal?.aborted) return false;
    if (err.kind === 'throttled') return true;
    if (!err.retryable) return false;
    return NOT_IDEMPOTENT.has(action) ? err.notSent : true;
  }

  /**
   * Collects every page of an Offset/Limit list: pages while offset < TotalCount, stops on an empty page. A short
   * page does not end the list (the server may cap Limit below what was asked). Without TotalCount, a short
   * page is the last.
   */
  private async paginate<T>(page: (offset: number, limit: number) => Promise<{ items: T[]; total?: number | undefined }>): Promise<T[]> {
    const all: T[] = [];
    for (let offset = 0, n = 0; n < MAX_PAGES; n++) {
      const { items, total } = await page(offset, PAGE_LIMIT);
      all.push(...items);
      offset += items.length;
      if (items.length === 0) break;
      if (total === undefined ? items.length < PAGE_LIMIT : offset >= total) break;
    }
    return all;
  }

  /**
   * Pages a list whose `Offset` may be an item offset or a page number (0- or 1-based): TCR documents
   * DescribeInstanceToken's Offset only as "分页偏移量". Starts with item offsets; when a page brings nothing new
   * before TotalCount is reached, switches to page numbers, de-duplicating by key.
   */
  private async paginateAmbiguous<T>(key: (t: T) => string, page: (offset: number, limit: number) => Promise<{ items: T[]; total?: number | undefined }>): Promise<T[]> {
    const all = new Map<string, T>();
    const add = (items: T[]): number => {
      let fresh = 0;
      for (const t of items) {
        if (!all.has(key(t))) {
          all.set(key(t), t);
          fresh++;
        }
      }
      return fresh;
    };
    const first = await page(0, PAGE_LIMIT);
    add(first.items);
    let total = first.total;
    const more = () => first.items.length > 0 && (total === undefined ? false : all.size < total);
    // item offsets
    for (let n = 0; more() && n < MAX_PAGES; n++) {
      const r = await page(all.size, PAGE_LIMIT);
      total = r.total ?? total;
      if (add(r.items) === 0) break;
    }
    // page numbers: 1, 2, ... (a 0-based API answers page 1 with the second page; a 1-based one repeats the first)
    for (let p = 1, idle = 0; more() && idle < 2 && p < MAX_PAGES; p++) {
      const r = await page(p, PAGE_LIMIT);
      total = r.total ?? total;
      idle = add(r.items) === 0 ? idle + 1 : 0;
    }
    return [...all.values()];
  }

  private async orUndefinedIfNotFound<T>(p: Promise<T | undefined>): Promise<T | undefined> {
    try {
      return await p;
    } catch (e) {
      if (e instanceof CloudError && e.kind === 'notFound') return undefined;
      throw e;
    }
  }

  private malformed(action: string, what: string, requestId: string | undefined): CloudError {
    return new CloudError({ message: `${action}: unexpected response: ${what}${requestId ? ` (RequestId ${requestId})` : ''}`, action, kind: 'transient', requestId });
  }

  // ---------------------------------------------------------------------------------------------------
  // TCR: instance

  async describeInstance(registryId: string): Promise<Instance | undefined> {
    return this.orUndefinedIfNotFound(
      (async () => {
        const req: tcr.DescribeInstancesRequest = { Registryids: [registryId] };
        const res = await this.call<tcr.DescribeInstancesResponse>('tcr', 'DescribeInstances', req);
        const r = (res.Registries ?? []).find((x) => x.RegistryId === registryId);
        if (!r) return undefined;
        return {
          registryId: str(r.RegistryId),
          name: str(r.RegistryName),
          status: str(r.Status),
          type: str(r.RegistryType),
          publicDomain: str(r.PublicDomain),
          region: str(r.RegionName),
        };
      })(),
    );
  }

  // TCR: private access link and internal DNS

  async describeInternalEndpoints(registryId: string): Promise<AccessLink[]> {
    const req: tcr.DescribeInternalEndpointsRequest = { RegistryId: registryId };
    const res = await this.call<tcr.DescribeInternalEndpointsResponse>('tcr', 'DescribeInternalEndpoints', req);
    return (res.AccessVpcSet ?? []).map((a) => ({ vpcId: str(a.VpcId), subnetId: str(a.SubnetId), status: str(a.Status), accessIp: str(a.AccessIp) }));
  }

  async manageInternalEndpoint(registryId: string, operation: 'Create' | 'Delete', vpcId: string, subnetId: string): Promise<void> {
    const req: tcr.ManageInternalEndpointRequest = { RegistryId: registryId, Operation: operation, VpcId: vpcId, SubnetId: subnetId };
    await this.call('tcr', 'ManageInternalEndpoint', req);
  }

  private dnsReq(key: DnsKey): tcr.CreateInternalEndpointDnsRequest {
    return {
      InstanceId: key.registryId,
      VpcId: key.vpcId,
      EniLBIp: key.eniLbIp,
      UsePublicDomain: key.usePublicDomain,
      ...(key.regionName ? { RegionName: key.regionName } : {}),
    };
  }

  async describeInternalEndpointDnsStatus(key: DnsKey): Promise<string> {
    const req: tcr.DescribeInternalEndpointDnsStatusRequest = { VpcSet: [this.dnsReq(key)] };
    const res = await this.call<tcr.DescribeInternalEndpointDnsStatusResponse>('tcr', 'DescribeInternalEndpointDnsStatus', req);
    const set = res.VpcSet ?? [];
    const item = set.find((s) => s.VpcId === key.vpcId) ?? set[0];
    return str(item?.Status);
  }

  async createInternalEndpointDns(key: DnsKey): Promise<void> {
    await this.call('tcr', 'CreateInternalEndpointDns', this.dnsReq(key));
  }

  async deleteInternalEndpointDns(key: DnsKey): Promise<void> {
    const req: tcr.DeleteInternalEndpointDnsRequest = this.dnsReq(key);
    await this.call('tcr', 'DeleteInternalEndpointDns', req);
  }

  // TCR: public endpoint and whitelist

  async describeExternalEndpointStatus(registryId: string): Promise<{ status: string; reason: string }> {
    const req: tcr.DescribeExternalEndpointStatusRequest = { RegistryId: registryId };
    const res = await this.call<tcr.DescribeExternalEndpointStatusResponse>('tcr', 'DescribeExternalEndpointStatus', req);
    return { status: str(res.Status), reason: str(res.Reason) };
  }

  async manageExternalEndpoint(registryId: string, operation: 'Create' | 'Delete'): Promise<void> {
    const req: tcr.ManageExternalEndpointRequest = { RegistryId: registryId, Operation: operation };
    await this.call('tcr', 'ManageExternalEndpoint', req);
  }

  async describeSecurityPolicies(registryId: string): Promise<SecurityPolicy[]> {
    const req: tcr.DescribeSecurityPoliciesRequest = { RegistryId: registryId };
    const res = await this.call<tcr.DescribeSecurityPoliciesResponse>('tcr', 'DescribeSecurityPolicies', req);
    return (res.SecurityPolicySet ?? []).map((p) => ({
      cidrBlock: str(p.CidrBlock),
      description: str(p.Description),
      policyIndex: p.PolicyIndex ?? 0,
      policyVersion: str(p.PolicyVersion),
    }));
  }

  async createSecurityPolicy(registryId: string, cidrBlock: string, description: string): Promise<void> {
    const req: tcr.CreateSecurityPolicyRequest = { RegistryId: registryId, CidrBlock: cidrBlock, Description: description };
    await this.call('tcr', 'CreateSecurityPolicy', req);
  }

  async deleteSecurityPolicy(registryId: string, cidrBlock: string): Promise<void> {
    // By CidrBlock first: crash-safe, no index/version race. Deleting by CIDR alone is not confirmed (the SDK calls
    // CidrBlock and PolicyIndex mutually exclusive, PolicyVersion is shared by the whole whitelist): when the API
    // asks for an index, the entry is looked up again and deleted by its index and the current version.
    const req: tcr.DeleteSecurityPolicyRequest = { RegistryId: registryId, CidrBlock: cidrBlock };
    try {
      await this.call('tcr', 'DeleteSecurityPolicy', req);
      return;
    } catch (e) {
      if (!(e instanceof CloudError) || !/^(MissingParameter|InvalidParameter)/.test(e.code ?? '')) throw e;
      const entry = (await this.describeSecurityPolicies(registryId)).find((p) => p.cidrBlock === cidrBlock);
      if (!entry) return; // gone
      this.logger.debug('DeleteSecurityPolicy by CidrBlock refused; deleting by PolicyIndex', { code: e.code, requestId: e.requestId });
      const byIndex: tcr.DeleteSecurityPolicyRequest = { RegistryId: registryId, PolicyIndex: entry.policyIndex, PolicyVersion: entry.policyVersion };
      await this.call('tcr', 'DeleteSecurityPolicy', byIndex);
    }
  }

  // TCR: instance tokens

  async createInstanceToken(registryId: string, type: 'temp' | 'longterm', desc: string): Promise<InstanceToken> {
    const req: tcr.CreateInstanceTokenRequest = { RegistryId: registryId, TokenType: type, Desc: desc };
    const res = await this.call<tcr.CreateInstanceTokenResponse>('tcr', 'CreateInstanceToken', req);
    if (!res.Username || !res.Token) throw this.malformed('CreateInstanceToken', 'no Username or Token', res.RequestId);
    const out: InstanceToken = { username: res.Username, token: res.Token, expiresAtMs: res.ExpTime ?? 0 };
    if (res.TokenId) out.tokenId = res.TokenId;
    return out;
  }

  async describeInstanceTokens(registryId: string): Promise<InstanceTokenInfo[]> {
    return this.paginateAmbiguous((t) => t.id, async (offset, limit) => {
      const req: tcr.DescribeInstanceTokenRequest = { RegistryId: registryId, Offset: offset, Limit: limit };
      const res = await this.call<tcr.DescribeInstanceTokenResponse>('tcr', 'DescribeInstanceToken', req);
      const items = (res.Tokens ?? []).map((t) => ({
        id: str(t.Id),
        desc: str(t.Desc),
        enabled: t.Enabled ?? false,
        createdAt: str(t.CreatedAt),
        expiredAtMs: t.ExpiredAt ?? 0,
      }));
      return { items, total: res.TotalCount };
    });
  }

  async describeCustomizedDomains(registryId: string): Promise<string[]> {
    return this.paginate(async (offset, limit) => {
      const req: tcr.DescribeInstanceCustomizedDomainRequest = { RegistryId: registryId, Offset: offset, Limit: limit };
      const res = await this.call<tcr.DescribeInstanceCustomizedDomainResponse>('tcr', 'DescribeInstanceCustomizedDomain', req);
      return { items: (res.DomainInfoList ?? []).map((d) => str(d.DomainName).toLowerCase()).filter(Boolean), total: res.TotalCount };
    });
  }

  async deleteInstanceToken(registryId: string, tokenId: string): Promise<void> {
    const req: tcr.DeleteInstanceTokenRequest = { RegistryId: registryId, TokenId: tokenId };
    await this.call('tcr', 'DeleteInstanceToken', req);
  }

  // ---------------------------------------------------------------------------------------------------
  // VPC: discovery and routes

  async describeSubnet(subnetId: string): Promise<Subnet | undefined> {
    return this.orUndefinedIfNotFound(
      (async () => {
        const req: vpc.DescribeSubnetsRequest = { SubnetIds: [subnetId] };
        const res = await this.call<vpc.DescribeSubnetsResponse>('vpc', 'DescribeSubnets', req);
        const s = (res.SubnetSet ?? []).find((x) => x.SubnetId === subnetId);
        if (!s) return undefined;
        return { subnetId: str(s.SubnetId), vpcId: str(s.VpcId), routeTableId: str(s.RouteTableId), zone: str(s.Zone), availableIps: s.AvailableIpAddressCount ?? 0 };
      })(),
    );
  }

  async describeRouteTable(routeTableId: string): Promise<RouteTable | undefined> {
    return this.orUndefinedIfNotFound(
      (async () => {
        const req: vpc.DescribeRouteTablesRequest = { RouteTableIds: [routeTableId] };
        const res = await this.call<vpc.DescribeRouteTablesResponse>('vpc', 'DescribeRouteTables', req);
        const t = (res.RouteTableSet ?? []).find((x) => x.RouteTableId === routeTableId);
        if (!t) return undefined;
        return {
          routeTableId: str(t.RouteTableId),
          vpcId: str(t.VpcId),
          subnetIds: (t.AssociationSet ?? []).map((a) => str(a.SubnetId)).filter((s) => s !== ''),
          routes: (t.RouteSet ?? []).map((r) => {
            const route: Route = {
              destinationCidrBlock: str(r.DestinationCidrBlock),
              gatewayType: str(r.GatewayType),
              gatewayId: str(r.GatewayId),
              description: str(r.RouteDescription),
            };
            if (typeof r.RouteId === 'number') route.routeId = r.RouteId;
            return route;
          }),
        };
      })(),
    );
  }

  async createRoute(routeTableId: string, route: Omit<Route, 'routeId'>): Promise<void> {
    const req: vpc.CreateRoutesRequest = {
      RouteTableId: routeTableId,
      Routes: [{ DestinationCidrBlock: route.destinationCidrBlock, GatewayType: route.gatewayType, GatewayId: route.gatewayId, RouteDescription: route.description }],
    };
    await this.call('vpc', 'CreateRoutes', req);
  }

  async deleteRoute(routeTableId: string, routeId: number): Promise<void> {
    // Only RouteId is needed on the wire (the SDK type marks the other Route fields required).
    await this.call('vpc', 'DeleteRoutes', { RouteTableId: routeTableId, Routes: [{ RouteId: routeId }] });
  }

  // VPC: NAT gateways

  async describeNatGateways(filter: { ids: string[] } | { vpcId: string; tagKey: string }): Promise<NatGateway[]> {
    const map = (n: vpc.NatGateway): NatGateway => ({
      natGatewayId: str(n.NatGatewayId),
      name: str(n.NatGatewayName),
      state: str(n.State),
      vpcId: str(n.VpcId),
      publicIps: (n.PublicIpAddressSet ?? []).map((a) => ({ addressId: str(a.AddressId), ip: str(a.PublicIpAddress) })),
      tags: tags(n.TagSet),
      bandwidthOut: n.InternetMaxBandwidthOut ?? 0,
    });
    const list = (base: vpc.DescribeNatGatewaysRequest) =>
      this.paginate(async (offset, limit) => {
        const res = await this.call<vpc.DescribeNatGatewaysResponse>('vpc', 'DescribeNatGateways', { ...base, Offset: offset, Limit: limit });
        return { items: (res.NatGatewaySet ?? []).map(map), total: res.TotalCount };
      });
    if ('ids' in filter) {
      const out: NatGateway[] = [];
      for (const chunk of chunks(filter.ids, PAGE_LIMIT)) out.push(...(await list({ NatGatewayIds: chunk })));
      return out;
    }
    // `tag:<key>` is not documented for NAT gateways; `tag-key` is. Callers check TagSet values.
    return list({ Filters: [{ Name: 'vpc-id', Values: [filter.vpcId] }, { Name: 'tag-key', Values: [filter.tagKey] }] });
  }

  async createNatGateway(req: { name: string; vpcId: string; zone?: string; publicIps: string[]; tags: Tag[]; bandwidthMbps?: number; stockEipBandwidthMbps?: number }): Promise<string> {
    const body: vpc.CreateNatGatewayRequest = {
      NatGatewayName: req.name,
      VpcId: req.vpcId,
      PublicIpAddresses: req.publicIps,
      Tags: req.tags.map((t) => ({ Key: t.key, Value: t.value })),
      ...(req.zone ? { Zone: req.zone } : {}),
      ...(req.bandwidthMbps !== undefined ? { InternetMaxBandwidthOut: req.bandwidthMbps } : {}),
      ...(req.stockEipBandwidthMbps !== undefined ? { StockPublicIpAddressesBandwidthOut: req.stockEipBandwidthMbps } : {}),
    };
    const res = await this.call<vpc.CreateNatGatewayResponse>('vpc', 'CreateNatGateway', body);
    const id = res.NatGatewaySet?.[0]?.NatGatewayId;
    if (!id) throw this.malformed('CreateNatGateway', 'no NatGatewaySet[0].NatGatewayId', res.RequestId);
    return id;
  }

  async deleteNatGateway(natGatewayId: string, opts: { ignoreOperationRisk?: boolean } = {}): Promise<void> {
    const req: vpc.DeleteNatGatewayRequest = { NatGatewayId: natGatewayId, ...(opts.ignoreOperationRisk ? { IgnoreOperationRisk: true } : {}) };
    await this.call('vpc', 'DeleteNatGateway', req);
  }

  // VPC: EIPs

  async describeAddresses(filter: { ids: string[] } | { tag: Tag } | { tagKey: string }): Promise<Address[]> {
    const map = (a: vpc.Address): Address => ({
      addressId: str(a.AddressId),
      ip: str(a.AddressIp),
      status: str(a.AddressStatus),
      instanceId: str(a.InstanceId),
      tags: tags(a.TagSet),
      bandwidth: a.Bandwidth ?? 0,
    });
    const list = (base: vpc.DescribeAddressesRequest) =>
      this.paginate(async (offset, limit) => {
        const res = await this.call<vpc.DescribeAddressesResponse>('vpc', 'DescribeAddresses', { ...base, Offset: offset, Limit: limit });
        return { items: (res.AddressSet ?? []).map(map), total: res.TotalCount };
      });
    if ('ids' in filter) {
      const out: Address[] = [];
      for (const chunk of chunks(filter.ids, PAGE_LIMIT)) {
        try {
          out.push(...(await list({ AddressIds: chunk })));
        } catch (e) {
          // an unknown ID may fail the whole call: ask one by one, leaving the missing ones out
          if (!(e instanceof CloudError) || e.code !== 'InvalidAddressId.NotFound' || chunk.length === 0) throw e;
          for (const id of chunk) out.push(...(await list({ AddressIds: [id] }).catch(ignoreCode('InvalidAddressId.NotFound', []))));
        }
      }
      return out;
    }
    if ('tagKey' in filter) return list({ Filters: [{ Name: 'tag-key', Values: [filter.tagKey] }] });
    return list({ Filters: [{ Name: `tag:${filter.tag.key}`, Values: [filter.tag.value] }] });
  }

  async allocateAddress(req: { name: string; tags: Tag[]; clientToken: string; bandwidthMbps?: number; chargeType?: string }): Promise<{ addressIds: string[]; taskId: number | undefined }> {
    const body: vpc.AllocateAddressesRequest = {
      AddressCount: 1,
      AddressName: req.name,
      Tags: req.tags.map((t) => ({ Key: t.key, Value: t.value })),
      ClientToken: req.clientToken,
      ...(req.chargeType ? { InternetChargeType: req.chargeType } : {}),
      ...(req.bandwidthMbps !== undefined ? { InternetMaxBandwidthOut: req.bandwidthMbps } : {}),
    };
    const res = await this.call<vpc.AllocateAddressesResponse>('vpc', 'AllocateAddresses', body);
    // TaskId is a string here but a number in DescribeTaskResult, and may be missing.
    const n = res.TaskId === undefined || res.TaskId === null || res.TaskId === '' ? NaN : Number(res.TaskId);
    return { addressIds: res.AddressSet ?? [], taskId: Number.isFinite(n) ? n : undefined };
  }

  async describeTaskResult(taskId: number): Promise<TaskStatus> {
    const req: vpc.DescribeTaskResultRequest = { TaskId: taskId };
    const res = await this.call<vpc.DescribeTaskResultResponse>('vpc', 'DescribeTaskResult', req);
    return taskStatus(res.Result);
  }

  async associateNatGatewayAddress(natGatewayId: string, publicIps: string[]): Promise<{ taskId: string }> {
    const req: vpc.AssociateNatGatewayAddressRequest = { NatGatewayId: natGatewayId, PublicIpAddresses: publicIps };
    const res = await this.call<vpc.AssociateNatGatewayAddressResponse>('vpc', 'AssociateNatGatewayAddress', req);
    // Completion is tracked with DescribeVpcTaskResult(TaskId = this call's RequestId).
    if (!res.RequestId) throw this.malformed('AssociateNatGatewayAddress', 'no RequestId', undefined);
    return { taskId: res.RequestId };
  }

  async describeVpcTaskResult(taskId: string): Promise<TaskStatus> {
    const req: vpc.DescribeVpcTaskResultRequest = { TaskId: taskId };
    const res = await this.call<vpc.DescribeVpcTaskResultResponse>('vpc', 'DescribeVpcTaskResult', req);
    return taskStatus(res.Status);
  }

  async releaseAddresses(addressIds: string[]): Promise<void> {
    if (addressIds.length === 0) return;
    const release = (ids: string[]) => this.call('vpc', 'ReleaseAddresses', { AddressIds: ids } satisfies vpc.ReleaseAddressesRequest);
    try {
      await release(addressIds);
    } catch (e) {
      // InvalidAddressId.NotFound: released already (e.g. a replayed call). With several IDs, release the others.
      if (!(e instanceof CloudError) || e.code !== 'InvalidAddressId.NotFound') throw e;
      if (addressIds.length > 1) for (const id of addressIds) await release([id]).catch(ignoreCode('InvalidAddressId.NotFound', undefined));
    }
  }
}

/** A catch handler that turns one error code into a value and rethrows the rest. */
function ignoreCode<T>(code: string, value: T): (e: unknown) => T {
  return (e) => {
    if (e instanceof CloudError && e.code === code) return value;
    throw e;
  };
}

/** Financial regions have their own API hosts; every other region uses the SDK's global one. */
export function regionalEndpoint(region: string): CloudEndpoint | undefined {
  return /^[a-z]+-[a-z]+-fsi$/.test(region) ? { host: `{service}.${region}.tencentcloudapi.com`, protocol: 'https://' } : undefined;
}

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
