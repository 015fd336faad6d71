// Invariants of the install manifests (manifests/, crds/kustomization.yaml) and the examples (examples/):
// RBAC pinned verb by verb (so widening or narrowing it is a deliberate change here too), the Deployment's
// security settings, flags the binary really has, and examples that only use fields the CRD schema defines.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const MANIFESTS = path.join(ROOT, 'manifests');
const EXAMPLES = path.join(ROOT, 'examples');
const CRD_FILE = path.join(ROOT, 'crds', 'tcr.tke.dev_tcraccesses.yaml');
const NAMESPACE = 'tcr-system';
const SERVICE_ACCOUNT = 'tcr-access-operator';

type Obj = Record<string, unknown>;

interface K8sObject extends Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> } & Obj;
}

interface Loaded {
  file: string;
  obj: K8sObject;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const yamlFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.join(dir, e.name))
    .sort();

function parseFile(file: string): Obj[] {
  const docs = YAML.parseAllDocuments(readFileSync(file, 'utf8'));
  const out: Obj[] = [];
  for (const doc of docs) {
    assert.equal(doc.errors.length, 0, `${path.relative(ROOT, file)}: ${doc.errors[0]?.message}`);
    const v: unknown = doc.toJS();
    if (v === null || v === undefined) continue;
    assert.ok(isObj(v), `${path.relative(ROOT, file)}: a document is not a mapping`);
    out.push(v);
  }
  return out;
}

function loadObjects(files: string[]): Loaded[] {
  const out: Loaded[] = [];
  for (const file of files) {
    for (const doc of parseFile(file)) {
      if (doc['kind'] === 'Kustomization') continue;
      const rel = path.relative(ROOT, file);
      assert.equal(typeof doc['apiVersion'], 'string', `${rel}: apiVersion`);
      assert.equal(typeof doc['kind'], 'string', `${rel}: kind`);
      assert.ok(isObj(doc['metadata']) && typeof doc['metadata']['name'] === 'string', `${rel}: metadata.name`);
      out.push({ file: rel, obj: doc as K8sObject });
    }
  }
  return out;
}

