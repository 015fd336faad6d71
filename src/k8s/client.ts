// A thin Kubernetes REST client over the kubeconfig of @kubernetes/client-node.
//
// Why not only the generated API classes: the operator needs what they do not give in one place —
// a client-side QPS/burst limiter shared by every call, 429 Retry-After handling, metadata-only lists
// and watches (PartialObjectMetadata), merge patches with resourceVersion preconditions, one keep-alive
// connection pool, and the request metrics. Authentication (tokens, client certs, exec plugins,
// in-cluster service account) still comes from client-node's KubeConfig. HTTP is Node's own (node:http/https,
// which KubeConfig loads anyway): undici, npm's or Node's fetch, would cost 15–20 MB of memory more.
import type { KubeConfig } from '@kubernetes/client-node';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https, { type RequestOptions } from 'node:https';
import type { Socket } from 'node:net';
import { AimdGate, AimdWindow, TokenBucket, type AimdOptions } from './ratelimit.ts';

export interface ClientOptions {
  /** Ceiling: client-side requests per second (token bucket). */
  qps: number;
  /** Ceiling: client-side burst. */
  burst: number;
  /** The AIMD window of requests in flight, paced by the server (429, latency); `false` for none. */
  aimd?: AimdOptions | false;
  userAgent?: string;
  /** Called once per HTTP response, or with '<error>' when a request got none (for metrics). */
  onResponse?: (verb: string, code: number | '<error>') => void;
  /** Maximum number of 429 retries of one call. */
  maxThrottleRetries?: number;
  /** Timeout of one plain request (never applied to watches); default 30 s. */
  requestTimeoutMs?: number;
  /** A watch silent this long (no event, no bookmark) is dead and aborted; default WATCH_IDLE_TIMEOUT_MS. */
  watchIdleTimeoutMs?: number;
}

/** Two missed bookmarks and a half: a silently dead watch is restarted within about 2.5 minutes. */
export const WATCH_IDLE_TIMEOUT_MS = 150_000;

export class ApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly retryAfterSeconds: number | undefined;
  readonly details: unknown;
  constructor(status: number, reason: string, message: string, retryAfterSeconds?: number, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.reason = reason;
    this.retryAfterSeconds = retryAfterSeconds;
    this.details = details;
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof ApiError && e.status === 404;
export const isForbidden = (e: unknown): boolean => e instanceof ApiError && e.status === 403;
export const isConflict = (e: unknown): boolean => e instanceof ApiError && e.status === 409 && e.reason === 'Conflict';
export const isAlreadyExists = (e: unknown): boolean => e instanceof ApiError && e.status === 409 && e.reason === 'AlreadyExists';
export const isGone = (e: unknown): boolean => e instanceof ApiError && e.status === 410;
const WATCH_IDLE = 'WatchIdle';
/** A watch given up as dead after --watch-idle-timeout of silence (restarted at once, on a new connection). */
export const isWatchIdle = (e: unknown): boolean => e instanceof ApiError && e.reason === WATCH_IDLE;

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
}

export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';
export const APPLY_PATCH = 'application/apply-patch+yaml';
/** Ask for PartialObjectMetadata instead of full objects: lists, and watch events. */
export const ACCEPT_METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
export const ACCEPT_METADATA = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** Sends one HTTP request; resolves with the response head (its body still to be read). */
function send(url: string, init: { method: string; headers: Record<string, string>; body?: string; agent: http.Agent; signal: AbortSignal }): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers = init.body === undefined ? init.headers : { ...init.headers, 'Content-Length': String(Buffer.byteLength(init.body)) };
    const req = (u.protocol === 'https:' ? https : http).request(u, { method: init.method, headers, agent: init.agent, signal: init.signal }, resolve);
    req.on('error', reject);
    req.end(init.body);
  });
}

async function readText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

export class KubeClient {
  readonly server: string;
  private readonly kc: KubeConfig;
  private readonly limiter: TokenBucket;
  /** Requests in flight, paced by the API server's answers (not for watches, which stay open). */
  readonly gate: AimdGate | undefined;
  /** The API Priority and Fairness classification of our requests, from the X-Kubernetes-PF-* headers. */
  readonly flowControl = { flowSchemaUid: '', priorityLevelUid: '' };
  private readonly opts: ClientOptions;
  private pool: http.Agent | undefined;

