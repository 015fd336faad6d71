// Client-side pacing of the Kubernetes client: a token bucket as the fixed ceiling (client-go's
// flowcontrol.NewTokenBucketRateLimiter: `qps` tokens per second, up to `burst` saved, FIFO), and below it an
// AIMD window of requests in flight set by the API server's answers (429 + Retry-After, latency).
import { AsyncLocalStorage } from 'node:async_hooks';

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly waiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly qps: number;
  private readonly burst: number;
  private readonly now: () => number;

  constructor(qps: number, burst: number, now: () => number = () => performance.now()) {
    if (!(qps > 0) || !(burst >= 1)) throw new Error(`invalid rate limit qps=${qps} burst=${burst}`);
    this.qps = qps;
    this.burst = burst;
    this.now = now;
    this.tokens = burst;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
    this.last = t;
  }

  /** Resolves when the caller may send one request. */
  take(signal?: AbortSignal): Promise<void> {
    this.refill();
    if (this.waiters.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const w = () => resolve();
      this.waiters.push(w);
      signal?.addEventListener('abort', () => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve();
      });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer || this.waiters.length === 0) return;
    this.refill();
    const wait = this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.qps) * 1000;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.waiters.length > 0 && this.tokens >= 1) {
        this.tokens -= 1;
        this.waiters.shift()!();
      }
      this.schedule();
    }, Math.ceil(wait));
  }
}

/**
 * Requests made inside `urgentRequests.run(true, …)` go ahead of the others waiting for the AIMD gate: the
 * work of the queue's fast lane (a new namespace) does not wait behind a large rollout's requests.
 */
export const urgentRequests = new AsyncLocalStorage<boolean>();

/** What one finished request tells the AIMD window. */
export type Outcome =
  /** An answer in normal course; `latencyMs` only for requests of even cost (writes, not LISTs). */
  | { kind: 'ok'; latencyMs?: number; sentAt: number }
  /** 429 (API Priority and Fairness rejected it, or the max-inflight filter): back off. */
  | { kind: 'throttled'; retryAfterSeconds: number | undefined; sentAt: number }
  /** Anything else (4xx answers, connection errors): says nothing about load. */
  | { kind: 'neutral'; sentAt: number };

export interface AimdOptions {
  /** Lowest window (requests in flight). */
  min?: number;
  /** Highest window: the ceiling. */
  max?: number;
  /** Window to start with; it doubles per round trip until the first sign of load (slow start). */
  initial?: number;
  /** Multiplicative decrease on a 429. */
  throttleFactor?: number;
  /** Multiplicative decrease when latency rises. */
  latencyFactor?: number;
  /** Latency counts as risen when its average exceeds `latencyRatio` × the baseline, plus `latencySlackMs`. */
  latencyRatio?: number;
  latencySlackMs?: number;
  /** The baseline is the lowest latency seen in this window of time. */
  baselineWindowMs?: number;
}

/**
 * Additive-increase/multiplicative-decrease window of requests in flight, paced by what the API server
 * says (TCP's congestion window, applied to a client of a shared server): every answer that came back in
 * normal time widens the window by 1/window (one request per round trip); a 429 halves it and holds new
 * requests back for the Retry-After the server asked for; latency rising well above the lowest seen (API
 * Priority and Fairness queues our requests before they run, so its queueing shows as latency) narrows it by
 * `latencyFactor`. One decrease per round trip: answers to requests sent before the last decrease are not
 * counted again. Pure: the clock is injected.
 */
export class AimdWindow {
  private w: number;
  private slowStart = true;
  private lastDecreaseAt = -Infinity;
  private pausedUntil = -Infinity;
  private avgLatency: number | undefined;
  /** Lowest latency of the current and the previous baseline window. */
  private baseline = { current: Infinity, previous: Infinity, since: 0 };
  readonly min: number;
  readonly max: number;
  private readonly o: Required<Omit<AimdOptions, 'min' | 'max' | 'initial'>>;
  private readonly now: () => number;
  /** Counters for the bench and the metrics. */
  readonly stats = { throttled: 0, latencyDecreases: 0 };

  constructor(opts: AimdOptions = {}, now: () => number = () => performance.now()) {
    this.min = opts.min ?? 1;
    this.max = opts.max ?? 64;
    if (!(this.min >= 1) || !(this.max >= this.min)) throw new Error(`invalid window min=${this.min} max=${this.max}`);
    this.w = Math.min(this.max, Math.max(this.min, opts.initial ?? 4));
    this.o = {
      throttleFactor: opts.throttleFactor ?? 0.5,
      latencyFactor: opts.latencyFactor ?? 0.8,
      latencyRatio: opts.latencyRatio ?? 4,
      latencySlackMs: opts.latencySlackMs ?? 50,
      baselineWindowMs: opts.baselineWindowMs ?? 60_000,
    };
    this.now = now;
    this.baseline.since = now();
  }

