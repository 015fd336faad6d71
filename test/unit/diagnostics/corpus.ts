// Image-pull error messages as kubelet events, container statuses, containerd, CRI-O, docker and TKE
// Serverless print them, with the cause each must be classified as. The `seed` entries are copied verbatim
// from Tencent's TCR FAQ for Serverless clusters (both spellings, "request:Head" and "request: Head", and the
// FAQ's own non-breaking spaces, kept as \u00a0). Hosts, IPs and digests in the others are realistic
// stand-ins; the wording is the runtimes'.
import type { Cause, IpKind } from '../../../src/diagnostics/classify.ts';

export interface CorpusEntry {
  source: 'seed' | 'eks' | 'kubelet' | 'containerd' | 'cri-o' | 'docker';
  message: string;
  cause: Cause;
  dialedIp?: string;
  dialedIpKind?: IpKind;
  /** The registry host[:port] the message names, when it names one. */
  registry?: string;
}

const TCR = 'prod.tencentcloudcr.com';
const IMG = `${TCR}/team/app:v1`;
const HEAD = `Head "https://${TCR}/v2/team/app/manifests/v1"`;
const D0 = 'sha256:5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9';
const D1 = 'sha256:6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b';
const D2 = 'sha256:d4735e3a265e16eee03f59718b9b5d03019c07d8b6c51f90da3a666eec13ab35';

