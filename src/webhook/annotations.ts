// The TKE Serverless registry annotations (pure functions, no I/O).
//
// A pod on a super node pulls from a self-signed HTTPS registry only when it carries
//   eks.tke.cloud.tencent.com/registry-insecure-skip-verify: host:port[,host:port...] | all
// and from a plain-HTTP registry only with
//   eks.tke.cloud.tencent.com/registry-http-endpoint: host:port[,host:port...] | all
// The values always carry the port: 443 is implied for an HTTPS registry and 80 for an HTTP one when the
// configured server has none.

export const INSECURE_ANNOTATION = 'eks.tke.cloud.tencent.com/registry-insecure-skip-verify';
export const HTTP_ANNOTATION = 'eks.tke.cloud.tencent.com/registry-http-endpoint';

export type RegistryKind = 'insecure' | 'http';

/** A registry the pods of a namespace pull from that needs an annotation. */
export interface RegistryRule {
  /** `host[:port]` as in `spec.registry.server`. */
  server: string;
  kind: RegistryKind;
}

export const annotationFor = (kind: RegistryKind): string => (kind === 'insecure' ? INSECURE_ANNOTATION : HTTP_ANNOTATION);
export const defaultPort = (kind: RegistryKind): number => (kind === 'insecure' ? 443 : 80);

interface ContainerLike {
  image?: string;
}

/** The parts of a Pod these functions read. */
export interface PodLike {
  metadata?: { annotations?: Record<string, string> | null; [k: string]: unknown };
  spec?: {
    containers?: ContainerLike[] | null;
    initContainers?: ContainerLike[] | null;
    ephemeralContainers?: ContainerLike[] | null;
    [k: string]: unknown;
  };
}

/** Annotation key → the `host:port` values the pod needs in it (only keys with at least one value). */
export type WantedAnnotations = Record<string, string[]>;

export interface JsonPatchOp {
  op: 'add' | 'replace';
  path: string;
  value: unknown;
}

/**
 * The registry part of an image reference, as Docker normalizes it: the first path component when it
 * contains `.` or `:`, is `localhost`, or has an upper-case letter; otherwise `docker.io`.
 * `nginx` → `docker.io`, `host:5000/a/b:tag` → `host:5000`, `localhost:5000/x` → `localhost:5000`.
 * Returns undefined for an empty reference.
 */
export function registryHost(image: string): string | undefined {
  const ref = image.trim();
  if (!ref) return undefined;
  const slash = ref.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = ref.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
    return first.toLowerCase() === 'index.docker.io' ? 'docker.io' : first.toLowerCase();
  }
  return 'docker.io';
}

/** Splits `host[:port]` (also `[v6]:port`); the port is undefined when absent or not a number. */
export function splitHostPort(hostport: string): { host: string; port: number | undefined } {
  const s = hostport.trim().toLowerCase();
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end > 0) {
      const rest = s.slice(end + 1);
      const port = rest.startsWith(':') ? Number(rest.slice(1)) : undefined;
      return { host: s.slice(0, end + 1), port: port !== undefined && Number.isInteger(port) && port > 0 ? port : undefined };
    }
  }
  const colon = s.lastIndexOf(':');
  if (colon > 0 && s.indexOf(':') === colon) {
    const port = Number(s.slice(colon + 1));
    if (Number.isInteger(port) && port > 0 && port <= 65535) return { host: s.slice(0, colon), port };
  }
  return { host: s, port: undefined };
}

/** `host:port` with the port implied by the kind when absent (`secure.example.com` → `secure.example.com:443`). */
export function canonicalHostPort(hostport: string, kind: RegistryKind): string {
  const { host, port } = splitHostPort(hostport);
  return `${host}:${port ?? defaultPort(kind)}`;
}

function podImages(pod: PodLike): string[] {
  const spec = pod.spec ?? {};
  const out: string[] = [];
  for (const list of [spec.containers, spec.initContainers, spec.ephemeralContainers]) {
    for (const c of list ?? []) if (typeof c?.image === 'string') out.push(c.image);
  }
  return out;
}

/**
 * Which annotation needs which `host:port` values for the registries this pod pulls from. A registry matches
 * an image when host and port are equal, the port implied by the registry's kind where either leaves it out.
 * Values are in the order the images first name them (containers, initContainers, ephemeralContainers).
 */
export function wantedAnnotations(pod: PodLike, registries: readonly RegistryRule[]): WantedAnnotations {
  const wanted: WantedAnnotations = {};
  if (registries.length === 0) return wanted;
  const rules = registries.map((r) => ({ kind: r.kind, canonical: canonicalHostPort(r.server, r.kind) }));
  for (const image of podImages(pod)) {
    const host = registryHost(image);
    if (!host) continue;
    for (const r of rules) {
      if (canonicalHostPort(host, r.kind) !== r.canonical) continue;
      const key = annotationFor(r.kind);
      const values = (wanted[key] ??= []);
      if (!values.includes(r.canonical)) values.push(r.canonical);
    }
  }
  return wanted;
}

const splitValue = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/**
 * Adds `add` to a comma-separated annotation value: no duplicates (case-insensitive), existing order kept,
 * new values appended. A value of `all` is left alone. Returns undefined when nothing changes.
 */
export function mergeAnnotationValue(existing: string | undefined, add: readonly string[]): string | undefined {
  const parts = splitValue(existing ?? '');
  if (parts.some((p) => p.toLowerCase() === 'all')) return undefined;
  const seen = new Set(parts.map((p) => p.toLowerCase()));
  let changed = false;
  for (const a of add) {
    const v = a.trim();
    if (!v || seen.has(v.toLowerCase())) continue;
    seen.add(v.toLowerCase());
    parts.push(v);
    changed = true;
  }
  return changed ? parts.join(',') : undefined;
}

/** RFC 6901 escaping of one JSON-pointer token. */
export const escapePointer = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');

/** The new values of the annotations that change (key → full new value). */
export function annotationChanges(pod: PodLike, wanted: WantedAnnotations): Record<string, string> {
  const current = pod.metadata?.annotations ?? {};
  const changes: Record<string, string> = {};
  for (const [key, values] of Object.entries(wanted)) {
    if (values.length === 0) continue;
    const merged = mergeAnnotationValue(current[key], values);
    if (merged !== undefined) changes[key] = merged;
  }
  return changes;
}

/**
 * RFC 6902 operations that give the pod the wanted annotation values (an empty list when nothing changes).
 * Creates `/metadata/annotations` (or `/metadata`) when absent.
 */
export function jsonPatchFor(pod: PodLike, wanted: WantedAnnotations): JsonPatchOp[] {
  const changes = annotationChanges(pod, wanted);
  if (Object.keys(changes).length === 0) return [];
  if (!pod.metadata) return [{ op: 'add', path: '/metadata', value: { annotations: changes } }];
  const current = pod.metadata.annotations;
  if (!current) return [{ op: 'add', path: '/metadata/annotations', value: changes }];
  return Object.entries(changes).map(([key, value]) => ({
    op: key in current ? 'replace' : 'add',
    path: `/metadata/annotations/${escapePointer(key)}`,
    value,
  }));
}
