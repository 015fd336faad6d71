// The cloud half of a TcrAccess reconcile: the instance, the instance token and the network, one
// non-blocking step at a time, gated by time so that status refreshes during a large rollout never
// call the cloud. Cloud errors become precise conditions, never a silent success.
import type { Logger } from 'winston';
import { ConditionType, Reason } from '../../api/v1alpha1/conditions.ts';
import { Defaults, type TcrAccess } from '../../api/v1alpha1/types.ts';
import type { CloudCredentialSource, Instance, TencentCloud } from '../../cloud/tencent/port.ts';
import { credentialsFromSecretData } from '../../cloud/tencent/credentials.ts';
import { operatorMade } from './credentials.ts';
import type { ConditionInput } from '../../k8s/conditions.ts';
import type { Deps } from './deps.ts';
import { CLOUD_INSTANCE_ANNOTATION, storeTokenSecret } from './apply.ts';
import { checkInstance, cleanupPrivate, cleanupPublic, ensurePrivate, ensurePublic, instanceDomains, nothingShared, registryDomain, type NetworkStatus, type StillNeeded } from './network.ts';
import type { CloudObservation } from './observation.ts';
import { ensureToken, tokenSecretName } from './tokens.ts';


/**
 * Annotation on the TcrAccess: `<region>/<instanceId>` of the TCR instance it made things in, written before
 * the first cloud create. Unlike status it survives a backup restore, and unlike spec it survives an edit:
 * what is left there (tokens, network) is found through it after the spec stops naming the instance.
 */
export const ANN_CLOUD_INSTANCE = CLOUD_INSTANCE_ANNOTATION;

export interface CloudInstanceRef {
  region: string;
  instanceId: string;
}

/** The instance recorded in the annotation, if any. */
export function recordedInstance(a: TcrAccess): CloudInstanceRef | undefined {
  const v = a.metadata.annotations?.[ANN_CLOUD_INSTANCE];
  const i = v?.lastIndexOf('/') ?? -1;
  if (!v || i <= 0 || i === v.length - 1) return undefined;
  return { region: v.slice(0, i), instanceId: v.slice(i + 1) };
}

export const instanceAnnotationValue = (r: CloudInstanceRef): string => `${r.region}/${r.instanceId}`;

export const needsCloud = (a: TcrAccess): boolean =>
  !!a.spec.registry.instanceId || !!a.spec.credentials.instanceToken || (a.spec.network?.mode ?? Defaults.networkMode) !== 'None' || !!recordedInstance(a);

/**
 * Identifies what this TcrAccess created in the cloud: cluster, name and the first 8 characters of its UID,
 * so two clusters sharing an instance (even both with the default --cluster-id) or a recreated object
 * never take each other's resources for their own.
 */
export const cloudMarker = (clusterId: string, access: { metadata: { name: string; uid: string } }): string =>
  `tcr-access-operator:${clusterId}/${access.metadata.name}/${access.metadata.uid.slice(0, 8)}`;
export const CLOUD_TAG_KEY = 'tcr-access-operator';

/** THE decision whether an instance token is this TcrAccess's (the only place it is made). */
export const isOurToken = (t: { desc: string }, marker: string): boolean => t.desc === marker;

/**
 * Revokes every instance token of this TcrAccess on the instance except `keepId` (the current long-term
 * token, if any), whatever the spec says now. Returns how many it revoked.
 */
export async function revokeOtherTokens(cloud: TencentCloud, registryId: string, marker: string, keepId: string | undefined): Promise<number> {
  const others = (await cloud.describeInstanceTokens(registryId)).filter((t) => isOurToken(t, marker) && t.id !== keepId);
  for (const t of others) await cloud.deleteInstanceToken(registryId, t.id);
  return others.length;
}

/** The operator's reading of a cloud error: which reason, and when to look again. */
export function cloudFailure(e: unknown, what: string): { reason: string; message: string; retryMs: number } {
  const err = e as { kind?: string; code?: string; message?: string; requestId?: string };
  const detail = `${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}${err.requestId ? ` (RequestId ${err.requestId})` : ''}`.slice(0, 600);
  switch (err.kind) {
    case 'auth':
      return { reason: Reason.CloudAuthFailed, message: `${what}: the Tencent Cloud credentials were refused: ${detail}`, retryMs: 5 * 60_000 };
    case 'throttled':
      return { reason: Reason.CloudThrottled, message: `${what}: throttled by Tencent Cloud, retrying: ${detail}`, retryMs: 10_000 };
    case 'quota':
      return { reason: Reason.CloudQuotaExceeded, message: `${what}: quota exceeded: ${detail}`, retryMs: 5 * 60_000 };
    case 'permanent':
    case 'conflict':
    case 'notFound':
      return { reason: Reason.CloudRequestInvalid, message: `${what}: ${detail}`, retryMs: 5 * 60_000 };
    default:
      return { reason: Reason.CloudUnavailable, message: `${what}: Tencent Cloud API unavailable, retrying: ${detail}`, retryMs: 15_000 };
  }
}

