// The TcrAccess API, written once: these TypeBox schemas ARE the CRD's OpenAPI v3 schema
// (scripts/generate-crd.ts writes crds/ from them) and, through Type.Static, the TypeScript types the
// operator uses (types.ts). Types and schema therefore cannot drift; `npm test` fails when crds/ is stale.
//
// Every string and list is bounded (maxLength/maxItems) so that CEL rules stay inside the API server's
// cost budget, and every rule carries a message a user understands.
import Type from 'typebox';

type Rule = { rule: string; message: string; fieldPath?: string; reason?: string };
const rules = (...r: Rule[]) => ({ 'x-kubernetes-validations': r });

/**
 * A pattern, written both as OpenAPI `pattern` (checked by every API server, and by the operator at run
 * time through validate.ts) and as a CEL rule (which carries the message a user understands).
 */
const matching = (re: string, message: string) => ({ pattern: re, ...rules({ rule: `self.matches('${re}')`, message }) });

function Enum<const T extends string>(values: readonly T[], opts: Record<string, unknown> = {}) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...opts });
}

// DNS-1123 label (namespaces), DNS-1123 subdomain (Secrets, ServiceAccounts).
const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS1123_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

const NamespaceName = (description: string) =>
  Type.String({
    description,
    maxLength: 63,
    ...matching(DNS1123_LABEL, 'must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters), e.g. "team-a"'),
  });
const ObjectName = (description: string) =>
  Type.String({
    description,
    minLength: 1,
    maxLength: 253,
    ...matching(DNS1123_SUBDOMAIN, 'must be a DNS-1123 subdomain (lowercase letters, digits, "-" and "."), e.g. "tcr-pull"'),
  });

export const SecretReference = Type.Object(
  {
    namespace: NamespaceName('Namespace of the Secret: the operator\'s own namespace or one listed in its --source-namespaces flag.'),
    name: ObjectName('Name of the Secret.'),
  },
  { description: 'A Secret the operator reads.' },
);

// host[:port], no scheme, no path. Checked by CEL so that each mistake gets its own message.
export const HOST_PORT = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[0-9]+)?$';
export const ServerAddress = Type.String({
  description: 'Registry address as host[:port], without scheme or path, e.g. "prod.tencentcloudcr.com" or "registry.example.com:5000".',
  minLength: 1,
  maxLength: 259,
  pattern: HOST_PORT,
  ...rules(
    { rule: "!self.contains('://')", message: 'must not contain a scheme: write "prod.tencentcloudcr.com", not "https://prod.tencentcloudcr.com"' },
    { rule: "!self.contains('/')", message: 'must not contain a path: the registry address is host[:port] only' },
    { rule: `self.matches('${HOST_PORT}')`, message: 'must be host[:port] in lowercase, e.g. "prod.tencentcloudcr.com" or "registry.example.com:5000"' },
    {
      rule: "!self.contains(':') || (self.split(':')[1].matches('^[0-9]{1,5}$') && int(self.split(':')[1]) >= 1 && int(self.split(':')[1]) <= 65535)",
      message: 'port must be a number between 1 and 65535',
    },
  ),
});

export const Registry = Type.Object(
  {
    instanceId: Type.Optional(
      Type.String({
        description: 'TCR enterprise instance ID (e.g. "tcr-abc123"). Omit for a self-built registry.',
        maxLength: 64,
        ...matching('^tcr-[a-z0-9]+$', 'must be a TCR instance ID such as "tcr-abc123"'),
      }),
    ),
    region: Type.Optional(
      Type.String({
        description: 'Tencent Cloud region of the instance, e.g. "ap-guangzhou".',
        maxLength: 64,
        ...matching('^[a-z]+(-[a-z0-9]+)+$', 'must be a Tencent Cloud region such as "ap-guangzhou"'),
      }),
    ),
    server: Type.Optional(ServerAddress),
    insecureSkipVerify: Type.Optional(
      Type.Boolean({ description: 'The registry serves HTTPS with a certificate that is not publicly trusted (Serverless registry-insecure-skip-verify annotation).' }),
    ),
    plainHTTP: Type.Optional(Type.Boolean({ description: 'The registry serves plain HTTP (Serverless registry-http-endpoint annotation).' })),
    annotationMode: Type.Optional(
      Enum(['Webhook', 'ClusterDefault'] as const, {
        description: 'How the Serverless registry annotations reach pods when insecureSkipVerify or plainHTTP is set: a mutating webhook, or the cluster-wide default in kube-system/eks-config.',
      }),
    ),
  },
  {
    description: 'The registry to pull from.',
    ...rules(
      { rule: 'has(self.instanceId) || has(self.server)', message: 'set registry.server (host[:port]) or registry.instanceId' },
      { rule: '!has(self.instanceId) || has(self.region)', message: 'registry.region is required with registry.instanceId' },
      {
        rule: "!(has(self.insecureSkipVerify) && self.insecureSkipVerify && has(self.plainHTTP) && self.plainHTTP)",
        message: 'set at most one of registry.insecureSkipVerify and registry.plainHTTP',
      },
    ),
  },
);

