// CloudFactory over SdkCloud: one client per (region, credential fingerprint), all sharing one per-action rate
// limiter (Tencent's limits are per account and action). The default credential chain is resolved once, so
// temporary credentials (TKE pod identity, CVM role) are fetched and refreshed once for every region.
import type { Logger } from 'winston';
import { type CloudEndpoint, type CredentialChainOptions, defaultCredentialChain, type ResolvedCredential, resolveCredentials } from './credentials.ts';
import type { CloudCredentialSource, CloudFactory } from './port.ts';
import { type ActionRateLimiter, PerActionRateLimiter } from './ratelimit.ts';
import { type CloudCall, type RetryPolicy, SdkCloud } from './sdk.ts';

export interface SdkCloudFactoryOptions {
  /** API endpoint override for TCR and VPC; `{service}` in the host is replaced by the product. */
  endpoint?: CloudEndpoint;
  /** Per-request timeout, seconds. */
  timeoutSeconds: number;
  logger: Logger;
  /** STS endpoint for TKE pod identity. Default: derived from `endpoint` when it has `{service}`, else the SDK's. */
  stsEndpoint?: CloudEndpoint;
  /** Environment for the default chain (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  rateLimiter?: ActionRateLimiter;
  retry?: Partial<RetryPolicy>;
  /** Aborts in-flight calls of every client (shutdown). */
  signal?: AbortSignal;
  /** Clients kept (least recently used dropped first). Default 64. */
  maxClients?: number;
  /** Called once per request sent by any client (metrics). */
  onCall?: (call: CloudCall) => void;
}

export class SdkCloudFactory implements CloudFactory {
  readonly rateLimiter: ActionRateLimiter;
  private readonly opts: SdkCloudFactoryOptions;
  private readonly clients = new Map<string, SdkCloud>();
  private defaultChain: ResolvedCredential | undefined;

  constructor(opts: SdkCloudFactoryOptions) {
    this.opts = opts;
    this.rateLimiter = opts.rateLimiter ?? new PerActionRateLimiter();
  }

  private chainOptions(): CredentialChainOptions {
    const { endpoint, stsEndpoint, env, timeoutSeconds } = this.opts;
    const sts = stsEndpoint ?? (endpoint?.host.includes('{service}') ? endpoint : undefined);
    return { timeoutSeconds, ...(sts ? { stsEndpoint: sts } : {}), ...(env ? { env } : {}) };
  }

  /** The credentials a source resolves to (memoized for the default chain). */
  resolve(source: CloudCredentialSource): ResolvedCredential {
    if (source.kind === 'default') return (this.defaultChain ??= defaultCredentialChain(this.chainOptions()));
    return resolveCredentials(source, this.chainOptions());
  }

  /** Where a source's keys come from, for status and logs (never the key). */
  describe(source: CloudCredentialSource): string {
    return this.resolve(source).description;
  }

  client(region: string, credentials: CloudCredentialSource): SdkCloud {
    const resolved = this.resolve(credentials);
    const key = `${region}\0${resolved.fingerprint}`;
    const hit = this.clients.get(key);
    if (hit) {
      this.clients.delete(key);
      this.clients.set(key, hit);
      return hit;
    }
    const c = new SdkCloud({
      region,
      credential: resolved.credential,
      credentialDescription: resolved.description,
      timeoutSeconds: this.opts.timeoutSeconds,
      logger: this.opts.logger,
      rateLimiter: this.rateLimiter,
      ...(this.opts.endpoint ? { endpoint: this.opts.endpoint } : {}),
      ...(this.opts.retry ? { retry: this.opts.retry } : {}),
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
      ...(this.opts.onCall ? { onCall: this.opts.onCall } : {}),
    });
    this.clients.set(key, c);
    const max = this.opts.maxClients ?? 64;
    while (this.clients.size > max) {
      const oldest = this.clients.keys().next().value;
      if (oldest === undefined) break;
      this.clients.delete(oldest);
    }
    return c;
  }
}
