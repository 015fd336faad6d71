// TC3-HMAC-SHA256, as implemented by tencentcloud-sdk-nodejs common/sign.js (reference §1.5).
// The verifier recomputes the signature over the raw body bytes, with the service and date taken from the
// credential scope of the Authorization header and the Host header stripped of its port.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const TC3_ALGORITHM = 'TC3-HMAC-SHA256';

const AUTHORIZATION_RE =
  /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/tc3_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/;

export interface ParsedAuthorization {
  secretId: string;
  /** UTC date of the credential scope, YYYY-MM-DD. */
  date: string;
  /** Service of the credential scope ("tcr", or "127" when the SDK endpoint is an IP address). */
  service: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAuthorization(header: string): ParsedAuthorization | undefined {
  const m = AUTHORIZATION_RE.exec(header);
  if (!m) return undefined;
  const [, secretId, date, service, signedHeaders, signature] = m;
  if (!secretId || !date || !service || !signedHeaders || !signature) return undefined;
  return { secretId, date, service, signedHeaders: signedHeaders.split(';'), signature };
}

/** UTC YYYY-MM-DD of a unix timestamp in seconds. */
export function utcDate(timestampSec: number): string {
  return new Date(timestampSec * 1000).toISOString().slice(0, 10);
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, msg: string): Buffer {
  return createHmac('sha256', key).update(msg).digest();
}

/** Host without its port, as the SDK signs it (URL.hostname). */
export function hostnameOf(host: string): string {
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return host;
  }
}

export interface CanonicalInput {
  method: string;
  /** URL path, "/" for the SDK. */
  path: string;
  /** URL query without "?" ("" for POST). */
  query: string;
  /** Lower-case header name -> value, as received. */
  headers: Record<string, string | undefined>;
  signedHeaders: string[];
  body: Buffer;
}

export function canonicalRequest(input: CanonicalInput): string {
  let canonicalHeaders = '';
  for (const name of input.signedHeaders) {
    const raw = input.headers[name] ?? '';
    const value = name === 'host' ? hostnameOf(raw) : raw;
    canonicalHeaders += `${name}:${value.trim().toLowerCase()}\n`;
  }
  return [input.method, input.path, input.query, canonicalHeaders, input.signedHeaders.join(';'), sha256Hex(input.body)].join('\n');
}

export function stringToSign(timestampSec: number, date: string, service: string, canonical: string): string {
  return `${TC3_ALGORITHM}\n${timestampSec}\n${date}/${service}/tc3_request\n${sha256Hex(canonical)}`;
}

export function tc3Signature(secretKey: string, date: string, service: string, toSign: string): string {
  const kDate = hmac(`TC3${secretKey}`, date);
  const kService = hmac(kDate, service);
  const kSigning = hmac(kService, 'tc3_request');
  return createHmac('sha256', kSigning).update(toSign).digest('hex');
}

export function signaturesEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export interface SignInput {
  secretId: string;
  secretKey: string;
  service: string;
  timestampSec: number;
  /** Host header value (a port is allowed; it is not signed). */
  host: string;
  body: Buffer;
  contentType?: string;
}

/**
 * Build an Authorization header the way the SDK does (POST, SignedHeaders=content-type;host). Used by tests
 * that need hand-crafted requests (e.g. an old timestamp) and by anyone scripting the emulator without the SDK.
 */
export function signRequest(input: SignInput): string {
  const signedHeaders = ['content-type', 'host'];
  const date = utcDate(input.timestampSec);
  const canonical = canonicalRequest({
    method: 'POST',
    path: '/',
    query: '',
    headers: { 'content-type': input.contentType ?? 'application/json', host: input.host },
    signedHeaders,
    body: input.body,
  });
  const signature = tc3Signature(input.secretKey, date, input.service, stringToSign(input.timestampSec, date, input.service, canonical));
  return `${TC3_ALGORITHM} Credential=${input.secretId}/${date}/${input.service}/tc3_request, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
}
