// Prometheus metrics (prom-client). Never labelled with secret material or per-namespace names.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tcra_process_' });
  const m = {
    registry,
    reconciles: new Counter({ name: 'tcra_reconcile_total', help: 'Reconciles by kind of key and result.', labelNames: ['kind', 'result'], registers: [registry] }),
    reconcileErrors: new Counter({ name: 'tcra_reconcile_errors_total', help: 'Reconcile errors by kind of key and error class.', labelNames: ['kind', 'class'], registers: [registry] }),
    reconcileDuration: new Histogram({
      name: 'tcra_reconcile_duration_seconds',
      help: 'Reconcile duration by kind of key.',
      labelNames: ['kind'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    queueDepth: new Gauge({ name: 'tcra_workqueue_depth', help: 'Keys waiting in the work queue.', registers: [registry] }),
    secretsManaged: new Gauge({ name: 'tcra_secrets_managed', help: 'Image-pull Secrets the operator owns, per TcrAccess.', labelNames: ['tcraccess'], registers: [registry] }),
    conflicts: new Gauge({ name: 'tcra_secret_conflicts', help: 'Namespaces where a Secret of the wanted name is not ours, per TcrAccess.', labelNames: ['tcraccess'], registers: [registry] }),
    writes: new Counter({ name: 'tcra_kube_writes_total', help: 'Write requests the operator sent to the API server, by resource and verb.', labelNames: ['resource', 'verb'], registers: [registry] }),
    apiResponses: new Counter({ name: 'tcra_kube_responses_total', help: 'API server responses by verb and code.', labelNames: ['verb', 'code'], registers: [registry] }),
    pullFailingPods: new Gauge({ name: 'tcra_pull_failing_pods', help: 'Pods failing to pull from the registry now, per TcrAccess and cause.', labelNames: ['tcraccess', 'cause'], registers: [registry] }),
    webhookReviews: new Counter({ name: 'tcra_webhook_reviews_total', help: 'Pod admission reviews answered by the annotation webhook, by result (patched, unchanged, malformed, error).', labelNames: ['result'], registers: [registry] }),
    isLeader: new Gauge({ name: 'tcra_leader', help: '1 while this replica holds the leader lease.', registers: [registry] }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
