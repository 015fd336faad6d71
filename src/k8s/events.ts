// Kubernetes Events (core/v1) for cluster-scoped TcrAccess objects, written to the "default" namespace as
// client-go's recorder does for cluster-scoped objects. Called only on condition transitions.
import type { Logger } from 'winston';
import type { KubeClient } from './client.ts';

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion?: string;
}

export class EventRecorder {
  private readonly client: KubeClient;
  private readonly component: string;
  private readonly logger: Logger;
  private readonly namespace: string;
  private readonly onWrite: () => void;

  constructor(client: KubeClient, component: string, logger: Logger, onWrite: () => void = () => {}, namespace = 'default') {
    this.client = client;
    this.component = component;
    this.logger = logger;
    this.namespace = namespace;
    this.onWrite = onWrite;
  }

  /** Records an Event in the object's namespace (cluster-scoped objects: the recorder's namespace). */
  async record(obj: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = new Date().toISOString();
    const namespace = obj.namespace ?? this.namespace;
    const body = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${obj.name}.`, namespace },
      involvedObject: obj,
      type,
      reason,
      message: message.slice(0, 1024),
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.component,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      action: 'Reconcile',
    };
    try {
      this.onWrite();
      await this.client.create(`/api/v1/namespaces/${namespace}/events`, body);
    } catch (e) {
      // Events are best effort: never fail a reconcile because of one.
      this.logger.warn('Could not record Event', { reason, error: String(e) });
    }
  }
}
