// The Serverless registry annotations as the operator process runs them: it makes its own serving
// certificate, serves the webhook, registers it (url clientConfig: no Service routing here) with caBundle and
// matchConditions, and pods created through the API server get the annotations. annotationMode
// ClusterDefault is kept in kube-system/eks-config instead.
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { HTTP_ANNOTATION, INSECURE_ANNOTATION } from '../../src/webhook/annotations.ts';
import path from 'node:path';
import { REPO_ROOT } from '../support/controlplane.ts';
import { applyObjects, readYamlObjects } from '../support/kube.ts';
import { eventually } from '../support/wait.ts';
import { freePort } from '../support/registry.ts';
import { startOperator, type OperatorProcess } from '../support/operator.ts';
import { accessPath, createAccess, createNamespace, getFixture, OPERATOR_NS, putSourceSecret, type Fixture } from '../support/fixture.ts';


interface PodObj {
  metadata: { annotations?: Record<string, string> };
}

describe('Serverless registry annotations (real API server, operator process)', function () {
  this.timeout(120_000);
  let f: Fixture;
  let op: OperatorProcess;

  before(async function () {
    this.timeout(300_000);
    f = await getFixture();
    await putSourceSecret(f.admin, OPERATOR_NS, 'robot-ann', { username: 'u', password: 'ann-pass' });
    await createNamespace(f.admin, 'an-team');
    await createNamespace(f.admin, 'an-other');
    // the operator only updates its MutatingWebhookConfiguration: the install ships it (manifests/webhook.yaml)
    await applyObjects(f.cp.kubeConfig, readYamlObjects(path.join(REPO_ROOT, 'manifests', 'webhook.yaml')));
    const port = await freePort();
    op = startOperator({
      kubeconfig: f.operatorKubeconfig,
      namespace: OPERATOR_NS,
      args: [`--webhook-bind-address=127.0.0.1:${port}`, `--webhook-url=https://127.0.0.1:${port}/mutate-pods`, '--webhook-ip-sans=127.0.0.1'],
    });
  });

  after(async () => {
    await op?.stop();
    await f.admin.delete('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/tcr-access-operator').catch(() => undefined);
  });

  it('Webhook: pods pulling from a plain-HTTP registry get registry-http-endpoint with the port; others are untouched', async () => {
    await createAccess(f.admin, 'ann-http', {
      registry: { server: 'harbor.example.com:8080', plainHTTP: true },
      credentials: { secretRef: { namespace: OPERATOR_NS, name: 'robot-ann' } },
      imagePullSecret: { name: 'ann-pull', namespaces: { names: ['an-team'] } },
    });
    // the API server picks up webhook configurations asynchronously: retry a create until it is mutated
    let n = 0;
    const pod = await eventually(async () => {
      const p = await f.admin.create<PodObj>('/api/v1/namespaces/an-team/pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `app-${n++}`, annotations: { [HTTP_ANNOTATION]: 'other.example.com:80' } },
        spec: { containers: [{ name: 'app', image: 'harbor.example.com:8080/team/app:1.0' }] },
      });
      assert.ok(p.metadata.annotations?.[HTTP_ANNOTATION]?.includes('harbor.example.com:8080'), JSON.stringify(p.metadata.annotations));
      return p;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    assert.equal(pod.metadata.annotations?.[HTTP_ANNOTATION], 'other.example.com:80,harbor.example.com:8080', 'merged, existing value kept');
    const other = await f.admin.create<PodObj>('/api/v1/namespaces/an-team/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx' }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } });
    assert.equal(other.metadata.annotations?.[HTTP_ANNOTATION], undefined);
    const elsewhere = await f.admin.create<PodObj>('/api/v1/namespaces/an-other/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app' }, spec: { containers: [{ name: 'c', image: 'harbor.example.com:8080/team/app:1.0' }] } });
    assert.equal(elsewhere.metadata.annotations?.[HTTP_ANNOTATION], undefined, 'namespace not selected');
    const cfg = await f.admin.get<{ webhooks: Array<{ clientConfig: { caBundle?: string }; matchConditions?: unknown[] }> }>('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/tcr-access-operator');
    assert.ok(cfg.webhooks[0]!.clientConfig.caBundle, 'caBundle kept in sync by the operator');
    assert.ok((cfg.webhooks[0]!.matchConditions ?? []).length > 0, 'matchConditions limit calls to pods of these registries');
    await f.admin.delete(accessPath('ann-http'));
  });

  it('ClusterDefault: the insecure registry is merged into kube-system/eks-config and removed on deletion', async () => {
    await f.admin.create('/api/v1/namespaces/kube-system/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'eks-config' },
      data: { 'pod.annotations': 'eks.tke.cloud.tencent.com/retain-ip: "true"\n', other: 'keep me' },
    }).catch(() => undefined);
    await createAccess(f.admin, 'ann-cd', {
      registry: { server: 'selfsigned.example.com', insecureSkipVerify: true, annotationMode: 'ClusterDefault' },
      credentials: { secretRef: { namespace: OPERATOR_NS, name: 'robot-ann' } },
      imagePullSecret: { name: 'ann-cd-pull', namespaces: { names: ['an-team'] } },
    });
    await eventually(async () => {
      const cm = await f.admin.get<{ data: Record<string, string> }>('/api/v1/namespaces/kube-system/configmaps/eks-config');
      const ann = YAML.parse(cm.data['pod.annotations']!) as Record<string, string>;
      assert.equal(ann[INSECURE_ANNOTATION], 'selfsigned.example.com:443');
      assert.equal(ann['eks.tke.cloud.tencent.com/retain-ip'], 'true');
      assert.equal(cm.data['other'], 'keep me');
    }, { timeoutMs: 30_000 });
    await f.admin.delete(accessPath('ann-cd'));
    await eventually(async () => {
      const cm = await f.admin.get<{ data: Record<string, string> }>('/api/v1/namespaces/kube-system/configmaps/eks-config');
      const ann = YAML.parse(cm.data['pod.annotations']!) as Record<string, string>;
      assert.equal(ann[INSECURE_ANNOTATION], undefined, 'only what we added is removed');
      assert.equal(ann['eks.tke.cloud.tencent.com/retain-ip'], 'true');
    }, { timeoutMs: 30_000 });
  });
});