export const InstanceToken = Type.Object(
  {
    type: Enum(['Temporary', 'LongTerm'] as const, {
      description: 'Temporary tokens last one hour and are refreshed before expiry; LongTerm tokens are rotated every rotationPeriod.',
    }),
    rotationPeriod: Type.Optional(
      Type.String({
        description: 'How often a LongTerm token is replaced, as a Go duration in hours or minutes (e.g. "720h").',
        maxLength: 16,
        ...matching('^[0-9]+(h|m)$', 'must be a duration such as "720h" or "90m"'),
      }),
    ),
  },
  { description: 'Mint registry credentials through the TCR API (needs registry.instanceId).' },
);

export const Credentials = Type.Object(
  {
    secretRef: Type.Optional(
      Type.Object(
        {
          namespace: SecretReference.properties.namespace,
          name: SecretReference.properties.name,
        },
        {
          description:
            'A Secret holding "username" and "password", or a kubernetes.io/dockerconfigjson ".dockerconfigjson" (only the entry for registry.server is used).',
        },
      ),
    ),
    instanceToken: Type.Optional(InstanceToken),
  },
  {
    description: 'Where the registry credentials come from: exactly one source.',
    ...rules({ rule: '[has(self.secretRef), has(self.instanceToken)].exists_one(x, x)', message: 'set exactly one of credentials.secretRef and credentials.instanceToken' }),
  },
);

export const LabelSelectorRequirement = Type.Object({
  key: Type.String({ maxLength: 317 }),
  operator: Enum(['In', 'NotIn', 'Exists', 'DoesNotExist'] as const),
  values: Type.Optional(Type.Array(Type.String({ maxLength: 63 }), { maxItems: 64 })),
});

export const LabelSelector = Type.Object(
  {
    matchLabels: Type.Optional(
      Type.Unsafe<Record<string, string>>({ type: 'object', additionalProperties: { type: 'string', maxLength: 63 }, maxProperties: 64 }),
    ),
    matchExpressions: Type.Optional(Type.Array(LabelSelectorRequirement, { maxItems: 32 })),
  },
  { description: 'A label selector over Namespaces. {} selects every namespace but kube-system, kube-public and kube-node-lease.', 'x-kubernetes-map-type': 'atomic' },
);

export const NamespaceSelection = Type.Object(
  {
    names: Type.Optional(Type.Array(NamespaceName('A namespace name.'), { maxItems: 512, 'x-kubernetes-list-type': 'set', description: 'Namespaces selected by name.' })),
    selector: Type.Optional(LabelSelector),
    selectors: Type.Optional(
      Type.Array(LabelSelector, { maxItems: 16, description: 'More label selectors, OR\'ed with selector: a namespace matching any of them is selected.' }),
    ),
    exclude: Type.Optional(
      Type.Array(NamespaceName('A namespace name.'), { maxItems: 512, 'x-kubernetes-list-type': 'set', description: 'Namespaces never selected, even when named or matched.' }),
    ),
  },
  {
    description:
      'The namespaces that get the Secret. Selected iff not in exclude AND (in names OR (matched by selector or any of selectors AND not kube-system, kube-public or kube-node-lease AND not labelled tcr.tke.dev/ignore=true)).',
    ...rules({
      rule: 'has(self.names) || has(self.selector) || has(self.selectors)',
      message: 'select namespaces with names, selector or selectors (selector: {} selects every namespace)',
    }),
  },
);

/** Keys the operator sets on its Secrets itself; a template cannot set or override them. */
const RESERVED_KEY_RULE = "self.all(k, !k.startsWith('tcr.tke.dev/') && k != 'app.kubernetes.io/managed-by')";
const MetadataMap = (description: string, maxValue: number) =>
  Type.Unsafe<Record<string, string>>({
    type: 'object',
    description,
    additionalProperties: { type: 'string', maxLength: maxValue },
    maxProperties: 32,
    ...rules({ rule: RESERVED_KEY_RULE, message: 'the operator\'s own keys (app.kubernetes.io/managed-by, tcr.tke.dev/*) cannot be set in the template' }),
  });

