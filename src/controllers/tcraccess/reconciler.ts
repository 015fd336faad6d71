// The two reconciles of a TcrAccess:
//  - reconcileAccess (key a/<name>): finalizer, credentials, which namespaces are out of date (fanned out
//    as namespace keys), and status. Cheap: it reads caches only and writes status only when it changed.
//  - reconcileNamespace (key n/<name>/<namespace>): the Secret and ServiceAccount entries of one namespace.
// Both are level-based: they read the current spec and caches, never the event that woke them.
import type { Logger } from 'winston';
import { ConditionType } from '../../api/v1alpha1/conditions.ts';
import { ApiVersion, Kind, type TcrAccess, type TcrAccessStatus } from '../../api/v1alpha1/types.ts';
import { isAlreadyExists, isNotFound } from '../../k8s/client.ts';
import { transitions } from '../../k8s/conditions.ts';
import type { KubeObject } from '../../k8s/informer.ts';
import { resolveCredentials, type CredentialsResult } from './credentials.ts';
import { needsCloud, runCloud } from './cloud.ts';
import { TOKEN_ROLE, TOKEN_ROLE_LABEL, tokenSecretName } from './tokens.ts';
import type { NetworkStatus } from './network.ts';
import { accessKey, namespaceKey, type Deps } from './deps.ts';
import {
  ACCESS_LABEL,
  addedEntries,
  desiredSecret,
  dockerConfigJson,
  FINALIZER,
  isSelected,
  isTerminating,
  mergeServiceAccount,
  ownerUid,
  SA_ANNOTATION,
  secretUpToDate,
  serviceAccountSelected,
  serviceAccountUpToDate,
  type CachedSecret,
  type CachedServiceAccount,
  type SecretBody,
} from './desired.ts';
import { finalize } from './finalizer.ts';
import { computeStatus, sameStatus, type Observation } from './status.ts';
import { PULL_STATUS_MIN_INTERVAL_MS, pullFailures, pullStatus, type PullEvent } from './pulls.ts';
import { CAUSES } from '../../diagnostics/classify.ts';
import { probeRegistry } from '../../diagnostics/probe.ts';
import type { ConditionInput } from '../../k8s/conditions.ts';

