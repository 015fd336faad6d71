// Wiring: informers → relations → work queue → workers → reconcile. No logic of its own.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'winston';
import type { TcrAccess } from '../../api/v1alpha1/types.ts';
import type { KubeClient } from '../../k8s/client.ts';
import { classify, PERMANENT_RETRY_MS } from '../../k8s/errors.ts';
import type { EventRecorder } from '../../k8s/events.ts';
import { Informer, type KubeObject } from '../../k8s/informer.ts';
import type { Metrics } from '../../k8s/metrics.ts';
import { WorkQueue } from '../../k8s/queue.ts';
import { urgentRequests } from '../../k8s/ratelimit.ts';
import type { CloudFactory } from '../../cloud/tencent/port.ts';
import type { SourceSecret } from './credentials.ts';
import { accessKey, parseKey, type Caches, type ControllerOptions, type Deps } from './deps.ts';
import { dataHash, LAST_APPLIED_ANNOTATION, MANAGED_BY_LABEL, MANAGED_BY_VALUE, SA_ANNOTATION, type CachedSecret, type CachedServiceAccount, type NamespaceMeta } from './desired.ts';
import { refreshAccess } from './apply.ts';
import { reconcileNamespace } from './namespace.ts';
import { reconcileAccess } from './reconciler.ts';
import * as rel from './relations.ts';
import { aboutPull, MISSING_SECRET_REASON, PodPullEvents, toPendingPod, toPullEvent, waitsOnPull } from './pulls.ts';

/** The controller's name in the standard metrics (controller, workqueue name). */
export const CONTROLLER = 'tcraccess';
/** A reconcile running this long is said in the log (a request or a wait that hangs, a very slow cloud). */
const SLOW_RECONCILE_MS = 15_000;

type Raw = KubeObject & { metadata: Record<string, unknown>; [k: string]: unknown };

// Projections: the caches keep only what reconciles read.
const toNamespace = (o: KubeObject): NamespaceMeta & KubeObject => {
  const m = (o as Raw).metadata;
  return {
    metadata: {
      name: m['name'] as string,
      uid: m['uid'] as string,
      resourceVersion: m['resourceVersion'] as string,
      labels: m['labels'] as Record<string, string> | undefined,
      deletionTimestamp: m['deletionTimestamp'] as string | undefined,
    },
  };
};

/** kubectl apply's copy of a Secret manifest holds its data: never cached. */
const withoutLastApplied = (a: Record<string, string> | undefined): Record<string, string> | undefined => {
  if (!a || !(LAST_APPLIED_ANNOTATION in a)) return a;
  const { [LAST_APPLIED_ANNOTATION]: _dropped, ...rest } = a;
  return rest;
};

const toSecret = (o: KubeObject): CachedSecret & KubeObject => {
  const r = o as Raw;
  const m = r.metadata;
  return {
    metadata: {
      name: m['name'] as string,
      namespace: m['namespace'] as string,
      uid: m['uid'] as string,
      resourceVersion: m['resourceVersion'] as string,
      labels: m['labels'] as Record<string, string> | undefined,
      annotations: withoutLastApplied(m['annotations'] as Record<string, string> | undefined),
      ownerReferences: m['ownerReferences'] as CachedSecret['metadata']['ownerReferences'],
      deletionTimestamp: m['deletionTimestamp'] as string | undefined,
    },
    type: r['type'] as string | undefined,
    dataHash: dataHash(r['data'] as Record<string, string> | undefined),
  };
};

const toServiceAccount = (o: KubeObject): CachedServiceAccount & KubeObject => {
  const r = o as Raw;
  const m = r.metadata;
  const ann = (m['annotations'] as Record<string, string> | undefined)?.[SA_ANNOTATION];
  return {
    metadata: {
      name: m['name'] as string,
      namespace: m['namespace'] as string,
      uid: m['uid'] as string,
      resourceVersion: m['resourceVersion'] as string,
      ...(ann !== undefined ? { annotations: { [SA_ANNOTATION]: ann } } : {}),
    },
    imagePullSecrets: r['imagePullSecrets'] as CachedServiceAccount['imagePullSecrets'],
  };
};

export interface ControllerParams {
  client: KubeClient;
  logger: Logger;
  metrics: Metrics;
  events: EventRecorder;
  opts: ControllerOptions;
  cloud?: CloudFactory;
  now?: () => Date;
}

export class TcrAccessController {
  readonly caches: Caches;
  readonly queue: WorkQueue;
  private readonly d: Deps;
  private readonly abort = new AbortController();
  private readonly fullResync = new Set<string>();
  private workers: Promise<void>[] = [];
  private resyncTimer: NodeJS.Timeout | undefined;
  private inFlight = 0;

