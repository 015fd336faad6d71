// What the operator created in the cloud, and how it tells: the marker written into tags, descriptions and token
// Desc, the one predicate "is this ours", and the records kept in annotations because metadata survives a backup
// restore and status does not: which instance (and region) a TcrAccess used, the UID its markers are made with
// (so a restored object, with a new UID, still owns what its original created) and what it created that carries
// no marker in the cloud.
//
// Description limits of routes, whitelist entries and tokens are undocumented, so a marker never exceeds
// 60 characters: "tcr-access-operator:" + up to 23 characters of the name (for humans) + "/" + 16 hex
// characters of SHA-256(cluster ID, UID). The hash alone identifies the owner: unique per TcrAccess UID and
// cluster, whatever the name. Markers written by earlier versions ("tcr-access-operator:<cluster>/<name>/
// <first 8 of UID>", up to ~105 characters) are still recognised, so an upgrade orphans nothing.
import { createHash } from 'node:crypto';
import type { TcrAccess, TcrAccessStatus } from '../../api/v1alpha1/types.ts';

export const CLOUD_TAG_KEY = 'tcr-access-operator';
/** The longest marker written (route, whitelist and token descriptions). */
export const MARKER_MAX_LENGTH = 60;

interface Owner {
  metadata: { name: string; uid: string };
}

const NAME_PART = 23;

/** The marker this operator writes today for one TcrAccess in one cluster (≤ 60 characters). */
export function cloudMarker(clusterId: string, access: Owner): string {
  const hash = createHash('sha256').update(clusterId).update('\0').update(access.metadata.uid).digest('hex').slice(0, 16);
  return `${CLOUD_TAG_KEY}:${access.metadata.name.slice(0, NAME_PART)}/${hash}`;
}

/** The marker written by versions before 0.x (long, not hashed); recognised, never written. */
export function legacyCloudMarker(clusterId: string, access: Owner): string {
  return `${CLOUD_TAG_KEY}:${clusterId}/${access.metadata.name}/${access.metadata.uid.slice(0, 8)}`;
}

/** Every marker value that means "this TcrAccess in this cluster" (current first). */
export function ourMarkers(clusterId: string, access: Owner): string[] {
  return [cloudMarker(clusterId, access), legacyCloudMarker(clusterId, access)];
}

/** Is this description or tag value one of ours (today's format or an earlier one)? */
export function isOurMarker(desc: string | undefined, clusterId: string, access: Owner): boolean {
  return desc !== undefined && desc !== '' && ourMarkers(clusterId, access).includes(desc);
}

/** `isOurMarker` bound to one TcrAccess: what the cloud steps pass around. */
export function markerPredicate(clusterId: string, access: Owner): (desc: string | undefined) => boolean {
  const all = ourMarkers(clusterId, access);
  return (desc) => desc !== undefined && desc !== '' && all.includes(desc);
}

/** A predicate over marker values (markerPredicate): what the cloud steps pass around. */
export type Ours = (value: string | undefined) => boolean;

/** A cloud resource as far as ownership goes: a tagged one (NAT gateway, EIP) or a described one (route, whitelist entry, token). */
export interface Marked {
  tags?: ReadonlyArray<{ key: string; value: string }>;
  description?: string;
  desc?: string;
}

/** The one answer to "did this TcrAccess create it": one of its markers in a tag (CLOUD_TAG_KEY) or in the description. */
export function isOurs(ours: Ours, r: Marked): boolean {
  if (r.tags?.some((t) => t.key === CLOUD_TAG_KEY && ours(t.value))) return true;
  return ours(r.description) || ours(r.desc);
}

/** `<region>/<instanceId>` of the TCR instance this TcrAccess created cloud resources around. */
export const CLOUD_INSTANCE_ANNOTATION = 'tcr.tke.dev/cloud-instance';

/** "true" once a long-term token may have been minted: finalize then revokes by marker even when spec and status say otherwise. */
export const LONG_TERM_TOKENS_ANNOTATION = 'tcr.tke.dev/long-term-tokens';

export interface CloudInstanceRef {
  region: string;
  instanceId: string;
}

export const cloudInstanceValue = (r: CloudInstanceRef): string => `${r.region}/${r.instanceId}`;

/** The recorded instance (annotation), if any (pure). */
export function recordedCloudInstance(access: TcrAccess): CloudInstanceRef | undefined {
  const v = access.metadata.annotations?.[CLOUD_INSTANCE_ANNOTATION];
  const i = v?.lastIndexOf('/') ?? -1;
  if (!v || i < 0 || i === v.length - 1) return undefined;
  return { region: v.slice(0, i), instanceId: v.slice(i + 1) };
}

