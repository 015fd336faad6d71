// The image-pull doctor inside the operator: pods of the selected namespaces that fail to pull from the
// registry are classified (src/diagnostics/classify.ts) from the kubelet's Events and their container
// statuses. The kubelet's sequence for a failed pull is `Failed "Failed to pull image "…": <error>"`, then
// `Failed "Error: ErrImagePull"`, `BackOff`, `Failed "Error: ImagePullBackOff"`: only the first carries the
// cause. A 401 is the same for a wrong password, no pull Secret and a missing one: the Pod's imagePullSecrets and
// the kubelet's `FailedToRetrieveImagePullSecret` Event tell them apart. Only Pending pods and those two Event
// reasons are watched (field selectors): Pods are never cached wholesale, and Events are not cached at all: they are
// folded into one small record per Pod (its latest pull failure, its latest missing-Secret Event). The result is the PullHealthy condition (never part of Ready), one Warning Event per
// pod and cause, and metrics by cause.
import { classifyPullError, refineCredentialsDiagnosis, type Cause, type Diagnosis } from '../../diagnostics/classify.ts';
import type { TcrAccess, TcrAccessStatus } from '../../api/v1alpha1/types.ts';
import type { ConditionInput } from '../../k8s/conditions.ts';
import type { KubeObject, Sink } from '../../k8s/informer.ts';
import { registryHost } from '../../webhook/annotations.ts';
import { Defaults } from '../../api/v1alpha1/types.ts';

export const PULL_HEALTHY = 'PullHealthy';
/** PullHealthy is written at most this often. */
export const PULL_STATUS_MIN_INTERVAL_MS = 30_000;

const PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);
/** Cached messages are cut to what the classifier reads: an outage must not cost 2 KiB per pod and Event. */
export const CACHED_MESSAGE_CHARS = 512;
/** Distinct strings the pull caches share (see `shared`); the oldest is forgotten first. */
export const SHARED_STRINGS = 10_000;
const sharedStrings = new Map<string, string>();

/**
 * One copy of a string the pull caches hold many times: a failing Deployment's replicas share their pull error
 * message, a pod's Events repeat it, and namespaces and pod names repeat across Events. Bounded: a string
 * forgotten here stays valid where it is cached, only its next duplicate gets a copy of its own.
 */
/** A string of its own: a V8 slice (or a string parsed out of a larger one) would keep its parent alive. */
function ownCopy(s: string): string {
  return s.length > 12 ? Buffer.from(s, 'utf8').toString('utf8') : s;
}

export function shared(s: string): string {
  const hit = sharedStrings.get(s);
  if (hit !== undefined) return hit;
  const own = ownCopy(s);
  if (sharedStrings.size >= SHARED_STRINGS) sharedStrings.delete(sharedStrings.keys().next().value!);
  sharedStrings.set(own, own);
  return own;
}

/**
 * The first `CACHED_MESSAGE_CHARS` characters, shared. `slice` alone would not save memory: V8 makes a long slice
 * a view of its parent (a sliced string), which keeps the whole message alive in the cache.
 */
export function cachedMessage(s: string): string {
  return shared(cut(s));
}

const cut = (s: string): string => (s.length <= CACHED_MESSAGE_CHARS ? s : s.slice(0, CACHED_MESSAGE_CHARS));

/** Stands for the image reference in a message template (kubelet messages do not carry it). */
const IMAGE_MARK = '\u0001';

/**
 * A message as a template shared by every pod that fails the same way, and the image it names: in an outage the
 * messages of thousands of pods differ only by their image, so each pod keeps only its (shared) image. The
 * message is cut to `CACHED_MESSAGE_CHARS` first: `messageOf` gives back exactly what `cachedMessage` would.
 */
export function messageTemplate(message: string, image: string | undefined): { template: string; image: string | undefined } {
  const c = cut(message);
  if (!image || c.includes(IMAGE_MARK) || !c.includes(image)) return { template: shared(c), image: undefined };
  return { template: shared(c.replaceAll(image, IMAGE_MARK)), image: shared(image) };
}

