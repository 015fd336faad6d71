// The apply step: every write a TcrAccess reconcile makes to the API server (Secrets, ServiceAccount entries,
// the token Secret, status, the finalizer), each counted and refused once this replica must stop writing, and
// the re-reads a conflicting write calls for.
// It reads the desired objects it is given and the caches; it decides nothing about what should exist.
import type { Logger } from 'winston';
import { ConditionType } from '../../api/v1alpha1/conditions.ts';
import { ApiVersion, Kind, type TcrAccess, type TcrAccessStatus } from '../../api/v1alpha1/types.ts';
import { ApiError, isAlreadyExists, isNotFound } from '../../k8s/client.ts';
import { transitions } from '../../k8s/conditions.ts';
import type { KubeObject } from '../../k8s/informer.ts';
import type { Deps } from './deps.ts';
import {
  adoptable,
  adoptedSecret,
  dataHash,
  DOCKERCONFIG_KEY,
  FINALIZER,
  isAdopted,
  mergeServiceAccount,
  ownerUid,
  releasedSecret,
  SA_ANNOTATION,
  saTarget,
  secretUpToDate,
  type CachedSecret,
  type CachedServiceAccount,
  type LiveSecret,
  type SecretBody,
} from './desired.ts';
import { exportStatus } from './gauges.ts';
import type { NetworkStatus } from './network.ts';
import { sameStatus } from './status.ts';
import type { TokenSecretBody } from './tokens.ts';

