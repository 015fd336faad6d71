// metav1.Condition helpers (pure). lastTransitionTime moves only when status flips; observedGeneration is
// always set; messages are capped at 1 KiB so status stays small.
import type { Condition } from '../api/v1alpha1/types.ts';

export const MAX_MESSAGE = 1024;

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

export function truncateMessage(m: string): string {
  if (Buffer.byteLength(m) <= MAX_MESSAGE) return m;
  let s = m.slice(0, MAX_MESSAGE - 3);
  // Never end on the first half of a surrogate pair: it would be written as U+FFFD (a broken character).
  while (Buffer.byteLength(s) > MAX_MESSAGE - 3 || /[\uD800-\uDBFF]$/.test(s)) s = s.slice(0, -1);
  return s + '...';
}

/** Returns a new list with `c` set; `now` is used only when the status changes (or the type is new). */
export function setCondition(existing: readonly Condition[], c: ConditionInput, generation: number, now: string): Condition[] {
  const prev = existing.find((x) => x.type === c.type);
  const next: Condition = {
    type: c.type,
    status: c.status,
    reason: c.reason,
    message: truncateMessage(c.message),
    observedGeneration: generation,
    lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : now,
  };
  const out = existing.filter((x) => x.type !== c.type);
  out.push(next);
  return out;
}

export function findCondition(list: readonly Condition[] | undefined, type: string): Condition | undefined {
  return list?.find((c) => c.type === type);
}

/** Conditions whose status changed between two lists (for Events on transitions only). */
export function transitions(before: readonly Condition[] | undefined, after: readonly Condition[]): Condition[] {
  return after.filter((c) => {
    const b = findCondition(before, c.type);
    return !b || b.status !== c.status || (c.status !== 'True' && b.reason !== c.reason);
  });
}
