// Small helpers over the real API server for tests: apply YAML files, typed shortcuts.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { APPLY_PATCH, KubeClient } from '../../src/k8s/client.ts';
import { CLUSTER_SCOPED } from '../../scripts/lib/kustomize.ts';

export { CLUSTER_SCOPED, kustomizeBuild, readYamlObjects } from '../../scripts/lib/kustomize.ts';

export function adminClient(kc: KubeConfig): KubeClient {
  return new KubeClient(kc, { qps: 1000, burst: 2000, aimd: false });
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