/** API credentials for this TcrAccess: its cloudCredentials Secret, else the operator's default chain. */
export function cloudCredentialsFor(access: TcrAccess, d: Deps): { source?: CloudCredentialSource; problem?: ConditionInput } {
  const ref = access.spec.cloudCredentials?.secretRef;
  const bad = (reason: string, message: string) => ({ problem: { type: ConditionType.NetworkReady, status: 'False' as const, reason, message } });
  if (!ref) {
    if (d.opts.ambientCredentials) return { source: { kind: 'default' } };
    return bad(Reason.AmbientCredentialsDisabled, "spec.cloudCredentials is not set and the operator's own cloud identity serves no TcrAccess (--cloud-ambient-credentials=false): set cloudCredentials.secretRef");
  }
  if (!d.opts.sourceNamespaces.includes(ref.namespace)) {
    return bad(Reason.SourceNotAllowed, `cloudCredentials.secretRef must be in the operator's namespace or --source-namespaces; "${ref.namespace}" is not allowed`);
  }
  const s = d.caches.sources.get(ref.namespace)?.get(`${ref.namespace}/${ref.name}`);
  if (!s) return bad(Reason.NoCloudCredentials, `Secret ${ref.namespace}/${ref.name} (cloudCredentials) not found`);
  if (operatorMade(s)) return bad(Reason.SourceNotAllowed, `Secret ${ref.namespace}/${ref.name} was made by the operator: it is never a credentials source`);
  const r = credentialsFromSecretData(s.data);
  if (!r.ok) return bad(Reason.NoCloudCredentials, `Secret ${ref.namespace}/${ref.name} (cloudCredentials): ${r.message}; it must hold SecretId and SecretKey`);
  return { source: { kind: 'static', ...r.credentials } };
}

export interface CloudStepArgs {
  access: TcrAccess;
  d: Deps;
  log: Logger;
  /** Writes status.network now (intent before a create). */
  persistNetwork: (n: NetworkStatus) => Promise<void>;
  /** Writes the ANN_CLOUD_INSTANCE annotation now (before the first create on that instance). */
  recordInstance: (value: string) => Promise<void>;
  /** The current credentials are in every selected namespace that is otherwise healthy. */
  rolledOut: boolean;
  warn: (reason: string, message: string) => void;
}

