// The doctor's diagnosis, pure: which containers of a Pod wait on an image pull, the most informative message
// for each (its status, else its newest pull Event), classified with the operator's rules
// (src/diagnostics/classify.ts) in the context of the TcrAccess that serves its registry.
import { classifyPullError, refineCredentialsDiagnosis, registryOfImage, sameRegistry, type DiagnosisContext, type NetworkMode } from '../../diagnostics/classify.ts';
import type { EventObj, PodObj, TcrAccessObj } from './cluster.ts';
import type { ContextSource, Finding } from './report.ts';

/** Waiting reasons of a container whose image cannot be pulled. */
export const PULL_WAITING_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'ImageInspectError',
  'RegistryUnavailable',
  'ErrRegistryUnavailable',
  'SignatureValidationFailed',
]);
/** Event reasons the kubelet uses around image pulls. */
const PULL_EVENT_REASONS = new Set(['Failed', 'BackOff', 'FailedToRetrieveImagePullSecret', 'ErrImagePull', 'ImagePullBackOff', 'InspectFailed', 'ErrImageNeverPull']);

export const VANTAGE_NOTE =
  'This diagnosis reads the errors the node\'s container runtime recorded; it does not test the network from here. ' +
  'This command runs where you run it (a laptop or CI runner is not inside the cluster\'s VPC), so what this machine can or ' +
  'cannot reach says nothing about the path from the pods\' subnet to the registry.';

/** The context chooser, and the TcrAccess objects it knows (their spec.registry settles the probe's transport). */
export interface ContextInfo {
  choose: ContextFor;
  named?: TcrAccessObj;
  accesses: TcrAccessObj[];
}

const eventTime = (e: EventObj) => Date.parse(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '') || 0;

/** The TcrAccess context that applies to an image: the one whose registry is the image's, else the given default. */
export type ContextFor = (image: string | undefined, message: string) => ContextSource;

/**
 * Findings for one Pod (pure): every container (init containers too) waiting on an image pull, diagnosed from
 * the most informative message — the container status' own message, else the newest matching Event
 * (`ImagePullBackOff` statuses only say "Back-off pulling image"). A missing pull Secret reported by the
 * kubelet (`FailedToRetrieveImagePullSecret`) beats a credentials rejection: it is the reason for it.
 */
export function diagnosePod(pod: PodObj, events: EventObj[], contextFor: ContextFor): Finding[] {
  const mine = events
    .filter((e) => (!e.involvedObject?.uid || !pod.metadata.uid || e.involvedObject.uid === pod.metadata.uid) && PULL_EVENT_REASONS.has(e.reason ?? '') && e.message)
    .sort((a, b) => eventTime(b) - eventTime(a));
  const missingSecret = mine.find((e) => e.reason === 'FailedToRetrieveImagePullSecret');
  const secrets: SecretsSeen = { podPullSecrets: (pod.spec?.imagePullSecrets ?? []).map((r) => r.name ?? '').filter(Boolean), missingSecret };
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []).map((s) => ({ s, init: true })),
    ...(pod.status?.containerStatuses ?? []).map((s) => ({ s, init: false })),
  ];
  const waiting = statuses.filter(({ s }) => PULL_WAITING_REASONS.has(s.state?.waiting?.reason ?? ''));
  const findings: Finding[] = [];
  for (const { s, init } of waiting) {
    const image = s.image || [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === s.name)?.image;
    const fieldPath = `spec.${init ? 'initContainers' : 'containers'}{${s.name}}`;
    const about = mine.filter((e) => e.involvedObject?.fieldPath === fieldPath || (!!image && (e.message ?? '').includes(`"${image}"`)));
    const candidates = [s.state?.waiting?.message ?? '', ...about.map((e) => e.message ?? '')].filter((m) => m.trim());
    findings.push(best({ namespace: pod.metadata.namespace, pod: pod.metadata.name, container: s.name, initContainer: init, image, reason: s.state?.waiting?.reason }, candidates, secrets, contextFor));
  }
  // No container status says so (yet), but the kubelet reported failed pulls for a pod that has not started.
  if (waiting.length === 0 && (pod.status?.phase ?? 'Pending') === 'Pending' && (pod.status?.containerStatuses ?? []).length === 0) {
    const failed = mine.filter((e) => e.reason === 'Failed' && /^Failed to pull image/i.test(e.message ?? ''));
    const byImage = new Map<string, EventObj[]>();
    for (const e of failed) {
      const image = /^Failed to pull image "([^"]+)"/i.exec(e.message ?? '')?.[1] ?? '';
      byImage.set(image, [...(byImage.get(image) ?? []), e]);
    }
    for (const [image, evs] of byImage) {
      findings.push(best({ namespace: pod.metadata.namespace, pod: pod.metadata.name, image: image || undefined, reason: 'Failed' }, evs.map((e) => e.message ?? ''), secrets, contextFor));
    }
  }
  return findings;
}

