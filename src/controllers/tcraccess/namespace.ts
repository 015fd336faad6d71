// reconcileNamespace (key n/<name>/<namespace>): the Secret and ServiceAccount entries of one namespace for one
// TcrAccess. Level-based: it reads the current spec and caches, never the event that woke it.
import type { Logger } from 'winston';
import { deleteOwnedSecret, ensureSecret, ensureServiceAccounts, errorMessage } from './apply.ts';
import { accessKey, type Deps } from './deps.ts';
import { isSelected, isTerminating } from './desired.ts';
import { desiredFor, keepsExistingSecret, ownedSecrets } from './observe.ts';

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

export async function reconcileNamespace(accessName: string, ns: string, d: Deps, log: Logger): Promise<void> {
  const access = d.caches.accesses.get(accessName);
  if (!access || access.metadata.deletionTimestamp) return; // the finalizer cleans up
  const nsObj = d.caches.namespaces.get(ns);
  if (nsObj && isTerminating(nsObj)) return; // the namespace takes its Secrets with it
  const desired = desiredFor(access, d);
  const selected = !!nsObj && isSelected(access, nsObj);
  const name = access.spec.imagePullSecret.name;
  let changed = false;
  try {
    // 1. Secret (before ServiceAccounts reference it). Without credentials nothing is created or updated:
    // a selected namespace keeps what it has; removals below never wait for credentials.
    let secretOk = false;
    if (!desired.secret) {
      secretOk = keepsExistingSecret(access, ns, selected, d);
      if (!selected && recordConflict(d, accessName, ns, false)) changed = true;
    } else if (selected) {
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
      await deleteOwnedSecret(s, d, log);
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