export const ImagePullSecret = Type.Object(
  {
    name: ObjectName('Name of the kubernetes.io/dockerconfigjson Secret created in each selected namespace.'),
    namespaces: NamespaceSelection,
    serviceAccounts: Type.Optional(
      Type.Array(
        Type.String({
          maxLength: 253,
          pattern: `^([*]|${DNS1123_SUBDOMAIN.slice(1, -1)})$`,
          ...rules({ rule: `self == '*' || self.matches('${DNS1123_SUBDOMAIN}')`, message: 'must be a ServiceAccount name or "*"' }),
        }),
        {
          maxItems: 64,
          'x-kubernetes-list-type': 'set',
          description: 'ServiceAccounts whose imagePullSecrets get the Secret; ["*"] means every ServiceAccount; [] none. Default ["default"].',
          ...rules({ rule: "!self.exists(s, s == '*') || size(self) == 1", message: '"*" selects every ServiceAccount and cannot be combined with names' }),
        },
      ),
    ),
    creationPolicy: Type.Optional(
      Enum(['Owner', 'Adopt'] as const, {
        description:
          'Owner (default): a Secret of that name the operator did not create is a conflict and left alone. Adopt: take over such a kubernetes.io/dockerconfigjson Secret, keeping its entries for other registries; on removal only those are left (or the Secret is deleted when none remain).',
      }),
    ),
    template: Type.Optional(
      Type.Object(
        {
          metadata: Type.Optional(
            Type.Object({
              labels: Type.Optional(MetadataMap('Labels added to every Secret.', 63)),
              annotations: Type.Optional(MetadataMap('Annotations added to every Secret.', 4096)),
            }),
          ),
        },
        { description: 'Extra metadata of the Secrets (e.g. Velero, Kyverno, Argo CD IgnoreExtraneous). The operator\'s own keys cannot be set here.' },
      ),
    ),
  },
  { description: 'The image-pull Secret distributed across namespaces.' },
);

const ResourceId = (prefix: string, description: string) =>
  Type.String({
    description,
    maxLength: 64,
    ...matching(`^${prefix}-[a-z0-9]+$`, `must be an ID such as "${prefix}-abc123"`),
  });

export const PrivateNetwork = Type.Object(
  {
    vpcId: ResourceId('vpc', 'VPC of the cluster.'),
    subnetId: ResourceId('subnet', 'Subnet the access link is created in.'),
    dns: Type.Optional(
      Type.Object({
        enabled: Type.Optional(Type.Boolean({ description: 'Resolve the registry domain to the access IP inside the VPC. Default true.' })),
        usePublicDomain: Type.Optional(
          Type.Boolean({ description: 'Resolve <name>.tencentcloudcr.com (true, default) or <name>-vpc.tencentcloudcr.com (false) to the private IP.' }),
        ),
      }),
    ),
  },
  { description: 'A TCR private-network access link into the cluster\'s VPC, with internal DNS.' },
);

const Cidr = Type.String({
  maxLength: 18,
  ...matching('^([0-9]{1,3}[.]){3}[0-9]{1,3}/[0-9]{1,2}$', 'must be an IPv4 CIDR such as "203.0.113.7/32"'),
});

export const PublicNetwork = Type.Object(
  {
    natGateway: Type.Object(
      {
        id: Type.Optional(ResourceId('nat', 'An existing NAT gateway.')),
        create: Type.Optional(
          Type.Object({
            vpcId: ResourceId('vpc', 'VPC of the cluster (in the registry\'s region: VPC calls go to spec.registry.region).'),
            subnetId: ResourceId('subnet', 'Subnet whose egress goes through the gateway.'),
            bandwidthMbps: Type.Optional(
              Type.Unsafe<20 | 50 | 100 | 200 | 500 | 1000 | 2000 | 5000>({
                type: 'integer',
                enum: [20, 50, 100, 200, 500, 1000, 2000, 5000],
                description: 'Outbound bandwidth cap of the NAT gateway, Mbps (CreateNatGateway InternetMaxBandwidthOut). Default 100.',
              }),
            ),
            eipBandwidthMbps: Type.Optional(
              Type.Integer({
                minimum: 1,
                maximum: 100,
                description: 'Bandwidth cap of the gateway\'s EIP, Mbps, billed by traffic (TRAFFIC_POSTPAID_BY_HOUR; the API\'s own default is 1). Default 100.',
              }),
            ),
          }),
        ),
      },
      { ...rules({ rule: '[has(self.id), has(self.create)].exists_one(x, x)', message: 'set exactly one of natGateway.id and natGateway.create' }) },
    ),
    manageRoute: Type.Optional(Type.Boolean({ description: 'Point the subnet\'s default route at the NAT gateway. Default false.' })),
    whitelist: Type.Optional(
      Type.Object({
        includeNatEips: Type.Optional(Type.Boolean({ description: 'Add the NAT gateway\'s EIPs as /32 entries. Default true.' })),
        cidrs: Type.Optional(Type.Array(Cidr, { maxItems: 64, 'x-kubernetes-list-type': 'set', description: 'Extra CIDRs to allow (0.0.0.0/0 only while testing).' })),
      }),
    ),
  },
  { description: 'Public access to TCR through a NAT gateway whose EIPs are on the TCR whitelist.' },
);

