// Tencent Cloud API credentials: where they come from, first found wins.
//  (a) spec.cloudCredentials.secretRef — the controller reads the Secret and passes the keys
//      (credentialsFromSecretData below; the factory gets them as CloudCredentialSource `static`);
//  (b) environment TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY [/ TENCENTCLOUD_SESSION_TOKEN];
//  (c) TKE pod identity (OIDC): TKE_ROLE_ARN, TKE_WEB_IDENTITY_TOKEN_FILE, TKE_PROVIDER_ID, TKE_REGION, exchanged
//      at STS AssumeRoleWithWebIdentity by the SDK's OIDCRoleArnCredential (STS endpoint injectable);
//  (d) CVM role, from the instance metadata service (the SDK's CvmRoleCredential; fixed URL).
// The SDK's DefaultCredentialProvider is not used: it console.errors every failed provider.
// Nothing here ever puts a key, a token or a Secret value in a message, a log line or a description.
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { ClientConfig } from 'tencentcloud-sdk-nodejs/tencentcloud/common/interface.js';
import type * as SdkCredentials from 'tencentcloud-sdk-nodejs/tencentcloud/common/credential.js';
import { CredentialUnavailableError } from './errors.ts';
import type { CloudCredentialSource } from './port.ts';

export interface StaticCredential {
  secretId: string;
  secretKey: string;
  token?: string;
}

export interface DynamicCredential {
  getCredential(): Promise<StaticCredential>;
}

/** What the SDK accepts as `credential`. */
export type SdkCredential = StaticCredential | DynamicCredential;

export const isDynamicCredential = (c: SdkCredential): c is DynamicCredential => typeof (c as Partial<DynamicCredential>).getCredential === 'function';

/** Temporary credentials that can be dropped and fetched anew (after the API refused them as expired). */
export interface RenewableCredential extends DynamicCredential {
  renew(): void;
}

export const isRenewable = (c: SdkCredential): c is RenewableCredential => isDynamicCredential(c) && typeof (c as Partial<RenewableCredential>).renew === 'function';

/**
 * Temporary credentials (STS, CVM role) are fetched again this long before they expire. The SDK's providers
 * renew `expirationReservationTime` before expiry but compare it, in milliseconds, with a value meant in
 * seconds (600 → 0.6 s): calls around the expiry then fail with AuthFailure.TokenFailure.
 */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

/** Tells an SDK provider to renew REFRESH_BEFORE_EXPIRY_MS ahead (its field is compared with milliseconds). */

/**
 * A provider of the SDK, whose module is loaded on first use: the SDK's common code costs the process ~20 MB
 * of memory that an operator with nothing to do in the cloud never needs (npm run bench measures it).
 */
function sdkProvider(make: (m: typeof SdkCredentials) => DynamicCredential): () => DynamicCredential {
  return () => {
    let inner: Promise<DynamicCredential> | undefined;
    return {
      getCredential: async () => (await (inner ??= import('tencentcloud-sdk-nodejs/tencentcloud/common/credential.js').then((m) => renewEarly(make(m))))).getCredential(),
    };
  };
}

function renewEarly(p: DynamicCredential): DynamicCredential {
  const q = p as DynamicCredential & { expirationReservationTime?: unknown };
  if (typeof q.expirationReservationTime === 'number') q.expirationReservationTime = REFRESH_BEFORE_EXPIRY_MS;
  return p;
}

/** An API endpoint override. `host` may contain `{service}`, replaced by the product (tcr, vpc, sts). */
export interface CloudEndpoint {
  host: string;
  protocol: 'http://' | 'https://';
}

