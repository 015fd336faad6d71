// The Helm chart (charts/tcr-access-operator): `helm lint`; rendered with default values it is the kustomize
// base (manifests/, and manifests/monitoring/ with the monitoring values), object for object, so the two cannot
// drift; and for real, on its own API server: `helm install` of this version, the operator running with the
// chart's RBAC, a TcrAccess converging, then `helm upgrade` to a bumped chart version keeps the TcrAccess and
// its Secrets, and `helm uninstall` keeps the CRD (helm.sh/resource-policy: keep) and so every TcrAccess.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { TcrAccess } from '../../src/api/v1alpha1/types.ts';
import type { KubeClient } from '../../src/k8s/client.ts';
import { REPO_ROOT, startControlPlane, type ControlPlane } from '../support/controlplane.ts';
import { condition, createAccess, createNamespace, getAccess, getOrUndefined, putSourceSecret, type SecretObj } from '../support/fixture.ts';
import { CHART_DIR, helm } from '../support/helm.ts';
import { adminClient, kustomizeBuild } from '../support/kube.ts';
import { startOperator, type OperatorProcess } from '../support/operator.ts';
import { eventually } from '../support/wait.ts';

const NS = 'tcr-system';
const RELEASE = 'tcr-access-operator';
/** Labels and annotations only Helm adds: everything else must match the kustomize base. */
const HELM_LABELS = ['helm.sh/chart', 'app.kubernetes.io/instance', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/version'];

const parseObjects = (text: string) =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => !!o && typeof o === 'object' && 'kind' in o);

const key = (o: KubernetesObject) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;

/** Drops what only Helm adds, so a chart object compares with the base's. */
function normalise(o: KubernetesObject): KubernetesObject {
  const c = structuredClone(o) as KubernetesObject & { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } };
  const strip = (labels: Record<string, string> | undefined) => {
    for (const l of HELM_LABELS) delete labels?.[l];
  };
  strip(c.metadata?.labels);
  strip(c.spec?.template?.metadata?.labels);
  if (c.metadata?.annotations) {
    delete c.metadata.annotations['helm.sh/resource-policy'];
    if (Object.keys(c.metadata.annotations).length === 0) delete c.metadata.annotations;
  }
  return c;
}

/** Where two object sets differ: missing, extra, or the first differing path of each object. */
function differences(want: KubernetesObject[], got: KubernetesObject[]): string[] {
  const g = new Map(got.map((o) => [key(o), normalise(o)]));
  const out: string[] = [];
  for (const w of want) {
    const k = key(w);
    const o = g.get(k);
    g.delete(k);
    if (!o) out.push(`${k}: missing from the chart`);
    else if (!isDeepStrictEqual(normalise(w), o)) out.push(`${k}: differs\n  base:  ${JSON.stringify(normalise(w))}\n  chart: ${JSON.stringify(o)}`);
  }
  for (const k of g.keys()) out.push(`${k}: only in the chart`);
  return out;
}