/** The message a template stands for. */
export const messageOf = (template: string, image: string | undefined): string => (image === undefined ? template : template.replaceAll(IMAGE_MARK, image));

/** The image named by a kubelet pull message (`Failed to pull image "…"`, `Back-off pulling image "…"`). */
const MESSAGE_IMAGE = /image "([^"]+)"/;

/** A container waiting on an image pull, as cached (its message kept as a shared template). */
class WaitingContainer {
  readonly container: string;
  readonly image: string;
  readonly reason: string;
  private readonly template: string;

  constructor(container: string, image: string, reason: string, message: string) {
    this.container = shared(container);
    this.image = shared(image);
    this.reason = reason;
    const t = messageTemplate(message, this.image);
    // the template names this container's image or none (then it is the message itself)
    this.template = t.template;
  }

  get message(): string {
    return this.template.includes(IMAGE_MARK) ? messageOf(this.template, this.image) : this.template;
  }
}

/** The kubelet's Event when a pull Secret the Pod names does not exist. */
export const MISSING_SECRET_REASON = 'FailedToRetrieveImagePullSecret';
/** Event and status messages that only repeat that a pull failed. */
const REPEATS = /^(?:Error: (?:ErrImagePull|ImagePullBackOff)|Back-off pulling image)/i;

/** A Pending pod as cached: only the containers waiting on an image pull. */
export interface PendingPod {
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string };
  waiting: Array<{ readonly container: string; readonly image: string; readonly reason: string; readonly message: string }>;
  /** Names in spec.imagePullSecrets. */
  pullSecrets: string[];
}

/** A kubelet `Failed` Event about a Pod, as cached (its own uid is not needed: it is keyed by name). */
export interface PullEvent {
  metadata: { name: string; namespace: string; resourceVersion: string };
  podName: string;
  podUid: string;
  reason: string;
  message: string;
  /** When it last happened (lastTimestamp, else eventTime, …; ms since the epoch, 0 if none). */
  time?: number;
}

type Raw = Record<string, unknown> & { metadata?: Record<string, unknown> };

export function toPendingPod(o: KubeObject): PendingPod & KubeObject {
  const r = o as unknown as Raw;
  const m = r.metadata ?? {};
  const status = (r['status'] ?? {}) as { containerStatuses?: unknown[]; initContainerStatuses?: unknown[] };
  const waiting: PendingPod['waiting'] = [];
  for (const cs of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])] as Array<{ name: string; image: string; state?: { waiting?: { reason?: string; message?: string } } }>) {
    const w = cs.state?.waiting;
    if (w?.reason && PULL_REASONS.has(w.reason)) waiting.push(new WaitingContainer(cs.name, cs.image, w.reason, w.message ?? ''));
  }
  const spec = (r['spec'] ?? {}) as { imagePullSecrets?: Array<{ name?: string }> };
  const pullSecrets = (spec.imagePullSecrets ?? []).map((s) => s.name ?? '').filter(Boolean);
  // exact-size arrays (a pushed-to array keeps room for 16 more)
  return { metadata: { name: m['name'] as string, namespace: shared(m['namespace'] as string), uid: m['uid'] as string, resourceVersion: m['resourceVersion'] as string }, waiting: waiting.slice(), pullSecrets };
}

export function toPullEvent(o: KubeObject): PullEvent & KubeObject {
  const r = o as unknown as Raw;
  const m = r.metadata ?? {};
  const io = (r['involvedObject'] ?? {}) as { name?: string; uid?: string };
  const series = r['series'] as { lastObservedTime?: string } | undefined;
  const when = [r['lastTimestamp'], series?.lastObservedTime, r['eventTime'], r['firstTimestamp'], m['creationTimestamp']].find((t) => typeof t === 'string' && t !== '') as string | undefined;
  return {
    metadata: { name: m['name'] as string, namespace: shared(m['namespace'] as string), resourceVersion: m['resourceVersion'] as string },
    podName: io.name ?? '',
    podUid: io.uid ?? '',
    reason: shared(String(r['reason'] ?? '')),
    message: ownCopy(cut(String(r['message'] ?? ''))),
    time: when ? Date.parse(when) || 0 : 0,
  };
}

