// Serverless registry annotations, wired into the operator process:
// - every replica serves the mutating webhook (it must answer whichever pod the API server sends), with
//   its own small caches of TcrAccess objects and Namespaces (metadata) to decide what a pod needs;
// - the leader keeps the serving certificate Secret, the MutatingWebhookConfiguration (caBundle,
//   matchConditions) and, for annotationMode ClusterDefault, kube-system/eks-config in step.
import type { Logger } from 'winston';
import type { TcrAccess } from '../api/v1alpha1/types.ts';
import { applyEksConfig, clusterDefaultWant } from '../controllers/annotations/clusterdefault.ts';
import { isSelected, type NamespaceMeta } from '../controllers/tcraccess/desired.ts';
import type { KubeClient } from '../k8s/client.ts';
import { Informer, type KubeObject } from '../k8s/informer.ts';
import type { Metrics } from '../k8s/metrics.ts';
import type { RegistryKind, RegistryRule } from './annotations.ts';
import { runServingCertLoop, type ServingCert } from './certs.ts';
import { syncWebhookConfiguration, WEBHOOK_CONFIGURATION_NAME } from './config.ts';
import { MUTATE_PODS_PATH, startWebhookServer, type WebhookServer } from './server.ts';

export type AnnotationMode = 'Webhook' | 'ClusterDefault';

/** The registries a TcrAccess asks annotations for, in the given mode (pure). */
export function annotationRules(access: TcrAccess, mode: AnnotationMode): RegistryRule[] {
  const r = access.spec.registry;
  if ((r.annotationMode ?? 'Webhook') !== mode || access.metadata.deletionTimestamp) return [];
  const server = r.server ?? access.status?.server;
  if (!server) return [];
  const kind: RegistryKind | undefined = r.plainHTTP ? 'http' : r.insecureSkipVerify ? 'insecure' : undefined;
  return kind ? [{ server, kind }] : [];
}

export interface AnnotationsOptions {
  client: KubeClient;
  logger: Logger;
  metrics: Metrics;
  namespace: string;
  bindAddress: string;
  service: string;
  certSecret: string;
  /** Reach the webhook by URL instead of the Service (an operator running outside the cluster, tests). */
  url?: string;
  /** Extra IP SANs of the serving certificate. */
  ips?: string[];
  /** True while this replica leads (only the leader writes). */
  isLeader: () => boolean;
  signal: AbortSignal;
}

const toNamespace = (o: KubeObject): NamespaceMeta & KubeObject => {
  const m = o.metadata as Record<string, unknown>;
  return { metadata: { name: m['name'] as string, resourceVersion: m['resourceVersion'] as string, labels: m['labels'] as Record<string, string> | undefined, deletionTimestamp: m['deletionTimestamp'] as string | undefined } };
};

export class Annotations {
  private readonly o: AnnotationsOptions;
  private readonly accesses: Informer<TcrAccess & KubeObject>;
  private readonly namespaces: Informer<NamespaceMeta & KubeObject>;
  private server: WebhookServer | undefined;
  private cert: ServingCert | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  private lastSync = '';

  constructor(o: AnnotationsOptions) {
    this.o = o;
    this.accesses = new Informer({ name: 'webhook-tcraccesses', client: o.client, path: '/apis/tcr.tke.dev/v1alpha1/tcraccesses', transform: (x) => x as TcrAccess & KubeObject, logger: o.logger });
    this.namespaces = new Informer({ name: 'webhook-namespaces', client: o.client, path: '/api/v1/namespaces', metadataOnly: true, transform: toNamespace, logger: o.logger });
    const changed = () => this.scheduleSync();
    this.accesses.on({ add: changed, update: changed, delete: changed });
  }

  /** True once the webhook listens with a serving certificate (part of /readyz). */
  get serving(): boolean {
    return this.server !== undefined && this.cert !== undefined;
  }

