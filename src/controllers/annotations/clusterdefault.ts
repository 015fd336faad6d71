// annotationMode ClusterDefault: the Serverless registry annotations as cluster-wide pod defaults.
//
// TKE reads default pod annotations for super nodes from the ConfigMap kube-system/eks-config, key
// `pod.annotations`, a YAML mapping of annotation → value (a pod's own annotation wins). The operator merges its
// `host:port` values into the two registry keys there and removes only values it added itself: what it added is
// recorded in an annotation on the ConfigMap. Everything else in the YAML (other keys, comments, styles) is left
// as it was, through yaml's Document API.
import YAML, { isMap, isScalar, type Document, type Scalar } from 'yaml';
import { isAlreadyExists, isConflict, isNotFound, type KubeClient } from '../../k8s/client.ts';
import { HTTP_ANNOTATION, INSECURE_ANNOTATION, canonicalHostPort, type RegistryRule } from '../../webhook/annotations.ts';

export const EKS_CONFIG_NAMESPACE = 'kube-system';
export const EKS_CONFIG_NAME = 'eks-config';
export const POD_ANNOTATIONS_KEY = 'pod.annotations';
/** JSON `{"insecure": [...], "http": [...]}`: the values the operator added (and may remove). */
export const ADDED_ANNOTATION = 'tcr.tke.dev/eks-config-added';

export interface RegistryValues {
  insecure: string[];
  http: string[];
}

export interface MergeResult {
  data: Record<string, string>;
  added: RegistryValues;
  changed: boolean;
}

const KEYS: Array<[keyof RegistryValues, string]> = [
  ['insecure', INSECURE_ANNOTATION],
  ['http', HTTP_ANNOTATION],
];

const splitValue = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
const lower = (xs: readonly string[]) => new Set(xs.map((x) => x.toLowerCase()));

/** The values ClusterDefault wants, from the registries of the TcrAccesses in that mode (`host:port`, deduplicated, sorted). */
export function clusterDefaultWant(registries: readonly RegistryRule[]): RegistryValues {
  const out = { insecure: new Set<string>(), http: new Set<string>() };
  for (const r of registries) out[r.kind].add(canonicalHostPort(r.server, r.kind));
  return { insecure: [...out.insecure].sort(), http: [...out.http].sort() };
}

export class EksConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EksConfigError';
  }
}

function parsePodAnnotations(text: string | undefined): Document {
  const doc = YAML.parseDocument(text ?? '');
  if (doc.errors.length > 0) throw new EksConfigError(`${EKS_CONFIG_NAMESPACE}/${EKS_CONFIG_NAME} ${POD_ANNOTATIONS_KEY} is not valid YAML: ${doc.errors[0]!.message}`);
  if (doc.contents === null || (isScalar(doc.contents) && (doc.contents.value === null || doc.contents.value === ''))) {
    doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  }
  if (!isMap(doc.contents)) throw new EksConfigError(`${EKS_CONFIG_NAMESPACE}/${EKS_CONFIG_NAME} ${POD_ANNOTATIONS_KEY} is not a YAML mapping`);
  return doc;
}

/**
 * Merges `want` into the registry keys under `pod.annotations` of the eks-config data: values in `want` are
 * added (appended, no duplicates), values in `previouslyAdded` but no longer in `want` are removed, anything
 * else (other values, `all`, other keys, comments) is kept. `added` is what to record for next time: the
 * values of `want` that the operator put there (not ones the user had already).
 */
