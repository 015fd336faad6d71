// Deleting a TcrAccess: remove its ServiceAccount entries and Secrets (found by owner UID in the cache),
// then release the finalizer. A permanent failure (e.g. RBAC) shows Ready=False/CleanupBlocked; the
// annotation tcr.tke.dev/skip-cleanup: "true" lets an admin release the finalizer without cleanup.
import type { Logger } from 'winston';
import type { TcrAccess } from '../../api/v1alpha1/types.ts';
import { ApiError, isNotFound } from '../../k8s/client.ts';
import { classify } from '../../k8s/errors.ts';
import { cleanupCloud, cloudFailure } from './cloud.ts';
import { accessKey, type Deps } from './deps.ts';
import { addedEntries, FINALIZER, ownerUid } from './desired.ts';
import { accessPath, errorMessage, patchServiceAccount, secretPath, write, writeStatusIfChanged } from './reconciler.ts';
import { deletingStatus } from './status.ts';

export const SKIP_CLEANUP_ANNOTATION = 'tcr.tke.dev/skip-cleanup';

/** Runs fn over items with at most `limit` in flight; collects errors instead of stopping at the first. */
export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<unknown[]> {
  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        errors.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return errors;
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
    // 2. the cluster
    const serviceAccounts = d.caches.serviceAccounts.list().filter((sa) => Object.values(addedEntries(sa)).includes(name));
    const secrets = d.caches.secrets.list().filter((s) => ownerUid(s) === access.metadata.uid);
    const errors = [
      ...(await forEachLimited(serviceAccounts, d.opts.cleanupConcurrency, async (sa) => {
        await patchServiceAccount(name, sa, undefined, d, log);
      })),
      ...(await forEachLimited(secrets, d.opts.cleanupConcurrency, async (s) => {
        try {
          await write(d, 'secrets', 'delete', () => d.client.delete(secretPath(s.metadata.namespace, s.metadata.name), { uid: s.metadata.uid }));
          log.info('Deleted Secret', { namespace: s.metadata.namespace, secret: s.metadata.name });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
        d.caches.secrets.assumeDeleted(`${s.metadata.namespace}/${s.metadata.name}`);
      })),
    ];
    if (errors.length > 0) {
      const permanent = errors.find((e) => classify(e).kind === 'permanent');
      if (permanent) {
        const msg = `Cleanup failed (${errors.length} errors), e.g. ${errorMessage(permanent)}; fix the cause, or annotate the TcrAccess with ${SKIP_CLEANUP_ANNOTATION}="true" to release it without cleanup`;
        await writeStatusIfChanged(access, deletingStatus(access, msg, d.now().toISOString()), d, log);
      }
      throw errors[0] instanceof Error ? errors[0] : new ApiError(500, 'CleanupFailed', String(errors[0]));
    }
  } else {
    log.warn('Releasing the finalizer without cleanup, as the annotation asks', { annotation: SKIP_CLEANUP_ANNOTATION });
  }
  // JSON patch with a test on the list: never drops a finalizer someone else added meanwhile.
  const finalizers = access.metadata.finalizers;
  try {
    await write(d, 'tcraccesses', 'patch', () =>
      d.client.jsonPatch(accessPath(name), [
        { op: 'test', path: '/metadata/finalizers', value: finalizers },
        { op: 'replace', path: '/metadata/finalizers', value: finalizers.filter((f) => f !== FINALIZER) },
      ]),
    );
  } catch (e) {
    if (isNotFound(e)) return;
    throw e;
  }
  d.state.conflicts.delete(name);
  d.state.failures.delete(name);
  log.info('Cleanup done, finalizer removed');
}
