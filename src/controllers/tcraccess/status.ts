// Status from observations (pure): conditions set on a copy, lastTransitionTime kept unless status flips.
import { ConditionType, Reason } from '../../api/v1alpha1/conditions.ts';
import { Defaults, type Condition, type TcrAccess, type TcrAccessStatus } from '../../api/v1alpha1/types.ts';
import { setCondition, type ConditionInput } from '../../k8s/conditions.ts';
import type { CloudObservation } from './observation.ts';
import type { CredentialsResult } from './credentials.ts';

export interface Observation {
  /** The last cloud step (instance, token, network), when the spec uses the cloud. */
  cloud?: CloudObservation;
  /** PullHealthy and status.pullErrors (undefined: diagnosis off, the condition is removed). */
  pull?: { condition: ConditionInput; status: NonNullable<TcrAccessStatus['pullErrors']> };
  /** RegistryReachable and CredentialsAccepted from the live probe (undefined: probes off, removed). */
  probe?: ConditionInput[];
  credentials: CredentialsResult;
  server: string | undefined;
  /** Selected, non-terminating namespaces. */
  desired: number;
  /** Selected namespaces whose Secret and ServiceAccount entries are up to date. */
  ready: number;
  /** Selected namespaces where a Secret of that name is not ours, sorted. */
  conflicts: string[];
  /** Selected namespaces whose last apply failed, sorted, with the error. */
  failures: Array<{ namespace: string; message: string }>;
}

export function credentialsCondition(o: Observation): ConditionInput {
  // a True remark of the cloud step (RotationPeriodTooShort) never hides credentials that are not usable
  if (o.cloud?.credentials && (o.cloud.credentials.status !== 'True' || o.credentials.ok)) return o.cloud.credentials;
  const c = o.credentials;
  return c.ok
    ? { type: ConditionType.CredentialsReady, status: 'True', reason: o.cloud?.credentialsStatus ? Reason.TokenIssued : Reason.CredentialsResolved, message: c.message }
    : { type: ConditionType.CredentialsReady, status: 'False', reason: c.reason, message: c.message };
}

export function secretsCondition(o: Observation): ConditionInput {
  const t = ConditionType.SecretsReady;
  if (!o.credentials.ok) return { type: t, status: 'False', reason: Reason.WaitingForCredentials, message: 'Waiting for credentials; existing Secrets are left as they are' };
  const counts = `${o.ready}/${o.desired} namespaces ready`;
  if (o.failures.length > 0) {
    const f = o.failures[0]!;
    return { type: t, status: 'False', reason: Reason.ApplyFailed, message: `${counts}; ${o.failures.length} failing, e.g. ${f.namespace}: ${f.message}` };
  }
  if (o.conflicts.length > 0 && o.ready + o.conflicts.length >= o.desired) {
    return {
      type: t,
      status: 'False',
      reason: Reason.SecretConflict,
      message: `${counts}; a Secret of that name that this TcrAccess does not own exists in ${o.conflicts.length} namespace(s): ${o.conflicts.slice(0, 10).join(', ')}`,
    };
  }
  if (o.ready < o.desired) return { type: t, status: 'False', reason: Reason.SecretsProgressing, message: counts };
  return { type: t, status: 'True', reason: Reason.SecretsSynced, message: o.desired === 0 ? 'No namespace is selected' : counts };
}

export function networkCondition(access: TcrAccess, cloud?: CloudObservation): ConditionInput {
  const mode = access.spec.network?.mode ?? Defaults.networkMode;
  if (mode === 'None') {
    return { type: ConditionType.NetworkReady, status: 'True', reason: Reason.NetworkNotManaged, message: 'network.mode is None: the operator does not manage reachability' };
  }
  return cloud?.network ?? { type: ConditionType.NetworkReady, status: 'Unknown', reason: Reason.Unknown, message: `Checking network.mode ${mode}` };
}

export function readyCondition(parts: ConditionInput[]): ConditionInput {
  const bad = parts.find((p) => p.status !== 'True');
  if (!bad) return { type: ConditionType.Ready, status: 'True', reason: Reason.Ready, message: parts.map((p) => p.message).filter(Boolean).slice(-1)[0] ?? 'Ready' };
  return { type: ConditionType.Ready, status: bad.status, reason: bad.reason, message: `${bad.type}: ${bad.message}` };
}

export function computeStatus(access: TcrAccess, o: Observation, now: string): TcrAccessStatus {
  const gen = access.metadata.generation ?? 0;
  const creds = credentialsCondition(o);
  const secrets = secretsCondition(o);
  const network = networkCondition(access, o.cloud);
  let conditions: Condition[] = [...(access.status?.conditions ?? [])];
  for (const c of [readyCondition([creds, network, secrets]), creds, secrets, network]) conditions = setCondition(conditions, c, gen, now);
  // diagnostics: reported, never part of Ready
  if (o.pull) conditions = setCondition(conditions, o.pull.condition, gen, now);
  else conditions = conditions.filter((c) => c.type !== 'PullHealthy');
  if (o.probe) for (const c of o.probe) conditions = setCondition(conditions, c, gen, now);
  else conditions = conditions.filter((c) => c.type !== 'RegistryReachable' && c.type !== 'CredentialsAccepted');
  const order: string[] = [ConditionType.Ready, ConditionType.CredentialsReady, ConditionType.SecretsReady, ConditionType.NetworkReady, 'PullHealthy', 'RegistryReachable', 'CredentialsAccepted'];
  conditions.sort((a, b) => (order.indexOf(a.type) + 1 || 99) - (order.indexOf(b.type) + 1 || 99) || a.type.localeCompare(b.type));
  const status: TcrAccessStatus = {
    ...access.status,
    observedGeneration: gen,
    conditions,
    secrets: { desired: o.desired, ready: o.ready, conflicts: o.conflicts.length },
    network: o.cloud?.networkStatus ?? { mode: access.spec.network?.mode ?? Defaults.networkMode },
  };
  if (o.pull) status.pullErrors = o.pull.status;
  else delete status.pullErrors;
  if (o.cloud?.credentialsStatus) status.credentials = o.cloud.credentialsStatus;
  else if (access.spec.credentials.secretRef) status.credentials = { source: 'SecretRef' };
  if (o.conflicts.length) status.secrets!.conflictNamespaces = o.conflicts.slice(0, 10);
  if (o.server) status.server = o.server;
  else delete status.server;
  return status;
}

/** Deleting: Ready reports progress or a blocked cleanup. */
export function deletingStatus(access: TcrAccess, blocked: string | undefined, now: string): TcrAccessStatus {
  const gen = access.metadata.generation ?? 0;
  const c: ConditionInput = blocked
    ? { type: ConditionType.Ready, status: 'False', reason: Reason.CleanupBlocked, message: blocked }
    : { type: ConditionType.Ready, status: 'False', reason: Reason.Deleting, message: 'Removing what this TcrAccess created (cloud resources by deletionPolicy, tokens, Secrets, ServiceAccount entries)' };
  return { ...access.status, observedGeneration: gen, conditions: setCondition(access.status?.conditions ?? [], c, gen, now) };
}

/** Structural equality of two status objects, ignoring key order. */
export function sameStatus(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).filter(([, y]) => y !== undefined).sort(([p], [q]) => p.localeCompare(q))) : x,
  );
}
