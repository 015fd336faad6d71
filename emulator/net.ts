// IPv4 and CIDR helpers for the emulated VPC.

export interface Cidr {
  base: number;
  prefix: number;
}

export function parseIp(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parse "a.b.c.d/n". With `strict`, host bits must be zero (as VPC requires for route destinations). */
export function parseCidr(s: string, strict = false): Cidr | undefined {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(s);
  if (!m || !m[1] || !m[2]) return undefined;
  const ip = parseIp(m[1]);
  const prefix = Number(m[2]);
  if (ip === undefined || prefix > 32) return undefined;
  const base = maskOf(ip, prefix);
  if (strict && base !== ip) return undefined;
  return { base, prefix };
}

function maskOf(ip: number, prefix: number): number {
  return prefix === 0 ? 0 : (ip & (~0 << (32 - prefix))) >>> 0;
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** True if `inner` lies entirely within `outer`. */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.prefix >= outer.prefix && maskOf(inner.base, outer.prefix) === outer.base;
}

export function cidrContainsIp(c: Cidr, ip: number): boolean {
  return maskOf(ip, c.prefix) === c.base;
}

/** "a.b.c.d/n" of the network address. */
export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}
