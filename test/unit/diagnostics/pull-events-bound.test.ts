// A mass image-pull outage: observePulls writes at most PULL_EVENTS_PER_PASS Warning Events per pass and comes
// back for the rest, so thousands of Event writes are never in flight (or in memory) at once.
import assert from 'node:assert/strict';
import { createLogger } from 'winston';
import type { TcrAccess } from '../../../src/api/v1alpha1/types.ts';
import { accessKey, type Deps } from '../../../src/controllers/tcraccess/deps.ts';
import { observePulls, PULL_EVENTS_NEXT_PASS_MS, PULL_EVENTS_PER_PASS } from '../../../src/controllers/tcraccess/diagnose.ts';
import type { PendingPod } from '../../../src/controllers/tcraccess/pulls.ts';

const SERVER = 'r.example.com';
const access = { metadata: { name: 'a' }, spec: { registry: { server: SERVER }, imagePullSecret: { name: 'tcr-pull', namespaces: { names: ['ns'] } } } } as unknown as TcrAccess;
const pods: PendingPod[] = Array.from({ length: 2 * PULL_EVENTS_PER_PASS + 20 }, (_, i) => ({
  metadata: { name: `p${i}`, namespace: 'ns', uid: `u${i}`, resourceVersion: '1' },
  waiting: [{ container: 'c', image: `${SERVER}/a/b:1`, reason: 'ErrImagePull', message: `Failed to pull image "${SERVER}/a/b:1": 401 Unauthorized` }],
  pullSecrets: ['tcr-pull'],
}));

describe('observePulls under a mass outage', () => {
  it(`writes at most ${PULL_EVENTS_PER_PASS} Warning Events per pass and requeues itself for the rest`, () => {
    const recorded: string[] = [];
    const requeued: Array<[string, number]> = [];
    const d = {
      caches: { pendingPods: { values: () => pods.values() }, podPullEvents: { get: () => undefined } },
      state: { pullEventsSent: new Set<string>(), pullWrittenAt: new Map() },
      metrics: { pullFailingPods: { remove: () => {}, set: () => {} } },
      queue: { addAfter: (key: string, ms: number) => requeued.push([key, ms]) },
      events: { record: async (o: { name: string }) => void recorded.push(o.name) },
      now: () => new Date(0),
    } as unknown as Deps;
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
});
