import assert from 'node:assert/strict';
import { CAUSES, classifyPullError, EVIDENCE_MAX, ipKind, registryOfImage, type DiagnosisContext } from '../../../src/diagnostics/classify.ts';
import { CORPUS } from './corpus.ts';

const flat = (s: string) => s.replace(/\s+/g, ' ').trim();
const short = (s: string) => (s.length > 110 ? `${s.slice(0, 107)}...` : s);

describe('diagnostics: classifyPullError over the corpus', () => {
  it('has many real messages, every cause, the seeds and both "request:Head" spellings', () => {
    assert.ok(CORPUS.length >= 60, `corpus has ${CORPUS.length} messages`);
    // NoPullSecret is not in any message: it is the Pod's state (refineCredentialsDiagnosis).
    for (const cause of CAUSES.filter((c) => c !== 'NoPullSecret')) assert.ok(CORPUS.some((e) => e.cause === cause), `no corpus message for ${cause}`);
    for (const source of ['seed', 'eks', 'kubelet', 'containerd', 'cri-o', 'docker'] as const) assert.ok(CORPUS.some((e) => e.source === source), source);
    assert.ok(CORPUS.some((e) => e.message.includes('request:Head')));
    assert.ok(CORPUS.some((e) => e.message.includes('request: Head')));
    assert.ok(CORPUS.some((e) => e.message.includes('Back-off pulling image')));
    assert.ok(CORPUS.some((e) => e.message.includes('Error response from daemon')));
    assert.ok(CORPUS.some((e) => /reading manifest \S+ in \S+: manifest unknown/.test(e.message)));
    assert.equal(new Set(CORPUS.map((e) => e.message)).size, CORPUS.length, 'duplicate messages');
  });

  for (const e of CORPUS) {
    it(`${e.cause} ⇐ [${e.source}] ${short(e.message)}`, () => {
      const d = classifyPullError(e.message);
      assert.equal(d.cause, e.cause);
      assert.equal(d.dialedIp, e.dialedIp, 'dialedIp');
      assert.equal(d.dialedIpKind, e.dialedIpKind, 'dialedIpKind');
      if (e.registry) assert.equal(d.registry, e.registry, 'registry');
      assert.ok(d.evidence.length > 0 && d.evidence.length <= EVIDENCE_MAX, `evidence length ${d.evidence.length}`);
      assert.ok(flat(e.message).includes(d.evidence.replace(/^…|…$/g, '')), `evidence "${d.evidence}" is not part of the message`);
      assert.ok(d.fix.length > 0);
    });
  }
});

describe('diagnostics: precedence', () => {
  it('an i/o timeout during a DNS lookup is a DNS failure, and the DNS server is not the dialled IP', () => {
    const d = classifyPullError('dial tcp: lookup prod.tencentcloudcr.com on 183.60.83.19:53: read udp 10.0.0.5:42311->183.60.83.19:53: i/o timeout');
    assert.equal(d.cause, 'DnsFailure');
    assert.equal(d.dialedIp, undefined);
  });
  it('insufficient_scope wins over "not found"/"does not exist" in the same message', () => {
    const d = classifyPullError('code = NotFound desc = failed to resolve reference "prod.tencentcloudcr.com/x/y:1": not found: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed');
    assert.equal(d.cause, 'CredentialsRejected');
    assert.match(d.evidence, /insufficient_scope/);
  });
  it('a network error while fetching a token is a network error, not an authorization one', () => {
    assert.equal(classifyPullError('failed to authorize: failed to fetch oauth token: Post "https://r.example.com/token": dial tcp 1.2.3.4:443: i/o timeout').cause, 'NoNetworkPath');
  });
  it('"no such host" is DNS even when "not found" appears too', () => {
    assert.equal(classifyPullError('image not found? dial tcp: lookup r.example.com on 10.0.0.2:53: no such host').cause, 'DnsFailure');
  });
  it('a rate limit that mentions authenticating is a rate limit', () => {
    assert.equal(classifyPullError('toomanyrequests: You may increase the limit by authenticating and upgrading').cause, 'RateLimited');
  });
  it('digits in tags, ports and digests are not status codes', () => {
    assert.equal(classifyPullError('failed to resolve reference "r.example.com/app:401": r.example.com/app:401: not found').cause, 'ImageNotFound');
    assert.equal(classifyPullError('failed to resolve reference "r.example.com:4290/app:v1": r.example.com:4290/app:v1: not found').cause, 'ImageNotFound');
  });
  it('is pure: the same answer every time, context untouched', () => {
    const ctx: DiagnosisContext = { networkMode: 'Private', registryHost: 'prod.tencentcloudcr.com' };
    const m = CORPUS[20]!.message;
    assert.deepEqual(classifyPullError(m, ctx), classifyPullError(m, ctx));
    assert.deepEqual(ctx, { networkMode: 'Private', registryHost: 'prod.tencentcloudcr.com' });
  });
});

