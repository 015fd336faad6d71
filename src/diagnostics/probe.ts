// Live registry probe: DNS → TCP → TLS → Registry HTTP API v2 handshake (`GET /v2/`, Basic or Bearer
// token auth) → optionally `HEAD /v2/<repo>/manifests/<ref>`. Every step is timed and reported; the
// outcome is summarised as three verdicts (reachable, credentials, image) that become status conditions.
//
// Secret hygiene: the username, the password, their Basic encoding and every token fetched are scrubbed
// from every message and step detail before the result is returned (and from any error this throws).
// The pure parts (WWW-Authenticate parsing, private-address detection, server and image-reference
// parsing) are exported for unit tests.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';

export type ReachableReason =
  | 'Reachable'
  | 'DnsFailed'
  | 'ConnectFailed'
  | 'TlsFailed'
  | 'UntrustedCertificate'
  | 'PlainHttpMismatch'
  | 'Timeout';
export type CredentialsReason = 'CredentialsAccepted' | 'CredentialsRejected' | 'NoCredentials' | 'AuthServiceFailed' | 'NotChecked';
export type ImageReason = 'ImageFound' | 'ImageNotFound' | 'ImageAccessDenied' | 'NotChecked';

export interface ProbeOptions {
  /** Registry address `host[:port]` (no scheme, no path). */
  server: string;
  plainHTTP?: boolean;
  insecureSkipVerify?: boolean;
  /** Extra trusted CA certificate(s), PEM; added to the default trust store. */
  ca?: string;
  username?: string;
  password?: string;
  /** `repo[:tag|@digest]` (a leading `<server>/` is accepted) for a manifest HEAD. */
  image?: string;
  /** Per step (DNS, each TCP connect, TLS handshake, each HTTP request). Default 5000. */
  timeoutMs?: number;
  /** Replaces the system resolver (getaddrinfo) for the registry host and a token realm's host. */
  resolver?: (host: string) => Promise<string[]>;
}

export type ProbeStepName = 'dns' | 'tcp' | 'tls' | 'http' | 'token' | 'auth' | 'manifest';

export interface ProbeStep {
  step: ProbeStepName;
  ok: boolean;
  /** Duration in milliseconds (rounded to 0.1 ms). */
  ms: number;
  detail: string;
}

export interface ProbeAddress {
  ip: string;
  /** RFC 1918, 100.64.0.0/10 (CGNAT, used by TCR private links), loopback, link-local, IPv6 ULA. */
  private: boolean;
}

export interface ProbeVerdict<R extends string, S> {
  status: S;
  reason: R;
  message: string;
}

export interface ProbeResult {
  reachable: ProbeVerdict<ReachableReason, boolean>;
  credentials: ProbeVerdict<CredentialsReason, boolean | undefined>;
  /** Present when `image` was given. */
  image?: ProbeVerdict<ImageReason, boolean | undefined>;
  steps: ProbeStep[];
  addresses: ProbeAddress[];
}

export const DEFAULT_PROBE_TIMEOUT_MS = 5000;

/** Accept header of a manifest HEAD: OCI index/manifest and Docker manifest list/manifest v2. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const USER_AGENT = 'tcr-access-operator-probe';
const MAX_BODY = 64 * 1024;

// ---------------------------------------------------------------------------------------------------
// Pure helpers

export interface AuthChallenge {
  /** Lower-cased scheme, e.g. `bearer`, `basic`. */
  scheme: string;
  /** Parameter names lower-cased, values unquoted. */
  params: Record<string, string>;
}

/**
 * Parses `WWW-Authenticate` header value(s) (RFC 7235): one or more challenges, each a scheme followed by
 * comma-separated `name=value` / `name="quoted \"value\""` parameters. Several challenges may share one
 * header value. A token68 after a scheme is kept as the parameter `token68`.
 */
export function parseWwwAuthenticate(header: string | readonly string[] | undefined): AuthChallenge[] {
  if (header === undefined) return [];
  const values = typeof header === 'string' ? [header] : header;
  const out: AuthChallenge[] = [];
  const isWs = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
  for (const s of values) {
    const n = s.length;
    let i = 0;
    let cur: AuthChallenge | undefined;
    let justAfterScheme = false; // only whitespace since the current scheme: a token68 may follow
    const skipWs = () => {
      while (i < n && isWs(s[i])) i++;
    };
    while (i < n) {
      skipWs();
      if (s[i] === ',') {
        i++;
        justAfterScheme = false;
        continue;
      }
      if (i >= n) break;
      const start = i;
      while (i < n && !isWs(s[i]) && s[i] !== ',' && s[i] !== '=' && s[i] !== '"') i++;
      const tok = s.slice(start, i);
      if (tok === '') {
        i++; // stray '=' or '"'
        continue;
      }
      const afterTok = i;
      skipWs();
      if (s[i] === '=') {
        const eq = i;
        while (i < n && s[i] === '=') i++;
        const eqs = i - eq;
        skipWs();
        const valueFollows = i < n && s[i] !== ',';
        if (eqs > 1 || !valueFollows) {
          // token68 with '=' padding (`abc==`)
          if (cur && justAfterScheme) cur.params.token68 = tok + '='.repeat(eqs);
          justAfterScheme = false;
          continue;
        }
        let value = '';
        if (s[i] === '"') {
          i++;
          while (i < n && s[i] !== '"') {
            if (s[i] === '\\' && i + 1 < n) i++;
            value += s[i];
            i++;
          }
          i++; // closing quote
        } else {
          const vs = i;
          while (i < n && s[i] !== ',' && !isWs(s[i])) i++;
          value = s.slice(vs, i);
        }
        if (cur) cur.params[tok.toLowerCase()] = value;
        justAfterScheme = false;
      } else if (cur && justAfterScheme && (i >= n || s[i] === ',')) {
        cur.params.token68 = tok; // `Negotiate abc123`
        justAfterScheme = false;
      } else {
        i = afterTok;
        cur = { scheme: tok.toLowerCase(), params: {} };
        out.push(cur);
        justAfterScheme = true;
      }
    }
  }
  return out;
}

