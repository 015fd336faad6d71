import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { TokenBucket } from '../../src/k8s/ratelimit.ts';

let cleanup: AbortController | undefined;

/** Starts take() and records when (and whether) it resolved. */
function track(b: TokenBucket, signal?: AbortSignal) {
  const s = { done: false };
  const p = b.take(signal ?? cleanup?.signal).then(() => {
    s.done = true;
  });
  return Object.assign(s, { p });
}

/** Lets resolved promises run their callbacks. */
const flush = () => new Promise<void>((r) => setImmediate(r));

/** Waits (real time) until cond holds, up to ms. */
async function until(cond: () => boolean, ms = 500): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!cond() && performance.now() < deadline) await sleep(1);
  return cond();
}

describe('TokenBucket', () => {
  // Every take() gets this signal: a failing test must not leave waiters (and the bucket's timer) behind.
  let ac: AbortController;
  beforeEach(() => (cleanup = ac = new AbortController()));
  afterEach(() => ac.abort());
  const cases: Array<[number, number]> = [
    [0, 1],
    [-1, 1],
    [NaN, 1],
    [10, 0],
    [10, 0.5],
  ];
  for (const [qps, burst] of cases) {
    it(`rejects qps=${qps} burst=${burst}`, () => assert.throws(() => new TokenBucket(qps, burst), /invalid rate limit/));
  }

  it('grants the burst immediately, then waits for the (injected) clock', async () => {
    let now = 1_000;
    const b = new TokenBucket(100, 3, () => now); // one token per 10ms
    const first = [track(b), track(b), track(b)];
    await flush();
    assert.deepEqual(first.map((t) => t.done), [true, true, true], 'burst is immediate');

    const fourth = track(b);
    await sleep(30); // real time passes, the injected clock does not
    assert.equal(fourth.done, false, 'no token without clock progress');

    now += 5;
    await sleep(15);
    assert.equal(fourth.done, false, 'half a token is not enough');

    now += 5;
    assert.ok(await until(() => fourth.done), 'one token after 1/qps');
  });

  it('paces at qps and serves waiters in FIFO order', async () => {
    let now = 0;
    const b = new TokenBucket(100, 1, () => now);
    await b.take(ac.signal);
    const order: number[] = [];
    const waiters = [0, 1, 2, 3].map((i) => b.take(ac.signal).then(() => order.push(i)));
    await sleep(5);
    assert.deepEqual(order, []);
    now += 10;
    assert.ok(await until(() => order.length === 1));
    await sleep(15);
    assert.deepEqual(order, [0], 'exactly one token per 1/qps');
    now += 10;
    assert.ok(await until(() => order.length === 2));
    now += 60; // burst is 1: only one token is saved, however long it waited
    assert.ok(await until(() => order.length === 3));
    await sleep(15);
    assert.deepEqual(order, [0, 1, 2]);
    now += 10;
    assert.ok(await until(() => order.length === 4));
    assert.deepEqual(order, [0, 1, 2, 3]);
    await Promise.all(waiters);
  });

  it('saves at most burst tokens while idle', async () => {
    let now = 0;
    const b = new TokenBucket(100, 2, () => now);
    now += 60_000;
    const got = [track(b), track(b), track(b)];
    await flush();
    assert.deepEqual(got.map((t) => t.done), [true, true, false]);
    now += 10;
    assert.ok(await until(() => got[2]!.done));
  });

  it('a new caller does not jump ahead of waiters', async () => {
    let now = 0;
    const b = new TokenBucket(100, 1, () => now);
    await b.take(ac.signal);
    const waiter = track(b);
    now += 10; // a token is available now, but the waiter is first in line
    const late = track(b);
    await flush();
    assert.ok(await until(() => waiter.done));
    assert.equal(late.done, false);
    now += 10;
    assert.ok(await until(() => late.done));
  });

  it('an aborted waiter resolves at once and gives up its place', async () => {
    let now = 0;
    const b = new TokenBucket(100, 1, () => now);
    await b.take(ac.signal);
    const mine = new AbortController();
    const aborted = track(b, mine.signal);
    const next = track(b);
    mine.abort();
    await flush();
    assert.equal(aborted.done, true);
    assert.equal(next.done, false);
    now += 10;
    assert.ok(await until(() => next.done), 'the next waiter gets the first token');
  });

  it('with the real clock: burst at once, then about 1/qps apart', async () => {
    const b = new TokenBucket(200, 2); // 5ms per token
    const t0 = performance.now();
    const times: number[] = [];
    await Promise.all(Array.from({ length: 6 }, () => b.take().then(() => times.push(performance.now() - t0))));
    assert.ok(times[1]! < 4, `burst immediate: ${times.join(', ')}`);
    assert.ok(times[5]! >= 19, `4 paced tokens take ~20ms: ${times.join(', ')}`);
    assert.ok(times[5]! < 1000, `but not much longer: ${times.join(', ')}`);
  });
});