export const Network = Type.Object(
  {
    mode: Enum(['None', 'Private', 'Public'] as const, { description: 'None: the operator does not manage reachability.' }),
    private: Type.Optional(PrivateNetwork),
    public: Type.Optional(PublicNetwork),
  },
  {
    description: 'How the cluster reaches the registry.',
    ...rules(
      { rule: "self.mode != 'Private' || has(self.private)", message: 'network.private is required when network.mode is Private' },
      { rule: "self.mode != 'Public' || has(self.public)", message: 'network.public is required when network.mode is Public' },
      { rule: "self.mode == 'Private' || !has(self.private)", message: 'network.private is only allowed when network.mode is Private' },
      { rule: "self.mode == 'Public' || !has(self.public)", message: 'network.public is only allowed when network.mode is Public' },
    ),
  },
);

export const Diagnostics = Type.Object(
  {
    pullErrors: Type.Optional(
      Type.Object({
        enabled: Type.Optional(Type.Boolean({ description: 'Watch image-pull failures of pods in the selected namespaces and diagnose them (PullHealthy). Default true.' })),
      }),
    ),
    probe: Type.Optional(
      Type.Object({
        enabled: Type.Optional(Type.Boolean({ description: 'Periodically check DNS, TCP/TLS and the registry v2 handshake with the distributed credentials from the operator pod. Default false.' })),
        intervalSeconds: Type.Optional(Type.Integer({ minimum: 30, maximum: 86400, description: 'How often. Default 300.' })),
        image: Type.Optional(
          Type.String({
            maxLength: 255,
            description: 'An image (repository:tag or repository@digest, without the registry) whose manifest the probe checks, e.g. "team/app:1.0".',
            ...rules({ rule: "!self.contains('://')", message: 'must be repository[:tag|@digest] without scheme or registry' }),
          }),
        ),
      }),
    ),
  },
  { description: 'Diagnosis of image-pull failures and live registry probes. Diagnostics never change Ready.' },
);

export const TcrAccessSpec = Type.Object(
  {
    registry: Registry,
    credentials: Credentials,
    imagePullSecret: ImagePullSecret,
    network: Type.Optional(Network),
    cloudCredentials: Type.Optional(
      Type.Object(
        { secretRef: SecretReference },
        { description: 'Tencent Cloud API credentials (SecretId/SecretKey). When omitted: environment, then TKE pod identity, then CVM role.' },
      ),
    ),
    deletionPolicy: Type.Optional(
      Enum(['Retain', 'Delete'] as const, { description: 'What happens to cloud resources and tokens this TcrAccess created when it is deleted. Default Retain.' }),
    ),
    diagnostics: Type.Optional(Diagnostics),
  },
  {
    ...rules({
      rule: '!has(self.credentials.instanceToken) || has(self.registry.instanceId)',
      message: 'credentials.instanceToken needs registry.instanceId',
    }),
  },
);

export const Condition = Type.Object({
  type: Type.String({ maxLength: 316 }),
  status: Enum(['True', 'False', 'Unknown'] as const),
  observedGeneration: Type.Optional(Type.Integer({ format: 'int64', minimum: 0 })),
  lastTransitionTime: Type.String({ format: 'date-time' }),
  reason: Type.String({ maxLength: 1024, minLength: 1 }),
  message: Type.String({ maxLength: 32768 }),
});

