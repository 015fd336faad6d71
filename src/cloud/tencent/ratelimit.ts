// Client-side per-action rate limiting for Tencent Cloud API calls. Tencent counts requests per account and
// action ("默认接口请求频率限制: N次/秒") and answers RequestLimitExceeded beyond that; waiting here is cheaper.
// One limiter is shared by every client the factory makes (all regions and credentials): conservative when
// several accounts are used, exact for the usual single account.
import { TokenBucket } from '../../k8s/ratelimit.ts';

/** Documented default limits (requests per second), reference §7.3. */
export const DEFAULT_ACTION_LIMITS: Readonly<Record<string, number>> = {
  ManageInternalEndpoint: 2,
  DescribeInternalEndpoints: 20,
  CreateInternalEndpointDns: 20,
  DeleteInternalEndpointDns: 20,
  DescribeInternalEndpointDnsStatus: 20,
  DescribeExternalEndpointStatus: 20,
  ManageExternalEndpoint: 20,
  CreateSecurityPolicy: 20,
  DescribeSecurityPolicies: 20,
  CreateMultipleSecurityPolicy: 20,
  DescribeInstanceToken: 20,
  DescribeInstanceStatus: 20,
  DescribeInstances: 100,
  CreateInstanceToken: 100,
  CreateNatGateway: 100,
  AssociateNatGatewayAddress: 100,
  DisassociateNatGatewayAddress: 100,
};

/** For actions whose limit was not checked. */
export const DEFAULT_ACTION_QPS = 20;

export interface ActionRateLimiter {
  /** Resolves when one request for `action` may be sent (waits, never fails). */
  take(action: string, signal?: AbortSignal): Promise<void>;
}

export interface PerActionRateLimiterOptions {
  limits?: Readonly<Record<string, number>>;
  defaultQps?: number;
  now?: () => number;
}

/** A token bucket per action; burst 1, so requests are evenly spaced and no 1-second window sees more than the limit. */
export class PerActionRateLimiter implements ActionRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly limits: Readonly<Record<string, number>>;
  private readonly defaultQps: number;
  private readonly now: (() => number) | undefined;

  constructor(opts: PerActionRateLimiterOptions = {}) {
    this.limits = { ...DEFAULT_ACTION_LIMITS, ...opts.limits };
    this.defaultQps = opts.defaultQps ?? DEFAULT_ACTION_QPS;
    this.now = opts.now;
  }

  /** The limit applied to an action (requests per second). */
  limit(action: string): number {
    return this.limits[action] ?? this.defaultQps;
  }

  async take(action: string, signal?: AbortSignal): Promise<void> {
    let b = this.buckets.get(action);
    if (!b) {
      b = new TokenBucket(this.limit(action), 1, this.now);
      this.buckets.set(action, b);
    }
    if (!signal) return b.take();
    if (signal.aborted) return;
    // A per-call child signal: TokenBucket never removes its abort listener, and `signal` lives as long as the process.
    const child = new AbortController();
    const onAbort = () => child.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await b.take(child.signal);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}
