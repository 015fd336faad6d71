// One control plane per mocha process, started lazily by the first integration test that asks for it and stopped
// by the global teardown in root-hooks.ts. Unit-only runs never start one.
import { startControlPlane } from './controlplane.ts';
import type { ControlPlane } from './controlplane.ts';

let shared: Promise<ControlPlane> | undefined;

/** Attempts before giving up (a start can fail on a free-port race on a busy machine). */
const ATTEMPTS = 2;

async function startWithRetry(): Promise<ControlPlane> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      return await startControlPlane();
    } catch (err) {
      lastError = err;
      if (attempt < ATTEMPTS) console.error(`[controlplane] start attempt ${attempt} failed, retrying: ${String(err)}`);
    }
  }
  throw lastError;
}

/**
 * The shared control plane (memoized; a failed start is memoized too, so every test file fails fast instead of
 * waiting for another 90 s timeout). Call it from a `before()` hook with a generous timeout (e.g. `this.timeout(180_000)`).
 */
export function getControlPlane(): Promise<ControlPlane> {
  shared ??= startWithRetry();
  return shared;
}

export async function stopSharedControlPlane(): Promise<void> {
  const pending = shared;
  shared = undefined;
  if (!pending) return;
  let cp: ControlPlane;
  try {
    cp = await pending;
  } catch {
    return; // failed to start: startControlPlane already cleaned up
  }
  await cp.stop();
}
