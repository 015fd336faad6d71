// The diagnostics of a TcrAccess reconcile: the live registry probe (RegistryReachable, CredentialsAccepted)
// and the image-pull failures of selected namespaces (PullHealthy, Warning Events on Pods, metrics).
import type { Logger } from 'winston';
import type { TcrAccess } from '../../api/v1alpha1/types.ts';
import { CAUSES } from '../../diagnostics/classify.ts';
import { probeRegistry } from '../../diagnostics/probe.ts';
import type { ConditionInput } from '../../k8s/conditions.ts';
import { accessKey, type Deps } from './deps.ts';
import type { Desired } from './observe.ts';
import { PULL_STATUS_MIN_INTERVAL_MS, pullFailures, pullStatus, type PendingPod } from './pulls.ts';
import type { Observation } from './status.ts';

/**
 * Live probe (spec.diagnostics.probe): DNS, TCP/TLS and the registry v2 handshake with the distributed
 * credentials, from the operator's pod, every intervalSeconds. RegistryReachable / CredentialsAccepted.
 */
export async function observeProbe(access: TcrAccess, desired: Desired, d: Deps): Promise<ConditionInput[] | undefined> {
  const name = access.metadata.name;
  const p = access.spec.diagnostics?.probe;
  if (!p?.enabled || !desired.server) {
    d.state.probes.delete(name);
    return undefined;
  }
  const now = d.now().getTime();
  const prev = d.state.probes.get(name);
  const gen = access.metadata.generation ?? 0;
  const intervalMs = (p.intervalSeconds ?? 300) * 1000;
  if (prev && prev.generation === gen && now < prev.nextAt) return prev.conditions;
  const auth = desired.credentials.ok ? desired.credentials.auth : undefined;
  let r: Awaited<ReturnType<typeof probeRegistry>>;
  try {
    r = await probeRegistry({
      server: desired.server,
      plainHTTP: access.spec.registry.plainHTTP === true,
      insecureSkipVerify: access.spec.registry.insecureSkipVerify === true,
      ...(auth ? { username: auth.username, password: auth.password } : {}),
      ...(p.image ? { image: p.image } : {}),
    });
  } catch (e) {
    // only an address the probe cannot parse throws (a value that slipped past the API server): a condition, not a crash
    const message = `Not probed: ${e instanceof Error ? e.message : String(e)}`.slice(0, 500);
    r = { reachable: { status: false, reason: 'InvalidServer', message }, credentials: { status: undefined, reason: 'NotChecked', message: 'not checked: the registry address is invalid' }, steps: [], addresses: [] };
  }
  const where = 'checked from the operator pod';
  const conditions: ConditionInput[] = [
    { type: 'RegistryReachable', status: r.reachable.status ? 'True' : 'False', reason: r.reachable.reason, message: `${r.reachable.message} (${where})` },
    {
      type: 'CredentialsAccepted',
      status: r.credentials.status === undefined ? 'Unknown' : r.credentials.status ? 'True' : 'False',
      reason: r.credentials.reason,
      message: `${r.credentials.message}${r.image ? `; ${r.image.message}` : ''}`,
    },
  ];
  d.state.probes.set(name, { generation: gen, nextAt: now + intervalMs, conditions });
  d.queue.addAfter(accessKey(name), intervalMs, 'bulk');
  return conditions;
}

/** Warning Events (one per failing pod and cause) written per pass at most; the rest wait for the next pass. */
export const PULL_EVENTS_PER_PASS = 50;
export const PULL_EVENTS_NEXT_PASS_MS = 10_000;

/**
 * The record of Events already sent (`<podUid>/<cause>`) keeps only Pods still waiting on a pull, once it has grown
 * past twice the Pending-pod cache (plus slack): bounded by the outage's size, and never cleared wholesale — a
 * clear would send every failing Pod its Event again, over and over in an outage larger than any fixed bound.
 */
export function forgetHealedPods(sent: Set<string>, pendingPods: { size: number; values(): Iterable<PendingPod> }): void {
  if (sent.size <= 2 * pendingPods.size + SENT_SLACK) return;
  const waiting = new Set<string>();
  for (const p of pendingPods.values()) waiting.add(p.metadata.uid);
  for (const key of sent) if (!waiting.has(key.slice(0, key.indexOf('/')))) sent.delete(key);
}
const SENT_SLACK = 1_000;

/**
 * PullHealthy for this TcrAccess, from the Pending-pod cache and the Events folded by Pod. Warning Events once per pod
 * and cause; the condition changes at most every 30 s (the previous one is kept meanwhile).
 */
export function observePulls(access: TcrAccess, server: string | undefined, selected: ReadonlySet<string>, d: Deps, log: Logger): Observation['pull'] {
  const name = access.metadata.name;
  for (const cause of CAUSES) d.metrics.pullFailingPods.remove({ tcraccess: name, cause });
  const { pendingPods, podPullEvents } = d.caches;
  if (access.spec.diagnostics?.pullErrors?.enabled === false || !server || !pendingPods || !podPullEvents) return undefined;
  const failures = pullFailures(access, server, selected, pendingPods.values(), podPullEvents);
  forgetHealedPods(d.state.pullEventsSent, pendingPods);
  let recorded = 0;
  for (const f of failures) {
    const key = `${f.podUid}/${f.diagnosis.cause}`;
    if (d.state.pullEventsSent.has(key)) continue;
    if (recorded++ >= PULL_EVENTS_PER_PASS) {
      // a mass outage: the rest on a later pass, so that thousands of Events are never in flight (or in memory) at once
      d.queue.addAfter(accessKey(name), PULL_EVENTS_NEXT_PASS_MS, 'bulk');
      break;
    }
    d.state.pullEventsSent.add(key);
    const [ns, pod] = f.pod.split('/') as [string, string];
    log.info('Image pull failure diagnosed', { pod: f.pod, cause: f.diagnosis.cause });
    void d.events.record({ apiVersion: 'v1', kind: 'Pod', name: pod, namespace: ns, uid: f.podUid }, 'Warning', `Pull${f.diagnosis.cause}`, `${f.diagnosis.evidence} — ${f.diagnosis.fix}`);
  }
  const next = pullStatus(server, failures);
  for (const [cause, n] of Object.entries(next.status.byCause ?? {})) d.metrics.pullFailingPods.set({ tcraccess: name, cause }, n);
  const prevCond = access.status?.conditions?.find((c) => c.type === 'PullHealthy');
  const unchanged = prevCond && prevCond.status === next.condition.status && prevCond.reason === next.condition.reason && prevCond.message === next.condition.message;
  if (!prevCond || unchanged) {
    if (!prevCond) d.state.pullWrittenAt.set(name, d.now().getTime());
    return next;
  }
  const now = d.now().getTime();
  const last = d.state.pullWrittenAt.get(name) ?? 0;
  if (now - last < PULL_STATUS_MIN_INTERVAL_MS) {
    d.queue.addAfter(accessKey(name), last + PULL_STATUS_MIN_INTERVAL_MS - now, 'bulk');
    return { condition: { type: prevCond.type, status: prevCond.status, reason: prevCond.reason, message: prevCond.message }, status: access.status?.pullErrors ?? { failingPods: 0 } };
  }
  d.state.pullWrittenAt.set(name, now);
  return next;
}
