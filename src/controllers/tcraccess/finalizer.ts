// Deleting a TcrAccess: remove its ServiceAccount entries and Secrets (found by owner UID in the cache),
// then release the finalizer. A permanent failure (e.g. RBAC) shows Ready=False/CleanupBlocked; the
// annotation tcr.tke.dev/skip-cleanup: "true" lets an admin release the finalizer without cleanup.
import type { Logger } from 'winston';
import type { TcrAccess } from '../../api/v1alpha1/types.ts';
import { ApiError } from '../../k8s/client.ts';
import { classify } from '../../k8s/errors.ts';
import { forEachLimited } from '../../k8s/limit.ts';
import { deleteOwnedSecret, errorMessage, patchServiceAccount, removeFinalizer, writeStatusIfChanged } from './apply.ts';
import { cleanupCloud, cloudFailure } from './cloud.ts';
import { accessKey, namespaceKeyPrefix, type Deps } from './deps.ts';
import { addedEntries, FINALIZER, ownerUid } from './desired.ts';
import { deletingStatus } from './status.ts';

export const SKIP_CLEANUP_ANNOTATION = 'tcr.tke.dev/skip-cleanup';

const IN_FLIGHT_RETRY_MS = 200;

/** True (and the TcrAccess requeued) while a namespace key of it is being processed. */
function namespaceWorkInFlight(name: string, d: Deps): boolean {
  if (!d.queue.inFlightWithPrefix(namespaceKeyPrefix(name))) return false;
  d.queue.addAfter(accessKey(name), IN_FLIGHT_RETRY_MS, 'fast');
  return true;
}

export async function finalize(access: TcrAccess, d: Deps, log: Logger): Promise<void> {
  if (!access.metadata.finalizers?.includes(FINALIZER)) return;
  const name = access.metadata.name;
  if (access.metadata.annotations?.[SKIP_CLEANUP_ANNOTATION] !== 'true') {
    // 1. the cloud: tokens revoked; network resources by deletionPolicy, in the order the API requires
    let cloudDone: boolean;
    try {
      cloudDone = await cleanupCloud(access, d);
    } catch (e) {
      const f = cloudFailure(e, 'Cloud cleanup');
      const kind = (e as { kind?: string }).kind;
      const permanent = kind === 'auth' || kind === 'permanent' || kind === 'quota';
      await writeStatusIfChanged(access, deletingStatus(access, permanent ? `${f.message}; fix the cause, or annotate the TcrAccess with ${SKIP_CLEANUP_ANNOTATION}="true" to release it without cleanup` : undefined, d.now().toISOString()), d, log);
      d.queue.addAfter(accessKey(name), f.retryMs, 'bulk');
      return;
    }
    if (!cloudDone) {
      await writeStatusIfChanged(access, deletingStatus(access, undefined, d.now().toISOString()), d, log);
      d.queue.addAfter(accessKey(name), 3_000, 'bulk');
      return;
    }
    // 2. the cluster, once no namespace reconcile of this TcrAccess is in flight: one that started before the
    //    deletion was seen could re-add a ServiceAccount entry after the sweep
    if (namespaceWorkInFlight(name, d)) return;
    const serviceAccounts = d.caches.serviceAccounts.list().filter((sa) => Object.values(addedEntries(sa)).includes(name));
    const secrets = d.caches.secrets.list().filter((s) => ownerUid(s) === access.metadata.uid);
    const errors = [
      ...(await forEachLimited(serviceAccounts, d.opts.cleanupConcurrency, async (sa) => {
        await patchServiceAccount(name, sa, undefined, d, log);
      })),
      ...(await forEachLimited(secrets, d.opts.cleanupConcurrency, (s) => deleteOwnedSecret(s, d, log))),
    ];
    if (errors.length > 0) {
      const permanent = errors.find((e) => classify(e).kind === 'permanent');
      if (permanent) {
        const msg = `Cleanup failed (${errors.length} errors), e.g. ${errorMessage(permanent)}; fix the cause, or annotate the TcrAccess with ${SKIP_CLEANUP_ANNOTATION}="true" to release it without cleanup`;
        await writeStatusIfChanged(access, deletingStatus(access, msg, d.now().toISOString()), d, log);
      }
      throw errors[0] instanceof Error ? errors[0] : new ApiError(500, 'CleanupFailed', String(errors[0]));
    }
    // and a sweep that raced a namespace reconcile is repeated before the finalizer goes
    if (namespaceWorkInFlight(name, d)) return;
  } else {
    log.warn('Releasing the finalizer without cleanup, as the annotation asks', { annotation: SKIP_CLEANUP_ANNOTATION });
  }
  await removeFinalizer(access, d);
  d.state.conflicts.delete(name);
  d.state.failures.delete(name);
  log.info('Cleanup done, finalizer removed');
  // the cache already forgot the object (no watch event will say so again): one more pass forgets its state
  d.queue.add(accessKey(name), 'fast');
}
