// What a reconcile needs: caches, the client, the queue and the controller's in-memory observations.
import type { Logger } from 'winston';
import type { TcrAccess } from '../../api/v1alpha1/types.ts';
import type { KubeClient } from '../../k8s/client.ts';
import type { EventRecorder } from '../../k8s/events.ts';
import type { Informer } from '../../k8s/informer.ts';
import type { Metrics } from '../../k8s/metrics.ts';
import type { WorkQueue } from '../../k8s/queue.ts';
import type { CloudFactory } from '../../cloud/tencent/port.ts';
import type { CloudObservation } from './observation.ts';
import type { SourceSecret } from './credentials.ts';
import type { PendingPod, PodPullEvents, PullEvent } from './pulls.ts';
import type { ConditionInput } from '../../k8s/conditions.ts';
import type { AdoptedRecord, CachedSecret, CachedServiceAccount, NamespaceMeta } from './desired.ts';

export interface ControllerOptions {
  /** Namespaces whose Secrets may be credential sources (the operator's own first). */
  sourceNamespaces: string[];
  workers: number;
  resyncPeriodMs: number;
  /** Coalesces status refreshes while many namespaces change. */
  statusDebounceMs: number;
  /** Concurrent writes during cleanup. */
  cleanupConcurrency: number;
  /** Identifies this cluster in the markers of cloud resources (tags, descriptions, token Desc). */
  clusterId: string;
  /** Watch Pending Pods and Failed Pod Events to diagnose image pulls (PullHealthy); default true. */
  diagnosePulls?: boolean;
  /** The shortest long-term token rotation period used (--min-token-rotation-period). */
  minRotationMs: number;
  /** The operator's own cloud identity (environment, TKE pod identity, CVM role) serves TcrAccess objects without cloudCredentials. */
  ambientCredentials: boolean;
}

export interface Caches {
  accesses: Informer<TcrAccess>;
  namespaces: Informer<NamespaceMeta>;
  /** Secrets carrying the operator's managed-by label, projected (no data). */
  secrets: Informer<CachedSecret>;
  /** Full Secrets of the allowed source namespaces, by namespace. */
  sources: Map<string, Informer<SourceSecret>>;
  serviceAccounts: Informer<CachedServiceAccount>;
  /** Pending Pods only (field selector), projected to the containers waiting on an image pull (absent with --diagnose-pulls=false). */
  pendingPods?: Informer<PendingPod>;
  /** The kubelet's `Failed` Events about Pods (field selector; absent with --diagnose-pulls=false): not cached, folded into podPullEvents.failed. */
  pullEvents?: Informer<PullEvent>;
  /** The kubelet's FailedToRetrieveImagePullSecret Events about Pods (absent with --diagnose-pulls=false): folded into podPullEvents.missingSecret. */
  missingSecretEvents?: Informer<PullEvent>;
  /** The two Event informers' fold: per Pod, its latest pull failure and latest missing-Secret Event. */
  podPullEvents?: PodPullEvents;
}

/** Per-TcrAccess observations that the API server cannot give back cheaply. */
export interface State {
  /** Namespaces where a Secret of the wanted name is not ours. */
  conflicts: Map<string, Set<string>>;
  /** Namespaces whose last apply failed, with the error message. */
  failures: Map<string, Map<string, string>>;
  /** Last cloud observation per TcrAccess (instance, token, network) and when to look again. */
  cloud: Map<string, CloudObservation>;
  /** When PullHealthy was last written, per TcrAccess (it is written at most every 30 s). */
  pullWrittenAt: Map<string, number>;
  /** Warning Events already recorded, as `<podUid>/<cause>`. */
  pullEventsSent: Set<string>;
  /** Adopted Secrets (`<ns>/<name>`): the data last seen and our entry in it (rebuilt by one GET after a restart). */
  adopted: Map<string, AdoptedRecord>;
  /** Last live probe per TcrAccess and when to probe again. */
  probes: Map<string, { generation: number; nextAt: number; conditions: ConditionInput[] }>;
}

export interface Deps {
  client: KubeClient;
  caches: Caches;
  queue: WorkQueue;
  state: State;
  logger: Logger;
  metrics: Metrics;
  events: EventRecorder;
  opts: ControllerOptions;
  now: () => Date;
  /** Tencent Cloud clients (undefined: no cloud features). */
  cloud: CloudFactory | undefined;
  /** Aborted when this replica must stop writing (leadership lost, shutdown). */
  signal: AbortSignal;
}

export const accessKey = (name: string): string => `a/${name}`;
export const namespaceKey = (access: string, ns: string): string => `n/${access}/${ns}`;
/** Prefix of every namespace key of one TcrAccess. */
export const namespaceKeyPrefix = (access: string): string => `n/${access}/`;

export type Key = { kind: 'access'; name: string } | { kind: 'namespace'; access: string; namespace: string };

export function parseKey(key: string): Key | undefined {
  if (key.startsWith('a/')) return { kind: 'access', name: key.slice(2) };
  if (key.startsWith('n/')) {
    const rest = key.slice(2);
    const i = rest.indexOf('/');
    if (i > 0) return { kind: 'namespace', access: rest.slice(0, i), namespace: rest.slice(i + 1) };
  }
  return undefined;
}