export function endpointHost(endpoint: CloudEndpoint, service: string): string {
  return endpoint.host.replaceAll('{service}', service);
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i;

/**
 * An explicit agent for loopback endpoints (tests, a local emulator): the SDK otherwise routes every request
 * through `http_proxy` when it is set, and does not honour NO_PROXY.
 */
export function agentFor(endpoint: CloudEndpoint | undefined, host: string | undefined): http.Agent | undefined {
  if (!endpoint || !host || !LOOPBACK.test(host)) return undefined;
  return endpoint.protocol === 'http://' ? new http.Agent({ keepAlive: true }) : new https.Agent({ keepAlive: true });
}

// ---------------------------------------------------------------------------------------------------------
// (a) Secret data

/** Key names accepted in the credentials Secret, in order of preference: [id, key, token...]. */
export const SECRET_KEY_FAMILIES: ReadonlyArray<readonly [string, string, readonly string[]]> = [
  ['SecretId', 'SecretKey', ['Token', 'SessionToken']],
  ['secretId', 'secretKey', ['token', 'sessionToken']],
  ['TENCENTCLOUD_SECRET_ID', 'TENCENTCLOUD_SECRET_KEY', ['TENCENTCLOUD_SESSION_TOKEN']],
];

export type SecretCredentialsResult = { ok: true; credentials: StaticCredential; keys: string } | { ok: false; message: string };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// Printable ASCII without spaces: anything else cannot be a Tencent key and would break the HTTP headers.
const KEY_CHARS = /^[\x21-\x7e]+$/;

function decodeValue(data: Record<string, string>, key: string): { value?: string; error?: string } {
  const raw = data[key];
  if (raw === undefined) return {};
  const b64 = raw.replace(/\s+/g, '');
  if (!BASE64.test(b64)) return { error: `key ${key} is not valid base64` };
  const value = Buffer.from(b64, 'base64').toString('utf8').trim();
  if (value === '') return { error: `key ${key} is empty` };
  if (!KEY_CHARS.test(value)) return { error: `key ${key} contains whitespace or non-printable characters` };
  return { value };
}

/**
 * Tencent Cloud API keys from the `data` of a Secret (values base64, as the API server returns them).
 * Accepts SecretId/SecretKey[/Token], secretId/secretKey[/token] and TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY
 * [/TENCENTCLOUD_SESSION_TOKEN]. Messages name keys, never values.
 */
export function credentialsFromSecretData(data: Readonly<Record<string, string>> | undefined): SecretCredentialsResult {
  const d = data ?? {};
  for (const [idKey, secretKey, tokenKeys] of SECRET_KEY_FAMILIES) {
    if (d[idKey] === undefined && d[secretKey] === undefined) continue;
    if (d[idKey] === undefined) return { ok: false, message: `has ${secretKey} but no ${idKey}` };
    if (d[secretKey] === undefined) return { ok: false, message: `has ${idKey} but no ${secretKey}` };
    const id = decodeValue(d, idKey);
    if (id.error !== undefined) return { ok: false, message: id.error };
    const key = decodeValue(d, secretKey);
    if (key.error !== undefined) return { ok: false, message: key.error };
    const credentials: StaticCredential = { secretId: id.value!, secretKey: key.value! };
    let keys = `${idKey}/${secretKey}`;
    const tokenKey = tokenKeys.find((k) => d[k] !== undefined);
    if (tokenKey !== undefined) {
      const tok = decodeValue(d, tokenKey);
      if (tok.error !== undefined) return { ok: false, message: tok.error };
      credentials.token = tok.value!;
      keys += `/${tokenKey}`;
    }
    return { ok: true, credentials, keys };
  }
  const expected = SECRET_KEY_FAMILIES.map(([i, k]) => `${i}/${k}`).join(', or ');
  return { ok: false, message: `must hold ${expected}` };
}

// ---------------------------------------------------------------------------------------------------------
// Resolution

export interface ResolvedCredential {
  credential: SdkCredential;
  /** Where the keys come from, for logs and status ("environment", "TKE pod identity (role …)", ...). Never the key. */
  description: string;
  /** Distinguishes credentials for caching: a keyed hash, never the key itself. */
  fingerprint: string;
}

export interface CredentialChainOptions {
  /** Defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** STS endpoint for TKE pod identity (an emulator, or sts.internal.tencentcloudapi.com). */
  stsEndpoint?: CloudEndpoint;
  /** Bounds a credential fetch (STS, metadata service); seconds. Default 10. */
  timeoutSeconds?: number;
  /** How static credentials are described (e.g. "Secret tcr-system/tencentcloud"). */
  staticDescription?: string;
}

// Per-process key: a fingerprint that leaked into a log could not be used to test guesses offline.
const FINGERPRINT_KEY = randomBytes(32);

export function fingerprint(...parts: string[]): string {
  const h = createHmac('sha256', FINGERPRINT_KEY);
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 24);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * Wraps an SDK provider: bounds each fetch, checks the result, and replaces the provider after a failure
 * (the SDK's OIDC and CVM providers cache a rejected fetch forever). Failures are CredentialUnavailableError.
 */
export class ProviderCredential implements RenewableCredential {
  private inner: DynamicCredential;
  private readonly make: () => DynamicCredential;
  private readonly label: string;
  private readonly timeoutMs: number;

  constructor(label: string, make: () => DynamicCredential, timeoutMs: number) {
    this.label = label;
    this.make = () => renewEarly(make());
    this.inner = this.make();
    this.timeoutMs = timeoutMs;
  }

  /** Drops the cached credentials: the next use fetches new ones. */
  renew(): void {
    this.inner = this.make();
  }

  async getCredential(): Promise<StaticCredential> {
    try {
      const c = await withTimeout(this.inner.getCredential(), this.timeoutMs, this.label);
      if (!c.secretId || !c.secretKey) throw new Error('the provider returned no key');
      return c.token ? { secretId: c.secretId, secretKey: c.secretKey, token: c.token } : { secretId: c.secretId, secretKey: c.secretKey };
    } catch (e) {
      this.inner = this.make();
      throw new CredentialUnavailableError(`${this.label}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/** A source that was selected but is misconfigured: every use fails with the same clear message. */
export class FailingCredential implements DynamicCredential {
  private readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
  getCredential(): Promise<StaticCredential> {
    return Promise.reject(new CredentialUnavailableError(this.message));
  }
}

const TKE_VARS = ['TKE_ROLE_ARN', 'TKE_WEB_IDENTITY_TOKEN_FILE', 'TKE_PROVIDER_ID', 'TKE_REGION'] as const;

/** The SDK client config for OIDCRoleArnCredential in TKE mode (reads the TKE_* variables itself on each refresh). */
function oidcClientConfig(opts: CredentialChainOptions): ClientConfig {
  const timeout = opts.timeoutSeconds ?? 10;
  const sts = opts.stsEndpoint;
  const host = sts ? endpointHost(sts, 'sts') : undefined;
  const agent = agentFor(sts, host);
  return {
    credential: { secretId: '', secretKey: '' },
    profile: {
      httpProfile: {
        reqTimeout: timeout,
        ...(sts && host ? { endpoint: host, protocol: sts.protocol } : {}),
        ...(agent ? { agent } : {}),
      },
    },
  };
}

/** Sources (b)–(d). Selection reads the environment once; fetching is lazy (first API call). */
export function defaultCredentialChain(opts: CredentialChainOptions = {}): ResolvedCredential {
  const env = opts.env ?? process.env;
  const timeoutMs = (opts.timeoutSeconds ?? 10) * 1000;
  const id = env['TENCENTCLOUD_SECRET_ID'];
  const key = env['TENCENTCLOUD_SECRET_KEY'];
  if (id || key) {
    const description = 'environment (TENCENTCLOUD_SECRET_ID)';
    if (!id || !key) {
      const missing = id ? 'TENCENTCLOUD_SECRET_KEY' : 'TENCENTCLOUD_SECRET_ID';
      return { credential: new FailingCredential(`${description}: ${missing} is not set`), description, fingerprint: fingerprint('env-incomplete') };
    }
    const token = env['TENCENTCLOUD_SESSION_TOKEN'] || undefined;
    const credential: StaticCredential = token ? { secretId: id, secretKey: key, token } : { secretId: id, secretKey: key };
    return { credential, description, fingerprint: fingerprint('static', id, key, token ?? '') };
  }
  if (TKE_VARS.some((v) => env[v])) {
    const role = env['TKE_ROLE_ARN'] ?? '';
    const description = `TKE pod identity (role ${role || 'unset'})`;
    const missing = TKE_VARS.filter((v) => !env[v]);
    if (missing.length > 0) {
      return { credential: new FailingCredential(`${description}: ${missing.join(', ')} not set`), description, fingerprint: fingerprint('tke-incomplete') };
    }
    // The SDK reads TKE_* from process.env itself; a custom env (tests) must match it.
    const config = oidcClientConfig(opts);
    const make = sdkProvider((m) => new (m.OIDCRoleArnCredential as unknown as new (c: ClientConfig) => DynamicCredential)(config));
    return {
      credential: new ProviderCredential(description, make, timeoutMs),
      description,
      fingerprint: fingerprint('tke', role, env['TKE_PROVIDER_ID'] ?? '', env['TKE_REGION'] ?? '', opts.stsEndpoint ? endpointHost(opts.stsEndpoint, 'sts') : ''),
    };
  }
  const description = 'CVM role (instance metadata)';
  return { credential: new ProviderCredential(description, sdkProvider((m) => new m.CvmRoleCredential() as DynamicCredential), timeoutMs), description, fingerprint: fingerprint('cvm') };
}

/** Resolves a TcrAccess's credential source. `static` comes from its Secret; `default` is the chain (b)–(d). */
export function resolveCredentials(source: CloudCredentialSource, opts: CredentialChainOptions = {}): ResolvedCredential {
  if (source.kind === 'static') {
    const credential: StaticCredential = source.token ? { secretId: source.secretId, secretKey: source.secretKey, token: source.token } : { secretId: source.secretId, secretKey: source.secretKey };
    return { credential, description: opts.staticDescription ?? 'static credentials', fingerprint: fingerprint('static', source.secretId, source.secretKey, source.token ?? '') };
  }
  return defaultCredentialChain(opts);
}