export const secretPath = (ns: string, name?: string) => `/api/v1/namespaces/${ns}/secrets${name ? `/${name}` : ''}`;
export const serviceAccountPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/serviceaccounts/${name}`;
export const accessPath = (name: string) => `/apis/tcr.tke.dev/v1alpha1/tcraccesses/${name}`;

export interface Desired {
  credentials: CredentialsResult;
  server: string | undefined;
  /** The Secret to write (namespace filled in per namespace); undefined while credentials are not ready. */
  secret: SecretBody | undefined;
}

export function desiredFor(access: TcrAccess, d: Deps): Desired {
  const ref = access.spec.credentials.secretRef;
  const opNs = d.opts.sourceNamespaces[0]!;
  const source = access.spec.credentials.instanceToken
    ? d.caches.sources.get(opNs)?.get(`${opNs}/${tokenSecretName(access.metadata.name)}`)
    : ref
      ? d.caches.sources.get(ref.namespace)?.get(`${ref.namespace}/${ref.name}`)
      : undefined;
  const server = access.spec.registry.server ?? d.state.cloud.get(access.metadata.name)?.server;
  const credentials = resolveCredentials(access, source, new Set(d.opts.sourceNamespaces), server);
  const secret = credentials.ok && server ? desiredSecret(access, '', server, dockerConfigJson(server, credentials.auth)) : undefined;
  return { credentials, server, secret };
}

/** Image-pull Secrets of this TcrAccess in one namespace (any name; not its token Secret). */
const ownedSecrets = (access: TcrAccess, ns: string, d: Deps): CachedSecret[] =>
  d.caches.secrets.inNamespace(ns).filter((s) => ownerUid(s) === access.metadata.uid && s.metadata.labels?.[TOKEN_ROLE_LABEL] !== TOKEN_ROLE);

/** The Secret name a ServiceAccount should reference for this TcrAccess, or undefined. */
function saTarget(access: TcrAccess, sa: CachedServiceAccount, secretOk: boolean): string | undefined {
  return secretOk && serviceAccountSelected(access, sa.metadata.name) ? access.spec.imagePullSecret.name : undefined;
}

/** True when the namespace needs no write for this TcrAccess. */
export function namespaceInSync(access: TcrAccess, ns: string, selected: boolean, want: SecretBody | undefined, d: Deps): boolean {
  const name = access.spec.imagePullSecret.name;
  const owned = ownedSecrets(access, ns, d);
  if (owned.some((s) => s.metadata.name !== name || !selected)) return false;
  let secretOk = false;
  if (selected && want) {
    const cur = d.caches.secrets.get(`${ns}/${name}`);
    if (!cur || !secretUpToDate(cur, want)) return false;
    secretOk = true;
  }
  return d.caches.serviceAccounts.inNamespace(ns).every((sa) => serviceAccountUpToDate(sa, access.metadata.name, saTarget(access, sa, secretOk)));
}

const recordFailure = (d: Deps, access: string, ns: string, message: string | undefined): boolean => {
  let m = d.state.failures.get(access);
  const before = m?.get(ns);
  if (message === undefined) {
    m?.delete(ns);
    return before !== undefined;
  }
  if (!m) d.state.failures.set(access, (m = new Map()));
  m.set(ns, message.slice(0, 200));
  return before !== message.slice(0, 200);
};

const recordConflict = (d: Deps, access: string, ns: string, conflict: boolean): boolean => {
  let s = d.state.conflicts.get(access);
  const before = s?.has(ns) ?? false;
  if (conflict) {
    if (!s) d.state.conflicts.set(access, (s = new Set()));
    s.add(ns);
  } else s?.delete(ns);
  return before !== conflict;
};

/** Every write of a reconcile goes through here: counted, and refused once this replica must stop writing. */
export async function write<T>(d: Deps, resource: string, verb: string, fn: () => Promise<T>): Promise<T> {
  if (d.signal.aborted) throw new Error('stopped: not writing any more');
  d.metrics.writes.inc({ resource, verb });
  return fn();
}

/** Ensures the Secret in `ns`; returns true when it is ours and current, false on a conflict. */
async function ensureSecret(access: TcrAccess, ns: string, want: SecretBody, d: Deps, log: Logger): Promise<{ ok: boolean; changed: boolean }> {
  const name = want.metadata.name;
  const body: SecretBody = { ...want, metadata: { ...want.metadata, namespace: ns } };
  const cached = d.caches.secrets.get(`${ns}/${name}`);
  const uid = access.metadata.uid;
  const replace = async (rv: string, type: string | undefined, secretUid: string) => {
    if (type !== undefined && type !== body.type) {
      // type is immutable: replace ours by delete + create (precondition: exactly the Secret we looked at)
      await write(d, 'secrets', 'delete', () => d.client.delete(secretPath(ns, name), { uid: secretUid }));
      d.caches.secrets.assumeDeleted(`${ns}/${name}`);
      const created = await write(d, 'secrets', 'create', () => d.client.create<KubeObject>(secretPath(ns), body));
      d.caches.secrets.assume(created);
      log.info('Recreated Secret', { namespace: ns, secret: name });
      return;
    }
    const updated = await write(d, 'secrets', 'update', () =>
      d.client.replace<KubeObject>(secretPath(ns, name), { ...body, metadata: { ...body.metadata, resourceVersion: rv } }),
    );
    d.caches.secrets.assume(updated);
    log.info('Updated Secret', { namespace: ns, secret: name });
  };
  if (cached) {
    if (ownerUid(cached) !== uid) return { ok: false, changed: false };
    if (secretUpToDate(cached, body)) return { ok: true, changed: false };
    await replace(cached.metadata.resourceVersion, cached.type, cached.metadata.uid);
    return { ok: true, changed: true };
  }
  try {
    const created = await write(d, 'secrets', 'create', () => d.client.create<KubeObject>(secretPath(ns), body));
    d.caches.secrets.assume(created);
    log.info('Created Secret', { namespace: ns, secret: name });
    return { ok: true, changed: true };
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
  // A Secret of that name exists without our label: ours (label removed by someone) or not ours at all.
  const existing = await d.client.get<{ metadata: { resourceVersion: string; uid: string; ownerReferences?: Array<{ uid: string; kind: string }> }; type?: string }>(
    secretPath(ns, name),
  );
  if (ownerUid(existing) !== uid) return { ok: false, changed: false };
  await replace(existing.metadata.resourceVersion, existing.type, existing.metadata.uid);
  return { ok: true, changed: true };
}

/** Applies this TcrAccess's entry to every ServiceAccount of the namespace. */
async function ensureServiceAccounts(access: TcrAccess, ns: string, secretOk: boolean, d: Deps, log: Logger): Promise<boolean> {
  let changed = false;
  for (const sa of d.caches.serviceAccounts.inNamespace(ns)) {
    if (await patchServiceAccount(access.metadata.name, sa, saTarget(access, sa, secretOk), d, log)) changed = true;
  }
  return changed;
}

/**
 * Read-modify-write of imagePullSecrets (an atomic list) with the cached resourceVersion as precondition;
 * a 409 means the cache was stale: re-read and retry.
 */
export async function patchServiceAccount(accessName: string, cached: CachedServiceAccount, target: string | undefined, d: Deps, log: Logger): Promise<boolean> {
  let sa = cached;
  for (let attempt = 0; attempt < 5; attempt++) {
    const change = mergeServiceAccount(sa, accessName, target);
    if (!change) return false;
    try {
      const patched = await write(d, 'serviceaccounts', 'patch', () =>
        d.client.mergePatch<KubeObject>(serviceAccountPath(sa.metadata.namespace, sa.metadata.name), {
          metadata: { resourceVersion: sa.metadata.resourceVersion, annotations: { [SA_ANNOTATION]: change.annotation } },
          imagePullSecrets: change.imagePullSecrets,
        }),
      );
      d.caches.serviceAccounts.assume(patched);
      log.info(target ? 'Added imagePullSecrets entry to ServiceAccount' : 'Removed imagePullSecrets entry from ServiceAccount', {
        namespace: sa.metadata.namespace,
        serviceAccount: sa.metadata.name,
      });
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      const status = (e as { status?: number }).status;
      if (status !== 409) throw e;
      const fresh = await d.client.get<KubeObject>(serviceAccountPath(sa.metadata.namespace, sa.metadata.name));
      d.caches.serviceAccounts.assume(fresh);
      sa = d.caches.serviceAccounts.get(`${sa.metadata.namespace}/${sa.metadata.name}`) ?? sa;
    }
  }
  throw new Error(`ServiceAccount ${sa.metadata.namespace}/${sa.metadata.name} kept changing; will retry`);
}

export async function reconcileNamespace(accessName: string, ns: string, d: Deps, log: Logger): Promise<void> {
  const access = d.caches.accesses.get(accessName);
  if (!access || access.metadata.deletionTimestamp) return; // the finalizer cleans up
  const nsObj = d.caches.namespaces.get(ns);
  if (nsObj && isTerminating(nsObj)) return; // the namespace takes its Secrets with it
  const desired = desiredFor(access, d);
  if (!desired.secret) return; // credentials not ready: leave existing Secrets as they are
  const selected = !!nsObj && isSelected(access, nsObj);
  const name = access.spec.imagePullSecret.name;
  let changed = false;
  try {
    // 1. Secret (before ServiceAccounts reference it)
    let secretOk = false;
    if (selected) {
      const r = await ensureSecret(access, ns, desired.secret, d, log);
      secretOk = r.ok;
      changed ||= r.changed;
      if (recordConflict(d, accessName, ns, !r.ok)) {
        changed = true;
        if (!r.ok) log.info('Secret exists and is not ours: not touching it', { namespace: ns, secret: name });
      }
    } else if (recordConflict(d, accessName, ns, false)) changed = true;
    // 2. ServiceAccounts (also removes our stale entries)
    changed = (await ensureServiceAccounts(access, ns, secretOk, d, log)) || changed;
    // 3. Secrets of ours that are no longer wanted here (namespace deselected, Secret renamed)
    for (const s of ownedSecrets(access, ns, d)) {
      if (selected && s.metadata.name === name) continue;
      try {
        await write(d, 'secrets', 'delete', () => d.client.delete(secretPath(ns, s.metadata.name), { uid: s.metadata.uid }));
        log.info('Deleted Secret', { namespace: ns, secret: s.metadata.name });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      d.caches.secrets.assumeDeleted(`${ns}/${s.metadata.name}`);
      changed = true;
    }
    if (recordFailure(d, accessName, ns, undefined)) changed = true;
  } catch (e) {
    if (recordFailure(d, accessName, ns, errorMessage(e))) changed = true;
    throw e;
  } finally {
    if (changed) d.queue.addAfter(accessKey(accessName), d.opts.statusDebounceMs, 'fast');
  }
}

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export async function reconcileAccess(name: string, full: boolean, d: Deps, log: Logger): Promise<void> {
  let access = d.caches.accesses.get(name);
  if (!access) {
    d.state.conflicts.delete(name);
    d.state.failures.delete(name);
    d.state.cloud.delete(name);
    d.state.probes.delete(name);
    d.state.pullWrittenAt.delete(name);
    d.metrics.secretsManaged.remove({ tcraccess: name });
    d.metrics.conflicts.remove({ tcraccess: name });
    return;
  }
  if (access.metadata.deletionTimestamp) return finalize(access, d, log);
  if (!access.metadata.finalizers?.includes(FINALIZER)) {
    const updated = await write(d, 'tcraccesses', 'patch', () =>
      d.client.mergePatch<TcrAccess>(accessPath(name), {
        metadata: { resourceVersion: access!.metadata.resourceVersion, finalizers: [...(access!.metadata.finalizers ?? []), FINALIZER] },
      }),
    );
    d.caches.accesses.assume(updated as unknown as KubeObject);
    access = d.caches.accesses.get(name)!;
  }
  let desired = desiredFor(access, d);
  // A new generation is checked in full, like the periodic resync: known conflicts are looked at again.
  if (access.status?.observedGeneration !== access.metadata.generation) full = true;
  const conflicts = d.state.conflicts.get(name) ?? new Set<string>();
  const failures = d.state.failures.get(name) ?? new Map<string, string>();
  let desiredCount = 0;
  let ready = 0;
  const selectedNow = new Set<string>();
  let scanned = 0;
  for (const ns of d.caches.namespaces.values()) {
    // a scan of thousands of namespaces yields now and then, so single-namespace keys are never held up
    if (++scanned % 500 === 0) await new Promise<void>((r) => setImmediate(r));
    const nsName = ns.metadata.name;
    if (isTerminating(ns)) continue;
    const selected = isSelected(access, ns);
    if (selected) {
      desiredCount++;
      selectedNow.add(nsName);
    }
    if (!desired.secret) continue;
    if (namespaceInSync(access, nsName, selected, desired.secret, d)) {
      if (selected) ready++;
      failures.delete(nsName);
      if (!selected || !conflicts.has(nsName) || full) conflicts.delete(nsName);
      continue;
    }
    // Known conflicts are retried on the periodic resync only, so a quiet cluster stays quiet.
    if (conflicts.has(nsName) && !full) continue;
    d.queue.add(namespaceKey(name, nsName), 'bulk');
  }
  for (const ns of [...conflicts]) if (!selectedNow.has(ns)) conflicts.delete(ns);
  for (const ns of [...failures.keys()]) if (!selectedNow.has(ns) && !d.caches.namespaces.get(ns)) failures.delete(ns);

  // The cloud (instance, token, network): one step when due, never blocking on a slow operation.
  let cloud = d.state.cloud.get(name);
  if (needsCloud(access)) {
    const now = d.now().getTime();
    // the cloud step also runs at once when what it reads changed: its API credentials or the token Secret
    const opNs = d.opts.sourceNamespaces[0]!;
    const cref = access.spec.cloudCredentials?.secretRef;
    const inputs = [
      cref ? d.caches.sources.get(cref.namespace)?.get(`${cref.namespace}/${cref.name}`)?.metadata.resourceVersion : '',
      d.caches.sources.get(opNs)?.get(`${opNs}/${tokenSecretName(access.metadata.name)}`)?.metadata.resourceVersion,
    ].join('|');
    if (!cloud || cloud.uid !== access.metadata.uid || cloud.generation !== (access.metadata.generation ?? 0) || cloud.inputs !== inputs || now >= cloud.nextAt) {
      const before = JSON.stringify([cloud?.server, cloud?.credentialsStatus]);
      let current: TcrAccess = access;
      cloud = await runCloud({
        access,
        d,
        log,
        rolledOut: !!desired.secret && ready === desiredCount && conflicts.size === 0,
        persistNetwork: async (n: NetworkStatus) => {
          const updated = await write(d, 'tcraccesses', 'update', () =>
            d.client.replace<TcrAccess>(`${accessPath(name)}/status`, { ...current, status: { ...current.status, network: n } }),
          );
          d.caches.accesses.assume(updated as unknown as KubeObject);
          current = updated;
          log.info('Recorded intent in status before a cloud create', { network: n.mode });
        },
        warn: (reason, message) => void d.events.record({ apiVersion: ApiVersion, kind: Kind, name, uid: access!.metadata.uid }, 'Warning', reason, message),
      });
      // inputs as read before the step: a token the step stored itself wakes it once more, harmlessly
      cloud.inputs = inputs;
      d.state.cloud.set(name, cloud);
      access = current;
      // a new token or a newly learnt registry domain changes every Secret: fan out again
      if (JSON.stringify([cloud.server, cloud.credentialsStatus]) !== before) d.queue.add(accessKey(name), 'fast');
      desired = desiredFor(access, d);
    }
    d.queue.addAfter(accessKey(name), Math.max(1, cloud.nextAt - d.now().getTime()), 'bulk');
  } else if (cloud) {
    d.state.cloud.delete(name);
    cloud = undefined;
  }

  const pull = observePulls(access, desired.server, selectedNow, d, log);
  const probe = await observeProbe(access, desired, d);
  const status = computeStatus(
    access,
    {
      pull,
      probe,
      cloud,
      credentials: desired.credentials,
      server: desired.server,
      desired: desiredCount,
      ready,
      conflicts: [...conflicts].filter((n) => selectedNow.has(n)).sort(),
      failures: [...failures.entries()].filter(([n]) => selectedNow.has(n)).sort(([a], [b]) => a.localeCompare(b)).map(([namespace, message]) => ({ namespace, message })),
    },
    d.now().toISOString(),
  );
  let managed = 0;
  for (const s of d.caches.secrets.values()) if (s.metadata.labels?.[ACCESS_LABEL] === name && s.metadata.labels?.[TOKEN_ROLE_LABEL] !== TOKEN_ROLE) managed++;
  d.metrics.secretsManaged.set({ tcraccess: name }, managed);
  d.metrics.conflicts.set({ tcraccess: name }, status.secrets?.conflicts ?? 0);
  await writeStatusIfChanged(access, status, d, log);
}

/**
 * Live probe (spec.diagnostics.probe): DNS, TCP/TLS and the registry v2 handshake with the distributed
 * credentials, from the operator's pod, every intervalSeconds. RegistryReachable / CredentialsAccepted.
 */
async function observeProbe(access: TcrAccess, desired: Desired, d: Deps): Promise<ConditionInput[] | undefined> {
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
  const r = await probeRegistry({
    server: desired.server,
    plainHTTP: access.spec.registry.plainHTTP === true,
    insecureSkipVerify: access.spec.registry.insecureSkipVerify === true,
    ...(auth ? { username: auth.username, password: auth.password } : {}),
    ...(p.image ? { image: p.image } : {}),
  });
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

/**
 * PullHealthy for this TcrAccess, from the Pending-pod and Failed-Event caches. Warning Events once per pod
 * and cause; the condition changes at most every 30 s (the previous one is kept meanwhile).
 */
function observePulls(access: TcrAccess, server: string | undefined, selected: ReadonlySet<string>, d: Deps, log: Logger): Observation['pull'] {
  const name = access.metadata.name;
  for (const cause of CAUSES) d.metrics.pullFailingPods.remove({ tcraccess: name, cause });
  if (access.spec.diagnostics?.pullErrors?.enabled === false || !server) return undefined;
  const eventsByPod = new Map<string, PullEvent[]>();
  for (const e of [...d.caches.pullEvents.values(), ...d.caches.missingSecretEvents.values()]) {
    if (!selected.has(e.metadata.namespace)) continue;
    const k = `${e.metadata.namespace}/${e.podName}`;
    const list = eventsByPod.get(k);
    if (list) list.push(e);
    else eventsByPod.set(k, [e]);
  }
  const failures = pullFailures(access, server, selected, d.caches.pendingPods.values(), eventsByPod);
  if (d.state.pullEventsSent.size > 10_000) d.state.pullEventsSent.clear(); // bounded: at worst an Event is repeated
  for (const f of failures) {
    const key = `${f.podUid}/${f.diagnosis.cause}`;
    if (d.state.pullEventsSent.has(key)) continue;
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

/** Writes status through /status only when it differs; Events only on condition transitions. */
export async function writeStatusIfChanged(access: TcrAccess, status: TcrAccessStatus, d: Deps, log: Logger): Promise<void> {
  if (sameStatus(access.status ?? {}, status)) return;
  const updated = await write(d, 'tcraccesses', 'update', () =>
    d.client.replace<TcrAccess>(`${accessPath(access.metadata.name)}/status`, { ...access, status }),
  );
  d.caches.accesses.assume(updated as unknown as KubeObject);
  const ready = status.conditions?.find((c) => c.type === ConditionType.Ready);
  log.info('Updated status', { ready: ready?.status, reason: ready?.reason, secretsReady: status.secrets?.ready, secretsDesired: status.secrets?.desired });
  for (const c of transitions(access.status?.conditions, status.conditions ?? [])) {
    if (c.type === ConditionType.Ready && c.status === 'Unknown') continue;
    await d.events.record(
      { apiVersion: ApiVersion, kind: Kind, name: access.metadata.name, uid: access.metadata.uid, resourceVersion: updated.metadata.resourceVersion },
      c.status === 'False' ? 'Warning' : 'Normal',
      c.reason,
      `${c.type}=${c.status}: ${c.message}`,
    );
  }
}

export { addedEntries };