function ipv4Octets(ip: string): number[] | undefined {
  if (net.isIPv4(ip)) return ip.split('.').map(Number);
  return undefined;
}

/** Expands an IPv6 address to 8 16-bit groups (an embedded dotted IPv4 tail is converted). */
function ipv6Groups(ip: string): number[] | undefined {
  let s = ip.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!net.isIPv6(s)) return undefined;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted?.[1]) {
    const o = ipv4Octets(dotted[1]);
    if (!o) return undefined;
    s = s.slice(0, s.length - dotted[1].length) + (((o[0] ?? 0) << 8) | (o[1] ?? 0)).toString(16) + ':' + (((o[2] ?? 0) << 8) | (o[3] ?? 0)).toString(16);
  }
  const [head = '', tail] = s.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const groups = [...h, ...Array<string>(Math.max(0, fill)).fill('0'), ...t].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

function isPrivateIPv4(o: readonly number[]): boolean {
  const [a = -1, b = -1] = o;
  return (
    a === 10 || // 10.0.0.0/8
    (a === 172 && b >= 16 && b <= 31) || // 172.16.0.0/12
    (a === 192 && b === 168) || // 192.168.0.0/16
    (a === 100 && b >= 64 && b <= 127) || // 100.64.0.0/10 (shared address space)
    a === 127 || // loopback
    (a === 169 && b === 254) // link-local
  );
}

/**
 * Whether an address is not on the public Internet: RFC 1918, 100.64.0.0/10, loopback (127/8, ::1),
 * link-local (169.254/16, fe80::/10), IPv6 unique-local (fc00::/7), and IPv4-mapped IPv6 forms of these.
 */
export function isPrivateAddress(ip: string): boolean {
  const v4 = ipv4Octets(ip);
  if (v4) return isPrivateIPv4(v4);
  const g = ipv6Groups(ip);
  if (!g) return false;
  const [g0 = 0, , , , , g5 = 0, g6 = 0, g7 = 0] = g;
  if (g.slice(0, 7).every((x) => x === 0) && g7 === 1) return true; // ::1
  if (g.slice(0, 5).every((x) => x === 0) && g5 === 0xffff) {
    return isPrivateIPv4([g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff]); // ::ffff:a.b.c.d
  }
  if ((g0 & 0xfe00) === 0xfc00) return true; // fc00::/7
  if ((g0 & 0xffc0) === 0xfe80) return true; // fe80::/10
  return false;
}

export interface ParsedServer {
  /** Host name or IP literal (IPv6 without brackets). */
  host: string;
  port: number;
  /** Value of the Host header: the host as written, with the port only when one was given. */
  hostHeader: string;
}

/** Parses `host[:port]` (IPv6 as `[addr]:port`). Throws on anything else (the message never echoes input). */
export function parseServer(server: string, plainHTTP = false): ParsedServer {
  const s = server.trim();
  const defPort = plainHTTP ? 80 : 443;
  const bad = () => new Error('invalid registry server: expected host[:port] without scheme, path or user info');
  let host: string;
  let portStr: string | undefined;
  if (s.startsWith('[')) {
    const m = /^\[([0-9a-fA-F:.]+(?:%[\w.-]+)?)\](?::(\d+))?$/.exec(s);
    if (!m?.[1] || !net.isIPv6(m[1].split('%')[0] ?? '')) throw bad();
    host = m[1];
    portStr = m[2];
  } else {
    const m = /^([A-Za-z0-9.-]+)(?::(\d+))?$/.exec(s);
    if (!m?.[1]) throw bad();
    host = m[1].toLowerCase();
    portStr = m[2];
    if (!net.isIPv4(host) && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/.test(host)) throw bad();
  }
  const port = portStr === undefined ? defPort : Number(portStr);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad();
  const hostPart = net.isIPv6(host.split('%')[0] ?? '') ? `[${host}]` : host;
  return { host, port, hostHeader: portStr === undefined ? hostPart : `${hostPart}:${port}` };
}

export interface ImageReference {
  repository: string;
  /** Tag or digest. */
  reference: string;
  kind: 'tag' | 'digest';
}

const REPO_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

/**
 * Parses `repo[:tag|@digest]`; a leading `<server>/` (matching `serverHostHeader`) is stripped. The tag
 * defaults to `latest`. Returns undefined when the reference is not valid.
 */
