// Image-pull error messages (kubelet, containerd, CRI-O, docker, TKE Serverless) → cause, evidence, fix.
//
// Pure: a message and what we know of the TcrAccess in, a Diagnosis out. The rules follow Tencent's TCR
// FAQ for Serverless clusters: `443: i/o timeout` → no network path (and whether the dialled IP is public or
// private tells which); `insufficient_scope: authorization failed` → the network works, credentials or the
// TCR namespace are wrong; `failed to resolve reference ... not found` → the image does not exist;
// `server gave HTTP response to HTTPS client` → a plain-HTTP registry that needs the Serverless annotation.
//
// Rules are tried in order and the first match wins; the order encodes the precedence the messages need:
// an `i/o timeout` during a DNS `lookup` is a DNS failure, a network error while fetching a token is a
// network error (not an authorization one), `insufficient_scope` beats the `not found`-ish "repository does
// not exist" that docker prints beside it, and TLS/HTTP protocol mismatches beat everything else.

export type Cause =
  | 'NoNetworkPath'
  | 'DnsFailure'
  | 'CredentialsRejected'
  | 'ImageNotFound'
  | 'PlainHttpRegistry'
  | 'UntrustedCertificate'
  | 'RateLimited'
  | 'PullSecretMissing'
  | 'NoPullSecret'
  | 'InvalidImageName'
  | 'PlatformMismatch'
  | 'PullQpsExceeded'
  | 'Unknown';

export const CAUSES: readonly Cause[] = [
  'NoNetworkPath',
  'DnsFailure',
  'CredentialsRejected',
  'ImageNotFound',
  'PlainHttpRegistry',
  'UntrustedCertificate',
  'RateLimited',
  'PullSecretMissing',
  'NoPullSecret',
  'InvalidImageName',
  'PlatformMismatch',
  'PullQpsExceeded',
  'Unknown',
];

export type NetworkMode = 'None' | 'Private' | 'Public';
export type IpKind = 'private' | 'public';

export interface DiagnosisContext {
  /** `spec.network.mode` of the TcrAccess serving this registry (unknown when omitted). */
  networkMode?: NetworkMode;
  /** The registry the TcrAccess serves, `host[:port]` (its `status.server`). */
  registryHost?: string;
}

export interface Diagnosis {
  cause: Cause;
  /** The part of the message the cause was read from (at most EVIDENCE_MAX characters). */
  evidence: string;
  /** The remote IP the runtime dialled (`dial tcp 1.2.3.4:443`, `read tcp a->1.2.3.4:443`). */
  dialedIp?: string;
  /** RFC 1918 / RFC 6598 (100.64/10) / loopback / link-local / IPv6 ULA → private; anything else public. */
  dialedIpKind?: IpKind;
  /** The registry `host[:port]` the failing request went to, when the message names it. */
  registry?: string;
  /** What to do, in the TcrAccess's terms (`spec.network`, `spec.registry.plainHTTP`, ...). */
  fix: string;
  /** Further reading. */
  docs?: string;
}

export const EVIDENCE_MAX = 300;

export const DOCS = {
  tcrFaq: 'https://cloud.tencent.com/document/product/1141/39292',
  natGateway: 'https://cloud.tencent.com/document/product/457/48710',
} as const;

interface Rule {
  cause: Exclude<Cause, 'Unknown' | 'NoPullSecret'>;
  pattern: RegExp;
}

// Status codes only where the text says they are status codes: "401 Unauthorized", "status code 403",
// "StatusCode: 401", "HTTP/1.1 403" — never a bare number (tags, ports and digests contain digits too).
const STATUS = (codes: string) => new RegExp(`\\b(?:${codes}) (?:unauthorized|forbidden|too many requests)\\b|\\bstatus(?:[ _]?code)?:? ?(?:${codes})\\b|\\bHTTP/[\\d.]+ (?:${codes})\\b`, 'i');

