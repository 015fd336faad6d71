// Builds this repository's kustomizations without a kustomize binary (the release and the tests use it):
// resources in order (a directory through its own kustomization), `namespace` on namespaced objects,
// `labels` pairs on metadata (and, with includeTemplates, on pod templates), and `images` overrides.
// Enough for manifests/ and its overlays; not a general kustomize.
import type { KubernetesObject } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'MutatingWebhookConfiguration', 'TcrAccess', 'FlowSchema']);

export function readYamlObjects(file: string): KubernetesObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => !!o && typeof o === 'object' && 'kind' in o);
}

interface Kustomization {
  resources: string[];
  namespace?: string;
  labels?: Array<{ pairs: Record<string, string>; includeTemplates?: boolean }>;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
}

type PodOwner = { spec?: { template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: Array<{ image?: string }> } } } };

export function kustomizeBuild(dir: string): KubernetesObject[] {
  const k = parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  const out: KubernetesObject[] = [];
  for (const r of k.resources) {
    const p = path.join(dir, r);
    for (const o of r.endsWith('.yaml') ? readYamlObjects(p) : kustomizeBuild(p)) {
      if (k.namespace && !CLUSTER_SCOPED.has(o.kind!)) o.metadata = { ...o.metadata, namespace: k.namespace };
      const template = (o as PodOwner).spec?.template;
      for (const l of k.labels ?? []) {
        o.metadata = { ...o.metadata, labels: { ...o.metadata?.labels, ...l.pairs } };
        if (l.includeTemplates && template) template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, ...l.pairs } };
      }
      for (const c of template?.spec?.containers ?? []) {
        const [name, tag] = splitImage(c.image ?? '');
        const img = (k.images ?? []).find((i) => i.name === name);
        if (img) c.image = `${img.newName ?? name}:${img.newTag ?? tag}`;
      }
      out.push(o);
    }
  }
  return out;
}

/** name and tag of an image reference (the tag after the last colon that follows the last slash). */
function splitImage(ref: string): [string, string] {
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
}