export function parseImageReference(image: string, serverHostHeader?: string): ImageReference | undefined {
  let s = image.trim();
  if (serverHostHeader && s.toLowerCase().startsWith(serverHostHeader.toLowerCase() + '/')) s = s.slice(serverHostHeader.length + 1);
  let reference = 'latest';
  let kind: ImageReference['kind'] = 'tag';
  const at = s.indexOf('@');
  if (at >= 0) {
    reference = s.slice(at + 1);
    kind = 'digest';
    s = s.slice(0, at);
    if (!DIGEST.test(reference)) return undefined;
    // `repo:tag@digest`: the digest wins, as with docker pull.
  }
  const slash = s.lastIndexOf('/');
  const colon = s.lastIndexOf(':');
  if (colon > slash) {
    const tag = s.slice(colon + 1);
    s = s.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
    if (kind === 'tag') reference = tag;
  }
  if (s === '' || !s.split('/').every((c) => REPO_COMPONENT.test(c))) return undefined;
  return { repository: s, reference, kind };
}

// ---------------------------------------------------------------------------------------------------
// Plumbing

class StepTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`${what} timed out after ${ms} ms`);
    this.name = 'StepTimeout';
  }
}

function errCode(e: unknown): string | undefined {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}

function errText(e: unknown): string {
  if (e instanceof StepTimeout) return e.message;
  const code = errCode(e);
  // OpenSSL errors carry a short `reason` ("wrong version number"); their message is a raw error stack.
  const reason = e && typeof e === 'object' && 'reason' in e && typeof e.reason === 'string' ? e.reason : undefined;
  const msg = (reason ?? (e instanceof Error ? e.message : String(e))).replace(/\s+/g, ' ').trim();
  return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => {
      onTimeout?.();
      reject(new StepTimeout(what, ms));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

async function defaultResolver(host: string): Promise<string[]> {
  const r = await dns.promises.lookup(host, { all: true, verbatim: true });
  return r.map((a) => a.address);
}

function addrLabel(ip: string): string {
  return `${ip} (${isPrivateAddress(ip) ? 'private' : 'public'})`;
}

function dial(ip: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: ip, port });
    const t = setTimeout(() => {
      sock.destroy();
      reject(new StepTimeout(`connecting to ${ip}:${port}`, timeoutMs));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(t);
      resolve(sock);
    });
    sock.once('error', (e) => {
      clearTimeout(t);
      sock.destroy();
      reject(e);
    });
  });
}

interface Trust {
  ca: string[] | undefined;
  insecureSkipVerify: boolean;
}

function trustFor(opts: ProbeOptions): Trust {
  let ca: string[] | undefined;
  if (opts.ca) {
    const defaults = typeof tls.getCACertificates === 'function' ? tls.getCACertificates('default') : [...tls.rootCertificates];
    ca = [...defaults, opts.ca];
  }
  return { ca, insecureSkipVerify: opts.insecureSkipVerify === true };
}

interface Endpoint {
  https: boolean;
  /** Host name (SNI, certificate check) or IP literal. */
  host: string;
  port: number;
  hostHeader: string;
  /** Address actually dialled. */
  address: string;
}

interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function httpRequest(
  ep: Endpoint,
  method: string,
  path: string,
  headers: Record<string, string>,
  trust: Trust,
  timeoutMs: number,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const base: http.RequestOptions = {
      host: ep.address,
      port: ep.port,
      method,
      path,
      agent: false,
      headers: { Host: ep.hostHeader, 'User-Agent': USER_AGENT, Connection: 'close', ...headers },
    };
    const req = ep.https
      ? https.request({
          ...base,
          servername: net.isIP(ep.host) ? undefined : ep.host,
          ca: trust.ca,
          rejectUnauthorized: !trust.insecureSkipVerify,
          checkServerIdentity: (_h, cert) => tls.checkServerIdentity(ep.host, cert),
        })
      : http.request(base);
    const t = setTimeout(() => req.destroy(new StepTimeout(`${method} ${ep.https ? 'https' : 'http'}://${ep.hostHeader}${path}`, timeoutMs)), timeoutMs);
    req.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_BODY) chunks.push(c);
        size += c.length;
      });
      res.once('end', () => {
        clearTimeout(t);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY) });
      });
      res.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
    });
    req.end();
  });
}

/** First `errors[].code: message` of a Registry API error body, or a short snippet of any other body. */
function bodySummary(body: string): string {
  const b = body.trim();
  if (b === '') return '';
  try {
    const j = JSON.parse(b) as { errors?: Array<{ code?: unknown; message?: unknown }>; error?: unknown; details?: unknown };
    const e = j.errors?.[0];
    if (e) return [e.code, e.message].filter((x) => typeof x === 'string' && x !== '').join(': ');
    if (typeof j.error === 'string') return j.error + (typeof j.details === 'string' ? `: ${j.details}` : '');
  } catch {
    // not JSON
  }
  const line = b.replace(/\s+/g, ' ');
  return line.length > 160 ? line.slice(0, 160) + '…' : line;
}

function withBody(prefix: string, body: string): string {
  const s = bodySummary(body);
  return s ? `${prefix} (${s})` : prefix;
}

function challengeText(c: AuthChallenge | undefined): string {
  if (!c) return 'none';
  const p = Object.entries(c.params)
    .filter(([k]) => k !== 'token68')
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return `${c.scheme[0]?.toUpperCase() ?? ''}${c.scheme.slice(1)}${p ? ' ' + p : ''}`;
}

const X509_EXPLAIN: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in a self-signed root CA that is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate: its issuer is not trusted (or an intermediate certificate is missing)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the issuing CA is not trusted',
  UNABLE_TO_GET_ISSUER_CERT: 'the issuer certificate could not be found',
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not yet valid',
  CERT_SIGNATURE_FAILURE: 'the certificate signature is invalid',
  CERT_REVOKED: 'the certificate has been revoked',
  INVALID_CA: 'an issuing certificate is not a valid CA',
  CERT_UNTRUSTED: 'the certificate is not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not name this host',
};