/** Pending pods worth caching: some container waits on an image pull (the others are kept out of memory). */
export const waitsOnPull = (p: PendingPod): boolean => p.waiting.length > 0;

/** Failed Events worth caching: about an image pull. */
export const aboutPull = (e: PullEvent): boolean => /pull|image/i.test(e.message);

/** What the diagnosis reads of an Event about a Pod. */
export type PullRecord = Pick<PullEvent, 'podUid' | 'reason' | 'message'>;

/** One Event kept per Pod (and Pod uid): its name (to forget it when it is deleted), when, and what it says. */
class FoldedEvent implements PullRecord {
  readonly event: string;
  readonly podUid: string;
  readonly reason: string;
  /** Seconds since the epoch (a small integer, unlike milliseconds). */
  readonly time: number;
  private readonly template: string;
  private readonly image: string | undefined;

  constructor(e: PullEvent) {
    this.event = e.metadata.name;
    this.podUid = e.podUid;
    this.reason = e.reason;
    this.time = Math.floor((e.time ?? 0) / 1000);
    const t = messageTemplate(e.message, MESSAGE_IMAGE.exec(e.message)?.[1]);
    this.template = t.template;
    this.image = t.image;
  }

  get message(): string {
    return messageOf(this.template, this.image);
  }
}

/**
 * The Events of one informer folded by Pod (`<namespace>/<pod>`): per Pod uid only the latest Event that `wanted`
 * accepts, so memory grows with failing Pods, not with their Events. An Event deleted (expired) takes its Pod's
 * record with it.
 */
export class PodEventFold implements Sink<PullEvent> {
  private byPod = new Map<string, FoldedEvent[]>();
  /** The fold being rebuilt by a full list (readers keep the previous one until it ends). */
  private next: Map<string, FoldedEvent[]> | undefined;
  private readonly wanted: (e: PullEvent) => boolean;

  constructor(wanted: (e: PullEvent) => boolean = () => true) {
    this.wanted = wanted;
  }

  get(podKey: string): readonly PullRecord[] | undefined {
    return this.byPod.get(podKey);
  }

  /** Pods with a record. */
  get size(): number {
    return this.byPod.size;
  }

  put(e: PullEvent): void {
    if (!e.podName || !this.wanted(e)) return;
    const map = this.next ?? this.byPod;
    const key = `${e.metadata.namespace}/${e.podName}`;
    const list = map.get(key) ?? [];
    const i = list.findIndex((r) => r.podUid === e.podUid);
    if (i >= 0 && list[i]!.time > Math.floor((e.time ?? 0) / 1000)) return; // an older Event (a relist, out of order): the record stays
    // a new exact-size array: the latest last
    map.set(key, [...list.filter((r) => r.podUid !== e.podUid), new FoldedEvent(e)]);
  }

  remove(e: PullEvent): void {
    const map = this.next ?? this.byPod;
    const key = `${e.metadata.namespace}/${e.podName}`;
    const list = map.get(key);
    const i = list?.findIndex((r) => r.event === e.metadata.name && r.podUid === e.podUid) ?? -1;
    if (i < 0) return;
    if (list!.length === 1) map.delete(key);
    else map.set(key, list!.filter((_, j) => j !== i));
  }

  beginList(): void {
    this.next = new Map();
  }

  endList(): void {
    if (this.next) this.byPod = this.next;
    this.next = undefined;
  }
}

/** Whether a `Failed` Event carries a pull error the classifier can read (not one of the repeats). */
export const isPullFailure = (e: PullEvent): boolean => !REPEATS.test(e.message) && aboutPull(e);

/** The kubelet's Events about Pods, folded: per Pod its latest pull failure and its latest missing-Secret Event. */
export class PodPullEvents {
  readonly failed = new PodEventFold(isPullFailure);
  readonly missingSecret = new PodEventFold();

  /** Both records of a Pod (`<namespace>/<pod>`), the pull failure first. */
  get(podKey: string): readonly PullRecord[] | undefined {
    const a = this.failed.get(podKey);
    const b = this.missingSecret.get(podKey);
    return a && b ? [...a, ...b] : (a ?? b);
  }
}

