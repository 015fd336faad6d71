// Small helpers over the real API server for tests: apply YAML files, typed shortcuts.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { APPLY_PATCH, KubeClient } from '../../src/k8s/client.ts';

export function adminClient(kc: KubeConfig): KubeClient {
  return new KubeClient(kc, { qps: 1000, burst: 2000 });
}

export function readYamlObjects(file: string): KubernetesObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => !!o && typeof o === 'object' && 'kind' in o);
}

export const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'MutatingWebhookConfiguration', 'TcrAccess']);

/**
 * Builds a kustomization the way kustomize does for this repository's: resources in order (a directory through
 * its own kustomization), `namespace` on namespaced objects, and `labels` pairs on metadata (and, with
 * includeTemplates, on pod templates). Enough for manifests/ and its overlays; not a general kustomize.
 */
export function kustomizeBuild(dir: string): KubernetesObject[] {
  type Labels = { pairs: Record<string, string>; includeTemplates?: boolean };
  const k = parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[]; namespace?: string; labels?: Labels[] };
  const out: KubernetesObject[] = [];
  for (const r of k.resources) {
    const p = path.join(dir, r);
    for (const o of r.endsWith('.yaml') ? readYamlObjects(p) : kustomizeBuild(p)) {
      if (k.namespace && !CLUSTER_SCOPED.has(o.kind!)) o.metadata = { ...o.metadata, namespace: k.namespace };
      for (const l of k.labels ?? []) {
        o.metadata = { ...o.metadata, labels: { ...o.metadata?.labels, ...l.pairs } };
        const template = (o as { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }).spec?.template;
        if (l.includeTemplates && template) template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, ...l.pairs } };
      }
      out.push(o);
    }
  }
  return out;
}

/** REST path of an object (enough for the kinds the tests apply: plural = lowercase kind + "s"). */
export function objectPath(o: KubernetesObject): string {
  const [group, version] = o.apiVersion!.includes('/') ? o.apiVersion!.split('/') : ['', o.apiVersion!];
  const plural = o.kind === 'TcrAccess' ? 'tcraccesses' : `${o.kind!.toLowerCase()}s`;
  const ns = CLUSTER_SCOPED.has(o.kind!) ? '' : `/namespaces/${o.metadata?.namespace ?? 'default'}`;
  return `${group ? `/apis/${group}/${version}` : `/api/${version}`}${ns}/${plural}/${o.metadata!.name}`;
}

/**
 * Server-side apply of objects (field manager "tests"), as `kubectl apply --server-side` does. Raw JSON:
 * client-node's typed serializer would drop fields it does not model (enum, x-kubernetes-*).
 */
export async function applyObjects(kc: KubeConfig, objects: KubernetesObject[]): Promise<void> {
  const client = new KubeClient(kc, { qps: 1000, burst: 2000 });
  for (const o of objects) {
    await client.request({ method: 'PATCH', path: objectPath(o), body: o, contentType: APPLY_PATCH, query: { fieldManager: 'tests', force: true } });
  }
}

export const b64 = (s: string) => Buffer.from(s).toString('base64');
export const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