function describeCert(c: tls.PeerCertificate | undefined): string {
  if (!c || Object.keys(c).length === 0) return '';
  const dn = (x: unknown) => {
    if (!x || typeof x !== 'object') return '?';
    const o = x as Record<string, unknown>;
    const cn = o.CN;
    const name = Array.isArray(cn) ? cn.join('+') : typeof cn === 'string' ? cn : undefined;
    if (name !== undefined) return `CN=${name}`;
    return Object.entries(o)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ');
  };
  const parts = [`subject ${dn(c.subject)}`, `issuer ${dn(c.issuer)}`, `valid ${c.valid_from} to ${c.valid_to}`];
  if (c.subjectaltname) parts.push(`SANs ${c.subjectaltname}`);
  return parts.join('; ');
}

function x509Message(code: string, cert: tls.PeerCertificate | undefined, host: string): string {
  let why = X509_EXPLAIN[code] ?? 'certificate verification failed';
  if (code === 'CERT_HAS_EXPIRED' && cert?.valid_to) why = `the certificate expired on ${cert.valid_to}`;
  if (code === 'CERT_NOT_YET_VALID' && cert?.valid_from) why = `the certificate is not valid before ${cert.valid_from}`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') why = `the certificate is not valid for ${host}${cert?.subjectaltname ? ` (it names ${cert.subjectaltname})` : ' (it has no subjectAltName)'}`;
  const c = describeCert(cert);
  return `x509 ${code}: ${why}${c ? `; ${c}` : ''}`;
}

type Handshake =
  | { kind: 'ok'; authorized: boolean; code?: string; cert?: tls.PeerCertificate; protocol: string; cipher: string }
  | { kind: 'error'; error: unknown };

function tlsHandshake(sock: net.Socket | undefined, ep: { host: string; address: string; port: number }, trust: Trust, timeoutMs: number): Promise<Handshake> {
  return new Promise((resolve) => {
    const s = tls.connect({
      ...(sock ? { socket: sock } : { host: ep.address, port: ep.port }),
      servername: net.isIP(ep.host) ? undefined : ep.host,
      ca: trust.ca,
      rejectUnauthorized: false, // decided below, so that the exact x509 error can be reported
      checkServerIdentity: (_h, cert) => tls.checkServerIdentity(ep.host, cert),
    });
    const t = setTimeout(() => {
      s.destroy();
      resolve({ kind: 'error', error: new StepTimeout(`TLS handshake with ${ep.address}:${ep.port}`, timeoutMs) });
    }, timeoutMs);
    s.once('secureConnect', () => {
      clearTimeout(t);
      const ae = s.authorizationError as unknown;
      const code = ae === null || ae === undefined ? undefined : typeof ae === 'string' ? ae : (errCode(ae) ?? String(ae));
      const cert = s.getPeerCertificate(false);
      const cipher = s.getCipher();
      resolve({ kind: 'ok', authorized: s.authorized, code, cert, protocol: s.getProtocol() ?? '?', cipher: cipher.name });
      s.destroy();
    });
    s.once('error', (e) => {
      clearTimeout(t);
      s.destroy();
      resolve({ kind: 'error', error: e });
    });
  });
}

/** Sends a plain HTTP request and returns the status line if the peer answers in HTTP, else undefined. */
function sniffPlainHttp(address: string, port: number, hostHeader: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port });
    let buf = '';
    const done = (v: string | undefined) => {
      clearTimeout(t);
      sock.destroy();
      resolve(v);
    };
    const t = setTimeout(() => done(undefined), timeoutMs);
    sock.once('connect', () => sock.write(`GET /v2/ HTTP/1.1\r\nHost: ${hostHeader}\r\nUser-Agent: ${USER_AGENT}\r\nConnection: close\r\n\r\n`));
    sock.on('data', (c: Buffer) => {
      buf += c.toString('latin1');
      const eol = buf.indexOf('\r\n');
      if (eol >= 0 || buf.length > 256) {
        const line = (eol >= 0 ? buf.slice(0, eol) : buf).slice(0, 128);
        done(/^HTTP\/\d(\.\d)? \d{3}/.test(line) ? line : undefined);
      }
    });
    sock.once('error', () => done(undefined));
    sock.once('end', () => done(/^HTTP\/\d(\.\d)? \d{3}/.test(buf) ? buf.split('\r\n')[0] : undefined));
  });
}

