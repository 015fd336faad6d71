// Garbage collection and namespace lifecycle with the real controllers (kube-controller-manager's garbage
// collector and namespace controller, the ServiceAccount controller), on the real node's control plane.
import assert from 'node:assert/strict';
import type { TcrAccess } from '../../src/api/v1alpha1/types.ts';
import { accessPath, createAccess, createNamespace, getAccess, OPERATOR_NS, runOperator, type SecretObj } from '../support/fixture.ts';
import { SOURCE_SECRET, gone, useNode } from '../support/node/suite.ts';
import { eventually } from '../support/wait.ts';

const secretPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/secrets/${name}`;
const HOLD = 'tcr.tke.dev/test-hold';

describe('node: garbage collection and namespace lifecycle (real kube-controller-manager)', function () {
  this.timeout(120_000);
  const s = useNode();
  const spec = (secret: string, names: string[]) => ({
    registry: { server: s.node.registries.private },
    credentials: { secretRef: { namespace: OPERATOR_NS, name: SOURCE_SECRET } },
    imagePullSecret: { name: secret, namespaces: { names } },
  });

  it('deleting a TcrAccess leaves no Secret: the finalizer cleans up, and the owner references let the garbage collector do it without the operator', async () => {
    for (const ns of ['g-a', 'g-b']) await createNamespace(s.f.admin, ns, {}, []);
    await createAccess(s.f.admin, 'gc-finalizer', spec('pull-fin', ['g-a', 'g-b']));
    await createAccess(s.f.admin, 'gc-owner', spec('pull-own', ['g-a', 'g-b']));
    const owner = await eventually(async () => {
      const a = await getAccess(s.f.admin, 'gc-owner');
      for (const ns of ['g-a', 'g-b']) {
        const secret = await s.node.admin.get<SecretObj>(secretPath(ns, 'pull-own'));
        assert.deepEqual(secret.metadata.ownerReferences?.map((r) => r.uid), [a.metadata.uid]);
        await s.node.admin.get(secretPath(ns, 'pull-fin'));
      }
      return a;
    }, { timeoutMs: 30_000 });

    // With the operator: its finalizer removes the Secrets before the TcrAccess goes.
    await s.node.admin.delete(accessPath('gc-finalizer'));
    await eventually(async () => {
      assert.ok(await gone(s.node, accessPath('gc-finalizer')), 'TcrAccess still there');
      for (const ns of ['g-a', 'g-b']) assert.ok(await gone(s.node, secretPath(ns, 'pull-fin')), `${ns}/pull-fin still there`);
    }, { timeoutMs: 30_000 });

    // Without it (stopped, finalizer released by hand): the garbage collector removes the Secrets it owned.
    await s.op.stop();
    try {
      await s.node.admin.delete(accessPath('gc-owner'));
      await s.node.admin.request({ method: 'PATCH', path: accessPath('gc-owner'), body: { metadata: { finalizers: null } }, contentType: 'application/merge-patch+json' });
      await eventually(async () => {
        assert.ok(await gone(s.node, accessPath('gc-owner')));
        for (const ns of ['g-a', 'g-b']) assert.ok(await gone(s.node, secretPath(ns, 'pull-own')), `${ns}/pull-own still there (owner ${owner.metadata.uid})`);
      }, { timeoutMs: 60_000, intervalMs: 250 });
    } finally {
      s.op = runOperator(s.f);
    }
  });

  it('a terminating namespace is not written into and its deletion completes; re-created with the same name, it gets its Secret again', async () => {
    await createNamespace(s.f.admin, 't-term', {}, []);
    await createAccess(s.f.admin, 'lifecycle', spec('pull-life', ['t-term']));
    await eventually(() => s.node.admin.get(secretPath('t-term', 'pull-life')), { timeoutMs: 30_000 });
    // An object with a finalizer keeps the namespace Terminating while the namespace controller empties it.
    await s.node.admin.create('/api/v1/namespaces/t-term/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hold', finalizers: [HOLD] } });
    await s.node.admin.delete('/api/v1/namespaces/t-term');
    await eventually(async () => assert.ok(await gone(s.node, secretPath('t-term', 'pull-life'))), { timeoutMs: 60_000, intervalMs: 250 });

    // Make the operator reconcile while the namespace is Terminating: it must not write the Secret back.
    const bumped = await s.node.admin.request<TcrAccess>({ method: 'PATCH', path: accessPath('lifecycle'), body: { spec: { imagePullSecret: { namespaces: { names: ['t-term', 't-other'] } } } }, contentType: 'application/merge-patch+json' });
    await eventually(async () => assert.equal((await getAccess(s.f.admin, 'lifecycle')).status?.observedGeneration, bumped.metadata.generation), { timeoutMs: 30_000 });
    const ns = await s.node.admin.get<{ status?: { phase?: string } }>('/api/v1/namespaces/t-term');
    assert.equal(ns.status?.phase, 'Terminating');
    assert.ok(await gone(s.node, secretPath('t-term', 'pull-life')), 'the operator wrote into a terminating namespace');

    await s.node.admin.request({ method: 'PATCH', path: '/api/v1/namespaces/t-term/configmaps/hold', body: { metadata: { finalizers: null } }, contentType: 'application/merge-patch+json' });
    await eventually(async () => assert.ok(await gone(s.node, '/api/v1/namespaces/t-term'), 'namespace deletion did not complete'), { timeoutMs: 60_000, intervalMs: 250 });

    await createNamespace(s.f.admin, 't-term', {}, []);
    await eventually(() => s.node.admin.get(secretPath('t-term', 'pull-life')), { timeoutMs: 30_000 });
  });
});