function only(objs: Loaded[], kind: string, name?: string): K8sObject {
  const found = objs.filter((o) => o.obj.kind === kind && (name === undefined || o.obj.metadata.name === name));
  assert.equal(found.length, 1, `expected exactly one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!.obj;
}

/** Follows a path of keys, asserting every step exists. */
function at(v: unknown, ...keys: Array<string | number>): unknown {
  let cur = v;
  for (const k of keys) {
    assert.ok(cur !== null && typeof cur === 'object', `no ${keys.join('.')} (stopped at ${String(k)})`);
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

// ---------------------------------------------------------------------------------------------------------
// A small walker over the CRD's structural schema: unknown fields, types, enums and required fields.

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

function schemaErrors(value: unknown, schema: Schema, where: string): string[] {
  const errors: string[] = [];
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${where}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  switch (schema.type) {
    case 'object': {
      if (!isObj(value)) return [...errors, `${where}: want an object`];
      for (const r of schema.required ?? []) if (!(r in value)) errors.push(`${where}: missing required field "${r}"`);
      for (const [k, v] of Object.entries(value)) {
        const sub = schema.properties?.[k];
        if (sub) errors.push(...schemaErrors(v, sub, `${where}.${k}`));
        else if (isObj(schema.additionalProperties)) errors.push(...schemaErrors(v, schema.additionalProperties, `${where}.${k}`));
        else if (schema.additionalProperties !== true && !schema['x-kubernetes-preserve-unknown-fields'] && schema.properties)
          errors.push(`${where}: unknown field "${k}"`);
      }
      break;
    }
    case 'array':
      if (!Array.isArray(value)) return [...errors, `${where}: want an array`];
      if (schema.items) value.forEach((v, i) => errors.push(...schemaErrors(v, schema.items!, `${where}[${i}]`)));
      break;
    case 'string':
      if (typeof value !== 'string') errors.push(`${where}: want a string, got ${JSON.stringify(value)}`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') errors.push(`${where}: want a boolean, got ${JSON.stringify(value)}`);
      break;
    case 'integer':
      if (!Number.isInteger(value)) errors.push(`${where}: want an integer, got ${JSON.stringify(value)}`);
      break;
  }
  return errors;
}

function crdSchema(): { group: string; kind: string; versions: string[]; schema: Schema } {
  const [crd] = parseFile(CRD_FILE);
  const spec = at(crd, 'spec') as Obj;
  const versions = at(spec, 'versions') as Obj[];
  const storage = versions.find((v) => v['storage'] === true);
  assert.ok(storage, 'CRD has a storage version');
  return {
    group: at(spec, 'group') as string,
    kind: at(spec, 'names', 'kind') as string,
    versions: versions.map((v) => v['name'] as string),
    schema: at(storage, 'schema', 'openAPIV3Schema') as Schema,
  };
}

// ---------------------------------------------------------------------------------------------------------

const resourcesOfBase = (): string[] => parseFile(path.join(MANIFESTS, 'kustomization.yaml'))[0]!['resources'] as string[];

describe('manifests: kustomize base', () => {
  const kustomization = parseFile(path.join(MANIFESTS, 'kustomization.yaml'))[0]!;
  const resources = kustomization['resources'] as string[];

  it('lists every top-level manifest, and every listed resource exists', () => {
    for (const r of resources) assert.ok(existsSync(path.join(MANIFESTS, r)), `manifests/kustomization.yaml: ${r} does not exist`);
    const files = yamlFiles(MANIFESTS)
      .map((f) => path.basename(f))
      .filter((f) => f !== 'kustomization.yaml');
    for (const f of files) assert.ok(resources.includes(f), `manifests/${f} is not in manifests/kustomization.yaml`);
  });

  it('installs the generated CRD through crds/kustomization.yaml', () => {
    assert.ok(resources.includes('../crds'), 'manifests/kustomization.yaml includes ../crds');
    const crds = parseFile(path.join(ROOT, 'crds', 'kustomization.yaml'))[0]!;
    assert.deepEqual(crds['resources'], [path.basename(CRD_FILE)]);
  });

  it('puts everything in tcr-system with stable selectors', () => {
    assert.equal(kustomization['namespace'], NAMESPACE);
    const labels = kustomization['labels'] as Obj[];
    assert.ok(labels.length > 0);
    for (const l of labels) assert.equal(l['includeSelectors'], false, 'labels must not change the (immutable) Deployment selector');
    assert.deepEqual(labels[0]!['pairs'], { 'app.kubernetes.io/name': 'tcr-access-operator', 'app.kubernetes.io/part-of': 'tcr-access-operator' });
  });
});

describe('manifests: objects', () => {
  const objs = loadObjects(yamlFiles(MANIFESTS));

  it('has the expected objects, namespaced ones in tcr-system', () => {
    const names = objs.map((o) => `${o.obj.kind}/${o.obj.metadata.name}`).sort();
    assert.deepEqual(names, [
      'ClusterRole/tcr-access-operator',
      'ClusterRole/tcr-access-operator-diagnose-pulls',
      'ClusterRole/tcraccess-editor',
      'ClusterRole/tcraccess-view',
      'ClusterRoleBinding/tcr-access-operator',
      'ClusterRoleBinding/tcr-access-operator-diagnose-pulls',
      'Deployment/tcr-access-operator',
      'FlowSchema/tcr-access-operator',
      'FlowSchema/tcr-access-operator-leader-election',
      'MutatingWebhookConfiguration/tcr-access-operator',
      'Namespace/tcr-system',
      'PodDisruptionBudget/tcr-access-operator',
      'Role/tcr-access-operator-leader-election',
      'RoleBinding/tcr-access-operator-leader-election',
      'Service/tcr-access-operator-metrics',
      'Service/tcr-access-operator-webhook',
      'ServiceAccount/tcr-access-operator',
    ]);
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration', 'FlowSchema']);
    for (const { file, obj } of objs) {
      if (clusterScoped.has(obj.kind)) assert.equal(obj.metadata.namespace, undefined, `${file}: ${obj.kind} is cluster-scoped`);
      else assert.equal(obj.metadata.namespace, NAMESPACE, `${file}: ${obj.kind}/${obj.metadata.name}`);
    }
  });

  it('tcraccess-view is aggregated to view and read-only; tcraccess-editor is aggregated nowhere and bound to nobody', () => {
    const view = only(objs, 'ClusterRole', 'tcraccess-view');
    assert.equal(view.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-view'], 'true');
    for (const r of at(view, 'rules') as Obj[]) assert.deepEqual(r['verbs'], ['get', 'list', 'watch']);
    const editor = only(objs, 'ClusterRole', 'tcraccess-editor');
    const aggregated = Object.keys(editor.metadata.labels ?? {}).filter((k) => k.startsWith('rbac.authorization.k8s.io/aggregate-to-'));
    assert.deepEqual(aggregated, [], 'creating a TcrAccess is granted on purpose, never through edit/admin');
    assert.ok((at(editor, 'rules') as Obj[]).some((r) => (r['resources'] as string[]).includes('tcraccesses') && (r['verbs'] as string[]).includes('create')));
    const bindings = objs.filter((o) => o.obj.kind === 'ClusterRoleBinding' || o.obj.kind === 'RoleBinding');
    for (const b of bindings) assert.ok(!['tcraccess-editor', 'tcraccess-view'].includes(String((b.obj['roleRef'] as Obj)['name'])), `${b.obj.metadata.name} binds a user role`);
    // no other ClusterRole of ours grants creating TcrAccess objects through aggregation
    for (const { obj } of objs.filter((o) => o.obj.kind === 'ClusterRole')) {
      const agg = Object.keys(obj.metadata.labels ?? {}).some((k) => k.startsWith('rbac.authorization.k8s.io/aggregate-to-'));
      if (agg) for (const r of at(obj, 'rules') as Obj[]) assert.ok(!(r['verbs'] as string[]).some((v) => ['create', 'update', 'patch', '*'].includes(v)), `${obj.metadata.name} aggregates a write`);
    }
  });

  const grantsOf = (role: K8sObject): Record<string, string[]> => {
    const rules = at(role, 'rules') as Obj[];
    const granted: Record<string, string[]> = {};
    for (const r of rules) {
      assert.equal(r['nonResourceURLs'], undefined, 'no nonResourceURLs');
      const names = r['resourceNames'] as string[] | undefined;
      for (const g of r['apiGroups'] as string[])
        for (const res of r['resources'] as string[]) {
          const key = `${g || 'core'}/${res}${names ? `[${names.join(',')}]` : ''}`;
          assert.equal(granted[key], undefined, `${key} appears in more than one rule`);
          granted[key] = [...(r['verbs'] as string[])].sort();
        }
    }
    for (const [k, verbs] of Object.entries(granted)) assert.ok(!k.includes('*') && !verbs.includes('*'), `no wildcards (${k})`);
    return granted;
  };

  it('ClusterRole grants exactly what the operator calls: no MutatingWebhookConfiguration create, no ConfigMaps, no Pod/Event reads', () => {
    assert.deepEqual(grantsOf(only(objs, 'ClusterRole', SERVICE_ACCOUNT)), {
      'tcr.tke.dev/tcraccesses': ['list', 'patch', 'watch'],
      'tcr.tke.dev/tcraccesses/status': ['update'],
      'tcr.tke.dev/tcraccesses/finalizers': ['update'],
      'core/namespaces': ['get', 'list', 'watch'],
      'core/secrets': ['create', 'delete', 'get', 'list', 'update', 'watch'],
      'core/serviceaccounts': ['get', 'list', 'patch', 'watch'],
      'core/events': ['create'],
      'admissionregistration.k8s.io/mutatingwebhookconfigurations[tcr-access-operator]': ['get', 'update'],
    });
  });

  it('Pod and Event reads (--diagnose-pulls) are a ClusterRole of their own, bound to the operator', () => {
    const file = objs.find((o) => o.obj.kind === 'ClusterRole' && o.obj.metadata.name === 'tcr-access-operator-diagnose-pulls')!.file;
    assert.equal(file, 'manifests/rbac-diagnose-pulls.yaml');
    assert.deepEqual(grantsOf(only(objs, 'ClusterRole', 'tcr-access-operator-diagnose-pulls')), { 'core/pods': ['list', 'watch'], 'core/events': ['list', 'watch'] });
    const crb = only(objs, 'ClusterRoleBinding', 'tcr-access-operator-diagnose-pulls');
    assert.deepEqual(crb['subjects'], [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: NAMESPACE }]);
    assert.deepEqual(crb['roleRef'], { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'tcr-access-operator-diagnose-pulls' });
  });

  it('kube-system/eks-config (ClusterDefault) through a Role in kube-system, in its own kustomization', () => {
    const dir = path.join(MANIFESTS, 'cluster-default');
    const k = parseFile(path.join(dir, 'kustomization.yaml'))[0]!;
    assert.equal(k['namespace'], 'kube-system', 'the base rewrites namespaces to tcr-system: a kustomization of its own');
    assert.deepEqual(k['resources'], ['rbac.yaml']);
    const cd = loadObjects(yamlFiles(dir));
    const role = only(cd, 'Role', 'tcr-access-operator-eks-config');
    assert.equal(role.metadata.namespace, 'kube-system');
    assert.deepEqual(grantsOf(role), { 'core/configmaps': ['create'], 'core/configmaps[eks-config]': ['get', 'update'] });
    const rb = only(cd, 'RoleBinding', 'tcr-access-operator-eks-config');
    assert.equal(rb.metadata.namespace, 'kube-system');
    assert.deepEqual(rb['subjects'], [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: NAMESPACE }]);
    assert.deepEqual(rb['roleRef'], { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tcr-access-operator-eks-config' });
    assert.ok(!resourcesOfBase().includes('cluster-default'), 'not in the base, whose namespace would move it');
  });

  it('a PodDisruptionBudget that never blocks a drain, even with one replica', () => {
    const pdb = only(objs, 'PodDisruptionBudget', 'tcr-access-operator');
    assert.equal(pdb.apiVersion, 'policy/v1');
    assert.equal(at(pdb, 'spec', 'maxUnavailable'), 1);
    assert.equal(at(pdb, 'spec', 'minAvailable'), undefined);
    assert.equal(at(pdb, 'spec', 'unhealthyPodEvictionPolicy'), 'AlwaysAllow');
    const dep = only(objs, 'Deployment', 'tcr-access-operator');
    assert.deepEqual(at(pdb, 'spec', 'selector', 'matchLabels'), at(dep, 'spec', 'selector', 'matchLabels'));
  });

  it('FlowSchemas put the operator at workload-low and its Lease at leader-election (APF, flowcontrol v1)', () => {
    const subjects = [{ kind: 'ServiceAccount', serviceAccount: { name: SERVICE_ACCOUNT, namespace: NAMESPACE } }];
    const fs = only(objs, 'FlowSchema', 'tcr-access-operator');
    assert.equal(fs.apiVersion, 'flowcontrol.apiserver.k8s.io/v1');
    assert.deepEqual(at(fs, 'spec', 'priorityLevelConfiguration'), { name: 'workload-low' });
    const rules = at(fs, 'spec', 'rules') as Array<Record<string, unknown>>;
    assert.deepEqual(rules.map((r) => r['subjects']), [subjects]);
    const lease = only(objs, 'FlowSchema', 'tcr-access-operator-leader-election');
    assert.deepEqual(at(lease, 'spec', 'priorityLevelConfiguration'), { name: 'leader-election' });
    assert.deepEqual((at(lease, 'spec', 'rules') as Array<Record<string, unknown>>).map((r) => r['subjects']), [subjects]);
    // matched before the operator's own schema and before the built-in service-accounts one (9000)
    assert.ok((at(lease, 'spec', 'matchingPrecedence') as number) < (at(fs, 'spec', 'matchingPrecedence') as number));
    assert.ok((at(fs, 'spec', 'matchingPrecedence') as number) < 9000);
  });

  it('Role allows the leader-election Lease only', () => {
    const role = only(objs, 'Role', 'tcr-access-operator-leader-election');
    assert.deepEqual(at(role, 'rules'), [
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['tcr-access-operator-leader'], verbs: ['get', 'update'] },
    ]);
  });

  it('bindings give the roles to the operator ServiceAccount', () => {
    const subject = [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: NAMESPACE }];
    const crb = only(objs, 'ClusterRoleBinding', SERVICE_ACCOUNT);
    assert.deepEqual(crb['subjects'], subject);
    assert.deepEqual(crb['roleRef'], { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: SERVICE_ACCOUNT });
    const rb = only(objs, 'RoleBinding', 'tcr-access-operator-leader-election');
    assert.deepEqual(rb['subjects'], subject);
    assert.deepEqual(rb['roleRef'], { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tcr-access-operator-leader-election' });
    only(objs, 'ServiceAccount', SERVICE_ACCOUNT);
  });

  describe('Deployment', () => {
    const dep = only(objs, 'Deployment', 'tcr-access-operator');
    const pod = at(dep, 'spec', 'template', 'spec') as Obj;
    const containers = at(pod, 'containers') as Obj[];
    const c = containers[0]!;

    it('runs two replicas with leader election as the operator ServiceAccount', () => {
      assert.equal(at(dep, 'spec', 'replicas'), 2);
      assert.equal(containers.length, 1);
      assert.equal(pod['serviceAccountName'], SERVICE_ACCOUNT);
      assert.equal(pod['automountServiceAccountToken'], true);
      assert.equal(pod['terminationGracePeriodSeconds'], 30);
      assert.deepEqual(c['args'], ['--leader-elect', '--metrics-bind-address=:8080', '--health-probe-bind-address=:8081', '--webhook-bind-address=:9443']);
      assert.match(c['image'] as string, /^[^:@]+:[0-9]+\.[0-9]+\.[0-9]+$/, 'image pinned to a version tag');
    });

    it('is locked down (restricted Pod Security Standard)', () => {
      const psc = (pod['securityContext'] ?? {}) as Obj;
      const sc = at(c, 'securityContext') as Obj;
      const eff = (k: string): unknown => sc[k] ?? psc[k];
      assert.equal(eff('runAsNonRoot'), true);
      assert.equal(eff('runAsUser'), 65532);
      assert.deepEqual(eff('seccompProfile'), { type: 'RuntimeDefault' });
      assert.equal(sc['readOnlyRootFilesystem'], true);
      assert.equal(sc['allowPrivilegeEscalation'], false);
      assert.deepEqual(sc['capabilities'], { drop: ['ALL'] });
      assert.notEqual(sc['privileged'], true);
      for (const k of ['hostNetwork', 'hostPID', 'hostIPC']) assert.notEqual(pod[k], true, k);
    });

    it('has probes, ports, env and resources', () => {
      const ports = Object.fromEntries((c['ports'] as Obj[]).map((p) => [p['name'], p['containerPort']]));
      assert.deepEqual(ports, { metrics: 8080, health: 8081, webhook: 9443 });
      assert.deepEqual(at(c, 'livenessProbe', 'httpGet'), { path: '/healthz', port: 'health' });
      assert.deepEqual(at(c, 'readinessProbe', 'httpGet'), { path: '/readyz', port: 'health' });
      const env = Object.fromEntries((c['env'] as Obj[]).map((e) => [e['name'], e['value'] ?? e['valueFrom']]));
      assert.deepEqual(env['POD_NAMESPACE'], { fieldRef: { fieldPath: 'metadata.namespace' } });
      assert.equal(env['NODE_OPTIONS'], '--max-old-space-size=96 --max-semi-space-size=1');
      assert.equal(env['MALLOC_ARENA_MAX'], '2');
      assert.deepEqual(at(c, 'resources'), { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } });
    });

    it('spreads replicas across nodes', () => {
      const spread = (pod['topologySpreadConstraints'] ?? []) as Obj[];
      const anti = isObj(pod['affinity']) ? pod['affinity']['podAntiAffinity'] : undefined;
      assert.ok(spread.some((s) => s['topologyKey'] === 'kubernetes.io/hostname') || anti !== undefined);
    });

    it('selects its own pods, and the metrics Service selects them too', () => {
      const selector = at(dep, 'spec', 'selector', 'matchLabels') as Record<string, string>;
      const podLabels = at(dep, 'spec', 'template', 'metadata', 'labels') as Record<string, string>;
      assert.deepEqual(selector, { 'app.kubernetes.io/name': 'tcr-access-operator' });
      for (const [k, v] of Object.entries(selector)) assert.equal(podLabels[k], v);
      const svc = only(objs, 'Service', 'tcr-access-operator-metrics');
      for (const [k, v] of Object.entries(at(svc, 'spec', 'selector') as Record<string, string>)) assert.equal(podLabels[k], v);
      assert.deepEqual(
        (at(svc, 'spec', 'ports') as Obj[]).map((p) => [p['port'], p['targetPort']]),
        [[8080, 'metrics']],
      );
    });

    it('passes only flags the operator has, and the Role names its Lease', async function () {
      this.timeout(30_000);
      const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'src', 'main.ts'), '--help'], { cwd: ROOT });
      for (const arg of c['args'] as string[]) {
        const flag = arg.split('=')[0]!;
        assert.ok(new RegExp(`(^|\\s)${flag}(\\s|$)`, 'm').test(stdout), `${flag} is not a flag of the operator`);
      }
      const leaseDefault = /--leader-election-id <name>[\s\S]*?\(default:\s+"([^"]+)"\)/.exec(stdout)?.[1];
      const role = only(objs, 'Role', 'tcr-access-operator-leader-election');
      assert.deepEqual((at(role, 'rules', 1) as Obj)['resourceNames'], [leaseDefault]);
    });
  });
});

describe('examples', () => {
  const files = yamlFiles(EXAMPLES);
  const objs = loadObjects(files);
  const crd = crdSchema();

  it('exist', () => {
    for (const f of ['secret-ref.yaml', 'all-namespaces.yaml', 'source-secret.yaml', 'private.yaml', 'public.yaml', 'cloud-credentials.yaml']) assert.ok(files.includes(path.join(EXAMPLES, f)), `examples/${f}`);
  });

  it('TcrAccess objects use only fields of the CRD schema', () => {
    const accesses = objs.filter((o) => o.obj.kind === crd.kind);
    assert.ok(accesses.length >= 2);
    for (const { file, obj } of accesses) {
      const [group, version] = obj.apiVersion.split('/');
      assert.equal(group, crd.group, `${file}: apiVersion`);
      assert.ok(crd.versions.includes(version!), `${file}: version ${version}`);
      assert.deepEqual(schemaErrors(obj, crd.schema, obj.metadata.name), [], file);
      assert.equal(obj.metadata.namespace, undefined, `${file}: TcrAccess is cluster-scoped`);
      assert.equal(obj['status'], undefined, `${file}: no status in an example`);
    }
  });

  it('the schema walker rejects what the API server would prune', () => {
    const bad = { apiVersion: 'tcr.tke.dev/v1alpha1', kind: 'TcrAccess', metadata: { name: 'x' }, spec: { registry: { server: 'a', serverr: 'b' }, credentials: {}, imagePullSecret: { name: 'p', namespaces: { selector: { matchLabels: { a: 1 } } } } } };
    const errors = schemaErrors(bad, crd.schema, 'x');
    assert.ok(errors.some((e) => e.includes('unknown field "serverr"')), errors.join('\n'));
    assert.ok(errors.some((e) => e.includes('matchLabels.a: want a string')), errors.join('\n'));
  });

  it('every secretRef points at a source Secret in the examples, with username and password (or SecretId and SecretKey)', () => {
    const secrets = new Map(objs.filter((o) => o.obj.kind === 'Secret').map((o) => [`${o.obj.metadata.namespace}/${o.obj.metadata.name}`, o.obj]));
    const check = (file: string, ref: { namespace: string; name: string }, keys: string[]) => {
      assert.equal(ref.namespace, NAMESPACE, `${file}: source Secrets live in the operator's namespace`);
      const secret = secrets.get(`${ref.namespace}/${ref.name}`);
      assert.ok(secret, `${file}: no example Secret ${ref.namespace}/${ref.name}`);
      assert.deepEqual(Object.keys((secret['stringData'] ?? {}) as Obj).sort(), keys);
    };
    for (const { file, obj } of objs.filter((o) => o.obj.kind === crd.kind)) {
      const credentials = at(obj, 'spec', 'credentials') as Obj;
      if (credentials['instanceToken'] === undefined) check(file, at(credentials, 'secretRef') as { namespace: string; name: string }, ['password', 'username']);
      const cloud = (obj['spec'] as Obj)['cloudCredentials'];
      if (cloud !== undefined) check(file, at(cloud, 'secretRef') as { namespace: string; name: string }, ['SecretId', 'SecretKey']);
    }
  });

  it('the cloud examples cover Private and Public with Delete, and say that the IDs are to be replaced', () => {
    const priv = only(objs, crd.kind, 'private-access');
    assert.equal(at(priv, 'spec', 'network', 'mode'), 'Private');
    assert.equal(at(priv, 'spec', 'credentials', 'instanceToken', 'type'), 'Temporary');
    assert.equal(at(priv, 'spec', 'network', 'private', 'dns', 'usePublicDomain'), true);
    assert.equal(at(priv, 'spec', 'deletionPolicy'), 'Delete');
    const pub = only(objs, crd.kind, 'public-access');
    assert.equal(at(pub, 'spec', 'network', 'mode'), 'Public');
    assert.ok(at(pub, 'spec', 'network', 'public', 'natGateway', 'create'));
    assert.equal(at(pub, 'spec', 'network', 'public', 'manageRoute'), true);
    assert.equal(at(pub, 'spec', 'network', 'public', 'whitelist', 'includeNatEips'), true);
    assert.equal((at(pub, 'spec', 'network', 'public', 'whitelist', 'cidrs') as string[]).length, 1);
    assert.equal(at(pub, 'spec', 'deletionPolicy'), 'Delete');
    for (const f of ['private.yaml', 'public.yaml']) assert.match(readFileSync(path.join(EXAMPLES, f), 'utf8'), /For a real account replace/, f);
  });

  it('all-namespaces selects every namespace but the system ones, for every ServiceAccount', () => {
    const all = only(objs, crd.kind, 'cluster-wide');
    assert.deepEqual(at(all, 'spec', 'imagePullSecret', 'namespaces'), { selector: {}, exclude: ['kube-system', 'kube-public', 'kube-node-lease'] });
    assert.deepEqual(at(all, 'spec', 'imagePullSecret', 'serviceAccounts'), ['*']);
  });
});