export const secretPath = (ns: string, name?: string) => `/api/v1/namespaces/${ns}/secrets${name ? `/${name}` : ''}`;
export const serviceAccountPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/serviceaccounts/${name}`;
const accessesPath = '/apis/tcr.tke.dev/v1alpha1/tcraccesses';
export const accessPath = (name: string) => `${accessesPath}/${name}`;

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Every write of a reconcile goes through here: counted, and refused once this replica must stop writing. */
export async function write<T>(d: Deps, resource: string, verb: string, fn: () => Promise<T>): Promise<T> {
  if (d.signal.aborted) throw new Error('stopped: not writing any more');
  d.metrics.writes.inc({ resource, verb });
  return fn();
}

/**
 * Ensures the Secret in `ns`; returns ok=true when it is ours and current, ok=false on a conflict. A Secret of
 * that name that is not in the cache (no operator label) is read by one GET of that name, never by a watch.
 */
export async function ensureSecret(access: TcrAccess, ns: string, want: SecretBody, d: Deps, log: Logger): Promise<{ ok: boolean; changed: boolean }> {
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
  const conflict = { ok: false, changed: false };
  let live: LiveSecret | undefined;
  if (cached) {
    const mine = ownerUid(cached) === uid;
    if (!mine && !adoptable(access, cached)) return conflict;
    if (mine && secretUpToDate(cached, body, d.state.adopted.get(`${ns}/${name}`))) return { ok: true, changed: false };
    if (mine && !isAdopted(cached)) {
      await replace(cached.metadata.resourceVersion, cached.type, cached.metadata.uid);
      return { ok: true, changed: true };
    }
    live = await d.client.get<LiveSecret>(secretPath(ns, name));
  } else {
    try {
      const created = await write(d, 'secrets', 'create', () => d.client.create<KubeObject>(secretPath(ns), body));
      d.caches.secrets.assume(created);
      log.info('Created Secret', { namespace: ns, secret: name });
      return { ok: true, changed: true };
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
    // A Secret of that name exists without our label: ours (label removed by someone), one to adopt, or not ours.
    live = await d.client.get<LiveSecret>(secretPath(ns, name));
    if (ownerUid(live) === uid && !isAdopted(live)) {
      await replace(live.metadata.resourceVersion, live.type, live.metadata.uid);
      return { ok: true, changed: true };
    }
  }
  if (ownerUid(live) !== uid && !adoptable(access, live)) return conflict;
  return (await writeAdopted(live, body, d, log)) ? { ok: true, changed: true } : { ok: true, changed: false };
}

/**
 * Writes an adopted Secret (first adoption, or ours changed): our entry merged into its other registries' entries.
 * Records what it saw, so the cache alone tells when it is current again. Returns true when it wrote.
 */
async function writeAdopted(live: LiveSecret, want: SecretBody, d: Deps, log: Logger): Promise<boolean> {
  const key = `${live.metadata.namespace}/${live.metadata.name}`;
  const body = adoptedSecret(live, want);
  if (!body) throw new ApiError(422, 'Invalid', `Secret ${key}: its ${DOCKERCONFIG_KEY} is not a docker config; not adopting it`);
  const record = { dataHash: dataHash(body.data), entryHash: dataHash(want.data) };
  const first = !isAdopted(live);
  if (!first && dataHash(live.data) === record.dataHash && secretUpToDate({ ...live, dataHash: record.dataHash } as CachedSecret, want, record)) {
    d.state.adopted.set(key, record);
    d.caches.secrets.assume(live as unknown as KubeObject);
    return false;
  }
  const updated = await write(d, 'secrets', 'update', () => d.client.replace<KubeObject>(secretPath(live.metadata.namespace, live.metadata.name), body));
  d.state.adopted.set(key, record);
  d.caches.secrets.assume(updated);
  log.info(first ? 'Adopted Secret (its other registries\' entries kept)' : 'Updated adopted Secret', { namespace: live.metadata.namespace, secret: live.metadata.name });
  return true;
}

/**
 * Deletes one of our Secrets (precondition: its UID); already gone is fine. An adopted Secret that still
 * holds other registries' entries is handed back with only those instead.
 */
export async function deleteOwnedSecret(s: { metadata: { namespace: string; name: string; uid: string; annotations?: Record<string, string> } }, d: Deps, log: Logger): Promise<void> {
  const { namespace, name, uid } = s.metadata;
  const key = `${namespace}/${name}`;
  try {
    const live = isAdopted(s) ? await d.client.get<LiveSecret>(secretPath(namespace, name)) : undefined;
    const kept = live && live.metadata.uid === uid ? releasedSecret(live, ownerUid(live) ?? '') : undefined;
    if (kept) {
      await write(d, 'secrets', 'update', () => d.client.replace(secretPath(namespace, name), kept));
      log.info('Released adopted Secret: only the other registries\' entries are left', { namespace, secret: name });
    } else {
      await write(d, 'secrets', 'delete', () => d.client.delete(secretPath(namespace, name), { uid }));
      log.info('Deleted Secret', { namespace, secret: name });
    }
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  d.state.adopted.delete(key);
  d.caches.secrets.assumeDeleted(key);
}

/** Applies this TcrAccess's entry to every ServiceAccount of the namespace. */
export async function ensureServiceAccounts(access: TcrAccess, ns: string, secretOk: boolean, d: Deps, log: Logger): Promise<boolean> {
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
      d.caches.serviceAccounts.observe(fresh); // other TcrAccesses hear of the outside write too
      sa = d.caches.serviceAccounts.get(`${sa.metadata.namespace}/${sa.metadata.name}`) ?? sa;
    }
  }
  throw new Error(`ServiceAccount ${sa.metadata.namespace}/${sa.metadata.name} kept changing; will retry`);
}

/** Creates or replaces the token Secret in the operator's namespace. */
export async function storeTokenSecret(body: TokenSecretBody, d: Deps): Promise<void> {
  const ns = d.opts.sourceNamespaces[0]!;
  const b = { ...body, metadata: { ...body.metadata, namespace: ns } };
  let stored: KubeObject;
  try {
    stored = await write(d, 'secrets', 'create', () => d.client.create<KubeObject>(secretPath(ns), b));
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    const cur = await d.client.get<{ metadata: { resourceVersion: string } }>(secretPath(ns, b.metadata.name));
    stored = await write(d, 'secrets', 'update', () =>
      d.client.replace<KubeObject>(secretPath(ns, b.metadata.name), { ...b, metadata: { ...b.metadata, resourceVersion: cur.metadata.resourceVersion } }),
    );
  }
  d.caches.sources.get(ns)?.assume(stored);
}

/**
 * After a 409 on a TcrAccess write the cache is behind the API server (its watch late, or stuck until the idle
 * timeout restarts it): the object is read again, so the retry acts on what is stored (a deletion included)
 * instead of repeating the same stale write with a growing backoff.
 */
export async function refreshAccess(name: string, d: Deps): Promise<void> {
  // a list of one (the operator's role lists and watches TcrAccesses; it has no need of get)
  const list = await d.client.get<{ metadata: { resourceVersion: string }; items: KubeObject[] }>(accessesPath, { fieldSelector: `metadata.name=${name}` });
  const live = list.items[0];
  if (live) d.caches.accesses.observe({ ...live, apiVersion: ApiVersion, kind: Kind });
  else d.caches.accesses.assumeDeleted(name, list.metadata.resourceVersion);
}

/** Adds the finalizer (resourceVersion precondition); returns the TcrAccess as cached afterwards. */
export async function addFinalizer(access: TcrAccess, d: Deps): Promise<TcrAccess> {
  const updated = await write(d, 'tcraccesses', 'patch', () =>
    d.client.mergePatch<TcrAccess>(accessPath(access.metadata.name), {
      metadata: { resourceVersion: access.metadata.resourceVersion, finalizers: [...(access.metadata.finalizers ?? []), FINALIZER] },
    }),
  );
  d.caches.accesses.assume(updated as unknown as KubeObject);
  return d.caches.accesses.get(access.metadata.name)!;
}

/** Removes the finalizer by a JSON patch that tests the list: never drops a finalizer someone else added meanwhile. */
export async function removeFinalizer(access: TcrAccess, d: Deps): Promise<void> {
  const finalizers = access.metadata.finalizers ?? [];
  try {
    const updated = await write(d, 'tcraccesses', 'patch', () =>
      d.client.jsonPatch<TcrAccess>(accessPath(access.metadata.name), [
        { op: 'test', path: '/metadata/finalizers', value: finalizers },
        { op: 'replace', path: '/metadata/finalizers', value: finalizers.filter((f) => f !== FINALIZER) },
      ]),
    );
    // the last finalizer of a deleting object: the API server removes it now. Either way the cache learns it at
    // once, so a reconcile queued meanwhile does not run the cleanup a second time on a copy still holding ours.
    if (updated.metadata.deletionTimestamp && !updated.metadata.finalizers?.length) d.caches.accesses.assumeDeleted(access.metadata.name, updated.metadata.resourceVersion);
    else d.caches.accesses.assume(updated as unknown as KubeObject);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    d.caches.accesses.assumeDeleted(access.metadata.name, access.metadata.resourceVersion);
  }
}

/**
 * Sets (undefined: removes) one annotation of the TcrAccess at once, with a resourceVersion precondition: how the
 * cloud step records what it must find again (the instance, long-term tokens) before it creates anything, in
 * metadata, which survives a backup restore (status does not). Returns the stored object.
 */
export async function setAnnotation(current: TcrAccess, key: string, value: string | undefined, d: Deps): Promise<TcrAccess> {
  const updated = await write(d, 'tcraccesses', 'patch', () =>
    d.client.mergePatch<TcrAccess>(accessPath(current.metadata.name), {
      metadata: { resourceVersion: current.metadata.resourceVersion, annotations: { [key]: value ?? null } },
    }),
  );
  d.caches.accesses.assume(updated as unknown as KubeObject);
  return updated;
}

/** Writes status.network at once (intent recorded before a cloud create); returns the stored object. */
export async function writeNetworkStatus(current: TcrAccess, n: NetworkStatus, d: Deps): Promise<TcrAccess> {
  const updated = await write(d, 'tcraccesses', 'update', () =>
    d.client.replace<TcrAccess>(`${accessPath(current.metadata.name)}/status`, { ...current, status: { ...current.status, network: n } }),
  );
  d.caches.accesses.assume(updated as unknown as KubeObject);
  return updated;
}

/** Writes status through /status only when it differs; Events only on condition transitions. */
export async function writeStatusIfChanged(access: TcrAccess, status: TcrAccessStatus, d: Deps, log: Logger): Promise<void> {
  exportStatus(d.metrics, access.metadata.name, status);
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
