// A mass image-pull outage: observePulls writes at most PULL_EVENTS_PER_PASS Warning Events per pass and comes
// back for the rest, so thousands of Event writes are never in flight (or in memory) at once.
import assert from 'node:assert/strict';
import { createLogger } from 'winston';
import type { TcrAccess } from '../../../src/api/v1alpha1/types.ts';
import { accessKey, type Deps } from '../../../src/controllers/tcraccess/deps.ts';
import { forgetHealedPods, observePulls, PULL_EVENTS_NEXT_PASS_MS, PULL_EVENTS_PER_PASS } from '../../../src/controllers/tcraccess/diagnose.ts';
import type { PendingPod } from '../../../src/controllers/tcraccess/pulls.ts';

const SERVER = 'r.example.com';
const access = { metadata: { name: 'a' }, spec: { registry: { server: SERVER }, imagePullSecret: { name: 'tcr-pull', namespaces: { names: ['ns'] } } } } as unknown as TcrAccess;
const failing = (n: number): PendingPod[] =>
  Array.from({ length: n }, (_, i) => ({
    metadata: { name: `p${i}`, namespace: 'ns', uid: `u${i}`, resourceVersion: '1' },
    waiting: [{ container: 'c', image: `${SERVER}/a/b:1`, reason: 'ErrImagePull', message: `Failed to pull image "${SERVER}/a/b:1": 401 Unauthorized` }],
    pullSecrets: ['tcr-pull'],
  }));
const pods = failing(2 * PULL_EVENTS_PER_PASS + 20);

function deps(cached: PendingPod[], recorded: string[], requeued: Array<[string, number]>): Deps {
  return {
    caches: { pendingPods: { values: () => cached.values(), get size() { return cached.length; } }, podPullEvents: { get: () => undefined } },
    state: { pullEventsSent: new Set<string>(), pullWrittenAt: new Map() },
    metrics: { pullFailingPods: { remove: () => {}, set: () => {} } },
    queue: { addAfter: (key: string, ms: number) => requeued.push([key, ms]) },
    events: { record: async (o: { name: string }) => void recorded.push(o.name) },
    now: () => new Date(0),
  } as unknown as Deps;
}

describe('observePulls under a mass outage', () => {
  it(`writes at most ${PULL_EVENTS_PER_PASS} Warning Events per pass and requeues itself for the rest`, () => {
    const recorded: string[] = [];
    const requeued: Array<[string, number]> = [];
    const d = deps(pods, recorded, requeued);
    const log = createLogger({ silent: true });
    const pass = () => observePulls(access, SERVER, new Set(['ns']), d, log);
    pass();
    assert.equal(recorded.length, PULL_EVENTS_PER_PASS);
    assert.deepEqual(requeued, [[accessKey('a'), PULL_EVENTS_NEXT_PASS_MS]]);
    pass();
    assert.equal(recorded.length, 2 * PULL_EVENTS_PER_PASS);
    assert.equal(requeued.length, 2);
    pass();
    assert.equal(recorded.length, pods.length, 'every pod gets its Event in the end');
    assert.equal(new Set(recorded).size, pods.length, 'each once');
    assert.equal(requeued.length, 2, 'no further pass needed');
  });

  it('an outage larger than 10,000 Pods gets one Event per Pod, not a new round of them every 10,000', function () {
    this.timeout(120_000);
    const many = failing(10_050);
    const recorded: string[] = [];
    const d = deps(many, recorded, []);
    const log = createLogger({ silent: true });
    // until five passes in a row record nothing (the old bound cleared the record after 10,000 and started again)
    for (let idle = 0, passes = 0; idle < 5 && passes < 260; passes++) {
      const before = recorded.length;
      observePulls(access, SERVER, new Set(['ns']), d, log);
      idle = recorded.length === before ? idle + 1 : 0;
    }
    assert.equal(recorded.length, many.length, 'each failing Pod once, however many passes');
  });

  it('forgets the Events of Pods that no longer wait on a pull once the record outgrows the outage', () => {
    const sent = new Set(Array.from({ length: 3_000 }, (_, i) => `u${i}/AuthFailed`));
    const still = failing(10); // u0..u9 still failing
    forgetHealedPods(sent, { size: still.length, values: () => still });
    assert.deepEqual([...sent].sort(), Array.from({ length: 10 }, (_, i) => `u${i}/AuthFailed`).sort());
    const small = new Set(['gone/AuthFailed']);
    forgetHealedPods(small, { size: 0, values: () => [] });
    assert.equal(small.size, 1, 'below the bound nothing is scanned');
  });
});
