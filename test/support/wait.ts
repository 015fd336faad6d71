export interface EventuallyOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Pause between attempts (default 100 ms). */
  intervalMs?: number;
  /** Prefixed to the last error when the deadline passes. */
  message?: string;
}

/**
 * Retries `fn` until it resolves (it should throw/reject while its assertion does not hold yet) or the deadline
 * passes; then rethrows the last error, prefixed with `message`. Use it to assert final state instead of sleeping.
 * `fn` always runs at least once, and once more at/after the deadline if the previous attempt started before it.
 */
export async function eventually<T>(fn: () => Promise<T>, opts: EventuallyOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      return await fn();
    } catch (err) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw wrap(err, opts.message, timeoutMs, attempts);
      await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, remaining)));
    }
  }
}

function wrap(err: unknown, message: string | undefined, timeoutMs: number, attempts: number): Error {
  const prefix = `${message ? `${message}: ` : ''}still failing after ${timeoutMs} ms (${attempts} attempts)`;
  if (err instanceof Error) {
    const original = err.message;
    err.message = `${prefix}: ${original}`;
    if (err.stack?.includes(original)) err.stack = err.stack.replace(original, err.message);
    return err;
  }
  return new Error(`${prefix}: ${String(err)}`, { cause: err });
}
