// What the operator created in the cloud, and how it tells: the marker written into tags, descriptions and token
// Desc, the one predicate "is this ours", and the record of which instance (and region) a TcrAccess used, kept
// in an annotation because metadata survives a backup restore and status does not.
//
// Description limits of routes, whitelist entries and tokens are undocumented, so a marker never exceeds
// 60 characters: "tcr-access-operator:" + up to 23 characters of the name (for humans) + "/" + 16 hex
// characters of SHA-256(cluster ID, UID). The hash alone identifies the owner: unique per TcrAccess UID and
// cluster, whatever the name. Markers written by earlier versions ("tcr-access-operator:<cluster>/<name>/
// <first 8 of UID>", up to ~105 characters) are still recognised, so an upgrade orphans nothing.
import { createHash } from 'node:crypto';
import type { TcrAccess } from '../../api/v1alpha1/types.ts';

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
