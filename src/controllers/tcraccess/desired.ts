// Desired state, pure and deterministic: which namespaces are selected, what the Secret looks like,
// how a ServiceAccount's imagePullSecrets change. No I/O, no clocks.
import { createHash } from 'node:crypto';
import { ApiVersion, Defaults, Kind, type LabelSelector, type TcrAccess } from '../../api/v1alpha1/types.ts';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'tcr-access-operator';
export const ACCESS_LABEL = 'tcr.tke.dev/access';
/** On ServiceAccounts: JSON map secretName → TcrAccess name of the imagePullSecrets entries the operator added. */
export const SA_ANNOTATION = 'tcr.tke.dev/added-image-pull-secrets';
export const FINALIZER = 'tcr.tke.dev/cleanup';
export const DOCKERCONFIGJSON = 'kubernetes.io/dockerconfigjson';
export const DOCKERCONFIG_KEY = '.dockerconfigjson';

export interface NamespaceMeta {
  metadata: { name: string; uid?: string; resourceVersion?: string; labels?: Record<string, string>; deletionTimestamp?: string };
  status?: { phase?: string };
}

export const isTerminating = (ns: NamespaceMeta): boolean => !!ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating';

export function matchesSelector(sel: LabelSelector, labels: Record<string, string> = {}): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const val = labels[e.key];
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(val!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(val!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** A namespace carrying this label with value "true" is never selected by a selector (only by name). */
export const IGNORE_LABEL = 'tcr.tke.dev/ignore';
/** Namespaces a selector never selects (only `names` can). */
export const SYSTEM_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

/**
 * The one selection rule (README, "Which namespaces are selected"): a namespace is selected iff it is not
 * in `exclude` AND (it is in `names` OR (it matches `selector` or any of `selectors` AND it is not a system
 * namespace AND it does not carry `tcr.tke.dev/ignore: "true"`)). Terminating namespaces never are.
 */
export function isSelected(access: TcrAccess, ns: NamespaceMeta): boolean {
  if (isTerminating(ns)) return false;
  const sel = access.spec.imagePullSecret.namespaces;
  const name = ns.metadata.name;
  if (sel.exclude?.includes(name)) return false;
  if (sel.names?.includes(name)) return true;
  const labels = ns.metadata.labels;
  const matched = [...(sel.selector ? [sel.selector] : []), ...(sel.selectors ?? [])].some((s) => matchesSelector(s, labels));
  return matched && !SYSTEM_NAMESPACES.includes(name) && labels?.[IGNORE_LABEL] !== 'true';
}

/** Selected namespace names, sorted. */
export function selectedNamespaces(access: TcrAccess, namespaces: Iterable<NamespaceMeta>): string[] {
  const out: string[] = [];
  for (const ns of namespaces) if (isSelected(access, ns)) out.push(ns.metadata.name);
  return out.sort();
}

export interface RegistryAuth {
  username: string;
  password: string;
}

/** The .dockerconfigjson for one registry. Key order is fixed so the bytes (and hash) are stable. */
export function dockerConfigJson(server: string, auth: RegistryAuth): string {
  const b64 = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
  return JSON.stringify({ auths: { [server]: { username: auth.username, password: auth.password, auth: b64 } } });
}

/** Hash of a Secret's data map (base64 values), independent of key order. */
export function dataHash(data: Record<string, string> | undefined): string {
  const h = createHash('sha256');
  for (const k of Object.keys(data ?? {}).sort()) h.update(k).update('\0').update(data![k]!).update('\0');
  return h.digest('hex');
}

export interface SecretBody {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    ownerReferences: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller: boolean; blockOwnerDeletion: boolean }>;
    resourceVersion?: string;
  };
  type: string;
  data: Record<string, string>;
}

