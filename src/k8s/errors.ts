// Error classes, decided once, at the edge (pure).
//  conflict  — 409 Conflict (stale resourceVersion): requeue at once, no error log
//  throttled — 429 after the client's own retries: requeue after Retry-After
//  permanent — needs a person (403 Forbidden, 422 Invalid, 400): slow retry, since RBAC or input can change
//  transient — everything else (5xx, network, timeouts): per-key exponential backoff
import { ApiError } from './client.ts';

export type ErrorClass =
  | { kind: 'conflict' }
  | { kind: 'throttled'; retryAfterMs: number }
  | { kind: 'permanent'; reason: string }
  | { kind: 'transient'; reason: string };

export const PERMANENT_RETRY_MS = 5 * 60_000;

export function classify(e: unknown): ErrorClass {
  if (e instanceof ApiError) {
    if (e.status === 409 && e.reason !== 'AlreadyExists') return { kind: 'conflict' };
    if (e.status === 429) return { kind: 'throttled', retryAfterMs: (e.retryAfterSeconds ?? 1) * 1000 };
    if (e.status === 401 || e.status === 403 || e.status === 400 || e.status === 422) return { kind: 'permanent', reason: e.reason };
    return { kind: 'transient', reason: e.reason };
  }
  return { kind: 'transient', reason: e instanceof Error ? e.name : 'Error' };
}
