// An image-pull outage's Events cost one small record per failing Pod, however many Events each Pod has: the
// controller's Event informers cache nothing and fold into PodPullEvents (its latest pull failure and latest
// missing-Secret Event per Pod), which gives pullFailures what the whole Event list gave it.
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createLogger } from 'winston';
import type { TcrAccess } from '../../../src/api/v1alpha1/types.ts';
import { TcrAccessController } from '../../../src/controllers/tcraccess/controller.ts';
import { cachedMessage, CACHED_MESSAGE_CHARS, messageOf, messageTemplate, MISSING_SECRET_REASON, PodEventFold, PodPullEvents, isPullFailure, pullFailures, toPendingPod, toPullEvent, type PullEvent } from '../../../src/controllers/tcraccess/pulls.ts';
import type { KubeClient, Query, WatchEvent } from '../../../src/k8s/client.ts';
import type { EventRecorder } from '../../../src/k8s/events.ts';
import { Informer, type KubeObject } from '../../../src/k8s/informer.ts';
import { createMetrics } from '../../../src/k8s/metrics.ts';

const log = createLogger({ silent: true });
const SERVER = 'r.example.com';
const access = { metadata: { name: 'a' }, spec: { registry: { server: SERVER }, imagePullSecret: { name: 'tcr-pull', namespaces: { names: ['ns'] } } } } as unknown as TcrAccess;