/** Labels of every Secret the operator writes for a TcrAccess (the managed-by label filters its watch). */
export const managedLabels = (access: TcrAccess): Record<string, string> => ({ [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [ACCESS_LABEL]: access.metadata.name });

/** The owner reference that marks an object as this TcrAccess's (by UID). */
export const ownerReferenceTo = (access: TcrAccess): SecretBody['metadata']['ownerReferences'][number] => ({
  apiVersion: ApiVersion,
  kind: Kind,
  name: access.metadata.name,
  uid: access.metadata.uid,
  controller: true,
  blockOwnerDeletion: false,
});

/** On managed Secrets: the template's label and annotation keys last written, so dropping one from the template removes it. */
export const TEMPLATE_KEYS_ANNOTATION = 'tcr.tke.dev/template-keys';
export const SERVER_ANNOTATION = 'tcr.tke.dev/server';

/** The metadata the Secret's template adds, plus the record of its keys (undefined without a template). */
function templateMetadata(access: TcrAccess): { labels: Record<string, string>; annotations: Record<string, string> } {
  const t = access.spec.imagePullSecret.template?.metadata;
  const labels = t?.labels ?? {};
  const annotations = t?.annotations ?? {};
  const keys = { labels: Object.keys(labels).sort(), annotations: Object.keys(annotations).sort() };
  if (keys.labels.length + keys.annotations.length === 0) return { labels, annotations };
  return { labels, annotations: { ...annotations, [TEMPLATE_KEYS_ANNOTATION]: JSON.stringify(keys) } };
}

export function desiredSecret(access: TcrAccess, namespace: string, server: string, dockerConfig: string): SecretBody {
  const template = templateMetadata(access);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: access.spec.imagePullSecret.name,
      namespace,
      // the operator's own keys last: a template can never override them (the schema refuses them too)
      labels: { ...template.labels, ...managedLabels(access) },
      annotations: { ...template.annotations, [SERVER_ANNOTATION]: server },
      ownerReferences: [ownerReferenceTo(access)],
    },
    type: DOCKERCONFIGJSON,
    data: { [DOCKERCONFIG_KEY]: Buffer.from(dockerConfig).toString('base64') },
  };
}

/** Host[:port] forms a docker config may use for the same registry. */
export function registryKeys(server: string): string[] {
  return [server, `https://${server}`, `http://${server}`, `https://${server}/`, `${server}/`, `https://${server}/v1/`, `https://${server}/v2/`];
}

// Adoption (imagePullSecret.creationPolicy: Adopt): a kubernetes.io/dockerconfigjson Secret the operator did
// not create is taken over; its entries for other registries are kept, and handed back on removal.

/** On a Secret the operator adopted: its other registries' entries are kept, and left behind on removal. */
export const ADOPTED_ANNOTATION = 'tcr.tke.dev/adopted';

/** The metadata of a Secret the operator reads (cached or live). */
export interface SecretMetadata {
  name: string;
  namespace: string;
  uid: string;
  resourceVersion: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion?: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
  deletionTimestamp?: string;
}

/** A Secret as read from the API server (with its data). */
export interface LiveSecret {
  metadata: SecretMetadata;
  type?: string;
  data?: Record<string, string>;
}

/** kubectl's record of the applied manifest: for a hand-made Secret it holds the old data, so adoption drops it. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

export const isAdopted = (s: { metadata: { annotations?: Record<string, string> } }): boolean => s.metadata.annotations?.[ADOPTED_ANNOTATION] === 'true';

/**
 * May this TcrAccess adopt the Secret? Only with creationPolicy Adopt, a dockerconfigjson, and no controller
 * (another TcrAccess, an ExternalSecret…) owning it.
 */
export const adoptable = (
  access: TcrAccess,
  s: { type?: string; metadata: { ownerReferences?: Array<{ uid: string; kind: string; controller?: boolean }>; deletionTimestamp?: string } },
): boolean =>
  access.spec.imagePullSecret.creationPolicy === 'Adopt' &&
  s.type === DOCKERCONFIGJSON &&
  ownerUid(s) === undefined &&
  !s.metadata.ownerReferences?.some((o) => o.controller) &&
  !s.metadata.deletionTimestamp;

type DockerConfig = { auths?: Record<string, unknown> } & Record<string, unknown>;

function parseDockerConfig(b64: string | undefined): DockerConfig | undefined {
  if (b64 === undefined) return {};
  try {
    const v = JSON.parse(Buffer.from(b64, 'base64').toString('utf8')) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
    const auths = (v as DockerConfig).auths;
    if (auths !== undefined && (!auths || typeof auths !== 'object' || Array.isArray(auths))) return undefined;
    return v as DockerConfig;
  } catch {
    return undefined;
  }
}

/** The docker config without any entry for these registries (every form of their address). */
function withoutRegistries(cfg: DockerConfig, servers: Array<string | undefined>): DockerConfig {
  const drop = new Set(servers.filter((x): x is string => !!x).flatMap(registryKeys));
  return { ...cfg, auths: Object.fromEntries(Object.entries(cfg.auths ?? {}).filter(([k]) => !drop.has(k))) };
}