function basicHeader(username: string, password: string): string {
  return 'Basic ' + Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

// ---------------------------------------------------------------------------------------------------
// The probe

/**
 * Probes a registry step by step. Never throws for anything the registry or the network does; throws
 * only for an invalid `server`.
 */
export async function probeRegistry(opts: ProbeOptions): Promise<ProbeResult> {
  const plainHTTP = opts.plainHTTP === true;
  const srv = parseServer(opts.server, plainHTTP);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const resolver = opts.resolver ?? defaultResolver;
  const trust = trustFor(opts);
  const hasCreds = opts.username !== undefined && opts.username !== '' && opts.password !== undefined;
  const secrets: string[] = [];
  if (opts.password) secrets.push(opts.password);
  if (opts.username && opts.username.length >= 3) secrets.push(opts.username);
  if (hasCreds) secrets.push(basicHeader(opts.username ?? '', opts.password ?? '').slice('Basic '.length));

  const steps: ProbeStep[] = [];
  const addresses: ProbeAddress[] = [];
  const result: ProbeResult = {
    reachable: { status: false, reason: 'ConnectFailed', message: '' },
    credentials: { status: undefined, reason: 'NotChecked', message: 'not checked: the registry is not reachable' },
    steps,
    addresses,
  };
  if (opts.image !== undefined) result.image = { status: undefined, reason: 'NotChecked', message: 'not checked: the registry is not reachable' };

  const time = async <T>(fn: () => Promise<T>): Promise<{ v?: T; e?: unknown; ms: number }> => {
    const t0 = performance.now();
    try {
      const v = await fn();
      return { v, ms: Math.round((performance.now() - t0) * 10) / 10 };
    } catch (e) {
      return { e, ms: Math.round((performance.now() - t0) * 10) / 10 };
    }
  };
  const record = (step: ProbeStepName, ok: boolean, ms: number, detail: string) => steps.push({ step, ok, ms, detail });
  const scheme = plainHTTP ? 'http' : 'https';
  let dialled: string | undefined; // the registry address that accepted the TCP connection
  const where = `${scheme}://${srv.hostHeader}`;

  try {
    await run();
  } catch (e) {
    // Defensive: a bug here must not lose the steps gathered so far, nor leak anything.
    result.reachable = { status: false, reason: 'ConnectFailed', message: `probe failed unexpectedly: ${errText(e)}` };
  }
  return scrubResult(result, secrets);

  async function run(): Promise<void> {
    // 1. DNS
    let ips: string[];
    if (net.isIP(srv.host.split('%')[0] ?? '')) {
      ips = [srv.host];
      record('dns', true, 0, `${srv.host} is an IP address: no lookup`);
    } else {
      const r = await time(() => withTimeout(resolver(srv.host), timeoutMs, `DNS lookup of ${srv.host}`));
      ips = [...new Set(r.v ?? [])];
      if (r.e !== undefined || ips.length === 0) {
        const code = errCode(r.e);
        const why =
          r.e instanceof StepTimeout
            ? r.e.message
            : code === 'ENOTFOUND'
              ? `${srv.host} does not resolve (no such host)`
              : code === 'EAI_AGAIN'
                ? `temporary DNS failure resolving ${srv.host}`
                : r.e !== undefined
                  ? `DNS lookup of ${srv.host} failed: ${errText(r.e)}`
                  : `${srv.host} resolved to no addresses`;
        record('dns', false, r.ms, why);
        result.reachable = { status: false, reason: 'DnsFailed', message: why };
        return;
      }
      record('dns', true, r.ms, `${srv.host} → ${ips.map(addrLabel).join(', ')}`);
    }
    for (const ip of ips) addresses.push({ ip, private: isPrivateAddress(ip) });

    // 2. TCP: the addresses in order, the first that accepts wins.
    let sock: net.Socket | undefined;
    let address = '';
    const failures: string[] = [];
    let allTimedOut = true;
    for (const ip of ips) {
      const r = await time(() => dial(ip, srv.port, timeoutMs));
      if (r.v) {
        sock = r.v;
        address = ip;
        dialled = ip;
        record('tcp', true, r.ms, `connected to ${fmtHostPort(ip, srv.port)}, ${isPrivateAddress(ip) ? 'private' : 'public'} address`);
        break;
      }
      const timedOut = r.e instanceof StepTimeout;
      if (!timedOut) allTimedOut = false;
      const code = errCode(r.e);
      const why = timedOut
        ? `i/o timeout after ${timeoutMs} ms`
        : code === 'ECONNREFUSED'
          ? 'connection refused (nothing listening on that port)'
          : code === 'EHOSTUNREACH' || code === 'ENETUNREACH'
            ? `no route to host (${code})`
            : errText(r.e);
      failures.push(`${addrLabel(ip)}: ${why}`);
      record('tcp', false, r.ms, `dial ${fmtHostPort(ip, srv.port)} (${isPrivateAddress(ip) ? 'private' : 'public'}): ${why}`);
    }
    if (!sock) {
      const anyPublic = ips.some((ip) => !isPrivateAddress(ip));
      const hint = allTimedOut
        ? anyPublic
          ? ' — no network path: a public address needs Internet egress (e.g. a NAT gateway) and, for TCR, the egress IP in the public-access whitelist; or use a private access link with internal DNS'
          : ' — no network path to this private address: check the private access link, VPC routes and security groups'
        : '';
      result.reachable = {
        status: false,
        reason: allTimedOut ? 'Timeout' : 'ConnectFailed',
        message: `cannot connect to ${srv.hostHeader} port ${srv.port}: ${failures.join('; ')}${hint}`,
      };
      return;
    }

    const ep: Endpoint = { https: !plainHTTP, host: srv.host, port: srv.port, hostHeader: srv.hostHeader, address };

    // 3. TLS
    if (!plainHTTP) {
      const t0 = performance.now();
      const hs = await tlsHandshake(sock, ep, trust, timeoutMs);
      sock.destroy();
      const ms = Math.round((performance.now() - t0) * 10) / 10;
      if (hs.kind === 'error') {
        if (hs.error instanceof StepTimeout) {
          record('tls', false, ms, hs.error.message);
          result.reachable = { status: false, reason: 'Timeout', message: `${hs.error.message} (TCP connected; the server never completed a TLS handshake)` };
          return;
        }
        const statusLine = await sniffPlainHttp(address, srv.port, srv.hostHeader, timeoutMs);
        if (statusLine !== undefined) {
          const m = `http: server gave HTTP response to HTTPS client: ${srv.hostHeader} serves plain HTTP (it answered "${statusLine}" to a plain request); set registry.plainHTTP: true`;
          record('tls', false, ms, `TLS handshake failed (${errText(hs.error)}); the server speaks plain HTTP`);
          result.reachable = { status: false, reason: 'PlainHttpMismatch', message: m };
          return;
        }
        record('tls', false, ms, `TLS handshake failed: ${errText(hs.error)}`);
        result.reachable = { status: false, reason: 'TlsFailed', message: `TLS handshake with ${srv.hostHeader} failed: ${errText(hs.error)}` };
        return;
      }
      const summary = `${hs.protocol}, ${hs.cipher}; ${describeCert(hs.cert)}`;
      if (!hs.authorized) {
        const x = x509Message(hs.code ?? 'CERT_UNTRUSTED', hs.cert, srv.host);
        if (!trust.insecureSkipVerify) {
          record('tls', false, ms, `${x}`);
          result.reachable = {
            status: false,
            reason: 'UntrustedCertificate',
            message: `TLS certificate of ${srv.hostHeader} is not trusted: ${x}. Trust the issuing CA, or set registry.insecureSkipVerify: true`,
          };
          return;
        }
        record('tls', true, ms, `${summary}; NOT verified (insecureSkipVerify): ${x}`);
      } else {
        record('tls', true, ms, `${summary}; verified`);
      }
    } else {
      sock.destroy();
    }

    // 4. GET /v2/ (anonymous first, like docker/containerd)
    const g = await time(() => httpRequest(ep, 'GET', '/v2/', {}, trust, timeoutMs));
    if (!g.v) {
      if (plainHTTP) {
        const hs = await tlsHandshake(undefined, ep, { ca: undefined, insecureSkipVerify: true }, timeoutMs);
        if (hs.kind === 'ok') return plainMismatchTls(g.ms, `GET /v2/ failed: ${errText(g.e)}`);
      }
      const to = g.e instanceof StepTimeout;
      record('http', false, g.ms, `GET ${where}/v2/ failed: ${errText(g.e)}`);
      result.reachable = { status: false, reason: to ? 'Timeout' : 'ConnectFailed', message: `GET ${where}/v2/ failed: ${errText(g.e)}` };
      return;
    }
    const v2 = g.v;
    if (plainHTTP && v2.status === 400 && /HTTPS/i.test(v2.body)) return plainMismatchTls(g.ms, `GET /v2/: HTTP 400 (${bodySummary(v2.body)})`);
    const apiVersion = headerStr(v2.headers['docker-distribution-api-version']);
    const challenges = parseWwwAuthenticate(v2.headers['www-authenticate']);
    record(
      'http',
      true,
      g.ms,
      `GET ${where}/v2/ → HTTP ${v2.status}; Docker-Distribution-Api-Version: ${apiVersion ?? '(none)'}; challenge: ${challenges.map(challengeText).join(' | ') || 'none'}`,
    );
    result.reachable = {
      status: true,
      reason: 'Reachable',
      message: `${where} answered HTTP ${v2.status} to GET /v2/ (via ${isPrivateAddress(address) ? 'private' : 'public'} address ${address}${plainHTTP ? ', plain HTTP' : ''})`,
    };

    // 5. Credentials
    const auth = await checkCredentials(ep, v2, challenges);

    // 6. Image
    if (opts.image !== undefined && result.image) result.image = await checkImage(ep, auth);
  }

  function plainMismatchTls(ms: number, what: string): void {
    record('http', false, ms, `${what}; the server speaks TLS`);
    result.reachable = {
      status: false,
      reason: 'PlainHttpMismatch',
      message: `${srv.hostHeader} serves HTTPS but registry.plainHTTP is true: unset registry.plainHTTP (and set registry.insecureSkipVerify: true if its certificate is self-signed)`,
    };
  }

  // Auth state carried to the image step.
  type AuthState = { header?: string; bearer?: AuthChallenge; usable: boolean };

  async function checkCredentials(ep: Endpoint, v2: HttpResult, challenges: AuthChallenge[]): Promise<AuthState> {
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    const basic = challenges.find((c) => c.scheme === 'basic');
    if (v2.status >= 200 && v2.status < 300) {
      result.credentials = hasCreds
        ? { status: true, reason: 'CredentialsAccepted', message: `${where} allows anonymous access to /v2/: the credentials are not needed there (they are used for the image check)` }
        : { status: true, reason: 'NoCredentials', message: `${where} allows anonymous access to /v2/ and no credentials were given` };
      return { header: hasCreds ? basicHeader(opts.username ?? '', opts.password ?? '') : undefined, usable: true };
    }
    if (v2.status !== 401 && v2.status !== 403) {
      const notV2 = v2.status === 404 ? ': it does not serve the Registry HTTP API v2' : '';
      result.credentials = { status: undefined, reason: 'NotChecked', message: withBody(`not checked: GET /v2/ returned HTTP ${v2.status}${notV2}`, v2.body) };
      return { usable: false };
    }
    if (!hasCreds) {
      result.credentials = {
        status: false,
        reason: 'NoCredentials',
        message: `${where} requires authentication (${challenges.map(challengeText).join(' | ') || `HTTP ${v2.status}`}) and no credentials were given`,
      };
      return { bearer, usable: true };
    }
    if (bearer) {
      const tok = await fetchToken(bearer, bearer.params.scope);
      if (tok.kind !== 'token') {
        result.credentials = tok.kind === 'rejected'
          ? { status: false, reason: 'CredentialsRejected', message: tok.message }
          : { status: false, reason: 'AuthServiceFailed', message: tok.message };
        return { bearer, usable: false };
      }
      const header = `Bearer ${tok.token}`;
      const r = await time(() => httpRequest(ep, 'GET', '/v2/', { Authorization: header }, trust, timeoutMs));
      if (!r.v) {
        record('auth', false, r.ms, `GET /v2/ with the token failed: ${errText(r.e)}`);
        result.credentials = { status: false, reason: 'AuthServiceFailed', message: `GET /v2/ with the token failed: ${errText(r.e)}` };
        return { bearer, usable: false };
      }
      const ok = r.v.status >= 200 && r.v.status < 300;
      record('auth', ok, r.ms, withBody(`GET /v2/ with Authorization: Bearer → HTTP ${r.v.status}`, ok ? '' : r.v.body));
      if (ok) {
        result.credentials = { status: true, reason: 'CredentialsAccepted', message: `credentials accepted: token service ${tok.realm} issued a token that ${where} accepts` };
        return { header, bearer, usable: true };
      }
      result.credentials = {
        status: false,
        reason: 'AuthServiceFailed',
        message: withBody(`token service ${tok.realm} accepted the credentials, but ${where} rejected its token with HTTP ${r.v.status}: the registry and its token service disagree (issuer, service or signing certificate)`, r.v.body),
      };
      return { bearer, usable: false };
    }
    if (!basic && challenges.length > 0) {
      result.credentials = { status: undefined, reason: 'AuthServiceFailed', message: `unsupported authentication scheme: ${challenges.map(challengeText).join(' | ')}` };
      return { usable: false };
    }
    const header = basicHeader(opts.username ?? '', opts.password ?? '');
    const r = await time(() => httpRequest(ep, 'GET', '/v2/', { Authorization: header }, trust, timeoutMs));
    if (!r.v) {
      record('auth', false, r.ms, `GET /v2/ with Basic credentials failed: ${errText(r.e)}`);
      result.credentials = { status: false, reason: 'AuthServiceFailed', message: `GET /v2/ with Basic credentials failed: ${errText(r.e)}` };
      return { usable: false };
    }
    const ok = r.v.status >= 200 && r.v.status < 300;
    record('auth', ok, r.ms, withBody(`GET /v2/ with Authorization: Basic → HTTP ${r.v.status}`, ok ? '' : r.v.body));
    if (ok) {
      result.credentials = { status: true, reason: 'CredentialsAccepted', message: `credentials accepted by ${where} (Basic)` };
      return { header, usable: true };
    }
    if (r.v.status === 401 || r.v.status === 403) {
      result.credentials = { status: false, reason: 'CredentialsRejected', message: withBody(`${where} rejected the credentials (Basic, HTTP ${r.v.status})`, r.v.body) };
      return { usable: false };
    }
    result.credentials = { status: false, reason: 'AuthServiceFailed', message: withBody(`${where} answered HTTP ${r.v.status} to GET /v2/ with Basic credentials`, r.v.body) };
    return { usable: false };
  }

  type TokenOutcome = { kind: 'token'; token: string; realm: string } | { kind: 'rejected' | 'failed'; message: string };

  async function fetchToken(ch: AuthChallenge, scope: string | undefined): Promise<TokenOutcome> {
    const realmRaw = ch.params.realm ?? '';
    let url: URL;
    try {
      url = new URL(realmRaw);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
    } catch {
      const message = `the Bearer challenge has an invalid realm "${realmRaw}"`;
      record('token', false, 0, message);
      return { kind: 'failed', message };
    }
    if (ch.params.service) url.searchParams.set('service', ch.params.service);
    if (scope) for (const s of scope.split(' ').filter(Boolean)) url.searchParams.append('scope', s);
    const realm = `${url.protocol}//${url.host}${url.pathname}`;
    const qs = [ch.params.service ? `service=${ch.params.service}` : '', scope ? `scope=${scope}` : ''].filter(Boolean).join(', ');
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const r = await time(async () => {
      const address = await resolveFor(host);
      const tep: Endpoint = {
        https: url.protocol === 'https:',
        host,
        port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
        hostHeader: url.host,
        address,
      };
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (hasCreds) headers.Authorization = basicHeader(opts.username ?? '', opts.password ?? '');
      return httpRequest(tep, 'GET', url.pathname + url.search, headers, trust, timeoutMs);
    });
    const label = `token from ${realm}${qs ? ` (${qs})` : ''}${hasCreds ? '' : ', anonymous'}`;
    if (!r.v) {
      const message = `token service ${realm} failed: ${errText(r.e)}`;
      record('token', false, r.ms, `${label}: ${errText(r.e)}`);
      return { kind: 'failed', message };
    }
    const res = r.v;
    if (res.status === 401 || res.status === 403) {
      record('token', false, r.ms, withBody(`${label}: HTTP ${res.status}`, res.body));
      return { kind: 'rejected', message: withBody(`token service ${realm} rejected the credentials (HTTP ${res.status})`, res.body) };
    }
    if (res.status < 200 || res.status >= 300) {
      record('token', false, r.ms, withBody(`${label}: HTTP ${res.status}`, res.body));
      return { kind: 'failed', message: withBody(`token service ${realm} answered HTTP ${res.status}`, res.body) };
    }
    let token: string | undefined;
    try {
      const j = JSON.parse(res.body) as { token?: unknown; access_token?: unknown };
      token = typeof j.token === 'string' && j.token ? j.token : typeof j.access_token === 'string' && j.access_token ? j.access_token : undefined;
    } catch {
      token = undefined;
    }
    if (!token) {
      record('token', false, r.ms, `${label}: HTTP ${res.status} without a token`);
      return { kind: 'failed', message: `token service ${realm} answered HTTP ${res.status} without a token` };
    }
    secrets.push(token);
    record('token', true, r.ms, `${label}: HTTP ${res.status}, token received${url.protocol === 'http:' ? ' (realm is plain HTTP)' : ''}`);
    return { kind: 'token', token, realm };
  }

  async function resolveFor(host: string): Promise<string> {
    if (net.isIP(host)) return host;
    if (host === srv.host && dialled) return dialled;
    const ips = await withTimeout(resolver(host), timeoutMs, `DNS lookup of ${host}`);
    const first = ips[0];
    if (first === undefined) throw new Error(`${host} resolved to no addresses`);
    return first;
  }

  async function checkImage(ep: Endpoint, auth: AuthState): Promise<ProbeVerdict<ImageReason, boolean | undefined>> {
    const ref = parseImageReference(opts.image ?? '', srv.hostHeader);
    if (!ref) return { status: undefined, reason: 'NotChecked', message: 'not checked: invalid image reference (expected repo[:tag|@digest])' };
    const name = `${ref.repository}${ref.kind === 'digest' ? '@' : ':'}${ref.reference}`;
    if (!auth.usable) return { status: undefined, reason: 'NotChecked', message: `not checked (${name}): the credentials were not accepted` };
    const path = `/v2/${ref.repository}/manifests/${ref.reference}`;
    const head = async (authorization: string | undefined, label: string) => {
      const headers: Record<string, string> = { Accept: MANIFEST_ACCEPT };
      if (authorization) headers.Authorization = authorization;
      const r = await time(() => httpRequest(ep, 'HEAD', path, headers, trust, timeoutMs));
      record('manifest', r.v !== undefined && r.v.status >= 200 && r.v.status < 300, r.ms, r.v ? `HEAD ${path}${label} → HTTP ${r.v.status}` : `HEAD ${path}${label} failed: ${errText(r.e)}`);
      return r;
    };
    let r = await head(auth.header, auth.header ? ` (${auth.header.split(' ')[0]})` : ' (anonymous)');
    if (r.v?.status === 401) {
      const ch = parseWwwAuthenticate(r.v.headers['www-authenticate']).find((c) => c.scheme === 'bearer' && c.params.realm) ?? auth.bearer;
      if (ch) {
        const scope = ch.params.scope ?? `repository:${ref.repository}:pull`;
        const tok = await fetchToken(ch, scope);
        if (tok.kind !== 'token') {
          return tok.kind === 'rejected'
            ? { status: false, reason: 'ImageAccessDenied', message: `${name}: ${tok.message}` }
            : { status: undefined, reason: 'NotChecked', message: `not checked (${name}): ${tok.message}` };
        }
        r = await head(`Bearer ${tok.token}`, ` (Bearer, scope ${scope})`);
      }
    }
    if (!r.v) {
      return { status: undefined, reason: 'NotChecked', message: `not checked (${name}): HEAD ${path} failed: ${errText(r.e)}` };
    }
    const st = r.v.status;
    if (st >= 200 && st < 300) {
      const digest = headerStr(r.v.headers['docker-content-digest']);
      const type = headerStr(r.v.headers['content-type']);
      const extra = [digest, type].filter(Boolean).join(', ');
      return { status: true, reason: 'ImageFound', message: `${name} found in ${srv.hostHeader}${extra ? ` (${extra})` : ''}` };
    }
    if (st === 404) return { status: false, reason: 'ImageNotFound', message: `${name} not found in ${srv.hostHeader}: the repository or the ${ref.kind} does not exist (failed to resolve reference: not found)` };
    if (st === 401 || st === 403) {
      const ch = parseWwwAuthenticate(r.v.headers['www-authenticate']).find((c) => c.params.error);
      const err = ch?.params.error ? ` ${ch.params.error}` : '';
      return {
        status: false,
        reason: 'ImageAccessDenied',
        message: `access to ${ref.repository} denied (HTTP ${st}${err}): the credentials may not pull from this repository — check the namespace/repository permissions (some registries also answer so for a repository that does not exist)`,
      };
    }
    return { status: undefined, reason: 'NotChecked', message: `not checked (${name}): HEAD ${path} answered HTTP ${st}` };
  }
}

function headerStr(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

function fmtHostPort(ip: string, port: number): string {
  return net.isIPv6(ip.split('%')[0] ?? '') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Replaces every secret (longest first) in every message and step detail. */
function scrubResult(r: ProbeResult, secrets: readonly string[]): ProbeResult {
  const list = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  const scrub = (s: string) => list.reduce((acc, sec) => acc.split(sec).join('[redacted]'), s);
  r.reachable.message = scrub(r.reachable.message);
  r.credentials.message = scrub(r.credentials.message);
  if (r.image) r.image.message = scrub(r.image.message);
  for (const s of r.steps) s.detail = scrub(s.detail);
  return r;
}
