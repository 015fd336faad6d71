// List+watch cache of one resource, after client-go's reflector + store.
//
// - Lists in pages, then watches from the list's resourceVersion with bookmarks; a closed watch resumes
//   from the last resourceVersion; 410 Gone relists (and emits deletes for objects that vanished);
//   any other error restarts with capped exponential backoff and jitter — never a process exit.
// - Objects go through `transform` before they are stored: managedFields are always dropped, and
//   callers project objects to what they need (Secrets keep a hash of their data, never the data).
// - With a `sink`, nothing is cached here: objects go to the sink, which folds them into what its reader needs
//   (e.g. one record per Pod for thousands of Events about it).
// - Handlers see (old, new) so relations can skip no-op changes.
import type { Logger } from 'winston';
import { ACCEPT_METADATA, ACCEPT_METADATA_LIST, isGone, isWatchIdle, type KubeClient, type Query } from './client.ts';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    managedFields?: unknown;
  };
}

export interface InformerOptions<T> {
  name: string;
  client: KubeClient;
  /** Collection path, e.g. /api/v1/namespaces or /api/v1/namespaces/ns/secrets. */
  path: string;
  query?: Query;
  /** List and watch PartialObjectMetadata only (e.g. Namespaces: labels are all we need). */
  metadataOnly?: boolean;
  transform: (raw: KubeObject) => T;
  /** Objects (after transform) to keep; others are not cached (and a cached one that stops matching is removed). */
  keep?: (obj: T) => boolean;
  /** Objects go here instead of into this informer's cache (which stays empty); see `Sink`. */
  sink?: Sink<T>;
  logger: Logger;
  pageSize?: number;
  /** Server-side watch timeout; the client reconnects after it. */
  watchTimeoutSeconds?: number;
  /** A watch with no event and no bookmark for this long is dead (the API server bookmarks about every minute); default: the client's. */
  watchIdleTimeoutMs?: number;
  onError?: (err: unknown) => void;
}

/**
 * Where a cache-less informer's objects go: a fold that keeps only what its reader needs. It sees every listed and
 * watched object (no resourceVersion deduplication) and, for a full list, the bounds of it: what is put between
 * `beginList` and `endList` is the whole collection (a list that fails midway begins again).
 */
export interface Sink<T> {
  /** A listed object, or a watched ADDED or MODIFIED one, that `keep` kept. */
  put(obj: T): void;
  /** A watched DELETED object (or one that `keep` no longer keeps). */
  remove(obj: T): void;
  beginList(): void;
  endList(): void;
}

export interface Handlers<T> {
  add?: (obj: T) => void;
  update?: (oldObj: T, newObj: T) => void;
  delete?: (obj: T) => void;
}

export const keyOf = (o: KubeObject): string => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata?.name ?? ''));

/**
 * Whether resourceVersion `a` is older than `b`. Opaque to clients in general, but etcd's are integers and
 * client-go's mutation cache compares them as such; anything else is never called older (the event wins).
 */
export function olderThan(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return a.length !== b.length ? a.length < b.length : a < b;
}

export function stripManagedFields<T extends KubeObject>(o: T): T {
  if (o.metadata && 'managedFields' in o.metadata) delete o.metadata.managedFields;
  return o;
}