/** Removes `keys` from a map. */
const omit = (m: Record<string, string> | undefined, keys: Iterable<string>): Record<string, string> => {
  const out = { ...m };
  for (const k of keys) delete out[k];
  return out;
};

/** The keys our own metadata puts on a Secret we wrote (from its record), so they can be taken off again. */
function ourKeys(s: LiveSecret): { labels: string[]; annotations: string[] } {
  let t: { labels?: unknown; annotations?: unknown } = {};
  try {
    t = JSON.parse(s.metadata.annotations?.[TEMPLATE_KEYS_ANNOTATION] ?? '{}') as typeof t;
  } catch {
    // an unreadable record: only the operator's fixed keys are known to be ours
  }
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    labels: [MANAGED_BY_LABEL, ACCESS_LABEL, ...list(t.labels)],
    annotations: [SERVER_ANNOTATION, ADOPTED_ANNOTATION, TEMPLATE_KEYS_ANNOTATION, ...list(t.annotations)],
  };
}

/**
 * The adopted Secret: `live` with our entry for the registry (replacing any entry it had for it, and for the
 * registry we wrote last time), its other registries' entries, labels, annotations and owners kept, and our
 * metadata on top. Undefined when its .dockerconfigjson cannot be read (then it is left alone, a conflict).
 */
export function adoptedSecret(live: LiveSecret, want: SecretBody): SecretBody | undefined {
  const cfg = parseDockerConfig(live.data?.[DOCKERCONFIG_KEY]);
  const ours = parseDockerConfig(want.data[DOCKERCONFIG_KEY])!;
  if (!cfg) return undefined;
  const server = want.metadata.annotations[SERVER_ANNOTATION];
  const previous = isAdopted(live) ? live.metadata.annotations?.[SERVER_ANNOTATION] : undefined;
  const others = withoutRegistries(cfg, [server, previous]);
  const merged = { ...others, auths: { ...others.auths, ...ours.auths } };
  const stale = isAdopted(live) ? ourKeys(live) : { labels: [], annotations: [LAST_APPLIED_ANNOTATION] };
  const myRefs = new Set(want.metadata.ownerReferences.map((o) => o.uid));
  return {
    ...want,
    metadata: {
      ...want.metadata,
      labels: { ...omit(live.metadata.labels, stale.labels), ...want.metadata.labels },
      annotations: { ...omit(live.metadata.annotations, stale.annotations), ...want.metadata.annotations, [ADOPTED_ANNOTATION]: 'true' },
      ownerReferences: [...(live.metadata.ownerReferences ?? []).filter((o) => !myRefs.has(o.uid)), ...want.metadata.ownerReferences] as SecretBody['metadata']['ownerReferences'],
      resourceVersion: live.metadata.resourceVersion,
    },
    data: { ...live.data, [DOCKERCONFIG_KEY]: Buffer.from(JSON.stringify(merged)).toString('base64') },
  };
}

/**
 * An adopted Secret handed back: only its other registries' entries, without our metadata and owner
 * reference. Undefined when no other entry remains (then the Secret is deleted).
 */
export function releasedSecret(live: LiveSecret, ownerUidToDrop: string): LiveSecret | undefined {
  const cfg = parseDockerConfig(live.data?.[DOCKERCONFIG_KEY]);
  if (!cfg) return undefined;
  const others = withoutRegistries(cfg, [live.metadata.annotations?.[SERVER_ANNOTATION]]);
  if (Object.keys(others.auths ?? {}).length === 0) return undefined;
  const mine = ourKeys(live);
  return {
    ...live,
    metadata: {
      ...live.metadata,
      labels: omit(live.metadata.labels, mine.labels),
      annotations: omit(live.metadata.annotations, mine.annotations),
      ownerReferences: (live.metadata.ownerReferences ?? []).filter((o) => o.uid !== ownerUidToDrop),
    },
    data: { ...live.data, [DOCKERCONFIG_KEY]: Buffer.from(JSON.stringify(others)).toString('base64') },
  };
}

/** What the operator remembers (in memory) of an adopted Secret: the data it last saw and our entry in it. */
export interface AdoptedRecord {
  dataHash: string;
  entryHash: string;
}

/** What the operator keeps of a managed Secret: metadata, type and a hash of the data — never the data. */
export interface CachedSecret {
  metadata: SecretMetadata;
  type?: string;
  dataHash: string;
}

