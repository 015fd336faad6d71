// reconcileAccess (key a/<name>): finalizer, credentials, which namespaces are out of date (fanned out as
// namespace keys, see namespace.ts), the cloud step, diagnostics and status. Cheap: it reads caches only and
// writes status only when it changed. The walk goes one way: observe → desired → apply → status.
import type { Logger } from 'winston';
import { ApiVersion, ForceSyncAnnotation, Kind, RotateAnnotation, type TcrAccess } from '../../api/v1alpha1/types.ts';
import { specProblem } from '../../api/v1alpha1/validate.ts';
import { addFinalizer, setAnnotation, writeNetworkStatus, writeStatusIfChanged } from './apply.ts';
import { CLOUD_INSTANCE_ANNOTATION, LONG_TERM_TOKENS_ANNOTATION } from './marker.ts';
import { needsCloud, runCloud } from './cloud.ts';
import { accessKey, namespaceKey, type Deps } from './deps.ts';
import { ACCESS_LABEL, FINALIZER, isSelected, isTerminating } from './desired.ts';
import { observeProbe, observePulls } from './diagnose.ts';
import { finalize } from './finalizer.ts';
import { forgetAccess } from './gauges.ts';
import type { NetworkStatus } from './network.ts';
import { desiredFor, namespaceInSync } from './observe.ts';
import { computeStatus } from './status.ts';
import { TOKEN_ROLE, TOKEN_ROLE_LABEL, tokenSecretName } from './tokens.ts';

export async function reconcileAccess(name: string, full: boolean, d: Deps, log: Logger): Promise<void> {
  let access = d.caches.accesses.get(name);
  if (!access) {
    d.state.conflicts.delete(name);
    d.state.failures.delete(name);
    d.state.cloud.delete(name);
    d.state.probes.delete(name);
    d.state.pullWrittenAt.delete(name);
    forgetAccess(d.metrics, name);
    return;
  }
  if (access.metadata.deletionTimestamp) return finalize(access, d, log);
  if (!access.metadata.finalizers?.includes(FINALIZER)) access = await addFinalizer(access, d);
  let desired = desiredFor(access, d);
  // A new generation is checked in full, like the periodic resync: known conflicts are looked at again.
  if (access.status?.observedGeneration !== access.metadata.generation) full = true;
  // tcr.tke.dev/force-sync with a value not handled yet (status.lastForceSync): every namespace, the cloud
  // step and the probe are checked again now; the value is recorded in status, so it happens once per value.
  const forceSync = access.metadata.annotations?.[ForceSyncAnnotation]?.slice(0, 256);
  const forced = forceSync !== undefined && forceSync !== access.status?.lastForceSync;
  if (forced) {
    full = true;
    d.state.probes.delete(name);
    d.state.pullWrittenAt.delete(name);
    log.info('Force sync requested: checking everything again', { value: forceSync });
  }
  const conflicts = d.state.conflicts.get(name) ?? new Set<string>();
  const failures = d.state.failures.get(name) ?? new Map<string, string>();
  let desiredCount = 0;
  let ready = 0;
  // selected namespaces still waiting for the current Secret (not in sync, not failing, not in conflict)
  let pending = 0;
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
    // without credentials only removals are due (namespaceInSync then checks just those): never wait for them
    if (namespaceInSync(access, nsName, selected, desired.secret, d)) {
      if (selected && desired.secret) ready++;
      failures.delete(nsName);
      if (!selected || !conflicts.has(nsName) || full) conflicts.delete(nsName);
      if (!(forced && selected)) continue;
      // forced: an adopted Secret is read again too
      d.state.adopted.delete(`${nsName}/${access.spec.imagePullSecret.name}`);
    }
    if (selected && !conflicts.has(nsName) && !failures.has(nsName)) pending++;
    // Known conflicts are retried on the periodic resync only, so a quiet cluster stays quiet.
    if (conflicts.has(nsName) && !full) continue;
    d.queue.add(namespaceKey(name, nsName), 'bulk');
  }
  for (const ns of [...conflicts]) if (!selectedNow.has(ns)) conflicts.delete(ns);
  for (const ns of [...failures.keys()]) if (!selectedNow.has(ns) && !d.caches.namespaces.get(ns)) failures.delete(ns);

  // The cloud (instance, token, network): one step when due, never blocking on a slow operation.
  let cloud = d.state.cloud.get(name);
  // a spec that fails the schema never reaches the cloud (removals above still happen)
  if (needsCloud(access) && !specProblem(access.spec)) {
    const now = d.now().getTime();
    // the cloud step also runs at once when what it reads changed: its API credentials or the token Secret
    const opNs = d.opts.sourceNamespaces[0]!;
    const cref = access.spec.cloudCredentials?.secretRef;
    const inputs = [
      cref ? d.caches.sources.get(cref.namespace)?.get(`${cref.namespace}/${cref.name}`)?.metadata.resourceVersion : '',
      d.caches.sources.get(opNs)?.get(`${opNs}/${tokenSecretName(access.metadata.name)}`)?.metadata.resourceVersion,
      access.metadata.annotations?.[RotateAnnotation],
    ].join('|');
    if (forced || !cloud || cloud.uid !== access.metadata.uid || cloud.generation !== (access.metadata.generation ?? 0) || cloud.inputs !== inputs || now >= cloud.nextAt) {
      const before = JSON.stringify([cloud?.server, cloud?.credentialsStatus]);
      let current: TcrAccess = access;
      cloud = await runCloud({
        access,
        d,
        log,
        // rolled out: in every selected namespace that is otherwise healthy (one failing for another reason,
        // or in conflict, never blocks a rotation forever)
        rolledOut: !!desired.secret && pending === 0,
        persistNetwork: async (n: NetworkStatus) => {
          current = await writeNetworkStatus(current, n, d);
          log.info('Recorded intent in status before a cloud create', { network: n.mode });
        },
        recordInstance: async (value: string | undefined) => {
          current = await setAnnotation(current, CLOUD_INSTANCE_ANNOTATION, value, d);
          log.info(value ? 'Recorded the cloud instance before any cloud create' : 'Cloud resources cleaned up: forgot the recorded instance', { instance: value });
        },
        recordLongTermTokens: async () => {
          current = await setAnnotation(current, LONG_TERM_TOKENS_ANNOTATION, 'true', d);
          log.info('Recorded that long-term tokens may exist before the first one is minted');
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
  if (forceSync !== undefined) status.lastForceSync = forceSync;
  let managed = 0;
  for (const s of d.caches.secrets.values()) if (s.metadata.labels?.[ACCESS_LABEL] === name && s.metadata.labels?.[TOKEN_ROLE_LABEL] !== TOKEN_ROLE) managed++;
  d.metrics.secretsManaged.set({ tcraccess: name }, managed);
  d.metrics.conflicts.set({ tcraccess: name }, status.secrets?.conflicts ?? 0);
  await writeStatusIfChanged(access, status, d, log);
}