const Str = (maxLength: number, description?: string) => Type.String({ maxLength, ...(description ? { description } : {}) });
const Owned = Type.Optional(Type.Boolean({ description: 'True when this TcrAccess created it (and may delete it under deletionPolicy Delete).' }));

/**
 * What the operator found or created in the cloud. Created-by flags are written BEFORE the create call
 * for resources that carry no tag or description (links, DNS, the public endpoint), so a resource found
 * without them is someone else's and is never deleted.
 */
export const NetworkStatus = Type.Object({
  mode: Type.Optional(Str(16)),
  registryName: Type.Optional(Str(64, 'TCR instance name.')),
  privateLink: Type.Optional(
    Type.Object({
      vpcId: Str(64),
      subnetId: Str(64),
      status: Type.Optional(Str(32)),
      accessIp: Type.Optional(Str(64)),
      createdByOperator: Owned,
    }),
  ),
  dns: Type.Optional(
    Type.Object({
      domain: Type.Optional(Str(253)),
      usePublicDomain: Type.Boolean(),
      status: Type.Optional(Str(32)),
      eniLbIp: Type.Optional(Str(64)),
      createdByOperator: Owned,
    }),
  ),
  publicEndpoint: Type.Optional(Type.Object({ status: Type.Optional(Str(32)), openedByOperator: Owned })),
  natGateway: Type.Optional(
    Type.Object({ id: Type.Optional(Str(64)), state: Type.Optional(Str(32)), createdByOperator: Owned, bandwidthMbps: Type.Optional(Type.Integer({ description: 'Effective InternetMaxBandwidthOut, Mbps.' })) }),
  ),
  eips: Type.Optional(
    Type.Array(Type.Object({ id: Str(64), ip: Type.Optional(Str(64)), allocatedByOperator: Owned, bandwidthMbps: Type.Optional(Type.Integer({ description: 'Effective bandwidth cap, Mbps.' })) }), { maxItems: 16 }),
  ),
  route: Type.Optional(
    Type.Object({ routeTableId: Str(64), routeId: Type.Optional(Type.Integer()), gatewayId: Type.Optional(Str(64)), createdByOperator: Owned }),
  ),
  whitelist: Type.Optional(Type.Array(Str(18), { maxItems: 80, description: 'CIDRs this TcrAccess keeps on the TCR whitelist (network addresses, as the API stores them).' })),
  eipClientToken: Type.Optional(Str(64, 'AllocateAddresses ClientToken of the EIP allocation in progress (replaced when it returns a released EIP).')),
});

export const CredentialsStatus = Type.Object({
  source: Type.Optional(Str(32, 'SecretRef, TemporaryToken or LongTermToken.')),
  tokenId: Type.Optional(Str(64, 'ID of the current long-term token (an identifier, not the token).')),
  expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'When the current token expires.' })),
  rotatedAt: Type.Optional(Type.String({ format: 'date-time', description: 'When the current token was minted.' })),
});

export const TcrAccessStatus = Type.Object({
  observedGeneration: Type.Optional(Type.Integer({ format: 'int64' })),
  lastForceSync: Type.Optional(Str(256, 'The last tcr.tke.dev/force-sync annotation value handled (everything was re-checked for it).')),
  conditions: Type.Optional(
    Type.Array(Condition, { maxItems: 16, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }),
  ),
  server: Type.Optional(Type.String({ maxLength: 259, description: 'The registry address the Secrets are rendered for.' })),
  secrets: Type.Optional(
    Type.Object({
      desired: Type.Integer({ description: 'Selected namespaces.' }),
      ready: Type.Integer({ description: 'Namespaces whose Secret and ServiceAccounts are up to date.' }),
      conflicts: Type.Integer({ description: 'Namespaces where a Secret of that name exists and is not ours.' }),
      conflictNamespaces: Type.Optional(Type.Array(Type.String({ maxLength: 63 }), { maxItems: 10, description: 'The first 10 namespaces in conflict.' })),
    }),
  ),
  network: Type.Optional(NetworkStatus),
  credentials: Type.Optional(CredentialsStatus),
  pullErrors: Type.Optional(
    Type.Object({
      failingPods: Type.Integer({ description: 'Pods failing to pull from the registry now.' }),
      byCause: Type.Optional(Type.Unsafe<Record<string, number>>({ type: 'object', additionalProperties: { type: 'integer' }, maxProperties: 16 })),
      example: Type.Optional(
        Type.Object({ pod: Str(317, 'namespace/name'), cause: Str(32), message: Str(1024) }),
      ),
    }),
  ),
});
