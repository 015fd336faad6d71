// manifests/ (the kustomize base) is accepted by a real API server, resolved the way kustomize does
// for this base: resources in order, ../crds through its own kustomization, namespace set to tcr-system.
import assert from 'node:assert/strict';
import path from 'node:path';
import { REPO_ROOT } from '../support/controlplane.ts';
import { getFixture } from '../support/fixture.ts';
import { applyObjects, kustomizeBuild as kustomize, objectPath } from '../support/kube.ts';
import { eventually } from '../support/wait.ts';
import https from 'node:https';

/** The FlowSchema UID the API server classified a request of this token with. */
function fetchAsOperator(server: string, ca: string, token: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    https
      .get(`${server}/api/v1/namespaces/tcr-system/secrets?limit=1`, { ca, headers: { Authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers['x-kubernetes-pf-flowschema-uid'] as string | undefined));
      })
      .on('error', reject);
  });
}

describe('manifests/ on a real API server', function () {
  it('applies manifests/cluster-default (the eks-config Role) into kube-system', async () => {
    const f = await getFixture();
    const objects = kustomize(path.join(REPO_ROOT, 'manifests', 'cluster-default'));
    assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata?.namespace}/${o.metadata?.name}`).sort(), ['Role/kube-system/tcr-access-operator-eks-config', 'RoleBinding/kube-system/tcr-access-operator-eks-config']);
    await applyObjects(f.cp.kubeConfig, objects);
    for (const o of objects) assert.ok(await f.admin.get(objectPath(o)), `${o.kind}/${o.metadata?.name} stored`);
  });

  this.timeout(120_000);
  it('applies the kustomize base (namespace, CRD, RBAC, Deployment, Service)', async () => {
    const f = await getFixture();
    const objects = kustomize(path.join(REPO_ROOT, 'manifests'));
    const kinds = objects.map((o) => o.kind).sort();
    for (const k of ['ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'Deployment', 'FlowSchema', 'MutatingWebhookConfiguration', 'Namespace', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']) assert.ok(kinds.includes(k), `${k} in manifests/`);
    await applyObjects(f.cp.kubeConfig, objects);
    for (const o of objects) assert.ok(await f.admin.get(objectPath(o)), `${o.kind}/${o.metadata?.name} stored`);
    const dep = await f.admin.get<{ spec: { template: { spec: { serviceAccountName: string; containers: Array<{ args: string[] }> } } } }>(
      '/apis/apps/v1/namespaces/tcr-system/deployments/tcr-access-operator',
    );
    assert.equal(dep.spec.template.spec.serviceAccountName, 'tcr-access-operator');
    assert.ok(dep.spec.template.spec.containers[0]!.args.includes('--leader-elect'));
    const pdb = await f.admin.get<{ spec: { maxUnavailable: number; unhealthyPodEvictionPolicy: string } }>('/apis/policy/v1/namespaces/tcr-system/poddisruptionbudgets/tcr-access-operator');
    assert.equal(pdb.spec.maxUnavailable, 1);
    assert.equal(pdb.spec.unhealthyPodEvictionPolicy, 'AlwaysAllow', 'the API server kept the field (policy/v1, 1.27+)');
    // the API server accepts the FlowSchemas and finds the priority levels they name
    await eventually(async () => {
      const fs = await f.admin.get<{ status?: { conditions?: Array<{ type: string; status: string }> } }>('/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas/tcr-access-operator');
      assert.equal(fs.status?.conditions?.find((c) => c.type === 'Dangling')?.status, 'False', 'workload-low exists');
    });
    // and classifies the operator's requests with it (the X-Kubernetes-PF-* headers name the schema)
    const token = await f.cp.tokenFor('tcr-system', 'tcr-access-operator');
    const res = await fetchAsOperator(f.cp.server, f.cp.caPem, token);
    const uid = (await f.admin.get<{ metadata: { uid: string } }>('/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas/tcr-access-operator')).metadata.uid;
    assert.equal(res, uid);
    // no Service routing here: take the webhook configuration out again so it does not sit in front of
    // every pod the other tests create
    await f.admin.delete('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/tcr-access-operator');
  });
});
