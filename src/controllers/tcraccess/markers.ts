// The marker the operator writes into cloud descriptions and tags (route descriptions, whitelist entries,
// instance token Desc, NAT gateway and EIP tags), and the one function that decides "is this ours".
//
// Description limits of routes, whitelist entries and tokens are undocumented, so a marker never exceeds
// 60 characters: "tcr-access-operator:" + up to 23 characters of the name (for humans) + "/" + 16 hex
// characters of SHA-256(cluster ID, UID). The hash alone identifies the owner: unique per TcrAccess UID and
// cluster, whatever the name. Markers written by earlier versions ("tcr-access-operator:<cluster>/<name>/
// <first 8 of UID>", up to ~105 characters) are still recognised, so an upgrade orphans nothing.
import { createHash } from 'node:crypto';

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