export function mergeEksConfig(data: Record<string, string>, want: RegistryValues, previouslyAdded: RegistryValues): MergeResult {
  const doc = parsePodAnnotations(data[POD_ANNOTATIONS_KEY]);
  const map = doc.contents as unknown as YAML.YAMLMap<unknown, unknown>;
  const added: RegistryValues = { insecure: [], http: [] };
  let changed = false;

  for (const [kind, key] of KEYS) {
    const node = map.get(key, true) as unknown;
    if (node !== undefined && node !== null && !isScalar(node)) throw new EksConfigError(`${POD_ANNOTATIONS_KEY}: ${key} is not a string`);
    const scalar = node as Scalar | undefined | null;
    const raw = scalar?.value === null || scalar?.value === undefined ? undefined : String(scalar.value);
    const parts = splitValue(raw ?? '');
    if (parts.some((p) => p.toLowerCase() === 'all')) continue; // `all` already covers every registry
    const wanted = lower(want[kind]);
    const prev = lower(previouslyAdded[kind]);
    const present = lower(parts);
    // Drop what we added before and no longer want; keep everything else.
    const kept = parts.filter((p) => !(prev.has(p.toLowerCase()) && !wanted.has(p.toLowerCase())));
    const keptLower = lower(kept);
    const next = [...kept];
    for (const w of want[kind]) {
      const wl = w.toLowerCase();
      if (!keptLower.has(wl)) {
        next.push(w);
        keptLower.add(wl);
        added[kind].push(w);
      } else if (prev.has(wl) && present.has(wl)) {
        added[kind].push(w); // still ours
      }
    }
    if (next.join(',') === parts.join(',')) continue;
    changed = true;
    if (next.length === 0) {
      map.delete(key);
    } else if (scalar && isScalar(scalar)) {
      scalar.value = next.join(',');
    } else {
      map.set(key, next.join(','));
    }
  }

  if (!changed) return { data, added, changed: false };
  const out = { ...data };
  if (map.items.length === 0 && !doc.commentBefore && !doc.comment && !(data[POD_ANNOTATIONS_KEY] ?? '').includes('#')) {
    delete out[POD_ANNOTATIONS_KEY];
  } else {
    out[POD_ANNOTATIONS_KEY] = doc.toString({ lineWidth: 0 });
  }
  return { data: out, added, changed: true };
}

export function parseAdded(value: string | undefined): RegistryValues {
  try {
    const v = JSON.parse(value ?? '') as Partial<RegistryValues>;
    const list = (x: unknown) => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);
    return { insecure: list(v.insecure), http: list(v.http) };
  } catch {
    return { insecure: [], http: [] };
  }
}

interface ConfigMap {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string; annotations?: Record<string, string>; [k: string]: unknown };
  data?: Record<string, string>;
  [k: string]: unknown;
}

export interface ApplyResult {
  changed: boolean;
  added: RegistryValues;
}

/**
 * Read-modify-write of kube-system/eks-config (resourceVersion precondition; conflicts retried from fresh
 * data). Creates the ConfigMap when missing and something is wanted. `owner` is the field manager.
 */
export async function applyEksConfig(client: KubeClient, want: RegistryValues, owner = 'tcr-access-operator'): Promise<ApplyResult> {
  const base = `/api/v1/namespaces/${EKS_CONFIG_NAMESPACE}/configmaps`;
  const path = `${base}/${EKS_CONFIG_NAME}`;
  const query = { fieldManager: owner };
  for (let attempt = 0; ; attempt++) {
    let cm: ConfigMap | undefined;
    try {
      cm = await client.get<ConfigMap>(path);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const prevRaw = cm?.metadata.annotations?.[ADDED_ANNOTATION];
    const merged = mergeEksConfig(cm?.data ?? {}, want, parseAdded(prevRaw));
    const record = merged.added.insecure.length + merged.added.http.length > 0 ? JSON.stringify(merged.added) : undefined;
    try {
      if (!cm) {
        if (!merged.changed) return { changed: false, added: merged.added };
        await client.create(
          base,
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: EKS_CONFIG_NAME, namespace: EKS_CONFIG_NAMESPACE, ...(record ? { annotations: { [ADDED_ANNOTATION]: record } } : {}) },
            data: merged.data,
          },
          query,
        );
        return { changed: true, added: merged.added };
      }
      if (!merged.changed && record === prevRaw) return { changed: false, added: merged.added };
      const annotations = { ...cm.metadata.annotations };
      if (record) annotations[ADDED_ANNOTATION] = record;
      else delete annotations[ADDED_ANNOTATION];
      await client.replace(path, { ...cm, metadata: { ...cm.metadata, annotations }, data: merged.data }, query);
      return { changed: merged.changed, added: merged.added };
    } catch (e) {
      if ((isConflict(e) || isAlreadyExists(e)) && attempt < 5) continue;
      throw e;
    }
  }
}
