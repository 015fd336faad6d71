// Fault injection per action: scripted errors, throttling, HTTP failures, hangs and odd payloads, optionally
// limited to N occurrences and/or starting after the first N matching calls.

import type { ProductName } from './actions.ts';

export type Fault =
  /** Answer with this API error (HTTP 200, Response.Error). */
  | { kind: 'error'; code: string; message?: string }
  /** Answer RequestLimitExceeded. */
  | { kind: 'throttle' }
  /** Answer a bare HTTP error (the SDK reports httpCode and no code). */
  | { kind: 'http'; status: number }
  /** Never answer (the SDK's reqTimeout fires). The call is not executed. */
  | { kind: 'hang' }
  /** Execute the call, then never answer: the change happens but the caller cannot know. */
  | { kind: 'lose-response' }
  /** Answer normally after an added latency. */
  | { kind: 'delay'; ms: number }
  /** HTTP 200 with a body that is not JSON. */
  | { kind: 'malformed' }
  /** Execute normally but turn empty top-level lists into null. */
  | { kind: 'null-lists' };

export interface FaultRule {
  /** Action name; omitted or "*" matches every action. */
  action?: string;
  /** Restrict to one product. */
  product?: ProductName;
  fault: Fault;
  /** Fire at most this many times (default: unlimited). */
  times?: number;
  /** Let the first N matching calls through ("fail after the Nth call"). */
  after?: number;
}

export interface InstalledFault extends FaultRule {
  id: string;
  /** Matching calls seen so far. */
  seen: number;
  /** Times the fault fired. */
  fired: number;
}

const KINDS = new Set(['error', 'throttle', 'http', 'hang', 'lose-response', 'delay', 'malformed', 'null-lists']);

export class FaultInjector {
  #rules: InstalledFault[] = [];
  #seq = 0;

  add(rule: FaultRule): string {
    checkRule(rule);
    const id = `fault-${++this.#seq}`;
    this.#rules.push({ ...rule, id, seen: 0, fired: 0 });
    return id;
  }

  remove(id: string): boolean {
    const before = this.#rules.length;
    this.#rules = this.#rules.filter((r) => r.id !== id);
    return this.#rules.length !== before;
  }

  clear(): void {
    this.#rules = [];
  }

  list(): InstalledFault[] {
    return this.#rules.map((r) => ({ ...r }));
  }

  /** Record a call and return the fault to apply, if any (the first rule that fires wins). */
  next(product: ProductName, action: string): Fault | undefined {
    let chosen: Fault | undefined;
    for (const r of this.#rules) {
      if (r.product !== undefined && r.product !== product) continue;
      if (r.action !== undefined && r.action !== '*' && r.action !== action) continue;
      r.seen++;
      if (chosen) continue;
      if (r.seen <= (r.after ?? 0)) continue;
      if (r.times !== undefined && r.fired >= r.times) continue;
      r.fired++;
      chosen = r.fault;
    }
    return chosen;
  }
}

/** Validate a rule (it may come from the admin HTTP API as untyped JSON). */
export function checkRule(rule: FaultRule): void {
  const f: unknown = rule?.fault;
  if (typeof f !== 'object' || f === null || !('kind' in f) || typeof f.kind !== 'string' || !KINDS.has(f.kind)) {
    throw new TypeError(`fault.kind must be one of ${[...KINDS].join(', ')}`);
  }
  if (rule.fault.kind === 'error' && typeof rule.fault.code !== 'string') throw new TypeError('an error fault needs a string code');
  if (rule.fault.kind === 'http' && (!Number.isInteger(rule.fault.status) || rule.fault.status < 400 || rule.fault.status > 599)) {
    throw new TypeError('an http fault needs a status between 400 and 599');
  }
  if (rule.fault.kind === 'delay' && !(typeof rule.fault.ms === 'number' && rule.fault.ms >= 0)) throw new TypeError('a delay fault needs ms >= 0');
  for (const k of ['times', 'after'] as const) {
    const v = rule[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new TypeError(`${k} must be a non-negative integer`);
  }
}