  /** Requests that may be in flight now. */
  get limit(): number {
    return Math.max(this.min, Math.floor(this.w));
  }

  /** Milliseconds to hold new requests back (a Retry-After still running), 0 when they may go. */
  get pauseMs(): number {
    return Math.max(0, this.pausedUntil - this.now());
  }

  /** The latency (ms) above which the window narrows, once a baseline is known. */
  get latencyThresholdMs(): number | undefined {
    const base = Math.min(this.baseline.current, this.baseline.previous);
    return Number.isFinite(base) ? base * this.o.latencyRatio + this.o.latencySlackMs : undefined;
  }

  record(o: Outcome): void {
    const t = this.now();
    if (o.kind === 'neutral') return;
    if (o.kind === 'throttled') {
      this.stats.throttled++;
      if (o.retryAfterSeconds) this.pausedUntil = Math.max(this.pausedUntil, t + o.retryAfterSeconds * 1000);
      this.decrease(o.sentAt, this.o.throttleFactor, t);
      return;
    }
    if (o.latencyMs !== undefined) {
      if (t - this.baseline.since > this.o.baselineWindowMs) this.baseline = { current: Infinity, previous: this.baseline.current, since: t };
      this.baseline.current = Math.min(this.baseline.current, o.latencyMs);
      this.avgLatency = this.avgLatency === undefined ? o.latencyMs : this.avgLatency * 0.9 + o.latencyMs * 0.1;
      const threshold = this.latencyThresholdMs;
      if (threshold !== undefined && this.avgLatency > threshold) {
        if (this.decrease(o.sentAt, this.o.latencyFactor, t)) this.stats.latencyDecreases++;
        return;
      }
    }
    // slow start: +1 per answer (doubles per round trip); then +1/window (one per round trip)
    this.w = Math.min(this.max, this.w + (this.slowStart ? 1 : 1 / this.w));
  }

  private decrease(sentAt: number, factor: number, t: number): boolean {
    this.slowStart = false;
    if (sentAt < this.lastDecreaseAt) return false;
    this.w = Math.max(this.min, this.w * factor);
    this.lastDecreaseAt = t;
    // the average carried the congestion that caused this decrease: start it afresh
    this.avgLatency = undefined;
    return true;
  }
}

/**
 * Lets at most `window.limit` requests be in flight, FIFO, honouring the window's pause (Retry-After).
 * acquire() resolves with the moment the request was let go (pass it back as `sentAt`).
 */
export class AimdGate {
  private inFlight = 0;
  /** Waiters in FIFO order, the urgent ones (the first `urgentWaiting`) ahead of the others. */
  private readonly waiters: Array<() => void> = [];
  private urgentWaiting = 0;
  private timer: NodeJS.Timeout | undefined;
  readonly window: AimdWindow;
  private readonly now: () => number;

  constructor(window: AimdWindow, now: () => number = () => performance.now()) {
    this.window = window;
    this.now = now;
  }

  get active(): number {
    return this.inFlight;
  }

  acquire(signal?: AbortSignal): Promise<number> {
    if (this.waiters.length === 0 && this.free()) {
      this.inFlight++;
      return Promise.resolve(this.now());
    }
    return new Promise<number>((resolve) => {
      const w = () => {
        this.inFlight++;
        resolve(this.now());
      };
      if (urgentRequests.getStore()) this.waiters.splice(this.urgentWaiting++, 0, w);
      else this.waiters.push(w);
      signal?.addEventListener('abort', () => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) {
          if (i < this.urgentWaiting) this.urgentWaiting--;
          this.waiters.splice(i, 1);
          resolve(this.now());
          this.inFlight++; // released by the caller like any other
        }
      });
      this.drain();
    });
  }

  release(outcome: Outcome): void {
    this.inFlight--;
    this.window.record(outcome);
    this.drain();
  }

  private free(): boolean {
    return this.window.pauseMs === 0 && this.inFlight < this.window.limit;
  }

  private drain(): void {
    while (this.waiters.length > 0 && this.free()) {
      if (this.urgentWaiting > 0) this.urgentWaiting--;
      this.waiters.shift()!();
    }
    const pause = this.window.pauseMs;
    if (this.waiters.length > 0 && pause > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.drain();
      }, Math.ceil(pause));
    }
  }
}