/** host[:port] with the HTTPS default port made explicit, for comparing image hosts with registry.server. */
export function normalizeHost(hostport: string): string {
  const h = hostport.toLowerCase();
  return /:\d+$/.test(h) ? h.replace(/:443$/, '') : h;
}

export interface PodFailure {
  pod: string;
  podUid: string;
  diagnosis: Diagnosis;
  message: string;
}

/**
 * Failures of pods in `namespaces` pulling from `server` (pure). The message read is the kubelet's own error: the
 * latest `Failed to pull image` Event, else the container's waiting message (never the repeats "Error:
 * ErrImagePull", "Error: ImagePullBackOff", "Back-off pulling image"); a refused pull is refined with the Pod's
 * pull Secrets and the kubelet's FailedToRetrieveImagePullSecret Event.
 */
export function pullFailures(access: TcrAccess, server: string, namespaces: ReadonlySet<string>, pods: Iterable<PendingPod>, eventsByPod: { get(podKey: string): readonly PullRecord[] | undefined }): PodFailure[] {
  const want = normalizeHost(server);
  const ctx = { networkMode: access.spec.network?.mode ?? Defaults.networkMode, registryHost: server };
  const out: PodFailure[] = [];
  for (const pod of pods) {
    if (!namespaces.has(pod.metadata.namespace)) continue;
    const mine = pod.waiting.filter((w) => {
      const host = registryHost(w.image);
      return host !== undefined && normalizeHost(host) === want;
    });
    if (mine.length === 0) continue;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const events = (eventsByPod.get(key) ?? []).filter((e) => !e.podUid || e.podUid === pod.metadata.uid);
    const failed = events.filter((e) => e.reason !== MISSING_SECRET_REASON && !REPEATS.test(e.message));
    const fromEvent = failed.map((e) => e.message).filter((m) => /pull|image/i.test(m)).at(-1);
    const fromStatus = mine.map((w) => w.message).find((m) => m && !REPEATS.test(m));
    const message = fromEvent ?? fromStatus ?? mine[0]!.message ?? mine[0]!.reason;
    const missingSecretMessage = events.filter((e) => e.reason === MISSING_SECRET_REASON).at(-1)?.message;
    const diagnosis = refineCredentialsDiagnosis(
      classifyPullError(message, ctx),
      { podPullSecrets: pod.pullSecrets, expectedSecret: access.spec.imagePullSecret?.name, ...(missingSecretMessage ? { missingSecretMessage } : {}) },
      ctx,
    );
    out.push({ pod: key, podUid: pod.metadata.uid, diagnosis, message });
  }
  return out.sort((a, b) => a.pod.localeCompare(b.pod));
}

export type PullStatus = NonNullable<TcrAccessStatus['pullErrors']>;

/** The PullHealthy condition and status.pullErrors (pure). */
export function pullStatus(server: string, failures: PodFailure[]): { condition: ConditionInput; status: PullStatus } {
  if (failures.length === 0) {
    return { condition: { type: PULL_HEALTHY, status: 'True', reason: 'NoPullFailures', message: `No pod in the selected namespaces is failing to pull from ${server}` }, status: { failingPods: 0 } };
  }
  const byCause: Record<string, number> = {};
  for (const f of failures) byCause[f.diagnosis.cause] = (byCause[f.diagnosis.cause] ?? 0) + 1;
  const top = (Object.entries(byCause).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0]) as Cause;
  const ex = failures.find((f) => f.diagnosis.cause === top)!;
  const counts = Object.entries(byCause)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([c, n]) => `${c} ${n}`)
    .join(', ');
  return {
    condition: {
      type: PULL_HEALTHY,
      status: 'False',
      reason: top,
      message: `${failures.length} pod(s) failing to pull from ${server} (${counts}); e.g. ${ex.pod}: ${ex.diagnosis.evidence}. Fix: ${ex.diagnosis.fix}`,
    },
    status: { failingPods: failures.length, byCause, example: { pod: ex.pod, cause: top, message: ex.diagnosis.evidence.slice(0, 1024) } },
  };
}
