// The cloud half of a TcrAccess reconcile: the instance, the instance token and the network, one
// non-blocking step at a time, gated by time so that status refreshes during a large rollout never
// call the cloud. Cloud errors become precise conditions, never a silent success.
import type { Logger } from 'winston';
import { ConditionType, Reason } from '../../api/v1alpha1/conditions.ts';
import { Defaults, RotateAnnotation, type TcrAccess } from '../../api/v1alpha1/types.ts';
import type { CloudCredentialSource, Instance, TencentCloud } from '../../cloud/tencent/port.ts';
import { credentialsFromSecretData } from '../../cloud/tencent/credentials.ts';
import type { ConditionInput } from '../../k8s/conditions.ts';
import { operatorMade } from './credentials.ts';
import type { Deps } from './deps.ts';
import { storeTokenSecret } from './apply.ts';
import { checkInstance, cleanupPrivate, cleanupPublic, ensurePrivate, ensurePublic, instanceDomains, nothingShared, registryDomain, type NetworkStatus, type PublicHints, type StillNeeded } from './network.ts';
import type { CloudObservation } from './observation.ts';
import { ensureToken, tokenSecretName, type TokenSecretBody } from './tokens.ts';
import {
  CLOUD_INSTANCE_ANNOTATION,
  CLOUD_OWNER_ANNOTATION,
  cloudInstanceValue,
  cloudMarker,
  CLOUD_TAG_KEY,
  isOurs,
  knownNetwork,
  LONG_TERM_TOKENS_ANNOTATION,
  markerOwner,
  markerPredicate,
  recordedCloudInstance,
  wantedCloudInstance,
  type CloudInstanceRef,
  type Ours,
} from './marker.ts';

// What this TcrAccess created in the cloud carries its marker (marker.ts: ≤ 60 characters, a hash of cluster
// and UID); `isOurs` also recognises the format of earlier versions.
export { cloudMarker, CLOUD_TAG_KEY, isOurMarker } from './marker.ts';

/** On the token Secret: the tcr.tke.dev/rotate value that was pending when it was minted (that request is done). */
export const ROTATE_HANDLED_ANNOTATION = 'tcr.tke.dev/rotate-handled';

/** The spec uses the cloud, or the TcrAccess still owns cloud resources (recorded instance) to clean up. */
export const needsCloud = (a: TcrAccess): boolean =>
  !!a.spec.registry.instanceId || !!a.spec.credentials.instanceToken || (a.spec.network?.mode ?? Defaults.networkMode) !== 'None' || !!recordedCloudInstance(a);

/**
 * Revokes every instance token of this TcrAccess on the instance except `keepId` (the current long-term
 * token, if any), whatever the spec says now. Returns how many it revoked.
 */
export async function revokeOtherTokens(cloud: TencentCloud, registryId: string, ours: Ours, keepId: string | undefined): Promise<number> {
  const others = (await cloud.describeInstanceTokens(registryId)).filter((t) => isOurs(ours, t) && t.id !== keepId);
  for (const t of others) await cloud.deleteInstanceToken(registryId, t.id);
  return others.length;
}

