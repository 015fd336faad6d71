// Per-action API rate limits: a token bucket per (SecretId, product, action), refilled continuously at the
// action's documented limit per second (reference §7.3) against the emulator clock. Exceeding it answers
// RequestLimitExceeded.

export interface RateLimitConfig {
  enabled: boolean;
  /** Limit for actions without a documented one (the reference suggests 20/s). */
  defaultPerSecond: number;
  /** Global override: when set, every action gets this limit. */
  overridePerSecond?: number;
  /** Per-action overrides, keyed "Action" or "product.Action". */
  perAction: Record<string, number>;
}

export const DEFAULT_RATE_LIMIT_CONFIG: Readonly<RateLimitConfig> = { enabled: true, defaultPerSecond: 20, perAction: {} };

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  config: RateLimitConfig;
  /** Documented limits, keyed "product.Action". */
  readonly #documented: Readonly<Record<string, number>>;
  readonly #buckets = new Map<string, Bucket>();

  constructor(documented: Readonly<Record<string, number>>, config: Partial<RateLimitConfig> = {}) {
    this.#documented = documented;
    this.config = { ...DEFAULT_RATE_LIMIT_CONFIG, perAction: {}, ...config };
  }

  limitFor(product: string, action: string): number {
    const c = this.config;
    return (
      c.overridePerSecond ??
      c.perAction[`${product}.${action}`] ??
      c.perAction[action] ??
      this.#documented[`${product}.${action}`] ??
      c.defaultPerSecond
    );
  }

  /** Take one token; returns the limit that was exceeded, or undefined when the call may proceed. */
  take(secretId: string, product: string, action: string, now: number): number | undefined {
    if (!this.config.enabled) return undefined;
    const limit = this.limitFor(product, action);
    if (limit <= 0) return limit;
    const key = `${secretId}/${product}/${action}`;
    const b = this.#buckets.get(key) ?? { tokens: limit, at: now };
    const elapsed = Math.max(0, now - b.at);
    b.tokens = Math.min(limit, b.tokens + (elapsed * limit) / 1000);
    b.at = now;
    this.#buckets.set(key, b);
    if (b.tokens < 1) return limit;
    b.tokens -= 1;
    return undefined;
  }

  reset(): void {
    this.#buckets.clear();
  }
}