export const ownerUid = (s: { metadata: { ownerReferences?: Array<{ uid: string; kind: string }> } }): string | undefined =>
  s.metadata.ownerReferences?.find((o) => o.kind === Kind)?.uid;

/**
 * True when the cached Secret already is what desiredSecret() would write. An adopted Secret holds other
 * registries' entries too: it is current when its data is what we last saw (`adopted`) and our entry is `want`'s.
 */
export function secretUpToDate(cached: CachedSecret, want: SecretBody, adopted?: AdoptedRecord): boolean {
  const dataOk = isAdopted(cached) ? !!adopted && adopted.dataHash === cached.dataHash && adopted.entryHash === dataHash(want.data) : cached.dataHash === dataHash(want.data);
  return (
    cached.type === want.type &&
    dataOk &&
    ownerUid(cached) === want.metadata.ownerReferences[0]!.uid &&
    Object.entries(want.metadata.labels).every(([k, v]) => cached.metadata.labels?.[k] === v) &&
    Object.entries(want.metadata.annotations).every(([k, v]) => cached.metadata.annotations?.[k] === v) &&
    cached.metadata.annotations?.[TEMPLATE_KEYS_ANNOTATION] === want.metadata.annotations[TEMPLATE_KEYS_ANNOTATION]
  );
}

export interface CachedServiceAccount {
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; annotations?: Record<string, string> };
  imagePullSecrets?: Array<{ name?: string }>;
}

export function serviceAccountSelected(access: TcrAccess, saName: string): boolean {
  const list = access.spec.imagePullSecret.serviceAccounts ?? Defaults.serviceAccounts;
  return list.includes('*') || list.includes(saName);
}

/** The Secret name a ServiceAccount should reference for this TcrAccess, or undefined. */
export function saTarget(access: TcrAccess, sa: CachedServiceAccount, secretOk: boolean): string | undefined {
  return secretOk && serviceAccountSelected(access, sa.metadata.name) ? access.spec.imagePullSecret.name : undefined;
}

export function addedEntries(sa: CachedServiceAccount): Record<string, string> {
  const raw = sa.metadata.annotations?.[SA_ANNOTATION];
  if (!raw) return {};
  try {
    const v = JSON.parse(raw) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
    }
  } catch {
    // an annotation we cannot read proves nothing: treat as empty, never remove on its account
  }
  return {};
}

export interface ServiceAccountChange {
  imagePullSecrets: Array<{ name: string }>;
  annotation: string | null;
}

/**
 * Merges one TcrAccess's entry into a ServiceAccount (`want` = the Secret name to reference, or undefined
 * to reference none). Entries of others (users, other TcrAccesses) are kept in place. Only entries this
 * TcrAccess recorded in the annotation are ever removed. Returns undefined when nothing changes.
 */
export function mergeServiceAccount(sa: CachedServiceAccount, accessName: string, want: string | undefined): ServiceAccountChange | undefined {
  const current = (sa.imagePullSecrets ?? []).map((r) => r.name ?? '').filter((n) => n !== '');
  const added = addedEntries(sa);
  let list = [...current];
  const nextAdded = { ...added };
  for (const [secret, owner] of Object.entries(added)) {
    if (owner !== accessName || secret === want) continue;
    list = list.filter((n) => n !== secret);
    delete nextAdded[secret];
  }
  if (want !== undefined && !list.includes(want)) {
    list.push(want);
    nextAdded[want] = accessName;
  }
  // An entry we recorded but that someone removed from the list is no longer ours to track.
  for (const secret of Object.keys(nextAdded)) if (!list.includes(secret)) delete nextAdded[secret];
  const sameList = list.length === current.length && list.every((n, i) => n === current[i]);
  const annotation = Object.keys(nextAdded).length ? JSON.stringify(Object.fromEntries(Object.entries(nextAdded).sort())) : null;
  const sameAnn = annotation === (sa.metadata.annotations?.[SA_ANNOTATION] ?? null);
  if (sameList && sameAnn) return undefined;
  return { imagePullSecrets: list.map((name) => ({ name })), annotation };
}

/** Does the ServiceAccount reference `secret` (when `want` is set) and hold no stale entry of this TcrAccess? */
export const serviceAccountUpToDate = (sa: CachedServiceAccount, accessName: string, want: string | undefined): boolean =>
  mergeServiceAccount(sa, accessName, want) === undefined;
