// What every node test file shares: one real node per file (started in before(), stopped in after(), and the
// after-hook asserts nothing is left behind), the operator running against it, and Pod helpers.
// Where the node cannot run, the file is skipped with the reason printed, except under CI=true where it fails.
import assert from 'node:assert/strict';
import type { Context } from 'mocha';
import { isNotFound } from '../../../src/k8s/client.ts';
import { fixtureOn, OPERATOR_NS, putSourceSecret, runOperator, type Fixture } from '../fixture.ts';
import type { OperatorProcess } from '../operator.ts';
import { eventually } from '../wait.ts';
import { HELLO_REPO, nodeBlocker, REGISTRY_USER, startNode, type RealNode } from './node.ts';

export interface NodeSuite {
  node: RealNode;
  f: Fixture;
  op: OperatorProcess;
  /** The private image (TLS + auth registry). */
  image: string;
}

/** Name of the operator's source Secret (username/password of REGISTRY_USER) in OPERATOR_NS. */
export const SOURCE_SECRET = 'robot';

/** Registers before/after hooks for a node test file; the returned object is filled in by before(). */
export function useNode(): NodeSuite {
  const suite = {} as NodeSuite;
  before(async function (this: Context) {
    this.timeout(600_000); // a cold build of kubelet & co. (scripts/node-bins.sh) takes minutes; warm start ~5 s
    const blocker = nodeBlocker();
    if (blocker) {
      if (process.env.CI === 'true') throw new Error(`the node tests cannot run here: ${blocker}`);
      console.log(`      SKIPPED (the node tests cannot run here): ${blocker}`);
      this.skip();
    }
    suite.node = await startNode();
    suite.f = await fixtureOn(suite.node.cp);
    suite.image = `${suite.node.registries.private}/${HELLO_REPO}:v1`;
    await putSourceSecret(suite.f.admin, OPERATOR_NS, SOURCE_SECRET, { username: REGISTRY_USER, password: suite.node.password });
    suite.op = runOperator(suite.f);
  });
  after(async function (this: Context) {
    this.timeout(120_000);
    await suite.op?.stop();
    if (!suite.node) return;
    await suite.node.stop();
    assert.deepEqual(await suite.node.leaks(), [], 'the node left something behind');
  });
  return suite;
}

export interface PodOptions {
  serviceAccount?: string;
  pullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  imagePullSecrets?: string[];
}

export interface PodObj {
  metadata: { name: string; namespace: string; uid: string };
  spec: { imagePullSecrets?: Array<{ name: string }>; nodeName?: string };
  status?: {
    phase?: string;
    containerStatuses?: Array<{ name: string; state?: { waiting?: { reason?: string; message?: string }; running?: unknown } }>;
  };
}

/** A Pod running `image` on host network (pulls are the runtime's; no pod network needed), scheduled by the real scheduler. */
export async function createPod(node: RealNode, ns: string, name: string, image: string, opts: PodOptions = {}): Promise<PodObj> {
  return node.admin.create<PodObj>(`/api/v1/namespaces/${ns}/pods`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      hostNetwork: true,
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 1,
      ...(opts.serviceAccount ? { serviceAccountName: opts.serviceAccount } : {}),
      ...(opts.imagePullSecrets ? { imagePullSecrets: opts.imagePullSecrets.map((n) => ({ name: n })) } : {}),
      containers: [{ name: 'app', image, imagePullPolicy: opts.pullPolicy ?? 'Always' }],
    },
  });
}

export async function getPod(node: RealNode, ns: string, name: string): Promise<PodObj> {
  return node.admin.get<PodObj>(`/api/v1/namespaces/${ns}/pods/${name}`);
}

/** Waits until the Pod's container runs. */
export async function waitRunning(node: RealNode, ns: string, name: string, timeoutMs = 60_000): Promise<PodObj> {
  return eventually(async () => {
    const pod = await getPod(node, ns, name);
    const state = pod.status?.containerStatuses?.[0]?.state;
    assert.ok(state?.running, `${ns}/${name} not running: phase ${pod.status?.phase}, ${JSON.stringify(state)}`);
    return pod;
  }, { timeoutMs, intervalMs: 250 });
}

/** Waits until the kubelet reports the Pod's image pull as failed; returns the container's waiting message. */
export async function waitPullFailure(node: RealNode, ns: string, name: string, timeoutMs = 60_000): Promise<{ reason: string; message: string }> {
  return eventually(async () => {
    const pod = await getPod(node, ns, name);
    const w = pod.status?.containerStatuses?.[0]?.state?.waiting;
    assert.ok(w?.reason && ['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName'].includes(w.reason), `${ns}/${name}: ${JSON.stringify(pod.status)}`);
    return { reason: w.reason, message: w.message ?? '' };
  }, { timeoutMs, intervalMs: 250 });
}

/** Waits until the real ServiceAccount controller has made `default` in `ns`. */
export async function waitDefaultServiceAccount(node: RealNode, ns: string): Promise<void> {
  await eventually(() => node.admin.get(`/api/v1/namespaces/${ns}/serviceaccounts/default`), { timeoutMs: 30_000, intervalMs: 100 });
}

export async function gone(node: RealNode, apiPath: string): Promise<boolean> {
  try {
    await node.admin.get(apiPath);
    return false;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}