/** The operator's reading of a cloud error: which reason, and when to look again. */
export function cloudFailure(e: unknown, what: string): { reason: string; message: string; retryMs: number } {
  const err = e as { kind?: string; code?: string; message?: string; requestId?: string };
  const detail = `${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}${err.requestId ? ` (RequestId ${err.requestId})` : ''}`.slice(0, 600);
  if (err.code === 'InvalidVpcId.NotFound') {
    return {
      reason: Reason.VpcNotFound,
      message: `${what}: the VPC was not found in the registry's region (spec.registry.region): VPC calls go to the TCR instance's region, so the cluster's VPC must be in that region (or the VPC ID is wrong): ${detail}`,
      retryMs: 5 * 60_000,
    };
  }
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
  /**
   * Sets (undefined: removes) one annotation of the TcrAccess now: how the step records, before any create, what it
   * must find again after status is lost (the instance, the marker owner, that long-term tokens may exist).
   */
  annotate: (key: string, value: string | undefined) => Promise<void>;
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
  // Status gone (a backup restore): what the annotation recorded as created stands in for it.
  let lastNetwork: NetworkStatus | undefined = knownNetwork(access, d.caches.accesses.values());
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
  // markers name the recorded owner (the original of a restored object), else this object
  const owner = markerOwner(access, d.caches.accesses.values());
  const marker = cloudMarker(d.opts.clusterId, owner);
  const ours = markerPredicate(d.opts.clusterId, owner);

  // 0. ownership: cloud resources made around a recorded instance the spec no longer names are cleaned up
  //    first (by deletionPolicy); the instance the spec names is recorded before anything is created.
  const recorded = recordedCloudInstance(access);
  const wanted = wantedCloudInstance(access);
  if (recorded && (!wanted || cloudInstanceValue(recorded) !== cloudInstanceValue(wanted))) {
    try {
      const done = await cleanupOwned(access, recorded, d, lastNetwork);
      if (!done) {
        obs.network = { type: ConditionType.NetworkReady, status: 'False', reason: Reason.LinkProvisioning, message: `Removing the cloud resources this TcrAccess created around ${cloudInstanceValue(recorded)}, which the spec no longer names` };
        if (lastNetwork) obs.networkStatus = lastNetwork;
        later(5_000);
        return obs;
      }
    } catch (e) {
      const f = cloudFailure(e, `Cleanup around ${cloudInstanceValue(recorded)}`);
      obs.network = { type: ConditionType.NetworkReady, status: 'False', reason: f.reason, message: f.message };
      if (lastNetwork) obs.networkStatus = lastNetwork;
      later(f.retryMs);
      return obs;
    }
    await a.annotate(CLOUD_INSTANCE_ANNOTATION, undefined);
    lastNetwork = { mode };
    obs.networkStatus = lastNetwork;
    if (!wanted) return obs;
  }
  if (wanted && !(recorded && cloudInstanceValue(recorded) === cloudInstanceValue(wanted))) await a.annotate(CLOUD_INSTANCE_ANNOTATION, cloudInstanceValue(wanted));
  if (wanted && access.metadata.annotations?.[CLOUD_OWNER_ANNOTATION] !== owner.metadata.uid) await a.annotate(CLOUD_OWNER_ANNOTATION, owner.metadata.uid);

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
  const here = wantedCloudInstance(access);
  let keepId: string | undefined;
  try {
    if (access.spec.credentials.instanceToken && here) {
      const ns = d.opts.sourceNamespaces[0]!;
      const current = d.caches.sources.get(ns)?.get(`${ns}/${tokenSecretName(access.metadata.name)}`);
      const longTerm = access.spec.credentials.instanceToken.type === 'LongTerm';
      if (longTerm && access.metadata.annotations?.[LONG_TERM_TOKENS_ANNOTATION] !== 'true') await a.annotate(LONG_TERM_TOKENS_ANNOTATION, 'true');
      const liveTokenIds = longTerm ? new Set((await cloud.describeInstanceTokens(here.instanceId)).filter((t) => isOurs(ours, t)).map((t) => t.id)) : undefined;
      // A rotation asked for by annotation is pending until a token minted after it is stored (marked on the token Secret).
      const requested = access.metadata.annotations?.[RotateAnnotation];
      const rotateNow = requested !== undefined && current?.metadata.annotations?.[ROTATE_HANDLED_ANNOTATION] !== requested;
      const store = (b: TokenSecretBody) =>
        storeTokenSecret(requested === undefined ? b : { ...b, metadata: { ...b.metadata, annotations: { ...b.metadata.annotations, [ROTATE_HANDLED_ANNOTATION]: requested } } }, d);
      const t = await ensureToken({ cloud, access, marker, current, store, rolledOut: a.rolledOut, minRotationMs: d.opts.minRotationMs, rotateNow, now, ...(liveTokenIds ? { liveTokenIds } : {}) });
      obs.credentialsStatus = t.status;
      if (t.condition) obs.credentials = t.condition;
      later(t.requeueAfterMs);
      keepId = longTerm ? t.currentId : undefined;
    }
    if (here && a.rolledOut && (await revokeOtherTokens(cloud, here.instanceId, ours, keepId)) > 0) later(1_000);
    else if (here && !a.rolledOut) later(5_000);
  } catch (e) {
    const f = cloudFailure(e, 'Instance token');
    obs.credentials = { type: ConditionType.CredentialsReady, status: 'False', reason: f.reason, message: f.message };
    later(f.retryMs);
  }

  // 3. the network (and the clean-up of a previous mode or private link, by deletionPolicy)
  const prev = lastNetwork;
  try {
    if (prev && instance && leftBehind(prev, access) && (access.spec.deletionPolicy ?? Defaults.deletionPolicy) === 'Delete') {
      const shared = stillNeeded(access, d);
      const done = prev.mode === 'Private' ? await cleanupPrivate(cloud, instance.registryId, region, prev, shared) : await cleanupPublic(cloud, instance.registryId, prev, ours, shared, await publicHints(cloud, access, prev));
      if (!done) {
        const what = prev.mode === mode ? `the private link into ${prev.privateLink?.vpcId}/${prev.privateLink?.subnetId}` : `the ${prev.mode} access`;
        obs.network = { type: ConditionType.NetworkReady, status: 'False', reason: Reason.LinkProvisioning, message: `Removing ${what} this TcrAccess created before switching to ${mode === prev.mode ? 'the new one' : mode}` };
        obs.networkStatus = prev;
        later(5_000);
        return obs;
      }
    }
    if (mode === 'None') {
      obs.networkStatus = { mode };
    } else if (instance) {
      const ctx = { cloud, access, prev: lastNetwork ?? {}, marker, ours, tagKey: CLOUD_TAG_KEY, persist: persistNetwork, warn: a.warn };
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
export function stillNeeded(access: TcrAccess, d: Deps, registryId = access.spec.registry.instanceId): StillNeeded {
  const shared = nothingShared();
  for (const o of d.caches.accesses.values()) {
    if (o.metadata.uid === access.metadata.uid || o.metadata.deletionTimestamp || o.spec.registry.instanceId !== registryId) continue;
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

/**
 * True when status.network records access this TcrAccess set up that the spec no longer asks for: another
 * mode, or a private link into another VPC/subnet (pure).
 */
export function leftBehind(prev: NetworkStatus, access: TcrAccess): boolean {
  const mode = access.spec.network?.mode ?? Defaults.networkMode;
  if (!prev.mode || prev.mode === 'None') return false;
  if (prev.mode !== mode) return true;
  const p = access.spec.network?.private;
  return mode === 'Private' && !!prev.privateLink && !!p && (prev.privateLink.vpcId !== p.vpcId || prev.privateLink.subnetId !== p.subnetId);
}

/**
 * What this TcrAccess created around `target` is removed by deletionPolicy (tokens always revoked), found by
 * marker and tag in the cloud, and by status.network (or, status gone, the tcr.tke.dev/cloud-created record)
 * where the cloud keeps no marker (links, DNS, the public endpoint). True when done.
 */
async function cleanupOwned(access: TcrAccess, target: CloudInstanceRef, d: Deps, n: NetworkStatus | undefined): Promise<boolean> {
  if (!d.cloud) return true;
  const creds = cloudCredentialsFor(access, d);
  if (creds.problem) throw Object.assign(new Error(creds.problem.message), { kind: 'permanent' });
  const cloud = d.cloud.client(target.region, creds.source!);
  const ours = markerPredicate(d.opts.clusterId, markerOwner(access, d.caches.accesses.values()));
  const registryId = target.instanceId;
  let done = true;
  // every token of ours is revoked, whatever the spec says now; only an object that never had a long-term token
  // (by spec, status or the annotation written before the first mint) skips the call
  const longTermSaid = access.spec.credentials.instanceToken?.type === 'LongTerm' || access.status?.credentials?.source === 'LongTermToken';
  if (longTermSaid || access.metadata.annotations?.[LONG_TERM_TOKENS_ANNOTATION] === 'true') await revokeOtherTokens(cloud, registryId, ours, undefined);
  if ((access.spec.deletionPolicy ?? Defaults.deletionPolicy) === 'Delete') {
    const shared = stillNeeded(access, d, registryId);
    if (n?.mode === 'Private') done = await cleanupPrivate(cloud, registryId, target.region, n, shared);
    // Public leftovers are found by marker even when status is gone (a restore): NAT gateways and EIPs by tag
    // in the VPCs status or spec name, routes by description in their route tables, whitelist entries by description.
    if (n?.mode !== 'Private') done = (await cleanupPublic(cloud, registryId, n ?? {}, ours, shared, await publicHints(cloud, access, n))) && done;
  }
  return done;
}

/** Where Public resources of this TcrAccess may be, from status and spec. */
async function publicHints(cloud: TencentCloud, access: TcrAccess, n: NetworkStatus | undefined): Promise<PublicHints> {
  const create = access.spec.network?.public?.natGateway.create;
  const routeTableIds = new Set<string>(n?.route?.routeTableId ? [n.route.routeTableId] : []);
  if (create?.subnetId) {
    const subnet = await cloud.describeSubnet(create.subnetId);
    if (subnet) routeTableIds.add(subnet.routeTableId);
  }
  return { vpcIds: create?.vpcId ? [create.vpcId] : [], routeTableIds: [...routeTableIds] };
}

/** Cloud teardown on deletion: tokens always revoked; network resources by deletionPolicy. True when done. */
export async function cleanupCloud(access: TcrAccess, d: Deps): Promise<boolean> {
  const target = wantedCloudInstance(access) ?? recordedCloudInstance(access);
  if (!target) return true;
  return cleanupOwned(access, target, d, knownNetwork(access, d.caches.accesses.values()));
}
