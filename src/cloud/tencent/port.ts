// The narrow port over the Tencent Cloud calls the operator makes. The controller only sees this
// interface; sdk.ts implements it with tencentcloud-sdk-nodejs (deep imports of the TCR and VPC clients).
// Every method is one API call (plus pagination where noted): waiting and polling are the controller's
// job (requeueAfter), never a blocking loop here.

/** TCR instance (DescribeInstances). */
export interface Instance {
  registryId: string;
  name: string;
  /** Running, Pending, Deploying, Unhealthy, ... */
  status: string;
  /** basic | standard | premium */
  type: string;
  publicDomain: string;
  region: string;
}

/** A private-network access link (DescribeInternalEndpoints AccessVpcSet item). */
export interface AccessLink {
  vpcId: string;
  subnetId: string;
  status: string;
  /** Empty until the link is provisioned. */
  accessIp: string;
}

export interface DnsKey {
  registryId: string;
  vpcId: string;
  eniLbIp: string;
  usePublicDomain: boolean;
  regionName: string;
}

export interface SecurityPolicy {
  cidrBlock: string;
  description: string;
  policyIndex: number;
  policyVersion: string;
}

export interface InstanceToken {
  username: string;
  token: string;
  /** Expiry, epoch milliseconds. */
  expiresAtMs: number;
  /** Long-term tokens only. */
  tokenId?: string;
}

export interface InstanceTokenInfo {
  id: string;
  desc: string;
  enabled: boolean;
  createdAt: string;
  /** epoch milliseconds */
  expiredAtMs: number;
}

export interface Subnet {
  subnetId: string;
  vpcId: string;
  routeTableId: string;
  zone: string;
  availableIps: number;
}

export interface Route {
  routeId?: number;
  destinationCidrBlock: string;
  gatewayType: string;
  gatewayId: string;
  description: string;
}

export interface RouteTable {
  routeTableId: string;
  vpcId: string;
  /** Subnets using this route table. */
  subnetIds: string[];
  routes: Route[];
}

export interface Tag {
  key: string;
  value: string;
}

export interface NatGateway {
  natGatewayId: string;
  name: string;
  /** PENDING | AVAILABLE | PENDFAILURE | DELETING | ... */
  state: string;
  vpcId: string;
  publicIps: Array<{ addressId: string; ip: string }>;
  tags: Tag[];
  /** InternetMaxBandwidthOut, Mbps (0 when not reported). */
  bandwidthOut?: number;
}

export interface Address {
  addressId: string;
  ip: string;
  /** CREATING | UNBIND | BINDING | BIND | UNBINDING | OFFLINING | ... */
  status: string;
  /** e.g. nat-… when bound */
  instanceId: string;
  tags: Tag[];
  /** Bandwidth cap, Mbps (0 when not reported). */
  bandwidth?: number;
}

export type TaskStatus = 'SUCCESS' | 'FAILED' | 'RUNNING';

export interface TencentCloud {
  // TCR: instance
  describeInstance(registryId: string): Promise<Instance | undefined>;
  // TCR: private access link and internal DNS
  describeInternalEndpoints(registryId: string): Promise<AccessLink[]>;
  manageInternalEndpoint(registryId: string, operation: 'Create' | 'Delete', vpcId: string, subnetId: string): Promise<void>;
  /** ENABLED/ENABLE, DISABLED/DISABLE, ERROR (spellings vary: see the reference). */
  describeInternalEndpointDnsStatus(key: DnsKey): Promise<string>;
  createInternalEndpointDns(key: DnsKey): Promise<void>;
  deleteInternalEndpointDns(key: DnsKey): Promise<void>;
  // TCR: public endpoint and whitelist
  /** Opening | Opened | Closed | Deleting */
  describeExternalEndpointStatus(registryId: string): Promise<{ status: string; reason: string }>;
  manageExternalEndpoint(registryId: string, operation: 'Create' | 'Delete'): Promise<void>;
  describeSecurityPolicies(registryId: string): Promise<SecurityPolicy[]>;
  createSecurityPolicy(registryId: string, cidrBlock: string, description: string): Promise<void>;
  deleteSecurityPolicy(registryId: string, cidrBlock: string): Promise<void>;
  // TCR: instance tokens
  createInstanceToken(registryId: string, type: 'temp' | 'longterm', desc: string): Promise<InstanceToken>;
  /** Long-term tokens only (all pages). */
  describeInstanceTokens(registryId: string): Promise<InstanceTokenInfo[]>;
  deleteInstanceToken(registryId: string, tokenId: string): Promise<void>;
  /** Custom domain names of the instance (DescribeInstanceCustomizedDomain, all pages). */
  describeCustomizedDomains(registryId: string): Promise<string[]>;
  // VPC: discovery and routes
  describeSubnet(subnetId: string): Promise<Subnet | undefined>;
  describeRouteTable(routeTableId: string): Promise<RouteTable | undefined>;
  createRoute(routeTableId: string, route: Omit<Route, 'routeId'>): Promise<void>;
  deleteRoute(routeTableId: string, routeId: number): Promise<void>;
  // VPC: NAT gateways
  /** By IDs, or by VPC and tag key (all pages). */
  describeNatGateways(filter: { ids: string[] } | { vpcId: string; tagKey: string }): Promise<NatGateway[]>;
  /** `bandwidthMbps`: the gateway's InternetMaxBandwidthOut; `stockEipBandwidthMbps`: of the EIPs bound at creation. */
  createNatGateway(req: { name: string; vpcId: string; zone?: string; publicIps: string[]; tags: Tag[]; bandwidthMbps?: number; stockEipBandwidthMbps?: number }): Promise<string>;
  /** `ignoreOperationRisk`: skip the traffic check (NatGatewayHaveHighTraffic, ...) for a gateway the operator created. */
  deleteNatGateway(natGatewayId: string, opts?: { ignoreOperationRisk?: boolean }): Promise<void>;
  // VPC: EIPs
  /** By IDs (unknown IDs are left out), by one tag value, or by tag key (all pages). */
  describeAddresses(filter: { ids: string[] } | { tag: Tag } | { tagKey: string }): Promise<Address[]>;
  /** AllocateAddresses with an idempotency ClientToken; returns the IDs and the task to poll. */
  allocateAddress(req: { name: string; tags: Tag[]; clientToken: string; bandwidthMbps?: number; chargeType?: string }): Promise<{ addressIds: string[]; taskId: number | undefined }>;
  describeTaskResult(taskId: number): Promise<TaskStatus>;
  associateNatGatewayAddress(natGatewayId: string, publicIps: string[]): Promise<{ taskId: string }>;
  describeVpcTaskResult(taskId: string): Promise<TaskStatus>;
  /** IDs already gone (InvalidAddressId.NotFound) count as released. */
  releaseAddresses(addressIds: string[]): Promise<void>;
}

/** Where API credentials come from for one TcrAccess. */
export type CloudCredentialSource = { kind: 'static'; secretId: string; secretKey: string; token?: string } | { kind: 'default' };

export interface CloudFactory {
  /** A client for one region with the given credentials. */
  client(region: string, credentials: CloudCredentialSource): TencentCloud;
}
