// The emulator's HTTP server: the Tencent Cloud API 3.0 endpoint the real SDK talks to (POST / with JSON,
// TC3-HMAC-SHA256, dispatch on X-TC-Version + X-TC-Action) and the admin API under /_emulator/.

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientConfig } from 'tencentcloud-sdk-nodejs/tencentcloud/common/interface.js';
import type { CallContext, ProductName, RuntimeAction } from './actions.ts';
import { EmulatorClock } from './clock.ts';
import { ApiError } from './errors.ts';
import { FaultInjector, type Fault, type FaultRule, type InstalledFault } from './faults.ts';
import { DEFAULT_RATE_LIMIT_CONFIG, RateLimiter, type RateLimitConfig } from './ratelimit.ts';
import { validate } from './schema.ts';
import { applySeed, defaultSeed, snapshotWorld, type Seed, type WorldSnapshot } from './seed.ts';
import { canonicalRequest, parseAuthorization, signaturesEqual, stringToSign, tc3Signature, utcDate, type ParsedAuthorization } from './signature.ts';
import { STS_VERSION, stsRuntimeActions } from './sts.ts';
import { TCR_RATE_LIMITS, TCR_VERSION, tcrRuntimeActions } from './tcr.ts';
import { VPC_RATE_LIMITS, VPC_VERSION, vpcRuntimeActions } from './vpc.ts';
import { DEFAULT_BEHAVIOUR, DEFAULT_DELAYS, World, type Behaviour, type CredentialRecord, type Delays } from './world.ts';

interface Product {
  name: ProductName;
  version: string;
  /** Regional products require X-TC-Region. */
  regional: boolean;
  actions: Map<string, RuntimeAction>;
}

const PRODUCTS: readonly Product[] = [
  { name: 'tcr', version: TCR_VERSION, regional: true, actions: tcrRuntimeActions },
  { name: 'vpc', version: VPC_VERSION, regional: true, actions: vpcRuntimeActions },
  { name: 'sts', version: STS_VERSION, regional: false, actions: stsRuntimeActions },
];

function documentedLimits(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(TCR_RATE_LIMITS)) out[`tcr.${k}`] = v;
  for (const [k, v] of Object.entries(VPC_RATE_LIMITS)) out[`vpc.${k}`] = v;
  return out;
}

/** Allowed clock skew of X-TC-Timestamp, seconds. */
const MAX_SKEW_S = 300;
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface EmulatorOptions {
  /** Port on 127.0.0.1 (0, the default, picks a free one). */
  port?: number;
  host?: string;
  /** Initial world (default: defaultSeed()). */
  seed?: Seed;
  /** Base time source of the emulator clock (default Date.now); advance() adds to it. */
  now?: () => number;
  /** Time source of the ±300 s X-TC-Timestamp check (default Date.now: the SDK stamps real time). */
  authNow?: () => number;
  delays?: Partial<Delays>;
  behaviour?: Partial<Behaviour>;
  rateLimits?: Partial<RateLimitConfig>;
  /** One line per API call. */
  log?: (line: string) => void;
}

export interface CallRecord {
  seq: number;
  /** Emulator time of the call. */
  at: number;
  product: ProductName | '';
  version: string;
  action: string;
  region: string;
  secretId: string;
  /** Whether X-TC-Token was sent. */
  token: boolean;
  mutating: boolean;
  requestId: string;
  traceId: string;
  params: unknown;
  outcome: 'ok' | 'error' | 'fault';
  errorCode?: string;
  fault?: Fault['kind'];
}

export interface ActionCount {
  calls: number;
  ok: number;
  errors: number;
  mutating: boolean;
}

export interface CallFilter {
  action?: string;
  product?: ProductName;
  mutating?: boolean;
}

