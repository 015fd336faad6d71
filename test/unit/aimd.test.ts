// The AIMD window of requests in flight (src/k8s/ratelimit.ts), on a fake clock: slow start, additive
// increase, halving and pausing on 429 + Retry-After, narrowing on rising latency, one decrease per round trip.
import assert from 'node:assert/strict';
import { AimdGate, AimdWindow, urgentRequests } from '../../src/k8s/ratelimit.ts';

function clock() {
  const c = { t: 1000, now: () => c.t };
  return c;
}

describe('AimdWindow', () => {
  it('doubles per round trip until the first sign of load, then grows by one per round trip', () => {
    const c = clock();
    const w = new AimdWindow({ initial: 4, max: 100 }, c.now);
    for (let i = 0; i < 4; i++) w.record({ kind: 'ok', latencyMs: 5, sentAt: c.t });
    assert.equal(w.limit, 8);
    w.record({ kind: 'throttled', retryAfterSeconds: undefined, sentAt: c.t });
    assert.equal(w.limit, 4);
    // congestion avoidance: 4 answers (one window) add about one
    for (let i = 0; i < 4; i++) w.record({ kind: 'ok', latencyMs: 5, sentAt: c.t });
    assert.equal(w.limit, 4, 'not yet a whole window of growth');
    for (let i = 0; i < 2; i++) w.record({ kind: 'ok', latencyMs: 5, sentAt: c.t });
    assert.equal(w.limit, 5);
  });

  it('never exceeds its ceiling nor drops under its floor', () => {
    const c = clock();
    const w = new AimdWindow({ initial: 2, min: 2, max: 10 }, c.now);
    for (let i = 0; i < 100; i++) w.record({ kind: 'ok', latencyMs: 5, sentAt: c.t });
    assert.equal(w.limit, 10);
    for (let i = 0; i < 10; i++) {
      c.t += 10;
      w.record({ kind: 'throttled', retryAfterSeconds: undefined, sentAt: c.t });
    }
    assert.equal(w.limit, 2);
  });

  it('halves on a 429 and holds new requests back for its Retry-After', () => {
    const c = clock();
    const w = new AimdWindow({ initial: 32 }, c.now);
    assert.equal(w.pauseMs, 0);
    w.record({ kind: 'throttled', retryAfterSeconds: 2, sentAt: c.t });
    assert.equal(w.limit, 16);
    assert.equal(w.pauseMs, 2000);
    c.t += 1500;
    assert.equal(w.pauseMs, 500);
    c.t += 600;
    assert.equal(w.pauseMs, 0);
  });

  it('decreases once per round trip: answers to requests sent before the last decrease do not count again', () => {
    const c = clock();
    const w = new AimdWindow({ initial: 32 }, c.now);
    const sent = c.t;
    c.t += 10;
    for (let i = 0; i < 10; i++) w.record({ kind: 'throttled', retryAfterSeconds: 1, sentAt: sent });
    assert.equal(w.limit, 16);
    c.t += 10;
    w.record({ kind: 'throttled', retryAfterSeconds: 1, sentAt: c.t });
    assert.equal(w.limit, 8);
  });

  it('narrows when latency rises well above the lowest seen, and not on latency of LISTs (no latencyMs)', () => {
    const c = clock();
    const w = new AimdWindow({ initial: 20, latencyRatio: 3, latencySlackMs: 20, latencyFactor: 0.5 }, c.now);
    w.record({ kind: 'throttled', retryAfterSeconds: undefined, sentAt: c.t }); // leave slow start: 10
    c.t += 1;
    for (let i = 0; i < 20; i++) w.record({ kind: 'ok', latencyMs: 5, sentAt: c.t });
    const before = w.limit;
    assert.equal(w.latencyThresholdMs, 35);
    for (let i = 0; i < 20; i++) w.record({ kind: 'ok', sentAt: c.t }); // slow LISTs say nothing
    assert.ok(w.limit >= before);
    c.t += 1;
    const sent = c.t;
    let n = 0;
    while (w.limit >= before && n++ < 50) w.record({ kind: 'ok', latencyMs: 400, sentAt: sent });
    assert.ok(w.limit < before, `limit ${w.limit} did not narrow from ${before}`);
    assert.equal(w.stats.latencyDecreases, 1);
  });

  it('forgets an old baseline, so a server that became slower for good is not punished forever', () => {
    const c = clock();
    const w = new AimdWindow({ baselineWindowMs: 1000, latencyRatio: 3, latencySlackMs: 20 }, c.now);
    w.record({ kind: 'ok', latencyMs: 2, sentAt: c.t });
    c.t += 1500;
    w.record({ kind: 'ok', latencyMs: 50, sentAt: c.t });
    c.t += 1500;
    w.record({ kind: 'ok', latencyMs: 50, sentAt: c.t });
    assert.equal(w.latencyThresholdMs, 50 * 3 + 20);
  });

  it('neutral outcomes (errors, 4xx) change nothing', () => {
    const c = clock();
    const w = new AimdWindow({ initial: 8 }, c.now);
    for (let i = 0; i < 10; i++) w.record({ kind: 'neutral', sentAt: c.t });
    assert.equal(w.limit, 8);
  });

  it('rejects a window without room', () => {
    assert.throws(() => new AimdWindow({ min: 0 }), /invalid window/);
    assert.throws(() => new AimdWindow({ min: 4, max: 2 }), /invalid window/);
  });
});

describe('AimdGate', () => {
  it('lets at most the window in flight, FIFO, and waits out a Retry-After', async () => {
    const c = clock();
    const w = new AimdWindow({ initial: 2, min: 2, max: 2 }, c.now);
    const g = new AimdGate(w, c.now);
    const order: number[] = [];
    const ps = [1, 2, 3, 4].map((i) => g.acquire().then((sentAt) => (order.push(i), sentAt)));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [1, 2]);
    assert.equal(g.active, 2);
    const s1 = await ps[0]!;
    g.release({ kind: 'ok', latencyMs: 1, sentAt: s1 });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [1, 2, 3]);
    // a 429 with Retry-After 0.05 s: the 4th waits although there is room once the pause is over
    c.t += 1;
    g.release({ kind: 'throttled', retryAfterSeconds: 0.05, sentAt: c.t });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [1, 2, 3]);
    c.t += 60; // the fake clock moves past the pause; the gate's timer (real, ~50 ms) re-checks
    await ps[3];
    assert.deepEqual(order, [1, 2, 3, 4]);
  });
});

describe('AimdGate: urgent requests', () => {
  it('lets requests made in urgentRequests.run(true) go ahead of those already waiting, FIFO among themselves', async () => {
    const c = clock();
    const g = new AimdGate(new AimdWindow({ initial: 1, min: 1, max: 1 }, c.now), c.now);
    const order: string[] = [];
    const first = await g.acquire();
    const waits = [
      g.acquire().then(() => order.push('bulk1')),
      g.acquire().then(() => order.push('bulk2')),
      urgentRequests.run(true, () => g.acquire()).then(() => order.push('urgent1')),
      urgentRequests.run(true, () => g.acquire()).then(() => order.push('urgent2')),
    ];
    g.release({ kind: 'neutral', sentAt: first });
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setImmediate(r));
      g.release({ kind: 'neutral', sentAt: c.t });
    }
    await Promise.all(waits);
    assert.deepEqual(order, ['urgent1', 'urgent2', 'bulk1', 'bulk2']);
  });
});