/** One cloud step for a TcrAccess. Never throws for cloud errors: they become conditions. */
export async function runCloud(a: CloudStepArgs): Promise<CloudObservation> {
  const { access, d } = a;
  const now = d.now();
  const mode = access.spec.network?.mode ?? Defaults.networkMode;
  // What status.network records (intent, ownership) is kept on every early return: it is what cleanup reads.
  let lastNetwork: NetworkStatus | undefined = access.status?.network;
  const persistNetwork = async (n: NetworkStatus) => {
    await a.persistNetwork(n);
    lastNetwork = n;
  };
  const obs: CloudObservation = { uid: access.metadata.uid, generation: access.metadata.generation ?? 0, nextAt: now.getTime() + d.opts.resyncPeriodMs, ...(lastNetwork ? { networkStatus: lastNetwork } : {}) };
  const later = (ms: number | undefined) => {
    if (ms !== undefined) obs.nextAt = Math.min(obs.nextAt, now.getTime() + ms);
  };
  const creds = cloudCredentialsFor(access, d);
  if (creds.problem) {
    if (mode !== 'None') obs.network = creds.problem;
    if (access.spec.credentials.instanceToken) obs.credentials = { ...creds.problem, type: ConditionType.CredentialsReady };
    later(60_000);
    return obs;
  }
  if (!d.cloud) {
    const p: ConditionInput = { type: ConditionType.NetworkReady, status: 'False', reason: Reason.NoCloudCredentials, message: 'The operator has no Tencent Cloud API client configured' };
    if (mode !== 'None') obs.network = p;
    if (access.spec.credentials.instanceToken) obs.credentials = { ...p, type: ConditionType.CredentialsReady };
    return obs;
  }
  const region = access.spec.registry.region ?? '';
  const cloud: TencentCloud = d.cloud.client(region, creds.source!);
  const marker = cloudMarker(d.opts.clusterId, access);

  // 1. the instance (credentials depend on it for tokens, and for the registry domain when server is not set)
  const dependsOnInstance = !!access.spec.credentials.instanceToken || !access.spec.registry.server;
  let instance: Instance | undefined;
  if (access.spec.registry.instanceId) {
    try {
      const r = await checkInstance(cloud, access);
      instance = r.instance;
      if (r.outcome) {
        if (mode !== 'None') {
          obs.network = r.outcome.condition;
          obs.networkStatus = { ...lastNetwork, ...r.outcome.status, mode };
        }
        if (dependsOnInstance) obs.credentials = { ...r.outcome.condition, type: ConditionType.CredentialsReady };
        later(r.outcome.requeueAfterMs);
        if (!instance || instance.status !== 'Running') {
          obs.instance = instance;
          return obs;
        }
      }
    } catch (e) {
      const f = cloudFailure(e, 'DescribeInstances');
      if (mode !== 'None') obs.network = { type: ConditionType.NetworkReady, status: 'False', reason: f.reason, message: f.message };
      if (dependsOnInstance) obs.credentials = { type: ConditionType.CredentialsReady, status: 'False', reason: f.reason, message: f.message };
      later(f.retryMs);
      return obs;
    }
    obs.instance = instance;
    const usePublicDomain = access.spec.network?.private?.dns?.usePublicDomain !== false;
    obs.server = registryDomain(instance!, mode === 'Private' ? usePublicDomain : true);
    // an instance token goes only to the instance's own domains: a custom one is looked up when named
    const server = access.spec.registry.server;
    if (access.spec.credentials.instanceToken && server && !instanceDomains(instance!).includes(server)) {
      try {
        obs.customDomains = await cloud.describeCustomizedDomains(instance!.registryId);
      } catch (e) {
        const f = cloudFailure(e, 'DescribeInstanceCustomizedDomain');
        obs.credentials = { type: ConditionType.CredentialsReady, status: 'False', reason: f.reason, message: f.message };
        later(f.retryMs);
      }
    }
  }

  // 2. the instance token, then every other token of ours on the instance once the current credentials
  // are rolled out (whatever the spec says now: LongTerm, Temporary or secretRef)
  let keepId: string | undefined;
  const recorded = recordedInstance(access);
  const here = access.spec.registry.instanceId ? { region, instanceId: access.spec.registry.instanceId } : recorded;
  try {
    if (access.spec.credentials.instanceToken && here) {
      // recorded before the first mint, so that a token is found again after the spec stops naming the instance
      if (recorded?.instanceId !== here.instanceId || recorded.region !== here.region) {
        if (recorded) await revokeOtherTokens(d.cloud.client(recorded.region, creds.source!), recorded.instanceId, marker, undefined);
        await a.recordInstance(instanceAnnotationValue(here));
      }
      const ns = d.opts.sourceNamespaces[0]!;
      const current = d.caches.sources.get(ns)?.get(`${ns}/${tokenSecretName(access.metadata.name)}`);
      const longTerm = access.spec.credentials.instanceToken.type === 'LongTerm';
      const liveTokenIds = longTerm ? new Set((await cloud.describeInstanceTokens(here.instanceId)).filter((t) => isOurToken(t, marker)).map((t) => t.id)) : undefined;
      const t = await ensureToken({ cloud, access, marker, current, store: (b) => storeTokenSecret(b, d), rolledOut: a.rolledOut, minRotationMs: d.opts.minRotationMs, now, ...(liveTokenIds ? { liveTokenIds } : {}) });
      obs.credentialsStatus = t.status;
      if (t.condition) obs.credentials = t.condition;
      later(t.requeueAfterMs);
      keepId = longTerm ? t.currentId : undefined;
    }
    if (here && a.rolledOut && (await revokeOtherTokens(here.region === region ? cloud : d.cloud.client(here.region, creds.source!), here.instanceId, marker, keepId)) > 0) later(1_000);
    else if (here && !a.rolledOut) later(5_000);
  } catch (e) {
    const f = cloudFailure(e, 'Instance token');
    obs.credentials = { type: ConditionType.CredentialsReady, status: 'False', reason: f.reason, message: f.message };
    later(f.retryMs);
  }

  // 3. the network (and the clean-up of a previous mode, by deletionPolicy)
  const prev = access.status?.network;
  try {
    if (prev?.mode && prev.mode !== mode && prev.mode !== 'None' && (access.spec.deletionPolicy ?? Defaults.deletionPolicy) === 'Delete' && instance) {
      const shared = stillNeeded(access, d);
      const done = prev.mode === 'Private' ? await cleanupPrivate(cloud, instance.registryId, region, prev, shared) : await cleanupPublic(cloud, instance.registryId, prev, marker, shared);
      if (!done) {
        obs.network = { type: ConditionType.NetworkReady, status: 'False', reason: Reason.LinkProvisioning, message: `Removing the ${prev.mode} access this TcrAccess created before switching to ${mode}` };
        obs.networkStatus = prev;
        later(5_000);
        return obs;
      }
    }
    if (mode === 'None') {
      obs.networkStatus = { mode };
    } else if (instance) {
      const ctx = { cloud, access, marker, tagKey: CLOUD_TAG_KEY, persist: persistNetwork, warn: a.warn };
      const out = mode === 'Private' ? await ensurePrivate(ctx, instance) : await ensurePublic(ctx, instance);
      obs.network = out.condition;
      obs.networkStatus = out.status;
      later(out.requeueAfterMs);
    } else {
      obs.network = { type: ConditionType.NetworkReady, status: 'False', reason: Reason.InvalidNetworkSpec, message: `network.mode ${mode} needs registry.instanceId` };
    }
  } catch (e) {
    const f = cloudFailure(e, `network.mode ${mode}`);
    obs.network = { type: ConditionType.NetworkReady, status: 'False', reason: f.reason, message: f.message };
    obs.networkStatus = lastNetwork ?? { mode };
    later(f.retryMs);
  }
  return obs;
}