/** Thrown to stop processing after the response was handled (or deliberately not sent). */
class Handled extends Error {}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError('RequestSizeLimitExceeded', 'The request body exceeds the size limit.'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Empty top-level arrays become null ("may be null" lists). */
function nullLists(obj: object): object {
  const out: Record<string, unknown> = { ...obj };
  for (const [k, v] of Object.entries(out)) if (Array.isArray(v) && v.length === 0) out[k] = null;
  return out;
}

export class TencentCloudEmulator {
  readonly world: World;
  readonly clock: EmulatorClock;
  readonly faults = new FaultInjector();
  readonly rateLimiter: RateLimiter;
  readonly #server: http.Server;
  readonly #opts: EmulatorOptions;
  #calls: CallRecord[] = [];
  #seq = 0;

  private constructor(opts: EmulatorOptions) {
    this.#opts = opts;
    this.clock = new EmulatorClock(opts.now);
    this.world = new World(this.clock, opts.delays, opts.behaviour);
    this.rateLimiter = new RateLimiter(documentedLimits(), opts.rateLimits);
    applySeed(this.world, opts.seed ?? defaultSeed());
    this.#server = http.createServer((req, res) => {
      void this.#handle(req, res);
    });
  }

  static async start(opts: EmulatorOptions = {}): Promise<TencentCloudEmulator> {
    const emu = new TencentCloudEmulator(opts);
    await new Promise<void>((resolve, reject) => {
      emu.#server.once('error', reject);
      emu.#server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
    });
    return emu;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get host(): string {
    return this.#opts.host ?? '127.0.0.1';
  }

  /** `host:port`, for httpProfile.endpoint. */
  get endpoint(): string {
    return `${this.host}:${this.port}`;
  }

  get url(): string {
    return `http://${this.endpoint}/`;
  }

  /** The first permanent API key of the first account. */
  get defaultCredentials(): { uin: string; secretId: string; secretKey: string } {
    for (const acc of this.world.accounts.values()) {
      const cred = [...this.world.credentials.values()].find((c) => c.uin === acc.uin && c.token === undefined);
      if (cred) return { uin: acc.uin, secretId: cred.secretId, secretKey: cred.secretKey };
    }
    throw new Error('the emulator world has no account with an API key');
  }

  /** A ClientConfig for an SDK client pointed at this emulator. */
  clientConfig(opts: { region?: string; credential?: { secretId: string; secretKey: string; token?: string }; reqTimeout?: number } = {}): ClientConfig {
    const { secretId, secretKey } = this.defaultCredentials;
    return {
      credential: opts.credential ?? { secretId, secretKey },
      region: opts.region ?? 'ap-guangzhou',
      profile: { httpProfile: { endpoint: this.endpoint, protocol: 'http://', reqTimeout: opts.reqTimeout ?? 5 } },
    };
  }

  // ---- world ----

  /** Add accounts and resources. */
  seed(seed: Seed): void {
    applySeed(this.world, seed);
  }

  /**
   * Empty the world and load `seed` (default: defaultSeed()). Also clears calls, faults, rate buckets and the
   * clock offset, and restores the delays, behaviour and rate limits given at start.
   */
  reset(seed: Seed = defaultSeed()): void {
    this.world.clear();
    this.world.delays = { ...DEFAULT_DELAYS, ...this.#opts.delays };
    this.world.behaviour = { ...DEFAULT_BEHAVIOUR, ...this.#opts.behaviour };
    this.rateLimiter.config = { ...DEFAULT_RATE_LIMIT_CONFIG, perAction: {}, ...this.#opts.rateLimits };
    this.faults.clear();
    this.rateLimiter.reset();
    this.clock.reset();
    this.#calls = [];
    applySeed(this.world, seed);
  }

  snapshot(): WorldSnapshot {
    return snapshotWorld(this.world);
  }

  /** Would `docker login <registry>` with these credentials succeed (a current instance token)? */
  checkRegistryLogin(registryId: string, username: string, password: string): boolean {
    const now = this.clock.now();
    this.world.settle(now);
    for (const acc of this.world.accounts.values()) {
      const reg = acc.registries.get(registryId);
      if (!reg || username !== acc.uin) continue;
      if ([...reg.tokens.values()].some((t) => t.enabled && t.token === password && t.expiresAt > now)) return true;
      if (reg.tempTokens.some((t) => t.token === password && t.expiresAt > now)) return true;
    }
    return false;
  }

  // ---- time and behaviour ----

  now(): number {
    return this.clock.now();
  }

  /** Jump the emulator clock; returns the new time. */
  advance(ms: number): number {
    this.clock.advance(ms);
    return this.clock.now();
  }

  setDelays(delays: Partial<Delays>): Delays {
    this.world.delays = { ...this.world.delays, ...delays };
    return { ...this.world.delays };
  }

  setBehaviour(behaviour: Partial<Behaviour>): Behaviour {
    this.world.behaviour = { ...this.world.behaviour, ...behaviour };
    return { ...this.world.behaviour };
  }

  setRateLimits(config: Partial<RateLimitConfig>): RateLimitConfig {
    this.rateLimiter.config = { ...this.rateLimiter.config, ...config };
    this.rateLimiter.reset();
    return { ...this.rateLimiter.config };
  }

  // ---- faults ----

  injectFault(rule: FaultRule): string {
    return this.faults.add(rule);
  }

  removeFault(id: string): boolean {
    return this.faults.remove(id);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  listFaults(): InstalledFault[] {
    return this.faults.list();
  }

  // ---- call log ----

  calls(filter: CallFilter = {}): CallRecord[] {
    return this.#calls.filter(
      (c) =>
        (filter.action === undefined || c.action === filter.action) &&
        (filter.product === undefined || c.product === filter.product) &&
        (filter.mutating === undefined || c.mutating === filter.mutating),
    );
  }

  /** API requests that have arrived so far, counted on arrival (callCount counts them once answered). */
  received(): number {
    return this.#seq;
  }

  /** Number of calls received (any outcome), optionally for one action and/or only mutating ones. */
  callCount(action?: string, opts: { mutatingOnly?: boolean } = {}): number {
    return this.calls({ action, mutating: opts.mutatingOnly ? true : undefined }).length;
  }

  callCounts(): Record<string, ActionCount> {
    const out: Record<string, ActionCount> = {};
    for (const c of this.#calls) {
      const e = (out[c.action] ??= { calls: 0, ok: 0, errors: 0, mutating: c.mutating });
      e.calls++;
      if (c.outcome === 'ok') e.ok++;
      else e.errors++;
    }
    return out;
  }

  clearCalls(): void {
    this.#calls = [];
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  // ---- HTTP ----

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    try {
      if (path.startsWith('/_emulator/')) await this.#admin(req, res, path);
      else await this.#api(req, res);
    } catch (e) {
      if (e instanceof Handled) return;
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
      }
    }
  }

  async #api(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const traceId = header(req, 'x-tc-traceid') ?? '';
    const now = this.clock.now();
    const rec: CallRecord = {
      seq: ++this.#seq,
      at: now,
      product: '',
      version: header(req, 'x-tc-version') ?? '',
      action: header(req, 'x-tc-action') ?? '',
      region: header(req, 'x-tc-region') ?? '',
      secretId: '',
      token: header(req, 'x-tc-token') !== undefined,
      mutating: false,
      requestId,
      traceId,
      params: undefined,
      outcome: 'ok',
    };
    const baseHeaders = (): http.OutgoingHttpHeaders => (traceId ? { 'x-tc-traceid': traceId } : {});
    const send = (body: object): void => {
      const text = JSON.stringify({ Response: { ...body, RequestId: requestId } });
      res.writeHead(200, { ...baseHeaders(), 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const finish = (): void => {
      this.#calls.push(rec);
      const what = rec.outcome === 'ok' ? 'ok' : rec.outcome === 'fault' ? `fault:${rec.fault ?? ''}` : (rec.errorCode ?? 'error');
      this.#opts.log?.(`${rec.product || '?'} ${rec.action || '?'} ${rec.region || '-'} -> ${what}`);
    };

    try {
      const body = await readBody(req);
      if (req.method !== 'POST') throw new ApiError('InvalidParameter', 'The emulator supports only POST requests with a JSON body (TC3-HMAC-SHA256).');
      if (!rec.action) throw new ApiError('MissingParameter', 'The request is missing a required parameter `Action`.');
      if (!rec.version) throw new ApiError('MissingParameter', 'The request is missing a required parameter `Version`.');
      const authorization = header(req, 'authorization') ?? '';
      const parsed = authorization === 'SKIP' ? undefined : parseAuthorization(authorization);
      const product = this.#route(rec.version, parsed?.service);
      rec.product = product.name;
      const def = product.actions.get(rec.action);
      if (!def) throw new ApiError('InvalidAction', `The action \`${rec.action}\` is not supported by ${product.name} ${product.version}.`);
      rec.mutating = def.mutating;

      let credential: CredentialRecord | undefined;
      if (authorization === 'SKIP') {
        if (!(product.name === 'sts' && rec.action === 'AssumeRoleWithWebIdentity')) {
          throw new ApiError('AuthFailure.InvalidAuthorization', 'Authorization `SKIP` is only accepted by sts AssumeRoleWithWebIdentity.');
        }
      } else {
        if (!parsed) throw new ApiError('AuthFailure.InvalidAuthorization', 'The Authorization header is missing or malformed.');
        rec.secretId = parsed.secretId;
        credential = this.#authenticate(req, parsed, body);
      }

      let region = rec.region;
      if (product.regional) {
        if (!region) throw new ApiError('MissingParameter', 'The request is missing a required parameter `Region`.');
        if (!this.world.regions.has(region)) throw new ApiError('UnsupportedRegion', `The region \`${region}\` is not supported.`);
      } else {
        region ||= 'ap-guangzhou';
      }

      const fault = this.faults.next(product.name, rec.action);
      if (fault) {
        rec.fault = fault.kind;
        switch (fault.kind) {
          case 'error':
            throw new ApiError(fault.code, fault.message ?? `Injected fault: ${fault.code}.`);
          case 'throttle':
            throw new ApiError('RequestLimitExceeded', 'Your current request times exceeds the frequency limit (injected).');
          case 'http':
            rec.outcome = 'fault';
            finish();
            res.writeHead(fault.status, { ...baseHeaders(), 'content-type': 'text/plain' });
            res.end(http.STATUS_CODES[fault.status] ?? 'error');
            return;
          case 'hang':
            rec.outcome = 'fault';
            finish();
            return; // never answered; closed by the client's timeout or by stop()
          case 'malformed':
            rec.outcome = 'fault';
            finish();
            res.writeHead(200, { ...baseHeaders(), 'content-type': 'text/html' });
            res.end('<html><body>502 Bad Gateway</body></html>');
            return;
          case 'delay':
            await sleep(fault.ms);
            break;
          case 'lose-response':
          case 'null-lists':
            break;
        }
      }

      const limit = this.rateLimiter.take(credential?.secretId ?? 'anonymous', product.name, rec.action, this.clock.now());
      if (limit !== undefined) {
        throw new ApiError(
          'RequestLimitExceeded',
          `Your current request times equals to \`${limit + 1}\` in a second, which exceeds the frequency limit \`${limit}\` for a second. Please reduce the frequency of calls.`,
        );
      }

      let params: unknown;
      try {
        params = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch {
        throw new ApiError('InvalidParameter', 'The request body is not valid JSON.');
      }
      rec.params = params;
      const input = validate(def.schema, params, {
        strictUnknown: this.world.behaviour.strictUnknownParameters,
        guessCode: product.name === 'vpc',
      });

      const callNow = this.clock.now();
      this.world.settle(callNow);
      const world = this.world;
      const uin = credential?.uin;
      const ctx: CallContext = {
        world,
        get account() {
          const acc = uin === undefined ? undefined : world.accounts.get(uin);
          if (!acc) throw new ApiError('AuthFailure.UnauthorizedOperation', 'The request is not associated with an account.');
          return acc;
        },
        region,
        requestId,
        now: callNow,
        product: product.name,
        action: rec.action,
      };
      let result = def.handler(ctx, input);
      if (this.world.behaviour.nullLists || fault?.kind === 'null-lists') result = nullLists(result);
      if (fault?.kind === 'lose-response') {
        rec.outcome = 'fault';
        finish();
        return;
      }
      finish();
      send(result);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError('InternalError', `Emulator internal error: ${e instanceof Error ? e.message : String(e)}`);
      if (!(e instanceof ApiError)) this.#opts.log?.(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      rec.outcome = rec.fault === 'error' || rec.fault === 'throttle' ? 'fault' : 'error';
      rec.errorCode = err.code;
      finish();
      send({ Error: { Code: err.code, Message: err.message } });
    }
  }

  /**
   * Pick the product: by the credential scope when it names one (real hostnames), else by X-TC-Version
   * (IP endpoints sign with scope "127"). Never by action name alone.
   */
  #route(version: string, scopeService: string | undefined): Product {
    const byScope = PRODUCTS.find((p) => p.name === scopeService);
    if (byScope) {
      if (byScope.version !== version) throw new ApiError('NoSuchVersion', `The API version \`${version}\` does not exist for ${byScope.name}.`);
      return byScope;
    }
    const byVersion = PRODUCTS.find((p) => p.version === version);
    if (!byVersion) throw new ApiError('NoSuchVersion', `The API version \`${version}\` does not exist.`);
    return byVersion;
  }

  /** TC3-HMAC-SHA256 verification (reference §1.5). */
  #authenticate(req: http.IncomingMessage, parsed: ParsedAuthorization, body: Buffer): CredentialRecord {
    const tsHeader = header(req, 'x-tc-timestamp');
    if (tsHeader === undefined) throw new ApiError('MissingParameter', 'The request is missing a required parameter `Timestamp`.');
    if (!/^\d+$/.test(tsHeader)) throw new ApiError('InvalidParameter', 'X-TC-Timestamp must be a unix timestamp in seconds.');
    const ts = Number(tsHeader);
    const serverS = Math.floor((this.#opts.authNow ?? Date.now)() / 1000);
    if (Math.abs(serverS - ts) > MAX_SKEW_S) {
      throw new ApiError('AuthFailure.SignatureExpire', 'Signature expired. Timestamp and server time cannot differ by more than five minutes.');
    }
    const cred = this.world.credentials.get(parsed.secretId);
    if (!cred) throw new ApiError('AuthFailure.SecretIdNotFound', 'The SecretId is not found, please ensure that your SecretId is correct.');
    const token = header(req, 'x-tc-token');
    if (cred.token !== undefined) {
      if (token !== cred.token) throw new ApiError('AuthFailure.TokenFailure', 'Token verification failed.');
      if (cred.expiresAt !== undefined && cred.expiresAt <= this.clock.now()) throw new ApiError('AuthFailure.TokenFailure', 'The token has expired.');
    } else if (token) {
      throw new ApiError('AuthFailure.TokenFailure', 'A token was sent with a permanent SecretId.');
    }
    if (!parsed.signedHeaders.includes('content-type') || !parsed.signedHeaders.includes('host')) {
      throw new ApiError('AuthFailure.InvalidAuthorization', 'SignedHeaders must include content-type and host.');
    }
    const failure = 'The provided credentials could not be validated. Please check your signature is correct.';
    if (parsed.date !== utcDate(ts)) throw new ApiError('AuthFailure.SignatureFailure', failure);
    const url = new URL(req.url ?? '/', 'http://emulator');
    const headers: Record<string, string | undefined> = {};
    for (const name of parsed.signedHeaders) headers[name] = header(req, name);
    const canonical = canonicalRequest({
      method: req.method ?? 'POST',
      path: url.pathname,
      query: url.search.slice(1),
      headers,
      signedHeaders: parsed.signedHeaders,
      body,
    });
    const expected = tc3Signature(cred.secretKey, parsed.date, parsed.service, stringToSign(ts, parsed.date, parsed.service, canonical));
    if (!signaturesEqual(expected, parsed.signature)) throw new ApiError('AuthFailure.SignatureFailure', failure);
    return cred;
  }

  // ---- admin API ----

  async #admin(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
    const json = (status: number, body: unknown): void => {
      const text = JSON.stringify(body ?? null);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    let input: unknown;
    try {
      const raw = await readBody(req);
      input = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
    } catch {
      json(400, { error: 'the body is not valid JSON' });
      return;
    }
    const method = req.method ?? 'GET';
    const route = `${method} ${path.replace(/\/+$/, '')}`;
    const query = new URL(req.url ?? '/', 'http://emulator').searchParams;
    try {
      const body = this.#adminRoute(route, input, query);
      if (body === undefined) json(404, { error: `no admin route ${route}` });
      else json(200, body);
    } catch (e) {
      json(400, { error: e instanceof Error ? e.message : String(e) });
    }
  }

  #adminRoute(route: string, input: unknown, query: URLSearchParams): unknown {
    const obj = (): Record<string, unknown> => {
      if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new TypeError('the body must be a JSON object');
      return input as Record<string, unknown>;
    };
    const faultMatch = /^DELETE \/_emulator\/faults\/([^/]+)$/.exec(route);
    if (faultMatch?.[1]) return { removed: this.removeFault(decodeURIComponent(faultMatch[1])) };
    switch (route) {
      case 'GET /_emulator/health':
        return { ok: true, endpoint: this.endpoint };
      case 'GET /_emulator/world':
        return this.snapshot();
      case 'POST /_emulator/seed':
        this.seed(checkSeed(obj()));
        return this.snapshot();
      case 'POST /_emulator/reset':
        this.reset(input === undefined ? undefined : checkSeed(obj()));
        return this.snapshot();
      case 'GET /_emulator/faults':
        return this.listFaults();
      case 'POST /_emulator/faults': {
        const rules = (Array.isArray(input) ? input : [obj()]) as FaultRule[];
        return { ids: rules.map((r) => this.injectFault(r)) };
      }
      case 'DELETE /_emulator/faults':
        this.clearFaults();
        return {};
      case 'GET /_emulator/calls': {
        const mutating = query.get('mutating');
        const product = query.get('product');
        return this.calls({
          action: query.get('action') ?? undefined,
          product: product === 'tcr' || product === 'vpc' || product === 'sts' ? product : undefined,
          mutating: mutating === null ? undefined : mutating === 'true',
        });
      }
      case 'GET /_emulator/calls/counts':
        return this.callCounts();
      case 'DELETE /_emulator/calls':
        this.clearCalls();
        return {};
      case 'GET /_emulator/delays':
        return this.world.delays;
      case 'POST /_emulator/delays':
        return this.setDelays(checkNumbers(obj(), Object.keys(this.world.delays)) as Partial<Delays>);
      case 'GET /_emulator/behaviour':
        return this.world.behaviour;
      case 'POST /_emulator/behaviour':
        return this.setBehaviour(checkKeys(obj(), Object.keys(this.world.behaviour)) as Partial<Behaviour>);
      case 'GET /_emulator/rate-limits':
        return this.rateLimiter.config;
      case 'POST /_emulator/rate-limits':
        return this.setRateLimits(checkKeys(obj(), Object.keys(this.rateLimiter.config).concat('overridePerSecond')) as Partial<RateLimitConfig>);
      case 'GET /_emulator/clock':
        return { now: this.now(), offsetMs: this.clock.offsetMs };
      case 'POST /_emulator/clock/advance': {
        const ms = obj().ms;
        if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new TypeError('ms must be a number');
        this.advance(ms);
        return { now: this.now(), offsetMs: this.clock.offsetMs };
      }
      default:
        return undefined;
    }
  }
}

function checkKeys(o: Record<string, unknown>, allowed: string[]): Record<string, unknown> {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new TypeError(`unknown key ${k} (allowed: ${allowed.join(', ')})`);
  return o;
}

function checkNumbers(o: Record<string, unknown>, allowed: string[]): Record<string, unknown> {
  checkKeys(o, allowed);
  for (const [k, v] of Object.entries(o)) if (typeof v !== 'number' || v < 0) throw new TypeError(`${k} must be a number >= 0`);
  return o;
}

/** Minimal shape check of a seed coming from JSON/YAML; applySeed reports bad references. */
export function checkSeed(o: unknown): Seed {
  if (typeof o !== 'object' || o === null || !Array.isArray((o as { accounts?: unknown }).accounts)) {
    throw new TypeError('a seed is an object with an `accounts` array');
  }
  return o as Seed;
}

export function startEmulator(opts: EmulatorOptions = {}): Promise<TencentCloudEmulator> {
  return TencentCloudEmulator.start(opts);
}