export const CORPUS: CorpusEntry[] = [
  // ------------------------------------------------------------------ seeds (verbatim from the FAQ pages)
  { source: 'seed', cause: 'NoNetworkPath', message: 'Error: failed to do request:Head "xxxx/manifests/late-st":\u00a0dial tcp xxx:443: i/o timeout' },
  { source: 'seed', cause: 'NoNetworkPath', message: 'Error: failed to do request: Head "xxxx/manifests/late-st": dial tcp xxx:443: i/o timeout' },
  { source: 'seed', cause: 'NoNetworkPath', message: 'dial tcp x.x.x.x:443: i/o timeout' },
  { source: 'seed', cause: 'NoNetworkPath', message: '443: i/o timeout' },
  {
    source: 'seed',
    cause: 'CredentialsRejected',
    message: 'Error: code = Unknown, pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
  },
  { source: 'seed', cause: 'CredentialsRejected', message: 'insufficient_scope: authorization failed' },
  { source: 'seed', cause: 'ImageNotFound', message: 'Error: \u00a0code = NotFound, failed to resolve reference "xxx:xxx":  not found' },
  { source: 'seed', cause: 'ImageNotFound', message: 'Error: code = NotFound, failed to resolve reference "xxx:xxx": not found' },
  { source: 'seed', cause: 'ImageNotFound', message: 'not found' },
  { source: 'seed', cause: 'PlainHttpRegistry', message: 'http: server gave HTTP response to HTTPS client' },
  { source: 'seed', cause: 'Unknown', message: 'ErrImagePull' },

  // ------------------------------------------------------------------ TKE Serverless (EKS) event forms
  { source: 'eks', cause: 'NoNetworkPath', dialedIp: '43.137.12.5', dialedIpKind: 'public', registry: TCR, message: `Error: failed to do request: ${HEAD}: dial tcp 43.137.12.5:443: i/o timeout` },
  { source: 'eks', cause: 'NoNetworkPath', dialedIp: '172.21.0.17', dialedIpKind: 'private', registry: TCR, message: `Error: failed to do request:${HEAD}: dial tcp 172.21.0.17:443: i/o timeout` },
  { source: 'eks', cause: 'ImageNotFound', registry: TCR, message: `Error: code = NotFound, failed to resolve reference "${TCR}/team/app:v9": ${TCR}/team/app:v9: not found` },
  {
    source: 'eks',
    cause: 'CredentialsRejected',
    registry: TCR,
    message: `Error: code = Unknown, failed to resolve reference "${TCR}/missing-ns/app:v1": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`,
  },
  {
    source: 'eks',
    cause: 'PlainHttpRegistry',
    registry: '10.16.100.174:5000',
    message: 'Error: failed to do request: Head "https://10.16.100.174:5000/v2/busybox/manifests/latest": http: server gave HTTP response to HTTPS client',
  },
  {
    source: 'eks',
    cause: 'UntrustedCertificate',
    registry: 'harbor.example.internal:8443',
    message: 'Error: failed to do request: Head "https://harbor.example.internal:8443/v2/library/busybox/manifests/latest": x509: certificate signed by unknown authority',
  },
  {
    source: 'eks',
    cause: 'DnsFailure',
    registry: 'prod-vpc.tencentcloudcr.com',
    message: 'Error: failed to do request: Head "https://prod-vpc.tencentcloudcr.com/v2/team/app/manifests/v1": dial tcp: lookup prod-vpc.tencentcloudcr.com on 183.60.83.19:53: no such host',
  },

  // ------------------------------------------------------------------ kubelet events / statuses over containerd
  {
    source: 'kubelet',
    cause: 'NoNetworkPath',
    dialedIp: '43.137.12.5',
    dialedIpKind: 'public',
    registry: TCR,
    message: `Failed to pull image "${IMG}": rpc error: code = Unknown desc = failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": failed to do request: ${HEAD}: dial tcp 43.137.12.5:443: i/o timeout`,
  },
  {
    source: 'kubelet',
    cause: 'NoNetworkPath',
    dialedIp: '10.0.1.25',
    dialedIpKind: 'private',
    registry: TCR,
    message: `rpc error: code = Unknown desc = failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": failed to do request: ${HEAD}: dial tcp 10.0.1.25:443: i/o timeout`,
  },
  {
    source: 'kubelet',
    cause: 'NoNetworkPath',
    dialedIp: '100.64.12.7',
    dialedIpKind: 'private',
    registry: TCR,
    message: `Failed to pull image "${IMG}": failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": failed to do request: ${HEAD}: dial tcp 100.64.12.7:443: i/o timeout`,
  },
  {
    source: 'kubelet',
    cause: 'NoNetworkPath',
    dialedIp: '54.227.20.253',
    dialedIpKind: 'public',
    registry: 'docker.io',
    message:
      'Failed to pull image "nginx:1.27": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/nginx:1.27": failed to resolve reference "docker.io/library/nginx:1.27": failed to do request: Head "https://registry-1.docker.io/v2/library/nginx/manifests/1.27": dial tcp 54.227.20.253:443: i/o timeout',
  },
  {
    source: 'kubelet',
    cause: 'NoNetworkPath',
    dialedIp: '10.16.100.174',
    dialedIpKind: 'private',
    registry: '10.16.100.174:5000',
    message:
      'Failed to pull image "10.16.100.174:5000/busybox:latest": rpc error: code = Unknown desc = failed to pull and unpack image "10.16.100.174:5000/busybox:latest": failed to resolve reference "10.16.100.174:5000/busybox:latest": failed to do request: Head "https://10.16.100.174:5000/v2/busybox/manifests/latest": dial tcp 10.16.100.174:5000: connect: connection refused',
  },
  {
    source: 'containerd',
    cause: 'NoNetworkPath',
    dialedIp: '43.137.12.5',
    dialedIpKind: 'public',
    registry: TCR,
    message: `rpc error: code = Unknown desc = failed to pull and unpack image "${IMG}": failed to copy: httpReadSeeker: failed open: failed to do request: Get "https://${TCR}/v2/team/app/blobs/${D0}": read tcp 172.16.0.12:51234->43.137.12.5:443: read: connection reset by peer`,
  },
  {
    source: 'containerd',
    cause: 'NoNetworkPath',
    dialedIp: '192.168.0.50',
    dialedIpKind: 'private',
    registry: '192.168.0.50',
    message:
      'failed to pull and unpack image "192.168.0.50/library/app:v2": failed to resolve reference "192.168.0.50/library/app:v2": failed to do request: Head "https://192.168.0.50/v2/library/app/manifests/v2": dial tcp 192.168.0.50:443: connect: no route to host',
  },
  {
    source: 'containerd',
    cause: 'NoNetworkPath',
    dialedIp: '2402:4e00:1013:e500::5',
    dialedIpKind: 'public',
    registry: TCR,
    message: `failed to do request: ${HEAD}: dial tcp [2402:4e00:1013:e500::5]:443: connect: network is unreachable`,
  },
  {
    source: 'containerd',
    cause: 'NoNetworkPath',
    dialedIp: 'fd00:ec2::10',
    dialedIpKind: 'private',
    registry: TCR,
    message: `failed to do request: ${HEAD}: dial tcp [fd00:ec2::10]:443: i/o timeout`,
  },
  {
    source: 'kubelet',
    cause: 'NoNetworkPath',
    registry: TCR,
    message: `rpc error: code = DeadlineExceeded desc = failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": failed to do request: ${HEAD}: context deadline exceeded`,
  },
  { source: 'kubelet', cause: 'NoNetworkPath', message: 'rpc error: code = DeadlineExceeded desc = context deadline exceeded' },
  { source: 'containerd', cause: 'NoNetworkPath', dialedIp: '43.137.12.5', dialedIpKind: 'public', message: 'dial tcp 43.137.12.5:443: connect: connection timed out' },
  {
    source: 'containerd',
    cause: 'NoNetworkPath',
    dialedIp: '43.137.12.5',
    dialedIpKind: 'public',
    registry: TCR,
    message: `failed to resolve reference "${IMG}": failed to authorize: failed to fetch oauth token: Post "https://${TCR}/service/token": dial tcp 43.137.12.5:443: i/o timeout`,
  },
  {
    source: 'containerd',
    cause: 'NoNetworkPath',
    registry: TCR,
    message: `rpc error: code = Unknown desc = failed to pull and unpack image "${IMG}": failed to copy: httpReadSeeker: failed open: failed to do request: Get "https://${TCR}/v2/team/app/blobs/${D1}": EOF`,
  },
  {
    source: 'containerd',
    cause: 'NoNetworkPath',
    dialedIp: '10.0.0.1',
    dialedIpKind: 'private',
    registry: TCR,
    message: `failed to do request: ${HEAD}: proxyconnect tcp: dial tcp 10.0.0.1:3128: connect: connection refused`,
  },
  {
    source: 'kubelet',
    cause: 'CredentialsRejected',
    registry: TCR,
    message: `Failed to pull image "${IMG}": rpc error: code = Unknown desc = failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`,
  },
  {
    source: 'kubelet',
    cause: 'CredentialsRejected',
    registry: TCR,
    message: `rpc error: code = NotFound desc = failed to pull and unpack image "${TCR}/missing-ns/app:v1": failed to resolve reference "${TCR}/missing-ns/app:v1": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`,
  },
  {
    source: 'containerd',
    cause: 'CredentialsRejected',
    registry: TCR,
    message: `failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://${TCR}/service/token?scope=repository%3Ateam%2Fapp%3Apull&service=harbor-registry: 401 Unauthorized`,
  },
  {
    source: 'kubelet',
    cause: 'CredentialsRejected',
    registry: 'ghcr.io',
    message:
      'Failed to pull image "ghcr.io/acme/private-app:1.4.2": failed to pull and unpack image "ghcr.io/acme/private-app:1.4.2": failed to resolve reference "ghcr.io/acme/private-app:1.4.2": unexpected status from HEAD request to https://ghcr.io/v2/acme/private-app/manifests/1.4.2: 403 Forbidden',
  },
  {
    source: 'containerd',
    cause: 'CredentialsRejected',
    registry: TCR,
    message: `failed to resolve reference "${IMG}": failed to authorize: failed to fetch oauth token: unexpected status from POST request to https://${TCR}/service/token: 401 Unauthorized`,
  },
  {
    source: 'containerd',
    cause: 'CredentialsRejected',
    registry: 'ccr.ccs.tencentyun.com',
    message:
      'failed to pull and unpack image "ccr.ccs.tencentyun.com/team/app:v1": failed to resolve reference "ccr.ccs.tencentyun.com/team/app:v1": unexpected status code 401 Unauthorized (HEAD responses have no body, use GET for details)',
  },
  { source: 'kubelet', cause: 'PullSecretMissing', message: 'Unable to retrieve some image pull secrets (tcr-pull); attempting to pull the image may not succeed.' },
  { source: 'kubelet', cause: 'PullQpsExceeded', message: `Failed to pull image "${TCR}/team/app:v1": pull QPS exceeded` },
  {
    source: 'kubelet',
    cause: 'ImageNotFound',
    registry: TCR,
    message: `Failed to pull image "${TCR}/team/app:v9": rpc error: code = NotFound desc = failed to pull and unpack image "${TCR}/team/app:v9": failed to resolve reference "${TCR}/team/app:v9": ${TCR}/team/app:v9: not found`,
  },
  {
    source: 'kubelet',
    cause: 'ImageNotFound',
    registry: TCR,
    message: `Failed to pull image "${TCR}/team/app:v9": failed to pull and unpack image "${TCR}/team/app:v9": failed to resolve reference "${TCR}/team/app:v9": ${TCR}/team/app:v9: not found`,
  },
  {
    source: 'kubelet',
    cause: 'PlatformMismatch',
    registry: TCR,
    message: `Failed to pull image "${TCR}/team/tool:arm-only": rpc error: code = NotFound desc = failed to pull and unpack image "${TCR}/team/tool:arm-only": no match for platform in manifest: not found`,
  },
  {
    source: 'kubelet',
    cause: 'InvalidImageName',
    message:
      'Failed to apply default image tag "Prod.tencentcloudcr.com/Team/App:v1": couldn\'t parse image reference "Prod.tencentcloudcr.com/Team/App:v1": invalid reference format: repository name (Team/App) must be lowercase',
  },
  {
    source: 'kubelet',
    cause: 'PlainHttpRegistry',
    registry: '10.16.100.174:5000',
    message:
      'Failed to pull image "10.16.100.174:5000/busybox:latest": rpc error: code = Unknown desc = failed to pull and unpack image "10.16.100.174:5000/busybox:latest": failed to resolve reference "10.16.100.174:5000/busybox:latest": failed to do request: Head "https://10.16.100.174:5000/v2/busybox/manifests/latest": http: server gave HTTP response to HTTPS client',
  },
  {
    source: 'kubelet',
    cause: 'UntrustedCertificate',
    registry: 'harbor.example.internal:8443',
    message:
      'Failed to pull image "harbor.example.internal:8443/library/app:v1": rpc error: code = Unknown desc = failed to pull and unpack image "harbor.example.internal:8443/library/app:v1": failed to resolve reference "harbor.example.internal:8443/library/app:v1": failed to do request: Head "https://harbor.example.internal:8443/v2/library/app/manifests/v1": tls: failed to verify certificate: x509: certificate signed by unknown authority',
  },
  {
    source: 'containerd',
    cause: 'UntrustedCertificate',
    registry: 'registry.example.internal',
    message: 'failed to do request: Head "https://registry.example.internal/v2/team/app/manifests/v1": tls: failed to verify certificate: x509: certificate is valid for ingress.local, not registry.example.internal',
  },
  {
    source: 'containerd',
    cause: 'UntrustedCertificate',
    registry: 'registry.example.internal',
    message:
      'failed to do request: Head "https://registry.example.internal/v2/team/app/manifests/v1": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2025-03-01T08:00:00Z is after 2025-02-28T23:59:59Z',
  },
  {
    source: 'containerd',
    cause: 'UntrustedCertificate',
    registry: '10.16.100.174:5443',
    message: 'failed to do request: Head "https://10.16.100.174:5443/v2/busybox/manifests/latest": tls: failed to verify certificate: x509: cannot validate certificate for 10.16.100.174 because it doesn\'t contain any IP SANs',
  },
  {
    source: 'kubelet',
    cause: 'RateLimited',
    registry: 'docker.io',
    message: `Failed to pull image "nginx:latest": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/nginx:latest": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/nginx/manifests/${D2}: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit`,
  },
  {
    source: 'containerd',
    cause: 'RateLimited',
    registry: TCR,
    message: `failed to pull and unpack image "${IMG}": failed to copy: httpReadSeeker: failed open: unexpected status code https://${TCR}/v2/team/app/blobs/${D0}: 429 Too Many Requests`,
  },
  {
    source: 'kubelet',
    cause: 'DnsFailure',
    registry: TCR,
    message: `Failed to pull image "${IMG}": rpc error: code = Unknown desc = failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": failed to do request: ${HEAD}: dial tcp: lookup ${TCR} on 10.96.0.10:53: server misbehaving`,
  },
  {
    source: 'containerd',
    cause: 'DnsFailure',
    registry: TCR,
    message: `failed to do request: ${HEAD}: dial tcp: lookup ${TCR} on 183.60.83.19:53: read udp 172.16.0.12:42311->183.60.83.19:53: i/o timeout`,
  },
  { source: 'containerd', cause: 'DnsFailure', registry: TCR, message: `dial tcp: lookup ${TCR}: Temporary failure in name resolution` },
  { source: 'containerd', cause: 'DnsFailure', registry: TCR, message: `dial tcp: lookup ${TCR} on 183.60.83.19:53: dial udp 183.60.83.19:53: connect: network is unreachable` },
  {
    source: 'containerd',
    cause: 'DnsFailure',
    registry: 'prod-vpc.tencentcloudcr.com',
    message:
      'failed to resolve reference "prod-vpc.tencentcloudcr.com/team/app:v1": failed to do request: Head "https://prod-vpc.tencentcloudcr.com/v2/team/app/manifests/v1": dial tcp: lookup prod-vpc.tencentcloudcr.com on 10.96.0.10:53: no such host',
  },
  { source: 'kubelet', cause: 'Unknown', registry: TCR, message: `Back-off pulling image "${IMG}"` },
  { source: 'kubelet', cause: 'Unknown', message: 'Error: ErrImagePull' },
  { source: 'kubelet', cause: 'Unknown', message: 'Error: ImagePullBackOff' },
  {
    source: 'kubelet',
    cause: 'Unknown',
    registry: TCR,
    message: `Failed to pull image "${IMG}": rpc error: code = Unknown desc = failed to pull and unpack image "${IMG}": failed to extract layer ${D1}: write /var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/412/fs/usr/lib/libLLVM.so: no space left on device: unknown`,
  },
  { source: 'kubelet', cause: 'Unknown', registry: TCR, message: `Container image "${IMG}" is not present with pull policy of Never` },

  // ------------------------------------------------------------------ CRI-O
  {
    source: 'cri-o',
    cause: 'NoNetworkPath',
    dialedIp: '43.137.12.5',
    dialedIpKind: 'public',
    registry: TCR,
    message: `rpc error: code = Unknown desc = pinging container registry ${TCR}: Get "https://${TCR}/v2/": dial tcp 43.137.12.5:443: i/o timeout`,
  },
  {
    source: 'cri-o',
    cause: 'NoNetworkPath',
    dialedIp: '10.0.3.4',
    dialedIpKind: 'private',
    registry: TCR,
    message: `initializing source docker://${IMG}: pinging container registry ${TCR}: Get "https://${TCR}/v2/": dial tcp 10.0.3.4:443: i/o timeout`,
  },
  { source: 'cri-o', cause: 'NoNetworkPath', registry: 'quay.io', message: 'pinging container registry quay.io: Get "https://quay.io/v2/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)' },
  { source: 'cri-o', cause: 'ImageNotFound', registry: TCR, message: `rpc error: code = Unknown desc = reading manifest v9 in ${TCR}/team/app: manifest unknown: manifest unknown` },
  { source: 'cri-o', cause: 'ImageNotFound', registry: 'quay.io', message: 'initializing source docker://quay.io/acme/app:v9: reading manifest v9 in quay.io/acme/app: manifest unknown' },
  { source: 'cri-o', cause: 'ImageNotFound', registry: TCR, message: `reading manifest v1 in ${TCR}/team/missing: name unknown: repository name not known to registry` },
  {
    source: 'cri-o',
    cause: 'ImageNotFound',
    registry: 'registry.fedoraproject.org',
    message: 'Error reading manifest latest in registry.fedoraproject.org/hello-world: manifest unknown: manifest unknown',
  },
  { source: 'cri-o', cause: 'CredentialsRejected', registry: TCR, message: `rpc error: code = Unknown desc = reading manifest v1 in ${TCR}/team/app: unauthorized: authentication required` },
  {
    source: 'cri-o',
    cause: 'CredentialsRejected',
    registry: TCR,
    message: `initializing source docker://${IMG}: reading manifest v1 in ${TCR}/team/app: denied: requested access to the resource is denied`,
  },
  {
    source: 'cri-o',
    cause: 'DnsFailure',
    registry: TCR,
    message: `rpc error: code = Unknown desc = pinging container registry ${TCR}: Get "https://${TCR}/v2/": dial tcp: lookup ${TCR} on 10.0.0.2:53: no such host`,
  },
  { source: 'cri-o', cause: 'DnsFailure', registry: 'k8s.gcr.io', message: 'error pinging docker registry k8s.gcr.io: Get "https://k8s.gcr.io/v2/": dial tcp: lookup k8s.gcr.io: device or resource busy' },
  {
    source: 'cri-o',
    cause: 'PlainHttpRegistry',
    registry: '10.16.100.174:5000',
    message: 'pinging container registry 10.16.100.174:5000: Get "https://10.16.100.174:5000/v2/": http: server gave HTTP response to HTTPS client',
  },
  {
    source: 'cri-o',
    cause: 'UntrustedCertificate',
    registry: 'harbor.example.internal',
    message: 'pinging container registry harbor.example.internal: Get "https://harbor.example.internal/v2/": tls: failed to verify certificate: x509: certificate signed by unknown authority',
  },
  {
    source: 'cri-o',
    cause: 'RateLimited',
    registry: 'docker.io',
    message:
      'initializing source docker://docker.io/library/nginx:latest: reading manifest latest in docker.io/library/nginx: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
  },

  // ------------------------------------------------------------------ docker (Error response from daemon)
  { source: 'docker', cause: 'NoNetworkPath', dialedIp: '43.137.12.5', dialedIpKind: 'public', registry: TCR, message: `Error response from daemon: Get "https://${TCR}/v2/": dial tcp 43.137.12.5:443: i/o timeout` },
  {
    source: 'docker',
    cause: 'NoNetworkPath',
    registry: TCR,
    message: `Error response from daemon: Get "https://${TCR}/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)`,
  },
  { source: 'docker', cause: 'NoNetworkPath', registry: 'docker.io', message: 'Error response from daemon: Get https://registry-1.docker.io/v2/: net/http: TLS handshake timeout' },
  {
    source: 'docker',
    cause: 'NoNetworkPath',
    dialedIp: '10.0.0.8',
    dialedIpKind: 'private',
    registry: '10.0.0.8:5000',
    message: 'Error response from daemon: Get "https://10.0.0.8:5000/v2/": dial tcp 10.0.0.8:5000: connect: connection refused',
  },
  {
    source: 'docker',
    cause: 'NoNetworkPath',
    dialedIp: '43.137.12.5',
    dialedIpKind: 'public',
    registry: TCR,
    message: `Error response from daemon: Get "https://${TCR}/v2/": read tcp 192.168.65.3:40210->43.137.12.5:443: read: connection reset by peer`,
  },
  {
    source: 'docker',
    cause: 'CredentialsRejected',
    message: "Error response from daemon: pull access denied for team/app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
  },
  { source: 'docker', cause: 'CredentialsRejected', registry: TCR, message: `Error response from daemon: ${HEAD}: unauthorized: authentication required` },
  { source: 'docker', cause: 'CredentialsRejected', registry: 'docker.io', message: 'Error response from daemon: Get "https://registry-1.docker.io/v2/": unauthorized: incorrect username or password' },
  {
    source: 'docker',
    cause: 'CredentialsRejected',
    registry: 'ghcr.io',
    message:
      'Error response from daemon: unknown: failed to resolve reference "ghcr.io/acme/app:latest": unexpected status from HEAD request to https://ghcr.io/v2/acme/app/manifests/latest: 403 Forbidden',
  },
  { source: 'docker', cause: 'CredentialsRejected', registry: TCR, message: `Error response from daemon: Get "https://${TCR}/v2/team/app/manifests/v1": no basic auth credentials` },
  {
    source: 'kubelet',
    cause: 'CredentialsRejected',
    registry: TCR,
    message: `Failed to pull image "${IMG}": rpc error: code = Unknown desc = Error response from daemon: pull access denied for ${TCR}/team/app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`,
  },
  {
    source: 'docker',
    cause: 'CredentialsRejected',
    message: 'Error response from daemon: unauthorized: unauthorized to access repository: team/app, action: pull: unauthorized to access repository: team/app, action: pull',
  },
  {
    source: 'docker',
    cause: 'CredentialsRejected',
    message: 'Error response from daemon: error parsing HTTP 403 response body: invalid character \'<\' looking for beginning of value: "<html><body><h1>403 Forbidden</h1></body></html>"',
  },
  { source: 'docker', cause: 'ImageNotFound', registry: TCR, message: `Error response from daemon: manifest for ${TCR}/team/app:v9 not found: manifest unknown: manifest unknown` },
  { source: 'docker', cause: 'ImageNotFound', message: 'Error response from daemon: manifest for nginx:doesnotexist not found: manifest unknown: manifest unknown' },
  {
    source: 'docker',
    cause: 'ImageNotFound',
    registry: TCR,
    message: `Error response from daemon: repository ${TCR}/team/missing not found: name unknown: repository name not known to registry`,
  },
  { source: 'docker', cause: 'PlatformMismatch', message: 'Error response from daemon: no matching manifest for linux/arm64/v8 in the manifest list entries' },
  { source: 'docker', cause: 'PlainHttpRegistry', registry: '10.16.100.174:5000', message: 'Error response from daemon: Get "https://10.16.100.174:5000/v2/": http: server gave HTTP response to HTTPS client' },
  { source: 'docker', cause: 'PlainHttpRegistry', registry: 'registry.example.internal', message: 'Error response from daemon: Get "https://registry.example.internal/v2/": tls: first record does not look like a TLS handshake' },
  { source: 'docker', cause: 'UntrustedCertificate', registry: 'harbor.example.internal', message: 'Error response from daemon: Get "https://harbor.example.internal/v2/": x509: certificate signed by unknown authority' },
  {
    source: 'docker',
    cause: 'UntrustedCertificate',
    registry: 'harbor.example.internal',
    message:
      'Error response from daemon: Get "https://harbor.example.internal/v2/": x509: certificate signed by unknown authority (possibly because of "crypto/rsa: verification error" while trying to verify candidate authority certificate "harbor-ca")',
  },
  {
    source: 'docker',
    cause: 'UntrustedCertificate',
    registry: 'registry.example.internal',
    message: 'Error response from daemon: Get "https://registry.example.internal/v2/": x509: certificate relies on legacy Common Name field, use SANs instead',
  },
  {
    source: 'docker',
    cause: 'RateLimited',
    message: 'Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
  },
  { source: 'docker', cause: 'RateLimited', message: 'Error response from daemon: toomanyrequests: Rate exceeded' },
  {
    source: 'docker',
    cause: 'DnsFailure',
    registry: 'registry.example.internal',
    message: 'Error response from daemon: Get "https://registry.example.internal/v2/": dial tcp: lookup registry.example.internal on 127.0.0.53:53: no such host',
  },
];