/** What the other (not deleting) TcrAccess objects on the same TCR instance use. */
export function stillNeeded(access: TcrAccess, d: Deps): StillNeeded {
  const shared = nothingShared();
  for (const o of d.caches.accesses.values()) {
    if (o.metadata.uid === access.metadata.uid || o.metadata.deletionTimestamp || o.spec.registry.instanceId !== access.spec.registry.instanceId) continue;
    const net = o.spec.network;
    if (net?.mode === 'Private' && net.private) shared.links.add(`${net.private.vpcId}/${net.private.subnetId}`);
    if (net?.mode === 'Public' && net.public) {
      shared.publicEndpoint = true;
      if (net.public.natGateway.id) shared.natGateways.add(net.public.natGateway.id);
      for (const c of o.status?.network?.whitelist ?? []) shared.cidrs.add(c);
    }
  }
  return shared;
}

/** Cloud teardown on deletion: tokens always revoked (found by marker, whatever the spec says); network resources by deletionPolicy. True when done. */
export async function cleanupCloud(access: TcrAccess, d: Deps): Promise<boolean> {
  if (!needsCloud(access) || !d.cloud) return true;
  const creds = cloudCredentialsFor(access, d);
  if (creds.problem) throw Object.assign(new Error(creds.problem.message), { kind: 'permanent' });
  const marker = cloudMarker(d.opts.clusterId, access);
  const instances = new Map<string, CloudInstanceRef>();
  const recorded = recordedInstance(access);
  if (recorded) instances.set(instanceAnnotationValue(recorded), recorded);
  // the annotation is written before the first token; objects from before it existed: the spec's instance when it names long-term tokens
  const longTermSaid = access.spec.credentials.instanceToken?.type === 'LongTerm' || access.status?.credentials?.source === 'LongTermToken';
  if (access.spec.registry.instanceId && longTermSaid) {
    const r = { region: access.spec.registry.region ?? '', instanceId: access.spec.registry.instanceId };
    instances.set(instanceAnnotationValue(r), r);
  }
  for (const r of instances.values()) await revokeOtherTokens(d.cloud.client(r.region, creds.source!), r.instanceId, marker, undefined);
  if (!access.spec.registry.instanceId) return true;
  const cloud = d.cloud.client(access.spec.registry.region ?? '', creds.source!);
  const registryId = access.spec.registry.instanceId;
  let done = true;
  if ((access.spec.deletionPolicy ?? Defaults.deletionPolicy) === 'Delete') {
    const n = access.status?.network;
    const shared = stillNeeded(access, d);
    if (n?.mode === 'Private') done = await cleanupPrivate(cloud, registryId, access.spec.registry.region ?? '', n, shared);
    else if (n?.mode === 'Public') done = await cleanupPublic(cloud, registryId, n, marker, shared);
  }
  return done;
}
