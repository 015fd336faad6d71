// Prometheus metrics (prom-client). Never labelled with secret material or per-namespace names.
//
// Two sets side by side: the standard families dashboards for controllers already understand (client-go's
// workqueue_* and rest_client_*, controller-runtime's controller_runtime_*, leader_election_master_status),
// and the operator's own tcra_* families. The older tcra_* names that duplicate a standard family
// (tcra_reconcile_*, tcra_workqueue_depth, tcra_kube_responses_total, tcra_leader) stay for one release as
// aliases, so existing dashboards keep working; they are marked deprecated in their help text.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueueHooks, QueueLoad } from './queue.ts';

/** Condition statuses a condition gauge reports (1 for the current one, 0 for the others), as cert-manager does. */
const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

const DEPRECATED = '(Deprecated: removed in the next release; use';

/** client-go's workqueue buckets: 1 µs … 10 s. */
const QUEUE_BUCKETS = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10];
/** controller-runtime's reconcile_time_seconds buckets. */
const RECONCILE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60];

/** The Kubernetes client's AIMD window now, and its decreases so far. */
export interface ClientPacing {
  limit: number;
  inFlight: number;
  throttled: number;
  latencyDecreases: number;
}

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tcra_process_' });
  const registers = [registry];
  /** Work queues by name, read at scrape time for the unfinished-work gauges. */
  const queues = new Map<string, () => QueueLoad>();
  const pacing: { read?: () => ClientPacing; seen: { throttled: number; latencyDecreases: number } } = { seen: { throttled: 0, latencyDecreases: 0 } };
  /** Condition types last reported per TcrAccess, so that a removed one leaves no stale series. */
  const conditionTypes = new Map<string, string[]>();
  const load = (fn: (l: QueueLoad) => number) =>
    function (this: Gauge<'name'>) {
      this.reset();
      for (const [name, read] of queues) this.set({ name }, fn(read()));
    };

  const m = {
    registry,

    // --- controller-runtime style
    controllerReconciles: new Counter({ name: 'controller_runtime_reconcile_total', help: 'Total number of reconciliations per controller.', labelNames: ['controller', 'result'], registers }),
    controllerReconcileErrors: new Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Total number of reconciliation errors per controller.', labelNames: ['controller'], registers }),
    controllerReconcileTime: new Histogram({ name: 'controller_runtime_reconcile_time_seconds', help: 'Length of time per reconciliation per controller.', labelNames: ['controller'], buckets: RECONCILE_BUCKETS, registers }),
    controllerActiveWorkers: new Gauge({ name: 'controller_runtime_active_workers', help: 'Number of currently used workers per controller.', labelNames: ['controller'], registers }),
    controllerMaxReconciles: new Gauge({ name: 'controller_runtime_max_concurrent_reconciles', help: 'Maximum number of concurrent reconciles per controller.', labelNames: ['controller'], registers }),
    webhookLatency: new Histogram({ name: 'controller_runtime_webhook_latency_seconds', help: 'Histogram of the latency of processing admission requests.', labelNames: ['webhook'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers }),

    // --- client-go style
    queueDepth: new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue.', labelNames: ['name'], registers }),
    queueAdds: new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue.', labelNames: ['name'], registers }),
    queueLatency: new Histogram({ name: 'workqueue_queue_duration_seconds', help: 'How long in seconds an item stays in workqueue before being requested.', labelNames: ['name'], buckets: QUEUE_BUCKETS, registers }),
    queueWork: new Histogram({ name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes.', labelNames: ['name'], buckets: QUEUE_BUCKETS, registers }),
    queueRetries: new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue.', labelNames: ['name'], registers }),
    queueUnfinished: new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help: 'How many seconds of work has been done that is in progress and hasn\'t been observed by work_duration. Large values indicate stuck threads.',
      labelNames: ['name'],
      registers,
      collect: load((l) => l.unfinishedSeconds),
    }),
    queueLongest: new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running.',
      labelNames: ['name'],
      registers,
      collect: load((l) => l.longestSeconds),
    }),
    restRequests: new Counter({ name: 'rest_client_requests_total', help: 'Number of HTTP requests to the API server, partitioned by status code and method.', labelNames: ['code', 'method'], registers }),
    leaderStatus: new Gauge({ name: 'leader_election_master_status', help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. \'name\' is the string used to identify the lease.', labelNames: ['name'], registers }),

    // --- the operator's own
    conditions: new Gauge({ name: 'tcra_status_condition', help: 'Status conditions of each TcrAccess: 1 for the condition\'s current status, 0 for the others.', labelNames: ['name', 'type', 'status'], registers }),
    credentialsExpiry: new Gauge({ name: 'tcra_credentials_expiry_timestamp_seconds', help: 'When the registry token a TcrAccess distributes expires (Unix seconds); absent for credentials without expiry.', labelNames: ['name'], registers }),
    credentialsRotated: new Gauge({ name: 'tcra_credentials_last_rotation_timestamp_seconds', help: 'When the registry token a TcrAccess distributes was minted (Unix seconds).', labelNames: ['name'], registers }),
    namespacesDesired: new Gauge({ name: 'tcra_namespaces_desired', help: 'Namespaces a TcrAccess selects.', labelNames: ['name'], registers }),
    namespacesReady: new Gauge({ name: 'tcra_namespaces_ready', help: 'Selected namespaces whose image-pull Secret and ServiceAccounts are up to date.', labelNames: ['name'], registers }),
    cloudRequests: new Counter({ name: 'tcra_cloud_api_requests_total', help: 'Tencent Cloud API requests (every attempt) by service, action and result code ("Success", the Tencent error code, "HTTP<status>" or "NetworkError").', labelNames: ['service', 'action', 'code'], registers }),
    cloudDuration: new Histogram({ name: 'tcra_cloud_api_request_duration_seconds', help: 'Tencent Cloud API request duration by service and action.', labelNames: ['service', 'action'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers }),
    secretsManaged: new Gauge({ name: 'tcra_secrets_managed', help: 'Image-pull Secrets the operator owns, per TcrAccess.', labelNames: ['tcraccess'], registers }),
    conflicts: new Gauge({ name: 'tcra_secret_conflicts', help: 'Namespaces where a Secret of the wanted name is not ours, per TcrAccess.', labelNames: ['tcraccess'], registers }),
    writes: new Counter({ name: 'tcra_kube_writes_total', help: 'Write requests the operator sent to the API server, by resource and verb.', labelNames: ['resource', 'verb'], registers }),
    pullFailingPods: new Gauge({ name: 'tcra_pull_failing_pods', help: 'Pods failing to pull from the registry now, per TcrAccess and cause.', labelNames: ['tcraccess', 'cause'], registers }),
    webhookReviews: new Counter({ name: 'tcra_webhook_reviews_total', help: 'Pod admission reviews answered by the annotation webhook, by result (patched, unchanged, malformed, error).', labelNames: ['result'], registers }),

    kubeClientLimit: new Gauge({ name: 'tcra_kube_client_inflight_limit', help: 'Requests to the API server the client lets be in flight now: the AIMD window, paced by 429s, Retry-After and latency.', registers, collect() { const p = pacing.read?.(); if (p) this.set(p.limit); } }),
    kubeClientInflight: new Gauge({ name: 'tcra_kube_client_inflight', help: 'Requests to the API server in flight now (watches not counted).', registers, collect() { const p = pacing.read?.(); if (p) this.set(p.inFlight); } }),
    kubeClientBackoffs: new Counter({
      name: 'tcra_kube_client_backoffs_total',
      help: 'Times the client narrowed its window of requests in flight, by reason: throttled (a 429, Retry-After waited out) or latency (answers slowed well above the lowest seen).',
      labelNames: ['reason'],
      registers,
      collect() {
        const p = pacing.read?.();
        if (!p) return;
        this.inc({ reason: 'throttled' }, p.throttled - pacing.seen.throttled);
        this.inc({ reason: 'latency' }, p.latencyDecreases - pacing.seen.latencyDecreases);
        pacing.seen = { throttled: p.throttled, latencyDecreases: p.latencyDecreases };
      },
    }),

    // --- deprecated aliases (one release)
    reconciles: new Counter({ name: 'tcra_reconcile_total', help: `Reconciles by kind of key and result. ${DEPRECATED} controller_runtime_reconcile_total.)`, labelNames: ['kind', 'result'], registers }),
    reconcileErrors: new Counter({ name: 'tcra_reconcile_errors_total', help: `Reconcile errors by kind of key and error class. ${DEPRECATED} controller_runtime_reconcile_errors_total.)`, labelNames: ['kind', 'class'], registers }),
    reconcileDuration: new Histogram({
      name: 'tcra_reconcile_duration_seconds',
      help: `Reconcile duration by kind of key. ${DEPRECATED} controller_runtime_reconcile_time_seconds.)`,
      labelNames: ['kind'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    legacyQueueDepth: new Gauge({ name: 'tcra_workqueue_depth', help: `Keys waiting in the work queue. ${DEPRECATED} workqueue_depth.)`, registers }),
    apiResponses: new Counter({ name: 'tcra_kube_responses_total', help: `API server responses by verb and code. ${DEPRECATED} rest_client_requests_total.)`, labelNames: ['verb', 'code'], registers }),
    isLeader: new Gauge({ name: 'tcra_leader', help: `1 while this replica holds the leader lease. ${DEPRECATED} leader_election_master_status.)`, registers }),

    /** The Kubernetes client's pacing, read at scrape time. */
    clientPacing(read: () => ClientPacing): void {
      pacing.read = read;
    },

    /** Hooks a work queue named `name` reports through; `load` is read at scrape time. */
    queueHooks(name: string, read: () => QueueLoad): QueueHooks {
      queues.set(name, read);
      // counters are served from the start (at 0), as client-go's are
      m.queueAdds.inc({ name }, 0);
      m.queueRetries.inc({ name }, 0);
      m.queueDepth.set({ name }, 0);
      return {
        added: () => m.queueAdds.inc({ name }),
        depth: (n) => {
          m.queueDepth.set({ name }, n);
          m.legacyQueueDepth.set(n);
        },
        started: (waitedSeconds) => m.queueLatency.observe({ name }, waitedSeconds),
        finished: (workSeconds) => m.queueWork.observe({ name }, workSeconds),
        retried: () => m.queueRetries.inc({ name }),
      };
    },

    /** A Kubernetes API response (or a request that got none: code "<error>"). */
    kubeResponse(method: string, code: number | '<error>'): void {
      m.restRequests.inc({ method: method === 'WATCH' ? 'GET' : method, code: String(code) });
      if (code !== '<error>') m.apiResponses.inc({ verb: method, code: String(code) });
    },

    /** Leadership of the lease `name` changed. */
    leading(name: string, leading: boolean): void {
      m.leaderStatus.set({ name }, leading ? 1 : 0);
      m.isLeader.set(leading ? 1 : 0);
    },

    /** The condition gauges of one TcrAccess, from its status conditions. */
    setConditions(name: string, conditions: ReadonlyArray<{ type: string; status: string }>): void {
      m.forgetConditions(name);
      for (const c of conditions) for (const s of CONDITION_STATUSES) m.conditions.set({ name, type: c.type, status: s }, c.status === s ? 1 : 0);
      conditionTypes.set(name, conditions.map((c) => c.type));
    },

    forgetConditions(name: string): void {
      for (const type of conditionTypes.get(name) ?? []) for (const status of CONDITION_STATUSES) m.conditions.remove({ name, type, status });
      conditionTypes.delete(name);
    },
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
