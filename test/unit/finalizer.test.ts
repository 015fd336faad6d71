// finalize against a namespace reconcile in flight: the sweep waits until no namespace key of the TcrAccess is
// being processed, so an entry such a reconcile adds is swept too before the finalizer goes. A real WorkQueue;
// the client and caches are small in-memory stand-ins (what finalize calls, recorded).
import assert from 'node:assert/strict';
import { createLogger } from 'winston';
import { FINALIZER, SA_ANNOTATION, type CachedServiceAccount } from '../../src/controllers/tcraccess/desired.ts';
import type { Deps } from '../../src/controllers/tcraccess/deps.ts';
import { finalize } from '../../src/controllers/tcraccess/finalizer.ts';
import { WorkQueue } from '../../src/k8s/queue.ts';
import { makeAccess } from './fixtures.ts';

const log = createLogger({ silent: true });

function world() {
  const sas = new Map<string, CachedServiceAccount>();
  const calls: string[] = [];
  const queue = new WorkQueue();
  const cache = {
    list: () => [...sas.values()],
    get: (k: string) => sas.get(k),
    assume: (o: CachedServiceAccount) => sas.set(`${o.metadata.namespace}/${o.metadata.name}`, o),
  };
  const client = {
    mergePatch: async (path: string, body: { imagePullSecrets: Array<{ name: string }>; metadata: { annotations: Record<string, string> } }) => {
      calls.push(`patch ${path}`);
      const [ns, name] = [path.split('/')[4], path.split('/')[6]];
      const cur = sas.get(`${ns}/${name}`)!;
      return { ...cur, imagePullSecrets: body.imagePullSecrets, metadata: { ...cur.metadata, annotations: body.metadata.annotations, resourceVersion: String(Number(cur.metadata.resourceVersion) + 1) } };
    },
    // what the API server answers the patch that removes the last finalizer of a deleting object
    jsonPatch: async (path: string) => {
      calls.push(`finalizer released ${path}`);
      return { metadata: { name: path.split('/').pop(), resourceVersion: '9', deletionTimestamp: new Date().toISOString(), finalizers: [] } };
    },
  };
  const d = {
    client,
    queue,
    caches: { serviceAccounts: cache, secrets: { list: () => [] }, accesses: { assume: () => calls.push('assumed'), assumeDeleted: (k: string, rv?: string) => calls.push(`assumed deleted ${k} at ${rv}`) } },
    opts: { cleanupConcurrency: 4, clusterId: 'c', sourceNamespaces: ['tcr-system'] },
    state: { conflicts: new Map(), failures: new Map() },
    signal: new AbortController().signal,
    metrics: { writes: { inc: () => {} } },
    now: () => new Date(),
  } as unknown as Deps;
  const withEntry = (rv: string): CachedServiceAccount => ({
    metadata: { name: 'default', namespace: 'team-a', uid: 'sa-1', resourceVersion: rv, annotations: { [SA_ANNOTATION]: JSON.stringify({ 'tcr-pull': 'demo' }) } },
    imagePullSecrets: [{ name: 'tcr-pull' }],
  });
  return { sas, calls, queue, d, withEntry };
}

describe('finalize and namespace reconciles in flight', () => {
  const deleting = () => {
    const a = makeAccess();
    a.metadata.deletionTimestamp = new Date().toISOString();
    a.metadata.finalizers = [FINALIZER];
    return a;
  };

  it('waits while a namespace key of the TcrAccess is processed, then sweeps what it added and releases the finalizer', async () => {
    const w = world();
    w.queue.add('n/demo/team-a');
    const key = await w.queue.get(); // a worker holds it: in flight
    await finalize(deleting(), w.d, log);
    assert.deepEqual(w.calls, [], 'no sweep and no finalizer release while a namespace reconcile of it runs');
    // that reconcile adds its entry, then finishes
    w.sas.set('team-a/default', w.withEntry('1'));
    w.queue.done(key!);
    assert.equal(await w.queue.get(), 'a/demo', 'the TcrAccess is requeued to finalize again');
    await finalize(deleting(), w.d, log);
    assert.deepEqual(w.calls, ['patch /api/v1/namespaces/team-a/serviceaccounts/default', 'finalizer released /apis/tcr.tke.dev/v1alpha1/tcraccesses/demo', 'assumed deleted demo at 9']);
    assert.deepEqual(w.sas.get('team-a/default')!.imagePullSecrets, [], 'the entry the in-flight reconcile added is gone');
  });

  it('namespace keys of other TcrAccess objects do not hold it up', async () => {
    const w = world();
    w.queue.add('n/demo-other/team-a');
    await w.queue.get();
    await finalize(deleting(), w.d, log);
    assert.deepEqual(w.calls, ['finalizer released /apis/tcr.tke.dev/v1alpha1/tcraccesses/demo', 'assumed deleted demo at 9']);
    assert.equal(await w.queue.get(), 'a/demo', 'one more pass, to forget its in-memory state');
  });

  it('WorkQueue.inFlightWithPrefix sees keys being processed only', async () => {
    const q = new WorkQueue();
    q.add('n/demo/a');
    assert.equal(q.inFlightWithPrefix('n/demo/'), false, 'queued is not in flight');
    const k = await q.get();
    assert.equal(q.inFlightWithPrefix('n/demo/'), true);
    assert.equal(q.inFlightWithPrefix('n/dem/'), false);
    q.done(k!);
    assert.equal(q.inFlightWithPrefix('n/demo/'), false);
    q.shutDown();
  });
});