export class Informer<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly byNamespace = new Map<string, Set<string>>();
  /** Objects deleted by our own writes (`assumeDeleted`), until the watch says so: key → resourceVersion of the delete. */
  private readonly tombstones = new Map<string, string>();
  /** Copies our writes returned or our reads fetched (`assume`, `observe`), until the watch reaches them: key → resourceVersion. */
  private readonly assumed = new Map<string, string>();
  private readonly handlers: Handlers<T>[] = [];
  private readonly opts: InformerOptions<T>;
  private resourceVersion = '';
  private abort = new AbortController();
  private syncedResolve!: () => void;
  readonly synced: Promise<void>;
  private running = false;
  private hasSyncedOnce = false;
  /** --log-level=debug: every watch event (type, key, resourceVersion; never the object) is logged. */
  private readonly debug: boolean;

  constructor(opts: InformerOptions<T>) {
    this.opts = opts;
    this.debug = opts.logger.isDebugEnabled?.() ?? false;
    this.synced = new Promise((r) => (this.syncedResolve = r));
  }

  get name(): string {
    return this.opts.name;
  }

  get hasSynced(): boolean {
    return this.hasSyncedOnce;
  }

  on(h: Handlers<T>): void {
    this.handlers.push(h);
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  /** Live iterator over the cached objects (no copy). */
  values(): IterableIterator<T> {
    return this.store.values();
  }

  keys(): IterableIterator<string> {
    return this.store.keys();
  }

  /** Objects in one namespace (namespaced resources). */
  inNamespace(ns: string): T[] {
    const keys = this.byNamespace.get(ns);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.store.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  /**
   * Records the object a successful write returned, before its watch event arrives, so the next reconcile
   * does not act on a stale copy (client-go's MutationCache). Handlers are not called.
   */
  assume(raw: KubeObject): void {
    this.put(raw);
  }

  /**
   * Records a copy just read from the API server (e.g. after a 409), newer than the cache: stored as `assume` does,
   * and the handlers hear of the change as they would have from its watch event, which will now be skipped.
   */
  observe(raw: KubeObject): void {
    const { old, obj } = this.put(raw);
    if (old?.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.notify(old, obj);
  }

  private put(raw: KubeObject): { old: T | undefined; obj: T } {
    const obj = this.opts.transform(stripManagedFields(raw));
    const key = keyOf(obj);
    const old = this.store.get(key);
    this.tombstones.delete(key);
    this.store.set(key, obj);
    const rv = obj.metadata?.resourceVersion;
    if (rv && !this.opts.sink) this.assumed.set(key, rv);
    this.index(obj, key);
    return { old, obj };
  }

  private index(obj: T, key: string): void {
    const ns = obj.metadata?.namespace;
    if (!ns) return;
    let s = this.byNamespace.get(ns);
    if (!s) this.byNamespace.set(ns, (s = new Set()));
    s.add(key);
  }

  /**
   * Records a successful delete before its watch event arrives. Handlers are not called. With the resourceVersion
   * the delete was written at, an older event still on its way (a late watch) does not bring the object back.
   */
  assumeDeleted(key: string, resourceVersion?: string): void {
    if (resourceVersion && !this.opts.sink) this.tombstones.set(key, resourceVersion);
    this.assumed.delete(key);
    const old = this.store.get(key);
    if (!old) return;
    this.store.delete(key);
    this.unindex(old, key);
  }

  /** Drops the key from its namespace's set, and the set once empty (thousands of namespaces come and go). */
  private unindex(old: T, key: string): void {
    const ns = old.metadata?.namespace;
    if (!ns) return;
    const s = this.byNamespace.get(ns);
    s?.delete(key);
    if (s?.size === 0) this.byNamespace.delete(ns);
  }

  /** Namespaces with at least one cached object (the per-namespace index). */
  get indexedNamespaces(): number {
    return this.byNamespace.size;
  }

  get size(): number {
    return this.store.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    void this.run();
  }

  stop(): void {
    this.running = false;
    this.abort.abort();
  }

  private async run(): Promise<void> {
    let failures = 0;
    let needList = true;
    const signal = this.abort.signal;
    while (this.running && !signal.aborted) {
      try {
        if (needList) {
          await this.relist(signal);
          needList = false;
        }
        if (this.debug) this.opts.logger.debug('Watch starting', { informer: this.opts.name, resourceVersion: this.resourceVersion });
        await this.opts.client.watch<KubeObject>(
          this.opts.path,
          {
            ...this.opts.query,
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: this.opts.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300),
          },
          (ev) => {
            failures = 0;
            const rv = ev.object.metadata?.resourceVersion;
            if (this.debug) this.opts.logger.debug('Watch event', { informer: this.opts.name, type: ev.type, key: ev.type === 'BOOKMARK' ? undefined : keyOf(ev.object), resourceVersion: rv });
            if (ev.type === 'BOOKMARK') {
              if (rv) this.resourceVersion = rv;
              return;
            }
            if (ev.type === 'DELETED') this.removeObject(ev.object);
            else this.upsert(ev.object);
            if (rv) this.resourceVersion = rv;
          },
          { accept: this.opts.metadataOnly ? ACCEPT_METADATA : undefined, signal, ...(this.opts.watchIdleTimeoutMs ? { idleTimeoutMs: this.opts.watchIdleTimeoutMs } : {}) },
        );
      } catch (err) {
        if (signal.aborted) return;
        if (isGone(err)) {
          this.opts.logger.info('Watch expired, relisting', { informer: this.opts.name });
          needList = true;
          continue;
        }
        // silent too long: dead (or merely quiet, if bookmarks are missing). Not a failure: the silence itself
        // paced it; it resumes at once from the last resourceVersion, on a new connection.
        if (isWatchIdle(err)) {
          this.opts.logger.info('Watch silent too long, restarting it on a new connection', { informer: this.opts.name, error: String(err) });
          continue;
        }
        failures++;
        const delay = Math.min(30_000, 200 * 2 ** Math.min(failures, 8)) * (0.5 + Math.random() / 2);
        this.opts.logger.warn('List/watch failed, retrying', { informer: this.opts.name, error: String(err), retryInMs: Math.round(delay) });
        this.opts.onError?.(err);
        // A failed list must be repeated; a failed watch resumes from the last resourceVersion.
        if (!this.hasSyncedOnce) needList = true;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async relist(signal: AbortSignal): Promise<void> {
    const seen = new Set<string>();
    let cont: string | undefined;
    let rv = '';
    this.opts.sink?.beginList();
    do {
      const page = await this.opts.client.request<{ metadata: { resourceVersion: string; continue?: string }; items: KubeObject[] }>({
        method: 'GET',
        path: this.opts.path,
        query: { ...this.opts.query, limit: this.opts.pageSize ?? 500, continue: cont },
        accept: this.opts.metadataOnly ? ACCEPT_METADATA_LIST : undefined,
        signal,
      });
      for (const item of page.items) {
        // Items of a list carry no kind; metadata lists carry PartialObjectMetadata items.
        if (!this.opts.sink) seen.add(keyOf(item));
        this.upsert(item);
      }
      rv = page.metadata.resourceVersion;
      cont = page.metadata.continue || undefined;
    } while (cont);
    this.opts.sink?.endList();
    // what the list did not hold is gone, unless our own write made it after the list's resourceVersion
    for (const key of [...this.store.keys()]) if (!seen.has(key) && !olderThan(rv, this.assumed.get(key))) this.remove(key);
    // our writes and deletes the list has caught up with need no more guarding
    for (const [key, at] of this.assumed) if (!olderThan(rv, at)) this.assumed.delete(key);
    for (const [key, at] of this.tombstones) if (!olderThan(rv, at)) this.tombstones.delete(key);
    this.resourceVersion = rv;
    if (!this.hasSyncedOnce) {
      this.hasSyncedOnce = true;
      this.syncedResolve();
    }
  }

  private upsert(raw: KubeObject): void {
    const obj = this.opts.transform(stripManagedFields(raw));
    const key = keyOf(obj);
    const sink = this.opts.sink;
    const tomb = sink ? undefined : this.tombstones.get(key);
    if (tomb !== undefined) {
      // at or before our delete: stale; after it: the object was created again
      if (!olderThan(tomb, obj.metadata?.resourceVersion)) return;
      this.tombstones.delete(key);
    }
    // An event older than the copy a write returned (`assume`) does not take the cache back in time: the newer
    // copy stays until the watch reaches it (client-go's MutationCache compares the same way). Only our own
    // copies are guarded: anything else the API server sends wins (resourceVersions go back after an etcd restore).
    const pending = sink ? undefined : this.assumed.get(key);
    if (pending !== undefined) {
      if (olderThan(obj.metadata?.resourceVersion, pending)) return;
      this.assumed.delete(key);
    }
    const old = sink ? undefined : this.store.get(key);
    if (this.opts.keep && !this.opts.keep(obj)) {
      if (sink) sink.remove(obj);
      else this.remove(key);
      return;
    }
    if (sink) {
      sink.put(obj);
      this.notify(undefined, obj);
      return;
    }
    if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    this.store.set(key, obj);
    this.index(obj, key);
    this.notify(old, obj);
  }

  private notify(old: T | undefined, obj: T): void {
    for (const h of this.handlers) {
      try {
        if (old) h.update?.(old, obj);
        else h.add?.(obj);
      } catch (e) {
        this.opts.logger.error('Event handler failed', { informer: this.opts.name, error: String(e) });
      }
    }
  }

  /** A watched DELETED object: out of the cache, or to the sink. */
  private removeObject(raw: KubeObject): void {
    const sink = this.opts.sink;
    if (!sink) {
      const key = keyOf(raw);
      const rv = raw.metadata?.resourceVersion;
      const tomb = this.tombstones.get(key);
      if (tomb !== undefined && !olderThan(rv, tomb)) this.tombstones.delete(key);
      // a delete from before our own write (e.g. of the object we replaced by a new one of that name): not ours to drop
      if (olderThan(rv, this.assumed.get(key))) return;
      this.assumed.delete(key);
      return this.remove(key);
    }
    const obj = this.opts.transform(stripManagedFields(raw));
    sink.remove(obj);
    for (const h of this.handlers) {
      try {
        h.delete?.(obj);
      } catch (e) {
        this.opts.logger.error('Event handler failed', { informer: this.opts.name, error: String(e) });
      }
    }
  }

  private remove(key: string): void {
    const old = this.store.get(key);
    if (!old) return;
    this.store.delete(key);
    this.unindex(old, key);
    for (const h of this.handlers) {
      try {
        h.delete?.(old);
      } catch (e) {
        this.opts.logger.error('Event handler failed', { informer: this.opts.name, error: String(e) });
      }
    }
  }
}