  constructor(p: ControllerParams) {
    const { client, logger, metrics } = p;
    const informer = <T extends KubeObject>(name: string, path: string, transform: (o: KubeObject) => T, extra: Partial<ConstructorParameters<typeof Informer<T>>[0]> = {}) =>
      new Informer<T>({ name, client, path, transform, logger, ...extra });
    const podPullEvents = p.opts.diagnosePulls === false ? undefined : new PodPullEvents();
    this.caches = {
      accesses: informer<TcrAccess & KubeObject>('tcraccesses', '/apis/tcr.tke.dev/v1alpha1/tcraccesses', (o) => o as TcrAccess & KubeObject),
      namespaces: informer('namespaces', '/api/v1/namespaces', toNamespace, { metadataOnly: true }),
      secrets: informer('managed-secrets', '/api/v1/secrets', toSecret, { query: { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}` } }),
      sources: new Map(
        [...new Set(p.opts.sourceNamespaces)].map((ns) => [ns, informer<SourceSecret & KubeObject>(`source-secrets/${ns}`, `/api/v1/namespaces/${ns}/secrets`, (o) => o as SourceSecret & KubeObject)]),
      ),
      serviceAccounts: informer('serviceaccounts', '/api/v1/serviceaccounts', toServiceAccount),
      ...(podPullEvents === undefined
        ? {}
        : {
            pendingPods: informer('pending-pods', '/api/v1/pods', toPendingPod, { query: { fieldSelector: 'status.phase=Pending' }, keep: waitsOnPull }),
            // Events are not cached: an outage's tens of thousands fold into one record per Pod
            pullEvents: informer('pod-failed-events', '/api/v1/events', toPullEvent, { query: { fieldSelector: 'involvedObject.kind=Pod,reason=Failed' }, keep: aboutPull, sink: podPullEvents.failed }),
            missingSecretEvents: informer('pod-missing-secret-events', '/api/v1/events', toPullEvent, { query: { fieldSelector: `involvedObject.kind=Pod,reason=${MISSING_SECRET_REASON}` }, sink: podPullEvents.missingSecret }),
            podPullEvents,
          }),
    };
    this.queue = new WorkQueue({ hooks: metrics.queueHooks(CONTROLLER, () => this.queue.load()) });
    metrics.controllerMaxReconciles.set({ controller: CONTROLLER }, p.opts.workers);
    metrics.controllerReconcileErrors.inc({ controller: CONTROLLER }, 0);
    this.d = {
      client,
      caches: this.caches,
      queue: this.queue,
      state: { conflicts: new Map(), failures: new Map(), cloud: new Map(), pullWrittenAt: new Map(), pullEventsSent: new Set(), probes: new Map(), adopted: new Map() },
      cloud: p.cloud,
      logger,
      metrics,
      events: p.events,
      opts: p.opts,
      now: p.now ?? (() => new Date()),
      signal: this.abort.signal,
    };
    const d = this.d;
    this.caches.accesses.on({
      add: (a) => rel.accessChanged(d, undefined, a),
      update: (o, a) => rel.accessChanged(d, o, a),
      delete: (a) => d.queue.add(accessKey(a.metadata.name), 'fast'),
    });
    this.caches.namespaces.on({
      add: (ns) => rel.namespaceChanged(d, undefined, ns),
      update: (o, ns) => rel.namespaceChanged(d, o, ns),
      delete: (ns) => rel.namespaceChanged(d, ns, undefined),
    });
    this.caches.secrets.on({
      add: (s) => rel.managedSecretChanged(d, s),
      update: (_o, s) => rel.managedSecretChanged(d, s),
      delete: (s) => rel.managedSecretChanged(d, s),
    });
    this.caches.serviceAccounts.on({
      add: (sa) => rel.serviceAccountChanged(d, sa),
      update: (_o, sa) => rel.serviceAccountChanged(d, sa),
    });
    this.caches.pendingPods?.on({ add: (x) => rel.podChanged(d, x.metadata.namespace), update: (_o, x) => rel.podChanged(d, x.metadata.namespace), delete: (x) => rel.podChanged(d, x.metadata.namespace) });
    for (const events of [this.caches.pullEvents, this.caches.missingSecretEvents]) {
      events?.on({ add: (x) => rel.podChanged(d, x.metadata.namespace), update: (_o, x) => rel.podChanged(d, x.metadata.namespace) });
    }
    for (const inf of this.caches.sources.values()) {
      inf.on({ add: (s) => rel.sourceSecretChanged(d, s), update: (_o, s) => rel.sourceSecretChanged(d, s), delete: (s) => rel.sourceSecretChanged(d, s) });
    }
  }

  private allInformers(): Informer<KubeObject>[] {
    const c = this.caches;
    return [c.accesses, c.namespaces, c.secrets, c.serviceAccounts, ...[c.pendingPods, c.pullEvents, c.missingSecretEvents].filter((x) => x !== undefined), ...c.sources.values()] as unknown as Informer<KubeObject>[];
  }

  /** Starts the caches; resolves once every cache has listed. */
  async startCaches(): Promise<void> {
    const all = this.allInformers();
    for (const i of all) i.start();
    await Promise.all(all.map((i) => i.synced));
  }

  /** Names of the caches that have not listed yet (for the cache-sync timeout message). */
  unsyncedCaches(): string[] {
    return this.allInformers().filter((i) => !i.hasSynced).map((i) => i.name);
  }

  /** Starts the workers (call on becoming leader, after startCaches). */
  startWorkers(): void {
    for (const a of this.caches.accesses.list()) this.queue.add(accessKey(a.metadata.name), 'fast');
    // and one more for the fast lane only: a new namespace never waits for a rollout's reconcile to finish
    this.workers = [...Array.from({ length: this.d.opts.workers }, () => this.work()), this.work('fast')];
    this.resyncTimer = setInterval(() => this.resync(), this.d.opts.resyncPeriodMs);
    this.resyncTimer.unref();
  }

  /** Periodic resync: every TcrAccess is checked in full, known conflicts included. */
  resync(): void {
    for (const a of this.caches.accesses.list()) {
      this.fullResync.add(a.metadata.name);
      this.queue.add(accessKey(a.metadata.name), 'bulk');
    }
  }

  get busy(): number {
    return this.inFlight;
  }

  private async work(only?: 'fast'): Promise<void> {
    for (;;) {
      const key = await this.queue.get(only);
      if (key === undefined) return;
      this.inFlight++;
      this.d.metrics.controllerActiveWorkers.set({ controller: CONTROLLER }, this.inFlight);
      // a reconcile still running after SLOW_RECONCILE_MS is said in the log (a request or a wait that hangs)
      const slow = setTimeout(() => this.d.logger.warn('Reconcile still running', { key, seconds: SLOW_RECONCILE_MS / 1000 }), SLOW_RECONCILE_MS);
      slow.unref();
      try {
        await urgentRequests.run(this.queue.laneOf(key) === 'fast', () => this.process(key));
      } finally {
        clearTimeout(slow);
        this.inFlight--;
        this.d.metrics.controllerActiveWorkers.set({ controller: CONTROLLER }, this.inFlight);
        this.queue.done(key);
      }
    }
  }

  private async process(key: string): Promise<void> {
    const k = parseKey(key);
    if (!k) return;
    const kind = k.kind;
    const name = k.kind === 'access' ? k.name : k.access;
    const log = this.d.logger.child({ tcrAccess: name, reconcileId: randomUUID().slice(0, 8), ...(k.kind === 'namespace' ? { namespace: k.namespace } : {}) });
    const m = this.d.metrics;
    const end = m.reconcileDuration.startTimer({ kind });
    const endStd = m.controllerReconcileTime.startTimer({ controller: CONTROLLER });
    try {
      if (k.kind === 'access') await reconcileAccess(k.name, this.fullResync.delete(k.name), this.d, log);
      else await reconcileNamespace(k.access, k.namespace, this.d, log);
      this.queue.forget(key);
      m.reconciles.inc({ kind, result: 'success' });
      m.controllerReconciles.inc({ controller: CONTROLLER, result: 'success' });
    } catch (e) {
      if (this.abort.signal.aborted) return;
      const c = classify(e);
      m.reconcileErrors.inc({ kind, class: c.kind });
      m.reconciles.inc({ kind, result: 'error' });
      m.controllerReconcileErrors.inc({ controller: CONTROLLER });
      m.controllerReconciles.inc({ controller: CONTROLLER, result: 'error' });
      switch (c.kind) {
        case 'conflict': {
          // a stale cache: the TcrAccess is read again, then retried with per-key backoff, never a spin on 409s
          if (k.kind === 'access') await refreshAccess(k.name, this.d).catch((re: unknown) => log.warn('Could not read the TcrAccess again after a conflict', { error: String(re) }));
          const delay = this.queue.addRateLimited(key);
          log.info('Reconcile conflict (the cache was behind), retrying', { error: String(e).slice(0, 300), retryInMs: delay, conflicts: this.queue.failuresOf(key) });
          break;
        }
        case 'throttled':
          this.queue.addAfter(key, c.retryAfterMs, 'bulk');
          break;
        case 'permanent': {
          const delay = Math.min(PERMANENT_RETRY_MS, this.queue.addRateLimited(key));
          log.error('Reconcile failed', { error: String(e), errorClass: c.kind, retryInMs: delay });
          break;
        }
        case 'transient': {
          const delay = this.queue.addRateLimited(key);
          log.warn('Reconcile failed, retrying', { error: String(e), errorClass: c.kind, retryInMs: delay });
          break;
        }
      }
    } finally {
      end();
      endStd();
    }
  }

  /** Refuses every further write at once (leadership lost): in-flight reconciles may finish, writing nothing. */
  stopWriting(): void {
    this.abort.abort();
  }

  /** Stops taking work, waits for in-flight reconciles (up to timeoutMs), stops caches. */
  async stop(timeoutMs = 20_000): Promise<void> {
    clearInterval(this.resyncTimer);
    this.queue.shutDown();
    const drained = Promise.all(this.workers);
    const timedOut = await Promise.race([drained.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), timeoutMs).unref())]);
    this.abort.abort();
    if (timedOut) this.d.logger.warn('In-flight reconciles did not finish before the shutdown deadline');
    for (const i of this.allInformers()) i.stop();
  }
}
