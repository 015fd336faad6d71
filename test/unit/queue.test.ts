import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkQueue, type QueueHooks } from '../../src/k8s/queue.ts';

const PENDING = Symbol('pending');

/** The promise's value if it settles within `ms`, else PENDING. */
async function within<T>(p: Promise<T>, ms = 15): Promise<T | typeof PENDING> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<typeof PENDING>((resolve) => (timer = setTimeout(() => resolve(PENDING), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

/** Drains what is queued right now, calling done() on each key. */
/** Hooks that record nothing, for tests that look at one of them. */
const quiet: QueueHooks = { added: () => undefined, depth: () => undefined, started: () => undefined, finished: () => undefined, retried: () => undefined };

async function drain(q: WorkQueue): Promise<string[]> {
  const out: string[] = [];
  while (q.depth > 0) {
    const k = (await q.get())!;
    out.push(k);
    q.done(k);
  }
  return out;
}

describe('WorkQueue', () => {
  let q: WorkQueue;
  afterEach(() => q?.shutDown());

  it('de-duplicates keys that are queued', async () => {
    q = new WorkQueue();
    for (const k of ['a', 'b', 'a', 'a', 'b', 'c']) q.add(k);
    assert.equal(q.depth, 3);
    assert.deepEqual(await drain(q), ['a', 'b', 'c']);
  });

  it('never hands a key to two workers; a key added while processing is re-delivered once after done', async () => {
    q = new WorkQueue();
    q.add('a');
    const first = await q.get();
    assert.equal(first, 'a');
    q.add('a');
    q.add('a');
    q.add('a', 'bulk');
    assert.equal(q.depth, 0, 'not queued while processing');
    const second = q.get();
    assert.equal(await within(second), PENDING, 'second worker must not get a key in flight');
    q.done('a');
    assert.equal(await within(second), 'a', 're-delivered after done');
    q.done('a');
    assert.equal(q.depth, 0, 'exactly once');
    assert.equal(await within(q.get()), PENDING);
  });

  it('other keys are delivered while one is in flight', async () => {
    q = new WorkQueue();
    q.add('a');
    assert.equal(await q.get(), 'a');
    q.add('a');
    q.add('b');
    assert.equal(await within(q.get()), 'b');
  });

  it('takes the fast lane before the bulk lane, FIFO within a lane', async () => {
    q = new WorkQueue();
    q.add('b1', 'bulk');
    q.add('f1', 'fast');
    q.add('b2', 'bulk');
    q.add('f2');
    assert.deepEqual(await drain(q), ['f1', 'f2', 'b1', 'b2']);
  });

  it('promotes a bulk key to the fast lane without duplicating it', async () => {
    q = new WorkQueue();
    q.add('x', 'bulk');
    q.add('y', 'bulk');
    q.add('z', 'bulk');
    q.add('y', 'fast');
    assert.equal(q.depth, 3);
    assert.deepEqual(await drain(q), ['y', 'x', 'z']);
  });

  it('does not demote a fast key when it is added to bulk', async () => {
    q = new WorkQueue();
    q.add('b', 'bulk');
    q.add('f', 'fast');
    q.add('f', 'bulk');
    assert.equal(q.depth, 2);
    assert.deepEqual(await drain(q), ['f', 'b']);
  });

  it('re-queues a key added while processing in the fastest lane it was asked for', async () => {
    q = new WorkQueue();
    q.add('k');
    assert.equal(await q.get(), 'k');
    q.add('k', 'bulk');
    q.add('k', 'fast');
    q.add('k', 'bulk');
    q.add('other', 'bulk');
    q.done('k');
    assert.deepEqual(await drain(q), ['k', 'other']);
  });

  it('wakes a waiting getter on add', async () => {
    q = new WorkQueue();
    const g = q.get();
    assert.equal(await within(g, 5), PENDING);
    q.add('a');
    assert.equal(await within(g), 'a');
  });

  it("get('fast') takes only fast keys, and only when no other getter is idle", async () => {
    q = new WorkQueue();
    const fastOnly = q.get('fast');
    q.add('bulk-1', 'bulk');
    assert.equal(await within(fastOnly, 5), PENDING, 'a bulk key is not for the fast-lane getter');
    const busy = (await q.get())!; // a worker takes bulk-1 and keeps it
    assert.equal(busy, 'bulk-1');
    q.add('bulk-2', 'bulk');
    q.add('new-ns', 'fast');
    assert.equal(await within(fastOnly), 'new-ns', 'the fast key does not wait for the busy worker');
    const idle = q.get();
    q.add('fast-2', 'fast');
    assert.equal(await within(idle), 'bulk-2', 'the idle worker had bulk-2 waiting');
    assert.equal(await within(q.get()), 'fast-2');
    q.shutDown();
    assert.equal(await within(q.get('fast')), undefined);
  });

  it('addAfter delivers later, not at once', async () => {
    q = new WorkQueue();
    const t0 = performance.now();
    q.addAfter('a', 20);
    assert.equal(q.depth, 0);
    assert.equal(await q.get(), 'a');
    assert.ok(performance.now() - t0 >= 15, `delivered after ${performance.now() - t0}ms`);
  });

  it('addAfter with ms <= 0 adds at once', async () => {
    q = new WorkQueue();
    q.addAfter('a', 0, 'fast');
    assert.equal(q.depth, 1);
    assert.equal(await within(q.get(), 1), 'a');
  });

  it('an earlier addAfter wins over a later one', async () => {
    q = new WorkQueue();
    const t0 = performance.now();
    q.addAfter('a', 10);
    q.addAfter('a', 500);
    assert.equal(await within(q.get(), 200), 'a');
    assert.ok(performance.now() - t0 < 200);
  });

  it('a sooner addAfter replaces a pending later one, which then never fires', async () => {
    q = new WorkQueue();
    const t0 = performance.now();
    q.addAfter('a', 60);
    q.addAfter('a', 5);
    assert.equal(await within(q.get(), 50), 'a');
    assert.ok(performance.now() - t0 < 55);
    q.done('a');
    await sleep(Math.max(0, 90 - (performance.now() - t0)));
    assert.equal(q.depth, 0, 'the replaced timer must not deliver again');
  });

  it('addAfter delivers in the given lane', async () => {
    q = new WorkQueue();
    q.add('b', 'bulk');
    q.addAfter('f', 5, 'fast');
    q.addAfter('x', 5);
    await sleep(25);
    assert.deepEqual(await drain(q), ['f', 'b', 'x']);
  });

  it('addRateLimited doubles the backoff per failure up to the cap; forget resets it', () => {
    q = new WorkQueue({ baseDelayMs: 1000, maxDelayMs: 5000 });
    assert.deepEqual(
      [1, 2, 3, 4, 5].map(() => q.addRateLimited('a')),
      [1000, 2000, 4000, 5000, 5000],
    );
    assert.equal(q.failuresOf('a'), 5);
    assert.equal(q.addRateLimited('b'), 1000, 'per key');
    q.forget('a');
    assert.equal(q.failuresOf('a'), 0);
    assert.equal(q.addRateLimited('a'), 1000);
    assert.equal(q.failuresOf('b'), 1);
  });

  it('addRateLimited defaults to a 5ms base and re-delivers the key', async () => {
    q = new WorkQueue();
    assert.equal(q.addRateLimited('a'), 5);
    assert.equal(q.addRateLimited('a'), 10);
    assert.equal(await within(q.get(), 200), 'a');
  });

  it('shutDown releases waiting getters with undefined and accepts no more keys', async () => {
    q = new WorkQueue();
    const g1 = q.get();
    const g2 = q.get();
    q.addAfter('later', 5);
    q.shutDown();
    assert.deepEqual(await Promise.all([within(g1), within(g2)]), [undefined, undefined]);
    q.add('a');
    q.addAfter('b', 1);
    assert.equal(q.depth, 0);
    assert.equal(await within(q.get()), undefined);
    await sleep(15);
    assert.equal(q.depth, 0, 'pending addAfter timers are cancelled');
    assert.equal(await within(q.get()), undefined);
  });

  it('reports its depth', async () => {
    const depths: number[] = [];
    q = new WorkQueue({ hooks: { ...quiet, depth: (d) => depths.push(d) } });
    q.add('a');
    q.add('b', 'bulk');
    q.add('a');
    await drain(q);
    assert.deepEqual(depths, [1, 2, 1, 0]);
  });

  it('reports adds, waits, work, retries and the work in progress (client-go workqueue metrics)', async () => {
    let now = 1_000;
    const seen = { added: 0, retried: 0, waited: [] as number[], worked: [] as number[] };
    q = new WorkQueue({
      monotonic: () => now,
      baseDelayMs: 1,
      hooks: { ...quiet, added: () => seen.added++, retried: () => seen.retried++, started: (s) => seen.waited.push(s), finished: (s) => seen.worked.push(s) },
    });
    q.add('a');
    q.add('a'); // de-duplicated: not an add
    q.add('b', 'bulk');
    q.add('b', 'fast'); // promoted: not an add either
    assert.equal(seen.added, 2);
    now += 2_000;
    const a = (await q.get())!;
    assert.deepEqual(seen.waited, [2]);
    now += 500;
    const b = (await q.get())!;
    assert.deepEqual(seen.waited, [2, 2.5]);
    now += 1_500;
    assert.deepEqual(q.load(), { unfinishedSeconds: 1.5 + 2, longestSeconds: 2 });
    q.done(a);
    q.done(b);
    assert.deepEqual(seen.worked, [2, 1.5]);
    assert.deepEqual(q.load(), { unfinishedSeconds: 0, longestSeconds: 0 });
    q.addRateLimited('a');
    assert.equal(seen.retried, 1);
  });

  it('with many workers and concurrent adds, no key is ever processed twice at once and none is lost', async () => {
    q = new WorkQueue();
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4'];
    const inFlight = new Set<string>();
    /** Per key: how many times it was added, and the add count seen when its latest processing started. */
    const added = new Map<string, number>();
    const coveredUpTo = new Map<string, number>();
    let overlaps = 0;
    const worker = async () => {
      for (;;) {
        const k = await q.get();
        if (k === undefined) return;
        if (inFlight.has(k)) overlaps++;
        inFlight.add(k);
        const seen = added.get(k) ?? 0;
        await sleep(1);
        coveredUpTo.set(k, Math.max(coveredUpTo.get(k) ?? 0, seen));
        inFlight.delete(k);
        q.done(k);
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    for (let round = 0; round < 20; round++) {
      for (const k of keys) {
        added.set(k, (added.get(k) ?? 0) + 1);
        q.add(k, round % 2 ? 'fast' : 'bulk');
      }
      await sleep(round % 3);
    }
    const allCovered = () => keys.every((k) => coveredUpTo.get(k) === added.get(k));
    const deadline = performance.now() + 2000;
    while (!allCovered() && performance.now() < deadline) await sleep(2);
    q.shutDown();
    await Promise.all(workers);
    assert.equal(overlaps, 0);
    assert.deepEqual(Object.fromEntries(keys.map((k) => [k, coveredUpTo.get(k)])), Object.fromEntries(keys.map((k) => [k, 20])), 'every add was followed by a processing');
  });
});
