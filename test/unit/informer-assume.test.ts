// The copy a write returned (`assume`) is not taken back in time by a watch event older than it: a watch that
// lags behind the operator's own writes must not make the next reconcile act on (and write from) a stale copy.
import assert from 'node:assert/strict';
import { createLogger } from 'winston';
import { ApiError, type KubeClient, type WatchEvent } from '../../src/k8s/client.ts';
import { Informer, olderThan, type KubeObject } from '../../src/k8s/informer.ts';

const log = createLogger({ silent: true });
const cm = (rv: string, v: string): KubeObject & { data: { v: string } } => ({ metadata: { name: 'c', namespace: 'n', resourceVersion: rv }, data: { v } });

/** Lists `items`; once `watching`, the watch delivers what `push` is given at once, and stays open until stopped. */
function controlled(items: KubeObject[], listRv = '5'): { client: KubeClient; push: (e: WatchEvent<KubeObject>) => void; watching: Promise<void>; expire: () => void; relisted: () => number } {
  let deliver: ((e: WatchEvent<KubeObject>) => void) | undefined;
  let opened!: () => void;
  let watching = new Promise<void>((r) => (opened = r));
  let gone: ((e: Error) => void) | undefined;
  let lists = 0;
  const client = {
    request: async () => {
      lists++;
      return { metadata: { resourceVersion: lists === 1 ? listRv : '20' }, items: lists === 1 ? items : [] };
    },
    watch: async (_p: string, _q: unknown, onEvent: (e: WatchEvent<KubeObject>) => void, o: { signal?: AbortSignal }) => {
      deliver = onEvent;
      opened();
      await new Promise<void>((r, j) => {
        o.signal?.addEventListener('abort', () => r());
        gone = j;
      });
    },
  } as unknown as KubeClient;
  return {
    client,
    get watching() {
      return watching;
    },
    push: (e) => deliver!(e),
    // the watch ends with 410 Gone: the informer lists again (an empty collection at resourceVersion 20)
    expire: () => {
      watching = new Promise<void>((r) => (opened = r));
      gone!(Object.assign(new ApiError(410, 'Expired', 'too old'), {}));
    },
    relisted: () => lists - 1,
  };
}