const pod = (i: number) => ({
  metadata: { name: `p${i}`, namespace: 'ns', uid: `u${i}`, resourceVersion: '1' },
  spec: { imagePullSecrets: [{ name: 'tcr-pull' }] },
  status: { phase: 'Pending', containerStatuses: [{ name: 'c', image: `${SERVER}/team/p${i}:1`, state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${SERVER}/team/p${i}:1"` } } }] },
});
/** The j-th Failed Event of pod i, a fresh object with fresh strings (as each watch event or list page parses). */
const failed = (i: number, j: number, message = `Failed to pull image "${SERVER}/team/p${i}:1": rpc error: 401 Unauthorized ${'x'.repeat(300)}`, seconds = j) => ({
  metadata: { name: `p${i}.${String(j).padStart(6, '0')}`, namespace: 'ns', uid: `e${i}.${j}`, resourceVersion: String(10 + j) },
  involvedObject: { kind: 'Pod', namespace: 'ns', name: `p${i}`, uid: `u${i}` },
  reason: 'Failed',
  message,
  lastTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, seconds)).toISOString(),
});

/** Lists what `list(path, query)` makes (fresh each time), then holds every watch open until stopped. */
function scripted(list: (path: string, q: Query) => KubeObject[]): KubeClient {
  return {
    request: async (r: { path: string; query?: Query }) => ({ metadata: { resourceVersion: '1' }, items: list(r.path, r.query ?? {}) }),
    watch: async (_p: string, _q: unknown, _on: (e: WatchEvent<KubeObject>) => void, o: { signal?: AbortSignal }) => {
      await new Promise<void>((r) => o.signal?.addEventListener('abort', () => r()));
    },
  } as unknown as KubeClient;
}

function heapUsedMb(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** The operator's caches after listing `pods` Pending pods with `perPod` Failed pull Events each: the heap they hold. */
async function cachedMb(pods: number, perPod: number): Promise<number> {
  const client = scripted((path, q) => {
    if (path === '/api/v1/pods') return Array.from({ length: pods }, (_, i) => pod(i));
    if (path === '/api/v1/events' && String(q['fieldSelector']).includes('reason=Failed')) return Array.from({ length: pods * perPod }, (_, k) => failed(k % pods, Math.floor(k / pods)));
    return [];
  });
  const events = { record: async () => {} } as unknown as EventRecorder;
  const opts = { sourceNamespaces: ['tcr-system'], workers: 1, resyncPeriodMs: 3_600_000, statusDebounceMs: 1_000, cleanupConcurrency: 1, clusterId: 'c', minRotationMs: 3_600_000, ambientCredentials: false };
  const before = heapUsedMb();
  const c = new TcrAccessController({ client, logger: log, metrics: createMetrics(), events, opts });
  await c.startCaches();
  const grew = heapUsedMb() - before;
  assert.equal(c.caches.pendingPods!.size, pods);
  await c.stop(1_000);
  return grew;
}

describe('outage memory: Events folded into one record per Pod', () => {
  it('the operator\'s caches do not grow with the number of Failed Events per Pod', async function () {
    this.timeout(120_000);
    const one = await cachedMb(200, 1);
    const many = await cachedMb(200, 100); // 20,000 Events: cached one by one they held ~6 MB more
    assert.ok(many - one < 1, `200 pods with 100 Failed Events each cost ${(many - one).toFixed(2)} MB more than with 1 each (${one.toFixed(2)} → ${many.toFixed(2)} MB)`);
  });

  it('keeps per Pod uid only the latest pull failure, whatever the order Events arrive in, and no Event at all', async () => {
    const fold = new PodEventFold(isPullFailure);
    const order = [3, 1, 4, 0, 2];
    const inf = new Informer({
      name: 'events', client: scripted(() => order.map((j) => failed(0, j, `Failed to pull image "${SERVER}/team/p0:1": attempt ${j}`))),
      path: '/api/v1/events', transform: toPullEvent, sink: fold, logger: log,
    });
    inf.start();
    await inf.synced;
    inf.stop();
    assert.equal(inf.size, 0, 'the informer caches no Event');
    assert.equal(fold.size, 1);
    assert.deepEqual(fold.get('ns/p0')!.map((r) => r.message), [`Failed to pull image "${SERVER}/team/p0:1": attempt 4`]);
  });

  it('skips the repeats ("Error: ImagePullBackOff") and forgets a Pod when its recorded Event is deleted', () => {
    const fold = new PodEventFold(isPullFailure);
    const e = (o: object): PullEvent => toPullEvent(o as KubeObject);
    fold.put(e(failed(0, 1)));
    fold.put(e(failed(0, 2, 'Error: ImagePullBackOff')));
    assert.match(fold.get('ns/p0')![0]!.message, /401 Unauthorized/);
    fold.remove(e(failed(0, 2, 'Error: ImagePullBackOff')));
    assert.equal(fold.size, 1, 'deleting another Event leaves the record');
    fold.remove(e(failed(0, 1)));
    assert.equal(fold.size, 0);
  });

  it('a relist of one informer rebuilds its fold without touching the other, and readers see the old fold until it ends', () => {
    const folded = new PodPullEvents();
    const e = (o: object): PullEvent => toPullEvent(o as KubeObject);
    folded.failed.put(e(failed(0, 1)));
    folded.missingSecret.put(e({ ...failed(0, 2, 'Unable to retrieve some image pull secrets (tcr-pull)'), reason: MISSING_SECRET_REASON }));
    folded.failed.beginList();
    assert.equal(folded.get('ns/p0')!.length, 2, 'during the list the previous records are read');
    folded.failed.endList();
    assert.deepEqual(folded.get('ns/p0')!.map((r) => r.reason), [MISSING_SECRET_REASON]);
  });

  it('pullFailures reads the fold as it read every Event', () => {
    const folded = new PodPullEvents();
    const e = (o: object): PullEvent => toPullEvent(o as KubeObject);
    for (let j = 0; j < 50; j++) folded.failed.put(e(failed(0, j)));
    folded.failed.put(e(failed(0, 50, 'Error: ErrImagePull')));
    folded.missingSecret.put(e({ ...failed(0, 51, 'Unable to retrieve some image pull secrets (tcr-pull); attempting to pull the image may not succeed.'), reason: MISSING_SECRET_REASON }));
    const pods = [toPendingPod(pod(0) as unknown as KubeObject)];
    const [f] = pullFailures(access, SERVER, new Set(['ns']), pods, folded);
    assert.equal(f!.diagnosis.cause, 'PullSecretMissing');
    assert.match(f!.message, /401 Unauthorized/);
  });

  it('messages that differ only by their image share one template, and read back exactly as cached before', () => {
    const img = (i: number) => `${SERVER}/team-${i}/service-${i}:v1`;
    const msg = (i: number) => `Failed to pull image "${img(i)}": failed to resolve reference "${img(i)}": 401 Unauthorized`;
    const a = messageTemplate(msg(1), img(1));
    const b = messageTemplate(msg(2), img(2));
    assert.equal(a.template, b.template, 'one template');
    assert.equal(messageOf(b.template, b.image), msg(2));
    const long = `Back-off pulling image "${img(3)}": ${'y'.repeat(CACHED_MESSAGE_CHARS - 39 - img(3).length)} "${img(3)}"`; // cut inside the second reference
    const cases: Array<[string, string | undefined]> = [[long, img(3)], [msg(4), undefined], [msg(5), img(6)], [`aaa "\u0001" ${img(7)}`, img(7)], ['aaa', 'aa'], ['', img(1)]];
    for (const [m, image] of cases) {
      const t = messageTemplate(m, image);
      assert.equal(messageOf(t.template, t.image), cachedMessage(m), JSON.stringify([m, image]));
    }
    const p = toPendingPod(pod(8) as unknown as KubeObject);
    assert.equal(p.waiting[0]!.message, `Back-off pulling image "${SERVER}/team/p8:1"`);
  });
});
