// Typed action tables. An ActionTable<Client> maps the SDK client's method names to handlers whose request
// and response types are read off that very method, so a handler for "DescribeInternalEndpoints" must take a
// DescribeInternalEndpointsRequest and return a DescribeInternalEndpointsResponse (minus RequestId).

import { ApiError, fail } from './errors.ts';
import { runtimeSchema, type ObjectSchema, type RuntimeSchema } from './schema.ts';
import type { Account, World } from './world.ts';

export type ProductName = 'tcr' | 'vpc' | 'sts';

export interface CallContext {
  world: World;
  /** The caller's account; throws for unsigned calls (only STS AssumeRoleWithWebIdentity is unsigned). */
  readonly account: Account;
  /** X-TC-Region (validated for regional products). */
  region: string;
  requestId: string;
  /** Emulator time at the start of the call (ms). */
  now: number;
  product: ProductName;
  action: string;
}

/** Public API methods of an SDK client: its capitalised members. */
type ApiMethods<C> = { [K in keyof C as K extends string ? (K extends Capitalize<K> ? K : never) : never]: C[K] };
type ReqOf<F> = F extends (req: infer R, ...rest: never[]) => Promise<unknown> ? Exclude<R, undefined> : never;
type ResOf<F> = F extends (...args: never[]) => Promise<infer S> ? S : never;

/** What a handler returns: the SDK response without RequestId (the server adds it). */
export type Reply<Res> = Omit<Res, 'RequestId'>;

export interface ActionDef<Req, Res> {
  schema: ObjectSchema<Req>;
  /** Counted as a mutating call (call statistics). */
  mutating: boolean;
  handler: (ctx: CallContext, req: Req) => Reply<Res>;
}

export type ActionTable<C> = {
  [K in keyof ApiMethods<C>]?: ActionDef<ReqOf<ApiMethods<C>[K]>, ResOf<ApiMethods<C>[K]>>;
};

export interface RuntimeAction {
  schema: RuntimeSchema;
  mutating: boolean;
  handler: (ctx: CallContext, req: unknown) => object;
}

/** Erase the static types of a table for the dispatcher (validation happens before the handler runs). */
export function runtimeActions<C>(table: ActionTable<C>): Map<string, RuntimeAction> {
  const out = new Map<string, RuntimeAction>();
  for (const [name, def] of Object.entries(table) as Array<[string, ActionDef<object, object> | undefined]>) {
    if (!def) continue;
    out.set(name, {
      schema: runtimeSchema(def.schema),
      mutating: def.mutating,
      handler: (ctx, req) => def.handler(ctx, req as object),
    });
  }
  return out;
}

// ---- helpers shared by the product handlers ----

export interface Page<T> {
  total: number;
  items: T[];
}

export function page<T>(items: T[], offset: number, limit: number): Page<T> {
  return { total: items.length, items: items.slice(offset, offset + limit) };
}

/** TCR paging: Offset >= 0, Limit default 20, values over 100 clamped to 100 ([ASSUME], see reference §2). */
export function tcrPaging(offset: number | undefined, limit: number | undefined): { offset: number; limit: number } {
  if ((offset ?? 0) < 0) fail('InvalidParameter', 'Offset must not be negative.');
  if (limit !== undefined && limit < 0) fail('InvalidParameter', 'Limit must not be negative.');
  return { offset: offset ?? 0, limit: Math.min(limit === undefined || limit === 0 ? 20 : limit, 100) };
}

/** VPC paging: Offset/Limit may be numbers or numeric strings; Limit 1..100 (default 20). */
export function vpcPaging(
  offset: string | number | undefined,
  limit: string | number | undefined,
  limitCode = 'InvalidParameterValue.Range',
): { offset: number; limit: number } {
  const num = (v: string | number | undefined, name: string, def: number): number => {
    if (v === undefined || v === '') return def;
    const n = typeof v === 'number' ? v : /^\d+$/.test(v.trim()) ? Number(v) : NaN;
    if (!Number.isInteger(n)) fail('InvalidParameterValue.Malformed', `The value \`${String(v)}\` of parameter \`${name}\` is malformed.`);
    if (n < 0) fail('InvalidParameterValue.Range', `The value \`${n}\` of parameter \`${name}\` is out of range.`);
    return n;
  };
  const o = num(offset, 'Offset', 0);
  const l = num(limit, 'Limit', 20);
  if (l > 100) fail(limitCode, `The value \`${l}\` of parameter \`Limit\` exceeds the maximum of 100.`);
  return { offset: o, limit: l };
}

export interface FilterInput {
  Name: string;
  Values: string[];
}

/** Check filter names against the supported set and the count limits. */
export function checkFilters(
  filters: FilterInput[] | undefined,
  accept: (name: string) => boolean,
  opts: { invalidKeyCode: string; maxFilters?: number; maxValues?: number; tooManyCode?: string },
): void {
  if (!filters) return;
  if (opts.maxFilters !== undefined && filters.length > opts.maxFilters) {
    fail(opts.tooManyCode ?? 'InvalidParameterValue.LimitExceeded', `At most ${opts.maxFilters} filters are allowed.`);
  }
  for (const f of filters) {
    if (!accept(f.Name)) throw new ApiError(opts.invalidKeyCode, `The filter \`${f.Name}\` is not supported.`);
    if (opts.maxValues !== undefined && f.Values.length > opts.maxValues) {
      fail(opts.tooManyCode ?? 'InvalidParameterValue.LimitExceeded', `Filter \`${f.Name}\` allows at most ${opts.maxValues} values.`);
    }
  }
}

/** Tag filters common to VPC resources: tag-key, tag-value, tag:<key>. */
export function matchTagFilter(name: string, values: string[], tags: Array<{ key: string; value: string }>): boolean | undefined {
  if (name === 'tag-key') return tags.some((t) => values.includes(t.key));
  if (name === 'tag-value') return tags.some((t) => values.includes(t.value));
  if (name.startsWith('tag:')) {
    const key = name.slice(4);
    return tags.some((t) => t.key === key && values.includes(t.value));
  }
  return undefined;
}

/** "YYYY-MM-DD HH:mm:ss" in UTC+8, the VPC CreatedTime format. */
export function vpcTime(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** "YYYY-MM-DDThh:mm:ssZ", the EIP CreatedTime format. */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** RFC 3339 in UTC+8, as TCR prints CreatedAt. */
export function tcrTime(ms: number): string {
  return `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}
