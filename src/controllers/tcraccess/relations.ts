// Which keys an object change concerns. Handlers only enqueue keys; reconciles read the caches.
import type { TcrAccess } from '../../api/v1alpha1/types.ts';
import type { SourceSecret } from './credentials.ts';
import { tokenSecretName } from './tokens.ts';
import { accessKey, namespaceKey, type Deps } from './deps.ts';
import { ACCESS_LABEL, addedEntries, isSelected, ownerUid, type CachedSecret, type CachedServiceAccount, type NamespaceMeta } from './desired.ts';

const statusRefresh = (d: Deps, name: string) => d.queue.addAfter(accessKey(name), d.opts.statusDebounceMs, 'fast');

/** TcrAccess: the spec, deletion, annotations or finalizers changed (status-only updates are our own). */
export function accessChanged(d: Deps, oldObj: TcrAccess | undefined, obj: TcrAccess): void {
  const changed =
    !oldObj ||
    oldObj.metadata.generation !== obj.metadata.generation ||
    oldObj.metadata.deletionTimestamp !== obj.metadata.deletionTimestamp ||
    JSON.stringify(oldObj.metadata.annotations ?? {}) !== JSON.stringify(obj.metadata.annotations ?? {}) ||
    JSON.stringify(oldObj.metadata.finalizers ?? []) !== JSON.stringify(obj.metadata.finalizers ?? []) ||
    (oldObj.status !== undefined && obj.status === undefined);
  if (changed) d.queue.add(accessKey(obj.metadata.name), 'fast');
}

/** Namespace added, relabelled, deleted or terminating: the TcrAccesses whose selection it enters or leaves. */
export function namespaceChanged(d: Deps, oldNs: NamespaceMeta | undefined, ns: NamespaceMeta | undefined): void {
  const name = (ns ?? oldNs)!.metadata.name;
  for (const access of d.caches.accesses.list()) {
    const before = oldNs ? isSelected(access, oldNs) : false;
    const after = ns ? isSelected(access, ns) : false;
    if (!before && !after) continue;
    if (ns && (before !== after || !oldNs)) d.queue.add(namespaceKey(access.metadata.name, name), 'fast');
    if (before !== after) statusRefresh(d, access.metadata.name);
  }
}

function accessByUid(d: Deps, uid: string | undefined): TcrAccess | undefined {
  if (!uid) return undefined;
  return d.caches.accesses.list().find((a) => a.metadata.uid === uid);
}

/** A managed Secret changed or was deleted: its namespace is checked again (restored if edited/deleted). */
export function managedSecretChanged(d: Deps, s: CachedSecret): void {
  const access = accessByUid(d, ownerUid(s)) ?? d.caches.accesses.get(s.metadata.labels?.[ACCESS_LABEL] ?? '');
  if (!access) return;
  d.queue.add(namespaceKey(access.metadata.name, s.metadata.namespace), 'fast');
}

/** A ServiceAccount was added or changed: every TcrAccess that selects its namespace or has an entry in it. */
export function serviceAccountChanged(d: Deps, sa: CachedServiceAccount): void {
  const ns = d.caches.namespaces.get(sa.metadata.namespace);
  const ours = new Set(Object.values(addedEntries(sa)));
  for (const access of d.caches.accesses.list()) {
    if ((ns && isSelected(access, ns)) || ours.has(access.metadata.name)) d.queue.add(namespaceKey(access.metadata.name, sa.metadata.namespace), 'fast');
  }
}

/** A source Secret changed (credentials, cloud credentials, a minted token): every TcrAccess that reads it. */
export function sourceSecretChanged(d: Deps, s: SourceSecret): void {
  for (const access of d.caches.accesses.list()) {
    const ref = access.spec.credentials.secretRef;
    const cloudRef = access.spec.cloudCredentials?.secretRef;
    const reads =
      (ref && ref.namespace === s.metadata.namespace && ref.name === s.metadata.name) ||
      (cloudRef && cloudRef.namespace === s.metadata.namespace && cloudRef.name === s.metadata.name) ||
      (access.spec.credentials.instanceToken && s.metadata.namespace === d.opts.sourceNamespaces[0] && s.metadata.name === tokenSecretName(access.metadata.name));
    if (reads) d.queue.add(accessKey(access.metadata.name), 'fast');
  }
}

/** A Pending Pod or a Failed Pod Event changed: PullHealthy of the TcrAccesses that select the namespace. */
export function podChanged(d: Deps, namespace: string): void {
  const ns = d.caches.namespaces.get(namespace);
  if (!ns) return;
  for (const access of d.caches.accesses.values()) {
    if (access.spec.diagnostics?.pullErrors?.enabled === false || !isSelected(access, ns)) continue;
    statusRefresh(d, access.metadata.name);
  }
}
