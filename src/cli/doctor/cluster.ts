// What the doctor reads from the API server, and the shapes it reads: the kubeconfig's client, a Pod, a
// namespace's Pods, a Pod's Events, TcrAccesses, and the credentials in a kubernetes.io/dockerconfigjson pull
// Secret. Not found / forbidden answers become UsageErrors where they end the command.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiError, KubeClient } from '../../k8s/client.ts';
import { sameRegistry, type NetworkMode } from '../../diagnostics/classify.ts';
import { UsageError, type ClusterFlags } from './flags.ts';

interface ContainerStatus {
  name: string;
  image?: string;
  state?: { waiting?: { reason?: string; message?: string } };
}
export interface PodObj {
  metadata: { name: string; namespace?: string; uid?: string };
  spec?: { containers?: Array<{ name: string; image?: string }>; initContainers?: Array<{ name: string; image?: string }>; imagePullSecrets?: Array<{ name?: string }> };
  status?: { phase?: string; containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
}
export interface EventObj {
  metadata?: { name?: string; creationTimestamp?: string };
  involvedObject?: { kind?: string; name?: string; uid?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  type?: string;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  firstTimestamp?: string | null;
}
export interface TcrAccessObj {
  metadata: { name: string };
  spec?: { registry?: { server?: string; plainHTTP?: boolean; insecureSkipVerify?: boolean }; network?: { mode?: NetworkMode } };
  status?: { server?: string };
}

export async function connect(flags: ClusterFlags): Promise<{ client: KubeClient; namespace: string }> {
  // Loaded on demand: client-node takes most of a second to import, and --message needs no cluster.
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (!flags.kubeconfig && !hasDefaultKubeconfig()) throw new UsageError('no kubeconfig found: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config');
  try {
    if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    throw new UsageError(`cannot load kubeconfig${flags.kubeconfig ? ` ${flags.kubeconfig}` : ''}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (flags.context) {
    if (!kc.getContexts().some((c) => c.name === flags.context)) throw new UsageError(`context "${flags.context}" not found in the kubeconfig`);
    kc.setCurrentContext(flags.context);
  }
  if (!kc.getCurrentCluster()) throw new UsageError('the kubeconfig has no current cluster: pass --kubeconfig or --context');
  const namespace = kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  return { client: new KubeClient(kc, { qps: 20, burst: 40, userAgent: 'tcr-access-doctor', maxThrottleRetries: 3 }), namespace };
}

/** What client-node's loadFromDefault would find: $KUBECONFIG files, ~/.kube/config, or the in-cluster account. */
function hasDefaultKubeconfig(): boolean {
  const env = process.env['KUBECONFIG'];
  if (env) return env.split(path.delimiter).some((f) => f && existsSync(f));
  return existsSync(path.join(os.homedir(), '.kube', 'config')) || (!!process.env['KUBERNETES_SERVICE_HOST'] && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token'));
}

const enc = encodeURIComponent;

export async function podEvents(client: KubeClient, namespace: string, pod: string): Promise<EventObj[]> {
  const list = await client.get<{ items?: EventObj[] }>(`/api/v1/namespaces/${enc(namespace)}/events`, { fieldSelector: `involvedObject.name=${pod}` });
  return (list.items ?? []).filter((e) => !e.involvedObject?.kind || e.involvedObject.kind === 'Pod');
}

export async function readTcrAccess(client: KubeClient, name: string): Promise<TcrAccessObj> {
  try {
    return await client.get<TcrAccessObj>(`/apis/tcr.tke.dev/v1alpha1/tcraccesses/${enc(name)}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) throw new UsageError(`TcrAccess "${name}" not found`);
    throw e;
  }
}

/** Every TcrAccess the caller may read (none when the CRD is missing or RBAC forbids it). */
export async function allTcrAccesses(client: KubeClient): Promise<TcrAccessObj[]> {
  try {
    const list = await client.get<{ items?: TcrAccessObj[] }>('/apis/tcr.tke.dev/v1alpha1/tcraccesses');
    return list.items ?? [];
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 403)) return [];
    throw e;
  }
}

