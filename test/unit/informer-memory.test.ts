// Memory under an outage: the Pending-pod and Failed-Event caches keep only what the diagnosis reads (pods waiting
// on an image pull, Events about pulls, messages cut to 512 characters), and the per-namespace index forgets a
// namespace once its last object is gone. The informer runs against a scripted list/watch client.
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createLogger } from 'winston';
import { aboutPull, CACHED_MESSAGE_CHARS, cachedMessage, toPendingPod, toPullEvent, waitsOnPull } from '../../src/controllers/tcraccess/pulls.ts';
import type { KubeClient, WatchEvent } from '../../src/k8s/client.ts';
import { Informer, type KubeObject } from '../../src/k8s/informer.ts';
import { eventually } from '../support/wait.ts';

const log = createLogger({ silent: true });

/** Lists `items`, then streams `events` once and holds the watch open until stopped. */
function scripted(items: KubeObject[], events: Array<WatchEvent<KubeObject>>): KubeClient {
  return {
    request: async () => ({ metadata: { resourceVersion: '1' }, items }),
    watch: async (_p: string, _q: unknown, onEvent: (e: WatchEvent<KubeObject>) => void, o: { signal?: AbortSignal }) => {
      for (const e of events.splice(0)) onEvent(e);
      await new Promise<void>((r) => o.signal?.addEventListener('abort', () => r()));
    },
  } as unknown as KubeClient;
}

const pod = (ns: string, name: string, reason: string | undefined, message = '') => ({
  metadata: { name, namespace: ns, uid: `${ns}-${name}`, resourceVersion: '1' },
  status: { containerStatuses: [{ name: 'c', image: 'r.example.com/a:1', state: reason ? { waiting: { reason, message } } : { running: {} } }] },
});
const event = (ns: string, name: string, message: string) => ({
  metadata: { name, namespace: ns, uid: `e-${ns}-${name}`, resourceVersion: '1' },
  involvedObject: { kind: 'Pod', name: 'p', uid: 'u' },
  message,
});

describe('outage memory: Pending-pod and Failed-Event caches', () => {
  it('keeps only pods waiting on an image pull, with messages cut to 512 characters', async () => {
    const long = `Failed to pull image "r.example.com/a:1": ${'x'.repeat(2_000)}`;
    const inf = new Informer({
      name: 'pods', client: scripted([pod('a', 'pulling', 'ErrImagePull', long), pod('a', 'scheduling', undefined), pod('b', 'creating', 'ContainerCreating')], []),
      path: '/api/v1/pods', transform: toPendingPod, keep: waitsOnPull, logger: log,
    });
    inf.start();
    await inf.synced;
    inf.stop();
    assert.deepEqual(inf.list().map((p) => p.metadata.name), ['pulling']);
    assert.equal(inf.get('a/pulling')!.waiting[0]!.message.length, CACHED_MESSAGE_CHARS);
    assert.equal(inf.indexedNamespaces, 1, 'no index entry for namespaces whose pods were not kept');
  });

  it('keeps only Failed Events about pulls, trimmed', async () => {
    const inf = new Informer({
      name: 'events', client: scripted([event('a', 'e1', `Failed to pull image "x": ${'y'.repeat(3_000)}`), event('a', 'e2', 'Error: failed to create containerd task: OCI runtime create failed')], []),
      path: '/api/v1/events', transform: toPullEvent, keep: aboutPull, logger: log,
    });
    inf.start();
    await inf.synced;
    inf.stop();
    assert.deepEqual(inf.list().map((e) => e.metadata.name), ['e1']);
    assert.equal(inf.get('a/e1')!.message.length, CACHED_MESSAGE_CHARS);
  });

  it('a pod that stops waiting on a pull leaves the cache, and an emptied namespace leaves the index', async () => {
    const events: Array<WatchEvent<KubeObject>> = [
      { type: 'MODIFIED', object: { ...pod('a', 'p1', undefined), metadata: { ...pod('a', 'p1', undefined).metadata, resourceVersion: '2' } } },
      { type: 'DELETED', object: pod('b', 'p2', 'ImagePullBackOff') },
    ];
    const inf = new Informer({ name: 'pods', client: scripted([pod('a', 'p1', 'ErrImagePull'), pod('b', 'p2', 'ImagePullBackOff')], events), path: '/api/v1/pods', transform: toPendingPod, keep: waitsOnPull, logger: log });
    inf.start();
    await inf.synced;
    await eventually(async () => assert.equal(inf.size, 0));
    inf.stop();
    assert.equal(inf.indexedNamespaces, 0, 'empty per-namespace sets are pruned');
    assert.deepEqual(inf.inNamespace('a'), []);
  });

  it('a trimmed message does not keep the whole message alive (V8 sliced strings)', () => {
    // 5,000 Events with 20 KB messages: kept whole (sliced views) they hold ~100 MB; trimmed copies ~2.5 MB
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept = Array.from({ length: 5_000 }, (_, i) => toPullEvent(JSON.parse(JSON.stringify(event('a', `e${i}`, `Failed to pull image "r.example.com/a:${i}": ${'z'.repeat(20_000)}`))) as KubeObject));
    gc();
    const grew = (process.memoryUsage().heapUsed - before) / 2 ** 20;
    assert.equal(kept.length, 5_000);
    assert.equal(kept[0]!.message.length, CACHED_MESSAGE_CHARS);
    assert.ok(grew < 20, `the cache grew by ${grew.toFixed(0)} MB for 5,000 trimmed messages`);
  });

  it('a message many pods and Events repeat is cached once', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const message = `Failed to pull image "r.example.com/team/app:1": 401 Unauthorized ${'w'.repeat(4_000)}`;
    gc();
    const before = process.memoryUsage().heapUsed;
    // each parsed separately, as the watch delivers them: 10,000 copies unless shared (~5 MB trimmed)
    const kept = Array.from({ length: 10_000 }, () => cachedMessage((JSON.parse(JSON.stringify({ message })) as { message: string }).message));
    gc();
    const grew = (process.memoryUsage().heapUsed - before) / 2 ** 20;
    assert.equal(kept[9_999]!.length, CACHED_MESSAGE_CHARS);
    assert.ok(grew < 1.5, `10,000 copies of one message cost ${grew.toFixed(1)} MB`);
  });
});
