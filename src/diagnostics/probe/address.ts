// Pure address parsing for the registry probe: private-address detection, the registry server `host[:port]`
// and `repo[:tag|@digest]` image references. No I/O.
import net from 'node:net';

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