describe('Helm chart', function () {
  this.timeout(300_000);
  let home: string;
  const helmEnv = () => ({ HELM_CACHE_HOME: path.join(home, 'cache'), HELM_CONFIG_HOME: path.join(home, 'config'), HELM_DATA_HOME: path.join(home, 'data') });
  const render = async (set: string[] = [], values?: unknown) => {
    const file = path.join(home, 'values.yaml');
    if (values) writeFileSync(file, JSON.stringify(values));
    return parseObjects(await helm(['template', RELEASE, CHART_DIR, '--namespace', NS, ...set.flatMap((s) => ['--set', s]), ...(values ? ['-f', file] : [])], helmEnv()));
  };

  before(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'tcra-helm-'));
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('passes helm lint --strict', async () => {
    const out = await helm(['lint', '--strict', CHART_DIR], helmEnv());
    assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('values.schema.json refuses unknown and invalid values', async () => {
    await assert.rejects(render(['replicas=2']), /additional properties 'replicas' not allowed/);
    await assert.rejects(render(['logLevel=verbose']), /logLevel/);
    await assert.rejects(render(['workers=0']), /workers/);
    await assert.rejects(render(['leaderElection.leaseDuration=15 seconds']), /leaseDuration/);
  });

  it('renders with default values exactly the kustomize base (manifests/), bar the Namespace and Helm labels', async () => {
    const base = kustomizeBuild(path.join(REPO_ROOT, 'manifests')).filter((o) => o.kind !== 'Namespace');
    assert.deepEqual(differences(base, await render()), []);
  });

  it('renders with the monitoring and ClusterDefault values exactly manifests/monitoring/ and manifests/cluster-default/', async () => {
    const extra = [...kustomizeBuild(path.join(REPO_ROOT, 'manifests', 'monitoring')), ...kustomizeBuild(path.join(REPO_ROOT, 'manifests', 'cluster-default'))];
    const chart = await render(['metrics.serviceMonitor.enabled=true', 'metrics.prometheusRule.enabled=true', 'clusterDefault.enabled=true']);
    const keys = new Set(extra.map(key));
    assert.deepEqual(differences(extra, chart.filter((o) => keys.has(key(o)) || ['ServiceMonitor', 'PrometheusRule'].includes(o.kind!) || o.metadata?.namespace === 'kube-system')), []);
  });

  it('passes every value to the Deployment: image, replicas, flags, heap, scheduling; diagnosePulls=false drops its RBAC', async () => {
    const objs = await render([], {
      image: { repository: 'registry.example.com/tcr/op', tag: '9.9.9' },
      replicaCount: 3,
      clusterId: 'cls-abc',
      logLevel: 'debug',
      workers: 4,
      tencentcloud: { endpoint: '{service}.internal.tencentcloudapi.com' },
      diagnosePulls: false,
      cloudAmbientCredentials: false,
      minTokenRotationPeriod: '2h',
      webhook: { enabled: false },
      heap: { maxOldSpaceSizeMi: 200, maxSemiSpaceSizeMi: 2, mallocArenaMax: 4 },
      priorityClassName: 'system-cluster-critical',
      nodeSelector: { pool: 'system' },
      serviceAccount: { annotations: { 'tke.cloud.tencent.com/role-arn': 'qcs::cam::uin/1:roleName/tcr' } },
      crds: { install: false },
    });
    type Dep = { spec: { replicas: number; template: { spec: { priorityClassName: string; nodeSelector: Record<string, string>; containers: Array<{ image: string; args: string[]; env: Array<{ name: string; value?: string }> }> } } } };
    const dep = objs.find((o) => o.kind === 'Deployment') as unknown as Dep;
    const c = dep.spec.template.spec.containers[0]!;
    assert.equal(c.image, 'registry.example.com/tcr/op:9.9.9');
    assert.equal(dep.spec.replicas, 3);
    for (const a of ['--cluster-id=cls-abc', '--log-level=debug', '--workers=4', '--tencentcloud-endpoint={service}.internal.tencentcloudapi.com', '--no-diagnose-pulls', '--cloud-ambient-credentials=false', '--min-token-rotation-period=2h', '--webhook-bind-address=0']) assert.ok(c.args.includes(a), a);
    assert.equal(c.env.find((e) => e.name === 'NODE_OPTIONS')?.value, '--max-old-space-size=200 --max-semi-space-size=2');
    assert.equal(c.env.find((e) => e.name === 'MALLOC_ARENA_MAX')?.value, '4');
    assert.equal(dep.spec.template.spec.priorityClassName, 'system-cluster-critical');
    assert.deepEqual(dep.spec.template.spec.nodeSelector, { pool: 'system' });
    assert.equal(objs.find((o) => o.kind === 'ServiceAccount')?.metadata?.annotations?.['tke.cloud.tencent.com/role-arn'], 'qcs::cam::uin/1:roleName/tcr');
    const kinds = objs.map(key);
    assert.ok(!kinds.some((k) => k.includes('diagnose-pulls')), 'no Pod/Event read access');
    assert.ok(!kinds.some((k) => k.startsWith('MutatingWebhookConfiguration') || k.endsWith('-webhook')), 'no webhook');
    assert.ok(!kinds.some((k) => k.startsWith('CustomResourceDefinition')), 'crds.install=false');
  });

  describe('install, upgrade and uninstall with real helm on a real API server', () => {
    let cp: ControlPlane;
    let admin: KubeClient;
    let op: OperatorProcess | undefined;
    let work: string;
    const kube = () => ['--kubeconfig', cp.kubeconfigPath, '--namespace', NS];
    const secretAt = (ns: string) => getOrUndefined<SecretObj>(admin, `/api/v1/namespaces/${ns}/secrets/h-pull`);

    /** A copy of the chart with another version (what the next release's chart is). */
    const bumped = (version: string): string => {
      const dir = path.join(work, `chart-${version}`);
      cpSync(CHART_DIR, dir, { recursive: true });
      const file = path.join(dir, 'Chart.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^version: .*$/m, `version: ${version}`).replace(/^appVersion: .*$/m, `appVersion: "${version}"`));
      return dir;
    };

    before(async function () {
      this.timeout(300_000);
      work = mkdtempSync(path.join(os.tmpdir(), 'tcra-helm-upgrade-'));
      cp = await startControlPlane();
      admin = adminClient(cp.kubeConfig);
      // a fresh cluster: the control plane pre-installs the CRD from crds/; Helm must own it here
      await admin.delete('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/tcraccesses.tcr.tke.dev');
      await eventually(async () => assert.equal(await getOrUndefined(admin, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/tcraccesses.tcr.tke.dev'), undefined));
    });

    after(async () => {
      await op?.stop();
      await cp?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('helm install: every object accepted by the API server; the operator runs with the chart RBAC and converges a TcrAccess', async () => {
      const out = await helm(['install', RELEASE, CHART_DIR, '--create-namespace', ...kube()], helmEnv());
      assert.match(out, /STATUS: deployed/);
      for (const o of parseObjects(await helm(['get', 'manifest', RELEASE, ...kube()], helmEnv()))) {
        const ns = o.metadata?.namespace;
        assert.ok(ns === undefined || ns === NS, `${key(o)} in the release namespace`);
      }
      await eventually(async () => assert.ok(await getOrUndefined(admin, '/apis/tcr.tke.dev/v1alpha1/tcraccesses'), 'CRD served'));
      const { path: kubeconfig } = await cp.kubeConfigFor(NS, 'tcr-access-operator');
      op = startOperator({ kubeconfig, namespace: NS, args: ['--leader-elect', '--lease-duration=4s', '--renew-deadline=3s', '--retry-period=500ms'] });
      await putSourceSecret(admin, NS, 'h-robot', { username: 'robot', password: 'helm-upgrade-pass' });
      await createNamespace(admin, 'h-team');
      await createAccess(admin, 'h-access', {
        registry: { server: 'helm.tencentcloudcr.com' },
        credentials: { secretRef: { namespace: NS, name: 'h-robot' } },
        imagePullSecret: { name: 'h-pull', namespaces: { names: ['h-team'] } },
      });
      await eventually(async () => assert.equal(condition(await getAccess(admin, 'h-access'), 'Ready')?.status, 'True'), { timeoutMs: 60_000, intervalMs: 250 });
      assert.ok(await secretAt('h-team'));
    });

    it('helm upgrade to a bumped chart keeps the TcrAccess and its Secrets; the operator keeps converging', async () => {
      const before = await getAccess(admin, 'h-access');
      const secret = (await secretAt('h-team'))!;
      const out = await helm(['upgrade', RELEASE, bumped('0.1.1-upgrade.1'), ...kube()], helmEnv());
      assert.match(out, /STATUS: deployed/);
      assert.match(out, /REVISION: 2/);
      const crd = await admin.get<{ metadata: { labels: Record<string, string>; annotations: Record<string, string> } }>('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/tcraccesses.tcr.tke.dev');
      assert.equal(crd.metadata.labels['helm.sh/chart'], 'tcr-access-operator-0.1.1-upgrade.1', 'the CRD was upgraded (a template, not crds/)');
      const after = await getAccess(admin, 'h-access');
      assert.equal(after.metadata.uid, before.metadata.uid, 'the same TcrAccess');
      assert.equal((await secretAt('h-team'))?.metadata.uid, secret.metadata.uid, 'the same Secret, not re-created');
      await createNamespace(admin, 'h-later');
      await admin.mergePatch('/apis/tcr.tke.dev/v1alpha1/tcraccesses/h-access', { spec: { imagePullSecret: { namespaces: { names: ['h-team', 'h-later'] } } } });
      await eventually(async () => assert.ok(await getOrUndefined(admin, '/api/v1/namespaces/h-later/secrets/h-pull'), 'converges after the upgrade'), { timeoutMs: 30_000 });
    });

    it('helm uninstall keeps the CRD, so TcrAccess objects and Secrets survive', async () => {
      await op?.stop();
      op = undefined;
      await helm(['uninstall', RELEASE, ...kube()], helmEnv());
      await eventually(async () => assert.equal(await getOrUndefined(admin, `/apis/apps/v1/namespaces/${NS}/deployments/tcr-access-operator`), undefined));
      assert.ok(await getOrUndefined(admin, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/tcraccesses.tcr.tke.dev'), 'CRD kept');
      assert.ok(await getOrUndefined<TcrAccess>(admin, '/apis/tcr.tke.dev/v1alpha1/tcraccesses/h-access'), 'TcrAccess kept');
      assert.ok(await secretAt('h-team'), 'Secret kept');
    });
  });
});

