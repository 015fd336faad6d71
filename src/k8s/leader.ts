// Leader election on a coordination.k8s.io/v1 Lease with client-go's semantics:
// - a candidate takes the lease only when it stayed unrenewed for leaseDuration as measured on the
//   candidate's own monotonic clock (from when it last saw the record change), never by comparing
//   another machine's timestamps with ours;
// - the leader renews every retryPeriod and stops leading when it could not renew for renewDeadline;
// - updates carry the resourceVersion, so two candidates can never both win;
// - lease times are MicroTime (six fractional digits), which the API server requires;
// - on shutdown the leader releases the lease (empty holder) so a successor need not wait.
import type { Logger } from 'winston';
import { isNotFound, type KubeClient } from './client.ts';

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  logger: Logger;
  onStartedLeading: () => void | Promise<void>;
  onStoppedLeading: () => void | Promise<void>;
  /** Monotonic milliseconds (tests may inject). */
  monotonic?: () => number;
}

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}
interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: LeaseSpec;
}

/** RFC 3339 with microseconds, as metav1.MicroTime serialises. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private readonly o: LeaderElectionOptions;
  private readonly mono: () => number;
  private observedKey = '';
  private observedAt = 0;
  private leading = false;
  private lastRenew = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> = Promise.resolve();
  private current: Lease | undefined;

  constructor(o: LeaderElectionOptions) {
    this.o = o;
    this.mono = o.monotonic ?? (() => performance.now());
  }

  get isLeader(): boolean {
    return this.leading;
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.o.namespace}/leases/${this.o.name}`;
  }

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      await this.step();
      if (!this.stopped) this.timer = setTimeout(() => (this.loop = tick()), this.jitter());
    };
    this.loop = tick();
  }

  private jitter(): number {
    // client-go waits retryPeriod with 1.2 jitter factor while not leading
    return this.leading ? this.o.retryPeriodMs : this.o.retryPeriodMs * (1 + Math.random() * 1.2);
  }

  private async step(): Promise<void> {
    try {
      const ok = await this.tryAcquireOrRenew();
      if (ok) {
        this.lastRenew = this.mono();
        if (!this.leading) {
          this.leading = true;
          this.o.logger.info('Became leader', { lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity });
          await this.o.onStartedLeading();
        }
        return;
      }
    } catch (e) {
      this.o.logger.warn('Lease update failed', { error: String(e) });
    }
    if (this.leading && this.mono() - this.lastRenew >= this.o.renewDeadlineMs) {
      this.leading = false;
      this.o.logger.error('Lost leadership: could not renew the lease within the renew deadline', { renewDeadlineMs: this.o.renewDeadlineMs });
      try {
        await this.o.onStoppedLeading();
      } catch (e) {
        this.o.logger.error('Stopping after lost leadership failed', { error: String(e) });
      }
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    let lease: Lease | undefined;
    // Every lease request is bounded by the renew deadline: a hung request must not keep a leader leading.
    const signal = AbortSignal.timeout(this.o.renewDeadlineMs);
    try {
      lease = await this.o.client.request<Lease>({ method: 'GET', path: this.path, signal });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const spec: LeaseSpec = {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    if (!lease) {
      this.current = await this.o.client.request<Lease>({
        method: 'POST',
        path: `/apis/coordination.k8s.io/v1/namespaces/${this.o.namespace}/leases`,
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.o.name, namespace: this.o.namespace }, spec },
        signal,
      });
      this.observe(this.current);
      return true;
    }
    this.observe(lease);
    const holder = lease.spec.holderIdentity ?? '';
    const mine = holder === this.o.identity;
    const durationMs = (lease.spec.leaseDurationSeconds ?? 0) * 1000;
    if (!mine && holder !== '' && this.observedAt + durationMs > this.mono()) return false;
    if (mine) {
      spec.acquireTime = lease.spec.acquireTime ?? spec.acquireTime;
      spec.leaseTransitions = lease.spec.leaseTransitions ?? 0;
    } else {
      spec.leaseTransitions = (lease.spec.leaseTransitions ?? 0) + 1;
    }
    this.current = await this.o.client.request<Lease>({ method: 'PUT', path: this.path, body: { ...lease, spec }, signal });
    this.observe(this.current);
    return true;
  }

  /** Restarts the expiry clock whenever the record (holder, renew time) changes. */
  private observe(lease: Lease): void {
    const key = `${lease.spec.holderIdentity ?? ''}|${lease.spec.renewTime ?? ''}|${lease.spec.leaseTransitions ?? 0}`;
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedAt = this.mono();
    }
  }

  /** Stops campaigning; a leader releases the lease so another replica can take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.loop.catch(() => {});
    if (!this.leading || !this.current) return;
    this.leading = false;
    try {
      const now = microTime(new Date());
      await this.o.client.replace<Lease>(this.path, {
        ...this.current,
        spec: { ...this.current.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
      });
      this.o.logger.info('Released the lease');
    } catch (e) {
      this.o.logger.warn('Could not release the lease', { error: String(e) });
    }
  }
}