  /** What pods of a namespace need (the webhook's lookup). */
  lookup = (namespace: string): RegistryRule[] => {
    const ns = this.namespaces.get(namespace);
    if (!ns) return [];
    const out: RegistryRule[] = [];
    for (const a of this.accesses.values()) if (isSelected(a, ns)) out.push(...annotationRules(a, 'Webhook'));
    return out;
  };

  private rules(mode: AnnotationMode): RegistryRule[] {
    return [...this.accesses.values()].flatMap((a) => annotationRules(a, mode)).sort((x, y) => `${x.kind}${x.server}`.localeCompare(`${y.kind}${y.server}`));
  }

  async start(): Promise<void> {
    this.accesses.start();
    this.namespaces.start();
    await Promise.all([this.accesses.synced, this.namespaces.synced]);
    void runServingCertLoop(this.o.client, {
      namespace: this.o.namespace,
      secretName: this.o.certSecret,
      service: this.o.service,
      ...(this.o.ips?.length ? { ips: this.o.ips } : {}),
      isLeader: this.o.isLeader,
      signal: this.o.signal,
      onChange: async (sc) => {
        this.cert = sc;
        if (this.server) this.server.reload(sc);
        else if (this.o.bindAddress !== '0') {
          const port = Number(this.o.bindAddress.slice(this.o.bindAddress.lastIndexOf(':') + 1));
          const host = this.o.bindAddress.slice(0, this.o.bindAddress.lastIndexOf(':')) || undefined;
          this.server = await startWebhookServer({
            cert: sc.cert,
            key: sc.key,
            port,
            ...(host ? { host } : {}),
            lookup: this.lookup,
            onMalformed: () => this.o.metrics.webhookReviews.inc({ result: 'malformed' }),
            onReview: (result, seconds) => {
              this.o.metrics.webhookReviews.inc({ result });
              this.o.metrics.webhookLatency.observe({ webhook: MUTATE_PODS_PATH }, seconds);
            },
          });
          this.o.logger.info('Serving the pod-annotation webhook', { port: this.server.port });
        }
        this.lastSync = '';
        this.scheduleSync();
      },
      onError: (e) => this.o.logger.warn('Webhook serving certificate not ready', { error: String(e) }),
    });
  }

  /** Coalesces syncs of the webhook configuration and eks-config (leader only). */
  scheduleSync(): void {
    clearTimeout(this.syncTimer);
    this.syncTimer = setTimeout(() => void this.sync(), 500);
    this.syncTimer.unref();
  }

  private async sync(): Promise<void> {
    if (!this.o.isLeader() || this.o.signal.aborted) return;
    const webhook = this.rules('Webhook');
    const clusterDefault = this.rules('ClusterDefault');
    const key = JSON.stringify([this.cert?.caBundle, webhook, clusterDefault]);
    if (key === this.lastSync) return;
    let missing = false;
    try {
      if (this.cert) {
        const r = await syncWebhookConfiguration(this.o.client, {
          caBundle: this.cert.caBundle,
          registries: webhook,
          operatorNamespace: this.o.namespace,
          ...(this.o.url ? { clientConfig: { url: this.o.url } } : {}),
        });
        missing = r === 'missing';
        if (missing) this.o.logger.warn(`MutatingWebhookConfiguration ${WEBHOOK_CONFIGURATION_NAME} does not exist: apply manifests/webhook.yaml (the operator only updates it)`);
        else if (r !== 'unchanged') this.o.logger.info('Synced the MutatingWebhookConfiguration', { result: r, registries: webhook.length });
      }
      await applyEksConfig(this.o.client, clusterDefaultWant(clusterDefault));
      if (missing) setTimeout(() => this.scheduleSync(), 30_000).unref();
      else this.lastSync = key;
    } catch (e) {
      this.o.logger.warn('Annotation sync failed, retrying', { error: String(e) });
      setTimeout(() => this.scheduleSync(), 5_000).unref();
    }
  }

  async stop(): Promise<void> {
    clearTimeout(this.syncTimer);
    this.accesses.stop();
    this.namespaces.stop();
    await this.server?.close();
  }
}