describe('diagnostics: fixes name the right spec fields', () => {
  const publicTimeout = 'Error: failed to do request: Head "https://prod.tencentcloudcr.com/v2/team/app/manifests/v1": dial tcp 43.137.12.5:443: i/o timeout';
  const privateTimeout = 'Error: failed to do request: Head "https://prod.tencentcloudcr.com/v2/team/app/manifests/v1": dial tcp 172.21.0.17:443: i/o timeout';
  const at = (networkMode: DiagnosisContext['networkMode']) => ({ networkMode, registryHost: 'prod.tencentcloudcr.com' });

  it('public IP while mode Private ⇒ DNS does not resolve privately: enable network.private.dns', () => {
    const d = classifyPullError(publicTimeout, at('Private'));
    assert.equal(d.dialedIpKind, 'public');
    assert.match(d.fix, /DNS does not resolve privately/);
    assert.match(d.fix, /network\.private\.dns/);
  });
  it('public IP while mode Public ⇒ NAT route and the NAT EIP on the whitelist', () => {
    const d = classifyPullError(publicTimeout, at('Public'));
    assert.match(d.fix, /NAT gateway/);
    assert.match(d.fix, /network\.public\.whitelist\.includeNatEips/);
    assert.doesNotMatch(d.fix, /DNS does not resolve privately/);
  });
  it('public IP with no managed network (or unknown mode) ⇒ both ways of spec.network', () => {
    for (const mode of ['None', undefined] as const) {
      const d = classifyPullError(publicTimeout, at(mode));
      assert.match(d.fix, /spec\.network/);
      assert.match(d.fix, /mode: Private/);
      assert.match(d.fix, /mode: Public/);
      assert.match(d.fix, /public IP by default/);
    }
  });
  it('private IP while mode Public ⇒ private traffic does not go through NAT', () => {
    const d = classifyPullError(privateTimeout, at('Public'));
    assert.equal(d.dialedIpKind, 'private');
    assert.match(d.fix, /private IP 172\.21\.0\.17 although spec\.network\.mode is Public/);
    assert.match(d.fix, /mode: Private/);
  });
  it('private IP while mode None ⇒ a link in another VPC or an unreachable self-built registry', () => {
    const d = classifyPullError(privateTimeout, at('None'));
    assert.match(d.fix, /network\.private\.\{vpcId,subnetId\}/);
  });
  it('private IP while mode Private ⇒ check the link and its subnet', () => {
    const d = classifyPullError(privateTimeout, at('Private'));
    assert.match(d.fix, /PrivateLinkReady/);
    assert.match(d.fix, /network\.private\.vpcId\/subnetId/);
  });
  it('the network mode is not applied to another registry than the TcrAccess serves', () => {
    const docker = CORPUS.find((e) => e.registry === 'docker.io' && e.cause === 'NoNetworkPath' && e.dialedIp)!;
    const d = classifyPullError(docker.message, at('Private'));
    assert.doesNotMatch(d.fix, /DNS does not resolve privately/);
    assert.match(d.fix, /went to docker\.io, not to the TcrAccess's registry prod\.tencentcloudcr\.com/);
  });
  it('connection refused says nothing listens on that port', () => {
    const d = classifyPullError('dial tcp 10.16.100.174:5000: connect: connection refused');
    assert.match(d.fix, /nothing listens on that port/);
  });
  it('DNS failure of a -vpc domain ⇒ network.private.dns with usePublicDomain: false', () => {
    const d = classifyPullError(CORPUS.find((e) => e.registry === 'prod-vpc.tencentcloudcr.com')!.message);
    assert.match(d.fix, /network\.private\.dns\.enabled: true/);
    assert.match(d.fix, /usePublicDomain: false/);
  });
  it('credentials ⇒ the pull Secret, its namespaces, spec.credentials and the TCR namespace', () => {
    const d = classifyPullError('Error: code = Unknown, pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed');
    assert.match(d.fix, /spec\.imagePullSecret\.name/);
    assert.match(d.fix, /spec\.imagePullSecret\.namespaces/);
    assert.match(d.fix, /spec\.credentials/);
    assert.match(d.fix, /TCR namespace/);
    assert.match(d.fix, /network path works/);
  });
  it('a missing pull Secret ⇒ select the namespace in spec.imagePullSecret.namespaces', () => {
    const d = classifyPullError('Unable to retrieve some image pull secrets (tcr-pull); attempting to pull the image may not succeed.');
    assert.match(d.fix, /does not exist in its namespace/);
    assert.match(d.fix, /spec\.imagePullSecret\.namespaces/);
  });
  it('image not found ⇒ check the image name', () => {
    assert.match(classifyPullError('Error: code = NotFound, failed to resolve reference "xxx:xxx": not found').fix, /image reference/);
  });
  it('plain HTTP ⇒ registry.plainHTTP / registry-http-endpoint with host:port including the port', () => {
    const d = classifyPullError(CORPUS.find((e) => e.source === 'kubelet' && e.cause === 'PlainHttpRegistry')!.message);
    assert.match(d.fix, /spec\.registry\.plainHTTP: true/);
    assert.match(d.fix, /eks\.tke\.cloud\.tencent\.com\/registry-http-endpoint: 10\.16\.100\.174:5000/);
    assert.match(d.fix, /port must be included/);
  });
  it('untrusted certificate ⇒ registry.insecureSkipVerify / registry-insecure-skip-verify', () => {
    const d = classifyPullError(CORPUS.find((e) => e.source === 'kubelet' && e.cause === 'UntrustedCertificate')!.message);
    assert.match(d.fix, /spec\.registry\.insecureSkipVerify: true/);
    assert.match(d.fix, /eks\.tke\.cloud\.tencent\.com\/registry-insecure-skip-verify: harbor\.example\.internal:8443/);
  });
  it('the bare seed message falls back to the TcrAccess registry for the annotation value', () => {
    const d = classifyPullError('http: server gave HTTP response to HTTPS client', { registryHost: '10.16.100.174:5000' });
    assert.match(d.fix, /registry-http-endpoint: 10\.16\.100\.174:5000/);
  });
  it('the annotation value always carries the port: 443 implied for HTTPS, 80 for plain HTTP', () => {
    assert.match(classifyPullError('Get "https://harbor.example.internal/v2/": x509: certificate signed by unknown authority').fix, /registry-insecure-skip-verify: harbor\.example\.internal:443\b/);
    assert.match(classifyPullError('http: server gave HTTP response to HTTPS client', { registryHost: 'registry.local' }).fix, /registry-http-endpoint: registry\.local:80\b/);
  });
  it('rate limit on Docker Hub ⇒ pull it through TCR', () => {
    const d = classifyPullError(CORPUS.find((e) => e.cause === 'RateLimited' && e.registry === 'docker.io')!.message);
    assert.match(d.fix, /TCR/);
  });
});

describe('diagnostics: evidence is never longer than 300 characters', () => {
  // A small deterministic PRNG: the same messages on every run.
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const pieces = CORPUS.map((e) => e.message);

  it('for long, concatenated and garbled messages', () => {
    const messages = [
      'x'.repeat(10_000),
      `${'a: '.repeat(2000)}i/o timeout`,
      `x509: ${'y'.repeat(5000)}`,
      `${'z'.repeat(5000)}insufficient_scope${'z'.repeat(5000)}`,
      `dial tcp 1.2.3.4:443: ${'q'.repeat(4000)} i/o timeout`,
      '',
      '   ',
    ];
    for (let i = 0; i < 400; i++) {
      const n = 1 + Math.floor(rand() * 6);
      messages.push(Array.from({ length: n }, () => pick(pieces).slice(Math.floor(rand() * 40))).join(pick([': ', ' ', '\n', '', '"'])));
    }
    for (const m of messages) {
      const d = classifyPullError(m, { networkMode: pick(['None', 'Private', 'Public', undefined] as const), registryHost: 'prod.tencentcloudcr.com' });
      assert.ok(d.evidence.length <= EVIDENCE_MAX, `evidence of ${d.evidence.length} chars for ${short(m)}`);
    }
  });
});

describe('diagnostics: ipKind and registryOfImage', () => {
  const cases: Array<[string, 'private' | 'public' | undefined]> = [
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.254', 'private'],
    ['100.128.0.1', 'public'],
    ['127.0.0.1', 'private'],
    ['169.254.0.23', 'private'],
    ['43.137.12.5', 'public'],
    ['8.8.8.8', 'public'],
    ['::1', 'private'],
    ['fd00:ec2::10', 'private'],
    ['fe80::1', 'private'],
    ['2402:4e00:1013:e500::5', 'public'],
    ['::ffff:10.1.2.3', 'private'],
    ['256.1.1.1', undefined],
    ['xxx', undefined],
  ];
  for (const [ip, want] of cases) it(`${ip} → ${want}`, () => assert.equal(ipKind(ip), want));

  const images: Array<[string, string]> = [
    ['prod.tencentcloudcr.com/team/app:v1', 'prod.tencentcloudcr.com'],
    ['10.16.100.174:5000/busybox:latest', '10.16.100.174:5000'],
    ['localhost/app', 'localhost'],
    ['nginx', 'docker.io'],
    ['library/nginx:1.27', 'docker.io'],
    ['docker.io/library/nginx', 'docker.io'],
  ];
  for (const [image, want] of images) it(`registry of ${image} is ${want}`, () => assert.equal(registryOfImage(image), want));
});
