// The emulator's notion of time. Every asynchronous state (link provisioning, NAT creation, EIP tasks, ...)
// is stored as timestamps and settled lazily on read against this clock, so tests can jump time instead of
// sleeping. The base time source is injectable; advance() adds an offset on top of it.

export interface Clock {
  /** Milliseconds since the epoch, as the emulated cloud sees it. */
  now(): number;
}

export class EmulatorClock implements Clock {
  readonly #base: () => number;
  #offsetMs = 0;

  constructor(base: () => number = Date.now) {
    this.#base = base;
  }

  now(): number {
    return this.#base() + this.#offsetMs;
  }

  /** Jump forward (or back, with a negative value). */
  advance(ms: number): void {
    this.#offsetMs += ms;
  }

  /** Total offset applied by advance() so far. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  reset(): void {
    this.#offsetMs = 0;
  }
}