const RULES: Rule[] = [
  // The kubelet never got as far as the registry: a malformed reference, its own pull rate limit.
  { cause: 'InvalidImageName', pattern: /couldn't parse image reference[^"]*"[^"]*"[^"]*|invalid reference format[^"]*|\bInvalidImageName\b/i },
  { cause: 'PullQpsExceeded', pattern: /pull QPS exceeded/i },
  // The kubelet could not find a pull Secret the Pod (through its ServiceAccount) names; the 401 that follows is its consequence.
  { cause: 'PullSecretMissing', pattern: /unable to retrieve some image pull secrets[^;]*/i },
  // The runtime spoke TLS to a plain-HTTP server (Go's http client, or a raw TLS dial).
  { cause: 'PlainHttpRegistry', pattern: /server gave HTTP response to HTTPS client/i },
  { cause: 'PlainHttpRegistry', pattern: /first record does not look like a TLS handshake/i },
  // Certificate problems: self-signed / private CA, wrong name, expired.
  { cause: 'UntrustedCertificate', pattern: /x509: [^"]*|tls: failed to verify certificate/i },
  { cause: 'UntrustedCertificate', pattern: /certificate (?:signed by unknown authority|is valid for|has expired|is not (?:yet )?valid|is not trusted)|doesn't contain any IP SANs/i },
  // Throttling (Docker Hub's pull rate limit, ECR "Rate exceeded", any 429).
  { cause: 'RateLimited', pattern: /toomanyrequests|too many requests|pull rate limit/i },
  { cause: 'RateLimited', pattern: STATUS('429') },
  // DNS: before the network rule, since a lookup can itself time out or be refused.
  { cause: 'DnsFailure', pattern: /\blookup [^\s:]+(?: on [^\s]+)?: [^"]*|no such host|server misbehaving|temporary failure in name resolution|name or service not known|could not resolve host|nodename nor servname/i },
  // No network path: the dial or the connection failed. Before credentials: a token fetch can time out too.
  {
    cause: 'NoNetworkPath',
    pattern: /(?:dial|read|write|proxyconnect) tcp [^"]*?(?:i\/o timeout|connection refused|connection reset by peer|no route to host|network is unreachable|host is unreachable|connection timed out|operation timed out|context deadline exceeded)/i,
  },
  {
    cause: 'NoNetworkPath',
    pattern: /i\/o timeout|connection refused|connection reset by peer|no route to host|network is unreachable|host is unreachable|connection timed out|TLS handshake timeout|Client\.Timeout exceeded|request canceled while waiting for connection|context deadline exceeded|code = DeadlineExceeded|unexpected EOF|: EOF\b/i,
  },
  // The registry answered and refused the credentials (or the TCR namespace does not exist).
  { cause: 'CredentialsRejected', pattern: /insufficient_scope[^"]*/i },
  {
    cause: 'CredentialsRejected',
    pattern: /pull access denied|authorization failed|authentication required|no basic auth credentials|failed to authorize|incorrect username or password|\bunauthorized\b|\bforbidden\b|(?<!permission )\bdenied\b/i,
  },
  { cause: 'CredentialsRejected', pattern: STATUS('401|403') },
  // The image exists, but not for the node's OS/architecture (before ImageNotFound: containerd adds ": not found").
  { cause: 'PlatformMismatch', pattern: /no match for platform in manifest|no matching manifest[^"]*/i },
  // The registry answered and has no such image (or no such tag).
  {
    cause: 'ImageNotFound',
    pattern: /manifest unknown|name unknown|repository name not known|repository does not exist|does not exist|not found/i,
  },
];

/** Classifies one image-pull error message. Pure and total: unknown text gives `Unknown`. */
export function classifyPullError(message: string, ctx: DiagnosisContext = {}): Diagnosis {
  const text = message.replace(/\s+/g, ' ').trim();
  const registry = registryInMessage(text);
  for (const rule of RULES) {
    const m = rule.pattern.exec(text);
    if (!m) continue;
    const evidence = excerpt(text, m.index, m.index + m[0].length);
    const base = { cause: rule.cause, evidence, ...(registry ? { registry } : {}) };
    switch (rule.cause) {
      case 'NoNetworkPath': {
        const dialedIp = dialedIpIn(text);
        const dialedIpKind = dialedIp ? ipKind(dialedIp) : undefined;
        return {
          ...base,
          ...(dialedIp ? { dialedIp } : {}),
          ...(dialedIpKind ? { dialedIpKind } : {}),
          fix: noNetworkPathFix(text, dialedIp, dialedIpKind, registry, ctx),
          docs: DOCS.natGateway,
        };
      }
      case 'DnsFailure':
        return { ...base, fix: dnsFix(text, registry, ctx), docs: DOCS.tcrFaq };
      case 'CredentialsRejected':
        return { ...base, fix: credentialsFix(registry, ctx), docs: DOCS.tcrFaq };
      case 'ImageNotFound':
        return { ...base, fix: imageNotFoundFix(), docs: DOCS.tcrFaq };
      case 'PlainHttpRegistry':
      case 'UntrustedCertificate':
        return { ...base, fix: protocolFix(rule.cause, text, registry, ctx) };
      case 'RateLimited':
        return { ...base, fix: rateLimitedFix(registry) };
      case 'PullSecretMissing':
        return { ...base, fix: pullSecretMissingFix(text, registry, ctx), docs: DOCS.tcrFaq };
      case 'InvalidImageName':
        return { ...base, fix: 'The image reference is malformed: check the image name in the Pod spec (lowercase repository, no scheme, host[:port]/namespace/repo:tag or @sha256:digest).' };
      case 'PlatformMismatch':
        return { ...base, fix: 'The image exists but has no variant for the node\'s platform (OS/architecture): push a multi-arch image or one built for the nodes\' platform.' };
      case 'PullQpsExceeded':
        return {
          ...base,
          fix:
            'The kubelet\'s own pull rate limit on this node was hit (registryPullQPS / registryBurst in the KubeletConfiguration), not the registry\'s: ' +
            'too many pulls at once on one node. The kubelet retries with back-off; stagger rollouts, use imagePullPolicy: IfNotPresent, or raise registryPullQPS.',
        };
    }
  }
  return {
    cause: 'Unknown',
    evidence: excerpt(text, 0, Math.min(text.length, EVIDENCE_MAX)),
    ...(registry ? { registry } : {}),
    fix:
      'No known cause in this message. "Back-off pulling image", "ErrImagePull" and "ImagePullBackOff" only repeat that a pull failed: ' +
      'look at the Pod\'s "Failed" events (kubectl describe pod) for the runtime\'s own error and diagnose that message.',
    docs: DOCS.tcrFaq,
  };
}

// ---------------------------------------------------------------------------------------------- fixes

function hostNote(registry: string | undefined, ctx: DiagnosisContext): string {
  if (!registry || !ctx.registryHost || sameRegistry(registry, ctx.registryHost)) return '';
  return ` Note: the failing request went to ${registry}, not to the TcrAccess's registry ${ctx.registryHost}: its network path and pull Secret do not cover this image.`;
}

/** The network mode only says something about requests to the TcrAccess's own registry. */
function modeFor(registry: string | undefined, ctx: DiagnosisContext): NetworkMode | undefined {
  if (registry && ctx.registryHost && !sameRegistry(registry, ctx.registryHost)) return undefined;
  return ctx.networkMode;
}

const BOTH_PATHS =
  'Give the cluster a path with spec.network on the TcrAccess: mode: Private (recommended: a TCR private access link into the cluster\'s VPC/subnet, ' +
  'network.private.{vpcId,subnetId}, with network.private.dns enabled so <name>.tencentcloudcr.com resolves to the link\'s private IP), or mode: Public ' +
  '(open the public endpoint, Internet egress through a NAT gateway with network.public.natGateway, and the NAT gateway\'s EIP on the TCR whitelist with ' +
  'network.public.whitelist.includeNatEips; 0.0.0.0/0 only while testing).';

function noNetworkPathFix(text: string, ip: string | undefined, kind: IpKind | undefined, registry: string | undefined, ctx: DiagnosisContext): string {
  const mode = modeFor(registry, ctx);
  const parts: string[] = [];
  if (/proxyconnect tcp/i.test(text)) {
    parts.push(`The node could not reach its HTTP(S) proxy${ip ? ` at ${ip}` : ''}: check the runtime's proxy settings (HTTPS_PROXY/NO_PROXY); a TCR private link needs the registry in NO_PROXY.`);
  } else if (ip && kind === 'public') {
    if (mode === 'Private') {
      parts.push(
        `The registry name resolved to the public IP ${ip} although spec.network.mode is Private: DNS does not resolve privately. ` +
          'Enable network.private.dns (enabled: true; with usePublicDomain: true <name>.tencentcloudcr.com itself resolves to the access IP, with false pull from <name>-vpc.tencentcloudcr.com) ' +
          'and wait until the TcrAccess is NetworkReady (status.network.dns); pods started before that may have cached the public answer.',
      );
    } else if (mode === 'Public') {
      parts.push(
        `The node dialled the public IP ${ip} and got no answer although spec.network.mode is Public: check that the TcrAccess is NetworkReady (PublicAccessReady), ` +
          'that the pods\' subnet routes 0.0.0.0/0 to the NAT gateway (network.public.manageRoute, or the route table), and that the NAT gateway\'s EIP is on the TCR ' +
          'public-access whitelist (network.public.whitelist.includeNatEips).',
      );
    } else {
      parts.push(`The node dialled the public IP ${ip}: the TCR domain resolves to a public IP by default, and a Serverless cluster has no Internet egress by default. ${BOTH_PATHS}`);
    }
  } else if (ip && kind === 'private') {
    if (mode === 'Private') {
      parts.push(
        `The name resolved privately (${ip}) but nothing answered: check that the TcrAccess is NetworkReady (PrivateLinkReady, status.network.privateLink.accessIp), that ` +
          'network.private.vpcId/subnetId are the cluster\'s VPC and a subnet its pods can reach, and that security groups / network ACLs allow the registry port.',
      );
    } else if (mode === 'Public') {
      parts.push(
        `The name resolves to the private IP ${ip} although spec.network.mode is Public: traffic to a private IP never leaves through the NAT gateway. ` +
          'An internal DNS record (a private link\'s, or a -vpc domain) or a self-built registry in another network is in the way: remove that record, ' +
          'or use mode: Private with a link into the cluster\'s VPC/subnet (network.private.{vpcId,subnetId}).',
      );
    } else {
      parts.push(
        `The node dialled the private IP ${ip} and got no answer: either a TCR private access link that is in another VPC/subnet (set spec.network.mode: Private with ` +
          'network.private.{vpcId,subnetId} of the cluster, so the link and its DNS are in the cluster\'s VPC), or a self-built registry this network cannot reach ' +
          '(routes, peering, security groups, and that it listens on that port).',
      );
    }
  } else {
    parts.push(
      'No network path from the node to the registry. Look at the IP in "dial tcp <ip>:443": the TCR domain resolves to a public IP by default, ' +
        `a private IP means a private link or internal DNS is involved. ${BOTH_PATHS}`,
    );
  }
  if (/connection refused/i.test(text)) parts.push('"connection refused" means something at that address answered but nothing listens on that port: check the registry host:port in the image reference.');
  if (/DeadlineExceeded|context deadline exceeded/i.test(text) && !/dial tcp|i\/o timeout/i.test(text)) {
    parts.push('A pull that hits its deadline can also be a very large image over a slow link: if small images pull, that is the cause.');
  }
  return parts.join(' ') + hostNote(registry, ctx);
}

function dnsFix(text: string, registry: string | undefined, ctx: DiagnosisContext): string {
  const host = registry ?? /\blookup ([^\s:]+)/i.exec(text)?.[1];
  const mode = modeFor(host, ctx);
  const name = host ? ` ${hostOnly(host)}` : '';
  if (host && /-vpc\.tencentcloudcr\.com$/i.test(hostOnly(host))) {
    return (
      `The node could not resolve${name}: a <name>-vpc.tencentcloudcr.com domain resolves only inside the VPC once TCR internal DNS is on. ` +
      'Set spec.network.mode: Private with network.private.dns.enabled: true and usePublicDomain: false, and wait until the TcrAccess is NetworkReady; ' +
      'or pull from <name>.tencentcloudcr.com instead.' +
      hostNote(host, ctx)
    );
  }
  if (mode === 'Private') {
    return (
      `The node could not resolve${name} although spec.network.mode is Private: check network.private.dns (enabled) and status.network.dns of the TcrAccess ` +
      '(NetworkReady), and that the cluster\'s DNS (CoreDNS/kube-dns and its upstream resolvers) answers.' +
      hostNote(host, ctx)
    );
  }
  return (
    `The node's DNS could not resolve the registry name${name}: check the registry host in the image reference, and the cluster DNS and its upstream resolvers. ` +
    'A TCR instance is <name>.tencentcloudcr.com (public DNS); <name>-vpc.tencentcloudcr.com needs spec.network.mode: Private with network.private.dns.' +
    hostNote(host, ctx)
  );
}

function credentialsFix(registry: string | undefined, ctx: DiagnosisContext): string {
  return (
    'The registry was reached (the network path works) but refused the credentials. Check: the Pod or its ServiceAccount references the pull Secret ' +
    'spec.imagePullSecret.name and the namespace is selected by spec.imagePullSecret.namespaces (the TcrAccess is SecretsReady); the credentials in spec.credentials ' +
    'are valid and may pull this repository (CredentialsReady); the TCR namespace in the image path exists (TCR answers insufficient_scope for a missing namespace); ' +
    'and the Secret is for exactly the image\'s registry host[:port] (spec.registry.server).' +
    hostNote(registry, ctx)
  );
}

function pullSecretMissingFix(text: string, registry: string | undefined, ctx: DiagnosisContext): string {
  const names = /unable to retrieve some image pull secrets \(([^)]*)\)/i.exec(text)?.[1];
  return (
    `The Pod names an image-pull Secret${names ? ` (${names})` : ''} that does not exist in its namespace (usually copied from its ServiceAccount's imagePullSecrets), ` +
    'so the kubelet pulled without it and the registry answered 401. Select the namespace with spec.imagePullSecret.namespaces of a TcrAccess so the operator ' +
    'creates spec.imagePullSecret.name there, or fix the name in the ServiceAccount\'s (or the Pod\'s) imagePullSecrets.' +
    hostNote(registry, ctx)
  );
}

/** What the kubelet knew when a pull was refused: the Pod's pull Secrets and whether it could find them. */
export interface PullSecretState {
  /** Names in the Pod's spec.imagePullSecrets (copied from its ServiceAccount at admission). */
  podPullSecrets: readonly string[];
  /** The kubelet's `FailedToRetrieveImagePullSecret` Event message for the Pod, if any. */
  missingSecretMessage?: string;
  /** The Secret a TcrAccess provides for this registry (spec.imagePullSecret.name), when known. */
  expectedSecret?: string;
}

/**
 * Refines a refused pull (pure): the registry's 401 is the same for a wrong password, a Pod without pull Secret and a
 * Pod whose Secret is missing; the kubelet's FailedToRetrieveImagePullSecret Event and the Pod's imagePullSecrets tell them apart.
 */
export function refineCredentialsDiagnosis(d: Diagnosis, state: PullSecretState, ctx: DiagnosisContext = {}): Diagnosis {
  if (d.cause !== 'CredentialsRejected' && d.cause !== 'Unknown') return d;
  if (state.missingSecretMessage) {
    const missing = classifyPullError(state.missingSecretMessage, ctx);
    return { ...missing, ...(d.registry && !missing.registry ? { registry: d.registry } : {}) };
  }
  if (d.cause !== 'CredentialsRejected') return d;
  const expected = state.expectedSecret;
  if (state.podPullSecrets.length === 0 || (expected && !state.podPullSecrets.includes(expected))) {
    const has = state.podPullSecrets.length === 0 ? 'has no imagePullSecrets' : `has imagePullSecrets ${state.podPullSecrets.join(', ')} but not ${expected}`;
    return {
      ...d,
      cause: 'NoPullSecret',
      fix:
        `The registry refused an anonymous or foreign pull: the Pod ${has}, so the kubelet sent no credentials for this registry. ` +
        'Select its namespace with spec.imagePullSecret.namespaces and its ServiceAccount with spec.imagePullSecret.serviceAccounts (["*"] for all) of a TcrAccess; ' +
        'a Pod created before its ServiceAccount got the Secret keeps its old spec: recreate it.',
    };
  }
  return d;
}

function imageNotFoundFix(): string {
  return (
    'The registry was reached and the pull authorised, but the image does not exist: check the TCR namespace, repository and tag/digest in the image reference ' +
    'against the registry (the tag may not be pushed yet, or was deleted).'
  );
}

function protocolFix(cause: 'PlainHttpRegistry' | 'UntrustedCertificate', text: string, registry: string | undefined, ctx: DiagnosisContext): string {
  const plain = cause === 'PlainHttpRegistry';
  const server = registry ?? ctx.registryHost;
  // The annotation value always carries the port (as the operator writes it): 80 is implied for plain HTTP, 443 for HTTPS.
  const value = server ? (/:\d+$/.test(server) ? server : `${server}:${plain ? 80 : 443}`) : '<host:port>';
  const field = plain ? 'spec.registry.plainHTTP' : 'spec.registry.insecureSkipVerify';
  const annotation = plain ? 'eks.tke.cloud.tencent.com/registry-http-endpoint' : 'eks.tke.cloud.tencent.com/registry-insecure-skip-verify';
  const why = plain
    ? 'The registry serves plain HTTP but the runtime pulls over HTTPS.'
    : /certificate is valid for/i.test(text)
      ? 'The registry\'s certificate is for another name: fix the certificate (or the host in the image reference), or skip verification.'
      : /expired|not yet valid/i.test(text)
        ? 'The registry\'s certificate has expired (or is not valid yet): renew it; skipping verification is a stopgap.'
        : 'The registry\'s certificate is not trusted (self-signed or a private CA).';
  return (
    `${why} Set ${field}: true on a TcrAccess whose spec.registry.server is ${server ?? 'the registry\'s host[:port]'} (as in the image reference), so Serverless pods ` +
    `get the annotation ${annotation}: ${value} (through spec.registry.annotationMode: Webhook, or ClusterDefault via pod.annotations in kube-system/eks-config); ` +
    'or add that annotation to the PodTemplate yourself (several registries separated by ",", or "all"). The port must be included: for ' +
    '10.16.100.174:5000/busybox:latest the value is 10.16.100.174:5000. On regular TKE nodes configure the node\'s container runtime for that registry instead.'
  );
}

function rateLimitedFix(registry: string | undefined): string {
  const hub = registry && /(^|\.)docker\.io$/i.test(hostOnly(registry));
  return (
    'The registry throttled the pull (HTTP 429).' +
    (hub
      ? ' Docker Hub limits anonymous and free pulls: push or replicate the image into TCR and pull it from there, or pull with Docker Hub credentials.'
      : ' Pull less at once (fewer parallel rollouts, imagePullPolicy: IfNotPresent) and retry; the kubelet retries by itself with back-off.')
  );
}

// ---------------------------------------------------------------------------------------------- parsing

function excerpt(text: string, start: number, end: number): string {
  // Widen to the start of the ": "-separated segment holding the match, plus the segment before it (usually
  // the request that failed: `Head "https://…": dial tcp …: i/o timeout`), and to the end of the match's segment.
  const segmentStart = (i: number) => {
    const p = text.lastIndexOf(': ', i);
    return p < 0 ? 0 : p + 2;
  };
  let from = segmentStart(start - 2);
  if (from > 0) {
    const before = segmentStart(from - 3);
    if (start - before <= 180) from = before;
  }
  const next = text.indexOf(': ', end);
  const segEnd = next < 0 ? text.length : next;
  const to = segEnd - end <= 80 ? segEnd : end;
  let s = text.slice(Math.max(from, start - 180), to).trim();
  if (from < start - 180) s = `…${s}`;
  if (s.length > EVIDENCE_MAX) s = `${s.slice(0, EVIDENCE_MAX - 1)}…`;
  return s;
}

const IPV4 = String.raw`\d{1,3}(?:\.\d{1,3}){3}`;
const IPV6 = String.raw`\[[0-9a-fA-F:.]+\]`;

/** The remote address of the failed connection: `dial tcp <ip>:<port>` or `read tcp <local>-><ip>:<port>`. */
export function dialedIpIn(text: string): string | undefined {
  const dial = new RegExp(`dial tcp (${IPV4}|${IPV6}):\\d+`).exec(text);
  const rw = new RegExp(`(?:read|write) tcp \\S+->(${IPV4}|${IPV6}):\\d+`).exec(text);
  const raw = dial?.[1] ?? rw?.[1];
  return raw?.replace(/^\[|\]$/g, '');
}

/** Private: RFC 1918, RFC 6598 shared space (100.64/10), loopback, link-local, IPv6 ULA/link-local. */
export function ipKind(ip: string): IpKind | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) {
    const o = v4.slice(1, 5).map(Number);
    if (o.some((n) => n > 255)) return undefined;
    const [a = 0, b = 0] = o;
    const priv = a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a === 127 || (a === 169 && b === 254);
    return priv ? 'private' : 'public';
  }
  if (!ip.includes(':') || !/^[0-9a-f:.]+$/i.test(ip)) return undefined;
  const lower = ip.toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower);
  if (mapped?.[1]) return ipKind(mapped[1]);
  if (lower === '::1' || /^f[cd][0-9a-f]{0,2}:/.test(lower) || /^fe[89ab][0-9a-f]?:/.test(lower)) return 'private';
  return 'public';
}

/** The registry host[:port] the failing request went to, when the message names it. */
export function registryInMessage(text: string): string | undefined {
  const url = /\b(?:HEAD|GET|POST|Head|Get|Post)\s*"?https?:\/\/([^/"\s?]+)/.exec(text) ?? /\bhttps?:\/\/([^/"\s?]+)\/v2\//.exec(text);
  if (url?.[1]) return normalizeRegistry(url[1]);
  const ping = /pinging (?:container|docker) registry (?:returned: )?([a-z0-9.-]+(?::\d+)?)(?=:\s|\s|$)/i.exec(text);
  if (ping?.[1]) return normalizeRegistry(ping[1]);
  const images = [
    ...text.matchAll(/\b(?:image|reference|manifest for|docker:\/\/)\s*"?([a-z0-9][\w.:/@-]*\w)/gi),
    ...text.matchAll(/\breading manifest \S+ in ([a-z0-9][\w.:/-]*\w)/gi),
    ...text.matchAll(/\brepository ([a-z0-9][\w.:/-]*\/[\w.-]+) not found/gi),
  ];
  const image = images.map((m) => m[1]).find((ref) => ref !== undefined && ref.includes('/'));
  if (image) return registryOfImage(image);
  const lookup = /\blookup ([a-z0-9.-]+\.[a-z]{2,})\b/i.exec(text);
  if (lookup?.[1]) return normalizeRegistry(lookup[1]);
  return undefined;
}

/** `prod.tencentcloudcr.com/team/app:v1` → `prod.tencentcloudcr.com`; `nginx` / `library/nginx` → `docker.io`. */
export function registryOfImage(image: string): string {
  const ref = image.replace(/^[a-z]+:\/\//i, '');
  const slash = ref.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = ref.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') return normalizeRegistry(first);
  return 'docker.io';
}

function normalizeRegistry(host: string): string {
  const h = host.toLowerCase().replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
  if (h === 'registry-1.docker.io' || h === 'index.docker.io' || h === 'registry.hub.docker.com') return 'docker.io';
  return h.replace(/:443$/, '');
}

const hostOnly = (registry: string) => registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');

export function sameRegistry(a: string, b: string): boolean {
  return normalizeRegistry(a) === normalizeRegistry(b);
}