  constructor(kc: KubeConfig, opts: ClientOptions) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.kc = kc;
    this.server = cluster.server.replace(/\/+$/, '');
    this.opts = opts;
    this.limiter = new TokenBucket(opts.qps, opts.burst);
    this.gate = opts.aimd === false ? undefined : new AimdGate(new AimdWindow(opts.aimd ?? {}));
  }

  /**
   * Headers and TLS material from the kubeconfig; re-read on every call so rotated tokens are picked up. Plain
   * requests share one pool of connections; a watch (`own`) gets a connection of its own, never a pooled one,
   * so a watch restarted after its connection went dead always dials anew. The caller destroys an own agent.
   */
  private async auth(own = false): Promise<{ headers: Record<string, string>; agent: http.Agent }> {
    const o: RequestOptions = {};
    await this.kc.applyToHTTPSOptions(o);
    const agent = (pooled: boolean) => {
      const opts: https.AgentOptions = {
        keepAlive: pooled,
        maxSockets: pooled ? 64 : 1,
        // an idle pooled connection is closed after 30 s
        ...(pooled ? { timeout: 30_000 } : {}),
        ...(o.ca !== undefined ? { ca: o.ca } : {}),
        ...(o.cert !== undefined ? { cert: o.cert } : {}),
        ...(o.key !== undefined ? { key: o.key } : {}),
        ...(o.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
        ...(o.servername ? { servername: o.servername } : {}),
      };
      return this.server.startsWith('https:') ? new https.Agent(opts) : new http.Agent(opts);
    };
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(o.headers ?? {})) if (v !== undefined) headers[k] = String(v);
    if (own) return { headers, agent: agent(false) };
    this.pool ??= agent(true);
    return { headers, agent: this.pool };
  }

  /**
   * After a watch went silently dead the path to the API server is suspect (a NAT or load balancer that dropped
   * its connections): the pool is replaced, its idle connections closed, requests in flight finish or time out
   * there, their connections closed when idle (like kubelet closing all its connections when its heartbeat fails).
   */
  private renewConnections(): void {
    const old = this.pool;
    this.pool = undefined;
    if (!old) return;
    for (const sockets of Object.values(old.freeSockets)) for (const s of sockets ?? []) s.destroy();
    old.on('free', (socket: Socket) => socket.destroy());
  }

  url(path: string, query?: Query): string {
    const u = new URL(this.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  async request<T>(spec: RequestSpec): Promise<T> {
    const maxRetries = this.opts.maxThrottleRetries ?? 5;
    for (let attempt = 0; ; attempt++) {
      await this.limiter.take(spec.signal);
      const { headers, agent } = await this.auth();
      const sentAt = (await this.gate?.acquire(spec.signal)) ?? 0;
      headers['Accept'] = spec.accept ?? 'application/json';
      if (this.opts.userAgent) headers['User-Agent'] = this.opts.userAgent;
      let body: string | undefined;
      if (spec.body !== undefined) {
        headers['Content-Type'] = spec.contentType ?? 'application/json';
        body = JSON.stringify(spec.body);
      }
      const timeout = AbortSignal.timeout(this.opts.requestTimeoutMs ?? 30_000);
      const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
      let res: IncomingMessage;
      let text: string;
      try {
        res = await send(this.url(spec.path, spec.query), { method: spec.method, headers, ...(body !== undefined ? { body } : {}), agent, signal });
        text = await readText(res);
      } catch (e) {
        this.gate?.release({ kind: 'neutral', sentAt });
        this.opts.onResponse?.(spec.method, '<error>');
        throw e;
      }
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      this.opts.onResponse?.(spec.method, status);
      const retryAfter = Number(header(res.headers, 'retry-after') ?? '');
      const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
      this.noteFlowControl(res.headers);
      if (status === 429) this.gate?.release({ kind: 'throttled', retryAfterSeconds, sentAt });
      else if (status < 500) this.gate?.release({ kind: 'ok', sentAt, ...(spec.method !== 'GET' ? { latencyMs: performance.now() - sentAt } : {}) });
      else this.gate?.release({ kind: 'neutral', sentAt });
      if (ok) return (text ? JSON.parse(text) : undefined) as T;
      const err = toApiError(status, text, retryAfterSeconds);
      // 429 (and 5xx with Retry-After, as client-go does): wait as told and try again.
      if ((status === 429 || (status >= 500 && err.retryAfterSeconds)) && attempt < maxRetries) {
        await sleep(Math.min(err.retryAfterSeconds ?? 1, 30) * 1000, spec.signal);
        continue;
      }
      throw err;
    }
  }

  private noteFlowControl(h: IncomingHttpHeaders): void {
    const fs = header(h, 'x-kubernetes-pf-flowschema-uid');
    const pl = header(h, 'x-kubernetes-pf-prioritylevel-uid');
    if (fs) this.flowControl.flowSchemaUid = fs;
    if (pl) this.flowControl.priorityLevelUid = pl;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>({ method: 'GET', path, query });
  }
  create<T>(path: string, body: unknown, query?: Query): Promise<T> {
    return this.request<T>({ method: 'POST', path, body, query });
  }
  replace<T>(path: string, body: unknown, query?: Query): Promise<T> {
    return this.request<T>({ method: 'PUT', path, body, query });
  }
  mergePatch<T>(path: string, body: unknown, query?: Query): Promise<T> {
    return this.request<T>({ method: 'PATCH', path, body, contentType: MERGE_PATCH, query });
  }
  jsonPatch<T>(path: string, ops: unknown[], query?: Query): Promise<T> {
    return this.request<T>({ method: 'PATCH', path, body: ops, contentType: JSON_PATCH, query });
  }
  delete<T>(path: string, preconditions?: { uid?: string; resourceVersion?: string }): Promise<T> {
    const body = preconditions ? { kind: 'DeleteOptions', apiVersion: 'v1', preconditions } : undefined;
    return this.request<T>({ method: 'DELETE', path, body });
  }

  /**
   * Streams a watch. Resolves when the server closes the stream (the caller re-watches from the last
   * resourceVersion), rejects on errors. An ERROR event (e.g. 410 Gone) is turned into an ApiError.
   * `idleTimeoutMs` (default: the client's watchIdleTimeoutMs) aborts a stream that stays silent (dead TCP connection).
   */
  async watch<T>(path: string, query: Query, onEvent: (e: WatchEvent<T>) => void, opts: { accept?: string; signal?: AbortSignal; idleTimeoutMs?: number }): Promise<void> {
    const idleTimeoutMs = opts.idleTimeoutMs ?? this.opts.watchIdleTimeoutMs ?? WATCH_IDLE_TIMEOUT_MS;
    await this.limiter.take(opts.signal);
    const { headers, agent } = await this.auth(true);
    headers['Accept'] = opts.accept ?? 'application/json';
    if (this.opts.userAgent) headers['User-Agent'] = this.opts.userAgent;
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    opts.signal?.addEventListener('abort', onAbort);
    let idle: NodeJS.Timeout | undefined;
    let idleFired = false;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        idleFired = true;
        ac.abort();
      }, idleTimeoutMs);
    };
    try {
      arm();
      const res = await send(this.url(path, { ...query, watch: 1 }), { method: 'GET', headers, agent, signal: ac.signal });
      const status = res.statusCode ?? 0;
      this.opts.onResponse?.('WATCH', status);
      if (status < 200 || status >= 300) throw toApiError(status, await readText(res), undefined);
      const decoder = new TextDecoder();
      let buf = '';
      for await (const chunk of res) {
        arm();
        buf += decoder.decode(chunk as Uint8Array, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const ev = JSON.parse(line) as WatchEvent<T>;
          if (ev.type === 'ERROR') {
            const st = ev.object as unknown as { code?: number; reason?: string; message?: string };
            throw new ApiError(st.code ?? 500, st.reason ?? 'WatchError', st.message ?? 'watch error');
          }
          onEvent(ev);
        }
      }
    } catch (e) {
      if (opts.signal?.aborted) return;
      if (idleFired) {
        this.renewConnections();
        throw new ApiError(0, WATCH_IDLE, `watch ${path} was silent for ${idleTimeoutMs} ms`);
      }
      throw e;
    } finally {
      clearTimeout(idle);
      agent.destroy();
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    this.pool?.destroy();
    this.pool = undefined;
  }
}

function toApiError(status: number, text: string, retryAfter: number | undefined): ApiError {
  try {
    const st = JSON.parse(text) as { reason?: string; message?: string; details?: { retryAfterSeconds?: number } };
    return new ApiError(status, st.reason ?? String(status), st.message ?? text, retryAfter ?? st.details?.retryAfterSeconds, st.details);
  } catch {
    return new ApiError(status, String(status), text.slice(0, 512) || `HTTP ${status}`, retryAfter);
  }
}