/** The Pod's pull Secrets and the kubelet's FailedToRetrieveImagePullSecret Event: they tell the causes of a 401 apart. */
interface SecretsSeen {
  podPullSecrets: string[];
  missingSecret: EventObj | undefined;
}

function best(where: Omit<Finding, 'message' | 'context' | 'diagnosis'>, candidates: string[], secrets: SecretsSeen, contextFor: ContextFor): Finding {
  const diagnosed = candidates.map((message) => {
    const context = contextFor(where.image, message);
    return { message, context, diagnosis: classifyPullError(message, contextOf(context)) };
  });
  let pick = diagnosed.find((d) => d.diagnosis.cause !== 'Unknown') ?? diagnosed[0];
  if (!pick) {
    const message = where.reason ?? 'image pull failed';
    const context = contextFor(where.image, message);
    pick = { message, context, diagnosis: classifyPullError(message, contextOf(context)) };
  }
  const missingSecretMessage = secrets.missingSecret?.message;
  const refined = refineCredentialsDiagnosis(pick.diagnosis, { podPullSecrets: secrets.podPullSecrets, ...(missingSecretMessage ? { missingSecretMessage } : {}) }, contextOf(pick.context));
  if (refined !== pick.diagnosis) pick = { ...pick, diagnosis: refined, message: refined.cause === 'PullSecretMissing' && missingSecretMessage ? missingSecretMessage : pick.message };
  return { ...strip(where), ...pick };
}

export const strip = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
export const contextOf = (c: ContextSource): DiagnosisContext => strip({ networkMode: c.networkMode, registryHost: c.registryHost });

/** Context from a TcrAccess: `status.server` (else `spec.registry.server`) and `spec.network.mode` (default None). */
export function contextFromTcrAccess(a: TcrAccessObj): ContextSource {
  const registryHost = a.status?.server ?? a.spec?.registry?.server;
  return strip({ source: `tcraccess/${a.metadata.name}`, registryHost, networkMode: a.spec?.network?.mode ?? 'None' });
}

/**
 * Chooses the context per finding: explicit flags win; else the TcrAccess named by --tcraccess; else (cluster
 * modes) the TcrAccess whose registry is the image's, if any.
 */
export function contextChooser(flags: { registry?: string; networkMode?: NetworkMode }, named: ContextSource | undefined, all: ContextSource[]): ContextFor {
  const fromFlags = (c: ContextSource): ContextSource => {
    const out = { ...c, ...strip({ registryHost: flags.registry, networkMode: flags.networkMode }) };
    if (flags.registry || flags.networkMode) out.source = c.source === 'none' ? 'flags' : `${c.source}+flags`;
    return out;
  };
  return (image, message) => {
    if (named) return fromFlags(named);
    const host = image ? registryOfImage(image) : classifyPullError(message).registry;
    const match = host ? all.find((c) => c.registryHost && sameRegistry(c.registryHost, host)) : undefined;
    return fromFlags(match ?? { source: 'none' });
  };
}

export function notesFor(findings: Finding[]): string[] {
  const network = findings.some((f) => f.diagnosis.cause === 'NoNetworkPath' || f.diagnosis.cause === 'DnsFailure');
  return network ? [VANTAGE_NOTE] : [];
}
