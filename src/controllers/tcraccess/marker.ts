// What the operator created in the cloud, and how it tells: the marker written into tags, descriptions and token
// Desc, the one predicate "is this ours", and the record of which instance (and region) a TcrAccess used, kept
// in an annotation because metadata survives a backup restore and status does not.
import type { TcrAccess } from '../../api/v1alpha1/types.ts';

/**
 * Identifies what this TcrAccess created in the cloud: cluster, name and the first 8 characters of its UID,
 * so two clusters sharing an instance (even both with the default --cluster-id) or a recreated object
 * never take each other's resources for their own.
 */
export const cloudMarker = (clusterId: string, access: { metadata: { name: string; uid: string } }): string =>
  `tcr-access-operator:${clusterId}/${access.metadata.name}/${access.metadata.uid.slice(0, 8)}`;
export const CLOUD_TAG_KEY = 'tcr-access-operator';

/** A cloud resource as far as ownership goes: a tagged one (NAT gateway, EIP) or a described one (route, whitelist entry, token). */
export interface Marked {
  tags?: ReadonlyArray<{ key: string; value: string }>;
  description?: string;
  desc?: string;
}

/** The one answer to "did this TcrAccess create it": its marker in a tag (CLOUD_TAG_KEY) or in the description. */
export function isOurs(marker: string, r: Marked): boolean {
  if (r.tags?.some((t) => t.key === CLOUD_TAG_KEY && t.value === marker)) return true;
  return r.description === marker || r.desc === marker;
}

/** `<region>/<instanceId>` of the TCR instance this TcrAccess created cloud resources around. */
export const CLOUD_INSTANCE_ANNOTATION = 'tcr.tke.dev/cloud-instance';

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