describe('informer: assumed writes', () => {
  it('an older watch event does not replace the copy a write returned; a newer one does, and handlers see it', async () => {
    const { client, push, watching } = controlled([cm('5', 'listed')]);
    const inf = new Informer<KubeObject & { data?: { v: string } }>({ name: 'cm', client, path: '/api/v1/configmaps', transform: (o) => o, logger: log });
    const updates: string[] = [];
    inf.on({ update: (_o, n) => updates.push(n.metadata!.resourceVersion!) });
    inf.start();
    await watching;
    inf.assume(cm('7', 'written'));
    push({ type: 'MODIFIED', object: cm('6', 'before our write') });
    assert.equal(inf.get('n/c')?.data?.v, 'written', 'the event at 6 is older than the write at 7');
    push({ type: 'MODIFIED', object: cm('7', 'written') });
    push({ type: 'MODIFIED', object: cm('10', 'later') });
    assert.equal(inf.get('n/c')?.data?.v, 'later');
    assert.deepEqual(updates, ['10'], 'handlers hear of neither the stale event nor the echo of our own write');
    inf.stop();
  });

  it('an object our write deleted is not brought back by a late event from before the delete; one created again is', async () => {
    const { client, push, watching } = controlled([cm('5', 'listed')]);
    const inf = new Informer<KubeObject & { data?: { v: string } }>({ name: 'cm', client, path: '/api/v1/configmaps', transform: (o) => o, logger: log });
    const seen: string[] = [];
    inf.on({ add: (o) => seen.push(`add ${o.metadata!.resourceVersion}`), update: (_o, n) => seen.push(`update ${n.metadata!.resourceVersion}`) });
    inf.start();
    await watching;
    inf.assumeDeleted('n/c', '8'); // e.g. the patch that removed the last finalizer was written at 8
    assert.equal(inf.get('n/c'), undefined);
    push({ type: 'MODIFIED', object: cm('7', 'deleting') });
    push({ type: 'MODIFIED', object: cm('8', 'finalizer removed') });
    assert.equal(inf.get('n/c'), undefined, 'events at or before the delete are stale');
    push({ type: 'ADDED', object: cm('12', 'created again') });
    assert.equal(inf.get('n/c')?.data?.v, 'created again');
    assert.deepEqual(seen, ['add 5', 'add 12'], 'listed, then created again: nothing in between');
    inf.stop();
  });

  it('a copy read after a conflict (observe) reaches the handlers at once; its own later event does not again', async () => {
    const c = controlled([cm('5', 'listed')]);
    const inf = new Informer<KubeObject & { data?: { v: string } }>({ name: 'cm', client: c.client, path: '/api/v1/configmaps', transform: (o) => o, logger: log });
    const updates: string[] = [];
    inf.on({ update: (_o, n) => updates.push(n.data!.v) });
    inf.start();
    await c.watching;
    inf.observe(cm('9', 'someone else wrote'));
    assert.deepEqual(updates, ['someone else wrote']);
    c.push({ type: 'MODIFIED', object: cm('9', 'someone else wrote') });
    assert.deepEqual(updates, ['someone else wrote']);
    inf.stop();
  });

  it('only our own copies are guarded: an older object from the API server otherwise wins (an etcd restore)', async () => {
    const c = controlled([cm('500', 'before the restore')]);
    const inf = new Informer<KubeObject & { data?: { v: string } }>({ name: 'cm', client: c.client, path: '/api/v1/configmaps', transform: (o) => o, logger: log });
    inf.start();
    await c.watching;
    c.push({ type: 'MODIFIED', object: cm('300', 'restored') });
    assert.equal(inf.get('n/c')?.data?.v, 'restored');
    inf.stop();
  });

  it('the late DELETED event of an earlier object of the same name leaves the new one', async () => {
    const c = controlled([{ ...cm('5', 'first'), metadata: { ...cm('5', 'first').metadata, uid: 'u1' } }]);
    const inf = new Informer<KubeObject & { data?: { v: string } }>({ name: 'cm', client: c.client, path: '/api/v1/configmaps', transform: (o) => o, logger: log });
    inf.start();
    await c.watching;
    inf.assumeDeleted('n/c');
    inf.assume({ ...cm('8', 'second'), metadata: { ...cm('8', 'second').metadata, uid: 'u2' } }); // deleted and created again by us
    c.push({ type: 'DELETED', object: { ...cm('6', 'first'), metadata: { ...cm('6', 'first').metadata, uid: 'u1' } } });
    assert.equal(inf.get('n/c')?.data?.v, 'second');
    inf.stop();
  });

  it('a relist keeps our copies and deletes newer than the list, and forgets the ones it caught up with', async () => {
    const c = controlled([cm('5', 'listed'), { metadata: { name: 'd', namespace: 'n', resourceVersion: '4' } }]);
    const inf = new Informer<KubeObject & { data?: { v: string } }>({ name: 'cm', client: c.client, path: '/api/v1/configmaps', transform: (o) => o, logger: log });
    inf.start();
    await c.watching;
    inf.assume(cm('25', 'written after the relist began'));
    inf.assumeDeleted('n/d', '26');
    c.expire(); // relists: an empty collection at 20
    await c.watching;
    assert.equal(c.relisted(), 1);
    assert.equal(inf.get('n/c')?.data?.v, 'written after the relist began', 'a write newer than the list stays');
    c.push({ type: 'MODIFIED', object: { metadata: { name: 'd', namespace: 'n', resourceVersion: '21' } } });
    assert.equal(inf.get('n/d'), undefined, 'the tombstone newer than the list still holds');
    inf.stop();
  });

  it('compares etcd resourceVersions as integers, and never calls an opaque one older', () => {
    assert.equal(olderThan('9', '10'), true);
    assert.equal(olderThan('10', '9'), false);
    assert.equal(olderThan('10', '10'), false);
    assert.equal(olderThan('123456789012345678', '123456789012345679'), true);
    assert.equal(olderThan('abc', '10'), false);
    assert.equal(olderThan('9', undefined), false);
  });
});