/** A Pod; a missing one is a usage error. */
export async function readPod(client: KubeClient, namespace: string, name: string): Promise<PodObj> {
  try {
    return await client.get<PodObj>(`/api/v1/namespaces/${enc(namespace)}/pods/${enc(name)}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) throw new UsageError(`pod "${name}" not found in namespace "${namespace}"`);
    throw e;
  }
}

/**
 * Every Pod of a namespace, or of all namespaces when `ns` is undefined (paged); a missing namespace is a usage
 * error (one that may not be read is tried anyway).
 */
export async function listPods(client: KubeClient, ns: string | undefined): Promise<PodObj[]> {
  if (ns !== undefined) {
    try {
      await client.get(`/api/v1/namespaces/${enc(ns)}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) throw new UsageError(`namespace "${ns}" not found`);
      if (!(e instanceof ApiError && e.status === 403)) throw e;
    }
  }
  const pods: PodObj[] = [];
  let cont: string | undefined;
  const path = ns === undefined ? '/api/v1/pods' : `/api/v1/namespaces/${enc(ns)}/pods`;
  do {
    const page = await client.get<{ items?: PodObj[]; metadata?: { continue?: string } }>(path, { limit: 500, continue: cont });
    pods.push(...(page.items ?? []));
    cont = page.metadata?.continue || undefined;
  } while (cont);
  return pods;
}

interface DockerConfigEntry {
  username?: unknown;
  password?: unknown;
  auth?: unknown;
}

/** Username and password for `registry` from a kubernetes.io/dockerconfigjson Secret read through the API. */
export async function pullSecretCredentials(client: KubeClient, ref: string, registry: string): Promise<{ username: string; password: string; key: string }> {
  const [ns = '', name = ''] = ref.split('/');
  let secret: { type?: string; data?: Record<string, string> };
  try {
    secret = await client.get(`/api/v1/namespaces/${enc(ns)}/secrets/${enc(name)}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) {
      throw new UsageError(
        `reading Secret ${ref} is forbidden (HTTP 403): --pull-secret reads it through the Kubernetes API, which needs RBAC permission to get ` +
          `secrets in namespace ${ns} (check with: kubectl auth can-i get secret/${name} -n ${ns}); or pass --username and --password-stdin instead`,
      );
    }
    if (e instanceof ApiError && e.status === 404) throw new UsageError(`Secret ${ref} not found`);
    throw e;
  }
  if (secret.type !== 'kubernetes.io/dockerconfigjson') throw new UsageError(`Secret ${ref} is of type ${secret.type ?? '(none)'}, not kubernetes.io/dockerconfigjson`);
  let auths: Record<string, DockerConfigEntry>;
  try {
    const parsed = JSON.parse(Buffer.from(secret.data?.['.dockerconfigjson'] ?? '', 'base64').toString('utf8')) as { auths?: unknown };
    auths = parsed.auths && typeof parsed.auths === 'object' ? (parsed.auths as Record<string, DockerConfigEntry>) : {};
  } catch {
    throw new UsageError(`Secret ${ref}: .dockerconfigjson is not valid JSON`);
  }
  const key = Object.keys(auths).find((k) => sameRegistry(k, registry));
  if (!key) throw new UsageError(`Secret ${ref} has no entry for ${registry} (entries: ${Object.keys(auths).sort().slice(0, 5).join(', ') || 'none'})`);
  const e = auths[key] ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  let username = str(e.username);
  let password = str(e.password);
  const auth = str(e.auth);
  if ((!username || !password) && auth) {
    const s = Buffer.from(auth, 'base64').toString('utf8');
    const i = s.indexOf(':');
    if (i > 0) {
      username = s.slice(0, i);
      password = s.slice(i + 1);
    }
  }
  if (!username || !password) throw new UsageError(`Secret ${ref}: the entry for ${registry} has no username and password`);
  return { username, password, key };
}
