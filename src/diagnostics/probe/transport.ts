// The probe's network layer: name resolution, TCP dial (each address in turn), the TLS handshake with the exact
// x509 verdict, a plain-HTTP sniff, and one bounded HTTP request over all of that. `reachRegistry` runs the
// first three probe steps (dns, tcp, tls) and says whether the registry can be reached at all.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { isPrivateAddress, type ParsedServer } from './address.ts';
import type { ProbeAddress, ProbeOptions, ProbeVerdict, ReachableReason, StepRecorder } from './types.ts';

const USER_AGENT = 'tcr-access-operator-probe';
const MAX_BODY = 64 * 1024;

export class StepTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`${what} timed out after ${ms} ms`);
    this.name = 'StepTimeout';
  }
}

function errCode(e: unknown): string | undefined {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}

export function errText(e: unknown): string {
  if (e instanceof StepTimeout) return e.message;
  const code = errCode(e);
  // OpenSSL errors carry a short `reason` ("wrong version number"); their message is a raw error stack.
  const reason = e && typeof e === 'object' && 'reason' in e && typeof e.reason === 'string' ? e.reason : undefined;
  const msg = (reason ?? (e instanceof Error ? e.message : String(e))).replace(/\s+/g, ' ').trim();
  return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
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

export async function defaultResolver(host: string): Promise<string[]> {
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

export interface Trust {
  ca: string[] | undefined;
  insecureSkipVerify: boolean;
}

export function trustFor(opts: ProbeOptions): Trust {
  let ca: string[] | undefined;
  if (opts.ca) {
    const defaults = typeof tls.getCACertificates === 'function' ? tls.getCACertificates('default') : [...tls.rootCertificates];
    ca = [...defaults, opts.ca];
  }
  return { ca, insecureSkipVerify: opts.insecureSkipVerify === true };
}

export interface Endpoint {
  https: boolean;
  /** Host name (SNI, certificate check) or IP literal. */
  host: string;
  port: number;
  hostHeader: string;
  /** Address actually dialled. */
  address: string;
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function httpRequest(
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

export function tlsHandshake(sock: net.Socket | undefined, ep: { host: string; address: string; port: number }, trust: Trust, timeoutMs: number): Promise<Handshake> {
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

function fmtHostPort(ip: string, port: number): string {
  return net.isIPv6(ip.split('%')[0] ?? '') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Runs `fn`, timing it (ms rounded to 0.1); its value or its error, never a throw. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ v?: T; e?: unknown; ms: number }> {
  const t0 = performance.now();
  try {
    const v = await fn();
    return { v, ms: Math.round((performance.now() - t0) * 10) / 10 };
  } catch (e) {
    return { e, ms: Math.round((performance.now() - t0) * 10) / 10 };
  }
}

export interface ReachInput {
  srv: ParsedServer;
  plainHTTP: boolean;
  trust: Trust;
  timeoutMs: number;
  resolver: (host: string) => Promise<string[]>;
  record: StepRecorder;
  /** Filled with every address the name resolved to. */
  addresses: ProbeAddress[];
}

/**
 * Probe steps 1–3: DNS, TCP (the addresses in order, the first that accepts wins), TLS (unless plain HTTP).
 * Returns the endpoint to talk HTTP to, or the failed reachability verdict.
 */
export async function reachRegistry(input: ReachInput): Promise<{ ep: Endpoint } | { reachable: ProbeVerdict<ReachableReason, boolean> }> {
  const { srv, plainHTTP, trust, timeoutMs, resolver, record, addresses } = input;
  // 1. DNS
  let ips: string[];
  if (net.isIP(srv.host.split('%')[0] ?? '')) {
    ips = [srv.host];
    record('dns', true, 0, `${srv.host} is an IP address: no lookup`);
  } else {
    const r = await timed(() => withTimeout(resolver(srv.host), timeoutMs, `DNS lookup of ${srv.host}`));
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
      return { reachable: { status: false, reason: 'DnsFailed', message: why } };
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
    const r = await timed(() => dial(ip, srv.port, timeoutMs));
    if (r.v) {
      sock = r.v;
      address = ip;
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
    return {
      reachable: {
        status: false,
        reason: allTimedOut ? 'Timeout' : 'ConnectFailed',
        message: `cannot connect to ${srv.hostHeader} port ${srv.port}: ${failures.join('; ')}${hint}`,
      },
    };
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
        return { reachable: { status: false, reason: 'Timeout', message: `${hs.error.message} (TCP connected; the server never completed a TLS handshake)` } };
      }
      const statusLine = await sniffPlainHttp(address, srv.port, srv.hostHeader, timeoutMs);
      if (statusLine !== undefined) {
        const m = `http: server gave HTTP response to HTTPS client: ${srv.hostHeader} serves plain HTTP (it answered "${statusLine}" to a plain request); set registry.plainHTTP: true`;
        record('tls', false, ms, `TLS handshake failed (${errText(hs.error)}); the server speaks plain HTTP`);
        return { reachable: { status: false, reason: 'PlainHttpMismatch', message: m } };
      }
      record('tls', false, ms, `TLS handshake failed: ${errText(hs.error)}`);
      return { reachable: { status: false, reason: 'TlsFailed', message: `TLS handshake with ${srv.hostHeader} failed: ${errText(hs.error)}` } };
    }
    const summary = `${hs.protocol}, ${hs.cipher}; ${describeCert(hs.cert)}`;
    if (!hs.authorized) {
      const x = x509Message(hs.code ?? 'CERT_UNTRUSTED', hs.cert, srv.host);
      if (!trust.insecureSkipVerify) {
        record('tls', false, ms, `${x}`);
        return {
          reachable: {
            status: false,
            reason: 'UntrustedCertificate',
            message: `TLS certificate of ${srv.hostHeader} is not trusted: ${x}. Trust the issuing CA, or set registry.insecureSkipVerify: true`,
          },
        };
      }
      record('tls', true, ms, `${summary}; NOT verified (insecureSkipVerify): ${x}`);
    } else {
      record('tls', true, ms, `${summary}; verified`);
    }
  } else {
    sock.destroy();
  }

  return { ep };
}
