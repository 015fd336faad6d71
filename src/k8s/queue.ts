// A work queue of keys, after client-go's workqueue: a key is queued at most once (de-duplicated), never
// processed by two workers at once (a key added while it is processed runs again afterwards), retried with
// per-key exponential backoff, and delayable (addAfter). Two lanes: `fast` for keys caused by a single
// object changing (a new namespace must get its Secret within a second even while a large rollout is
// queued), `bulk` for fan-out work. Workers always take fast keys first; a worker may also take only fast keys
// (get('fast')), so a fast key never waits for a bulk key to finish.

export type Lane = 'fast' | 'bulk';

/** What a queue reports as it works, after client-go's workqueue metrics. */
export interface QueueHooks {
  /** A key was queued (not counted when it was already waiting). */
  added(): void;
  depth(n: number): void;
  /** A worker took a key that waited this long since it was queued. */
  started(waitedSeconds: number): void;
  /** A worker finished a key after this long. */
  finished(workSeconds: number): void;
  /** A key was re-queued with backoff after a failure. */
  retried(): void;
}

/** Work in progress now, for the unfinished-work gauges. */
export interface QueueLoad {
  /** Seconds spent so far on every key being processed, summed. */
  unfinishedSeconds: number;
  /** Seconds the longest-running key has been processed. */
  longestSeconds: number;
}

export interface QueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  hooks?: QueueHooks;
  /** Monotonic milliseconds (tests may inject). */
  monotonic?: () => number;
}

export class WorkQueue {
  private readonly fast: string[] = [];
  private readonly bulk: string[] = [];
  private readonly queued = new Map<string, Lane>();
  /** Keys being processed, with when their worker took them (monotonic ms). */
  private readonly processing = new Map<string, number>();
  /** The lane each key being processed was taken from. */
  private readonly processingLane = new Map<string, Lane>();
  /** When each waiting key was queued (monotonic ms). */
  private readonly queuedAt = new Map<string, number>();
  /** Keys added while being processed: re-queued (in this lane) when done. */
  private readonly dirty = new Map<string, Lane>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout; lane: Lane }>();
  private readonly waiting: Array<(key: string | undefined) => void> = [];
  /** Getters that take fast keys only. */
  private readonly waitingFast: Array<(key: string | undefined) => void> = [];
  private shuttingDown = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly hooks: QueueHooks | undefined;
  private readonly mono: () => number;

  constructor(opts: QueueOptions = {}) {
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 300_000;
    this.hooks = opts.hooks;
    this.mono = opts.monotonic ?? (() => performance.now());
  }

  /** Work in progress now (read at scrape time). */
  load(): QueueLoad {
    const now = this.mono();
    let unfinished = 0;
    let longest = 0;
    for (const at of this.processing.values()) {
      const s = (now - at) / 1000;
      unfinished += s;
      longest = Math.max(longest, s);
    }
    return { unfinishedSeconds: unfinished, longestSeconds: longest };
  }

  get depth(): number {
    return this.fast.length + this.bulk.length;
  }

  add(key: string, lane: Lane = 'fast'): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      if (this.dirty.get(key) !== 'fast') this.dirty.set(key, lane);
      return;
    }
    const cur = this.queued.get(key);
    if (cur === 'fast' || cur === lane) return;
    if (cur === 'bulk' && lane === 'fast') {
      // promote: a key waiting in the bulk lane moves ahead
      this.bulk.splice(this.bulk.indexOf(key), 1);
    }
    if (cur === undefined) {
      this.queuedAt.set(key, this.mono());
      this.hooks?.added();
    }
    this.queued.set(key, lane);
    (lane === 'fast' ? this.fast : this.bulk).push(key);
    this.hooks?.depth(this.depth);
    this.wake();
  }

  /** Adds the key after `ms`; an earlier pending addAfter of the same key wins. */
  addAfter(key: string, ms: number, lane: Lane = 'bulk'): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key, lane);
    const at = Date.now() + ms;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key, lane);
    }, ms);
    timer.unref();
    this.timers.set(key, { at, timer, lane });
  }

  /** Re-adds the key after its exponential backoff: base * 2^failures, capped. */
  addRateLimited(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** n);
    this.hooks?.retried();
    this.addAfter(key, delay, 'bulk');
    return delay;
  }

  /** Clears the key's backoff after a success. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** True while a worker processes a key starting with `prefix` (e.g. every namespace key of one TcrAccess). */
  inFlightWithPrefix(prefix: string): boolean {
    for (const k of this.processing.keys()) if (k.startsWith(prefix)) return true;
    return false;
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The lane a key being processed was taken from. */
  laneOf(key: string): Lane | undefined {
    return this.processingLane.get(key);
  }

  /**
   * Next key, or undefined once shut down and drained. Callers must call done(key). `only: 'fast'` waits for a
   * fast key only (a worker kept for the fast lane, free while the others work through a rollout).
   */
  get(only?: 'fast'): Promise<string | undefined> {
    const key = only === 'fast' && this.fast.length === 0 ? undefined : this.pop();
    if (key !== undefined) return Promise.resolve(key);
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => (only === 'fast' ? this.waitingFast : this.waiting).push(resolve));
  }

  private pop(): string | undefined {
    const lane: Lane = this.fast.length > 0 ? 'fast' : 'bulk';
    const key = this.fast.shift() ?? this.bulk.shift();
    if (key === undefined) return undefined;
    this.queued.delete(key);
    this.processingLane.set(key, lane);
    const now = this.mono();
    this.hooks?.started((now - (this.queuedAt.get(key) ?? now)) / 1000);
    this.queuedAt.delete(key);
    this.processing.set(key, now);
    this.hooks?.depth(this.depth);
    return key;
  }

  private wake(): void {
    // an idle worker of any lane first; the fast-lane worker only when none is idle
    for (;;) {
      const to = this.waiting.length > 0 ? this.waiting : this.waitingFast.length > 0 && this.fast.length > 0 ? this.waitingFast : undefined;
      if (!to) return;
      const key = this.pop();
      if (key === undefined) return;
      to.shift()!(key);
    }
  }

  done(key: string): void {
    const started = this.processing.get(key);
    if (started !== undefined) this.hooks?.finished((this.mono() - started) / 1000);
    this.processing.delete(key);
    this.processingLane.delete(key);
    const lane = this.dirty.get(key);
    if (lane) {
      this.dirty.delete(key);
      this.add(key, lane);
    }
  }

  /** Stops accepting keys; workers drain what is queued in flight and then get undefined. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    this.fast.length = 0;
    this.bulk.length = 0;
    this.queued.clear();
    this.queuedAt.clear();
    this.dirty.clear();
    this.hooks?.depth(0);
    for (const w of [...this.waiting.splice(0), ...this.waitingFast.splice(0)]) w(undefined);
  }
}