/** The instance the spec names now, if any (pure). */
export function wantedCloudInstance(access: TcrAccess): CloudInstanceRef | undefined {
  const id = access.spec.registry.instanceId;
  return id ? { region: access.spec.registry.region ?? '', instanceId: id } : undefined;
}

/**
 * The UID the markers of this object's cloud resources are made with, recorded before the first create. A backup
 * restore creates a new object (new UID, no status) with the same metadata: through this record the restored
 * object still recognises, re-uses and cleans up what its original created.
 */
export const CLOUD_OWNER_ANNOTATION = 'tcr.tke.dev/cloud-owner';

/**
 * What this TcrAccess created that carries no marker in the cloud (status.network says it too, but a restore drops
 * status): `;`-separated items `link:<vpcId>/<subnetId>`, `dns:<vpcId>/<subnetId>/<eniLbIp>/<public|vpc>` (with the
 * link it resolves to) and `endpoint` (the public endpoint was opened by this TcrAccess). Written before the create.
 */
export const CLOUD_CREATED_ANNOTATION = 'tcr.tke.dev/cloud-created';

interface Uid {
  metadata: { uid: string };
}

/**
 * Is the recorded owner UID honoured (pure)? Its own UID always is; another one (a restored object's original)
 * only while no TcrAccess in `all` has that UID: an annotation copied from a TcrAccess that still exists never
 * lets the copy claim that one's resources. Without a record there is nothing to honour.
 */
export function recordedOwnerHonoured(access: TcrAccess, all: Iterable<Uid>): boolean {
  const recorded = access.metadata.annotations?.[CLOUD_OWNER_ANNOTATION];
  if (!recorded) return false;
  if (recorded === access.metadata.uid) return true;
  for (const o of all) if (o.metadata.uid === recorded) return false;
  return true;
}

/**
 * Who the markers name (pure): the recorded owner when honoured (then also this name: a copy under another name
 * matches no marker), else this object itself.
 */
export function markerOwner(access: TcrAccess, all: Iterable<Uid>): Owner {
  const recorded = access.metadata.annotations?.[CLOUD_OWNER_ANNOTATION];
  return recorded && recordedOwnerHonoured(access, all) ? { metadata: { name: access.metadata.name, uid: recorded } } : access;
}

type NetworkRecord = NonNullable<TcrAccessStatus['network']>;

/** The CLOUD_CREATED_ANNOTATION value for what `n` says this TcrAccess created ('' for nothing) (pure). */
export function createdRecord(n: NetworkRecord | undefined): string {
  const items: string[] = [];
  const link = n?.privateLink;
  if (link?.createdByOperator) items.push(`link:${link.vpcId}/${link.subnetId}`);
  if (link && n?.dns?.createdByOperator && n.dns.eniLbIp) items.push(`dns:${link.vpcId}/${link.subnetId}/${n.dns.eniLbIp}/${n.dns.usePublicDomain ? 'public' : 'vpc'}`);
  if (n?.publicEndpoint?.openedByOperator) items.push('endpoint');
  return items.join(';');
}

/** What a CLOUD_CREATED_ANNOTATION value says was created, as status.network would say it; undefined for nothing (pure). */
export function networkFromRecord(value: string | undefined): NetworkRecord | undefined {
  const n: NetworkRecord = {};
  for (const item of (value ?? '').split(';')) {
    const [kind, rest = ''] = item.split(/:(.*)/s);
    const parts = rest.split('/');
    if (kind === 'link' && parts.length === 2 && parts.every(Boolean)) {
      n.mode = 'Private';
      n.privateLink = { ...n.privateLink, vpcId: parts[0]!, subnetId: parts[1]!, createdByOperator: true };
    } else if (kind === 'dns' && parts.length === 4 && parts.every(Boolean)) {
      n.mode = 'Private';
      n.privateLink ??= { vpcId: parts[0]!, subnetId: parts[1]!, createdByOperator: false };
      n.dns = { usePublicDomain: parts[3] === 'public', eniLbIp: parts[2]!, createdByOperator: true };
    } else if (kind === 'endpoint') {
      n.mode ??= 'Public';
      n.publicEndpoint = { openedByOperator: true };
    }
  }
  return n.mode ? n : undefined;
}

/**
 * What cleanup and the next cloud step start from (pure): status.network, or, when status is gone (a restore),
 * the CLOUD_CREATED_ANNOTATION record of an honoured owner.
 */
export function knownNetwork(access: TcrAccess, all: Iterable<Uid>): NetworkRecord | undefined {
  const n = access.status?.network;
  if (n?.mode) return n;
  if (!recordedOwnerHonoured(access, all)) return n;
  return networkFromRecord(access.metadata.annotations?.[CLOUD_CREATED_ANNOTATION]) ?? n;
}
