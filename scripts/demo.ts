// npm run demo — the operator's main job on the embedded default: a local kube-apiserver + etcd (or your
// cluster with --kubeconfig), the CRD and RBAC from the repo, the operator running as its own
// ServiceAccount, and examples/ applied; prints how the TcrAccess converges, then stays up for kubectl.
//
//   npm run demo                       local control plane (built once from the Go module proxy, cached)
//   npm run demo -- --kubeconfig FILE  an existing cluster (creates namespaces team-a, team-b, team-c)
//   npm run demo -- --exit             exit once converged (used by the tests)
import { Command } from 'commander';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { TcrAccess } from '../src/api/v1alpha1/types.ts';
import { ApiError, type KubeClient } from '../src/k8s/client.ts';
import { REPO_ROOT, startControlPlane, type ControlPlane } from '../test/support/controlplane.ts';
import { adminClient, applyObjects, readYamlObjects } from '../test/support/kube.ts';
import { startOperator, type OperatorProcess } from '../test/support/operator.ts';

const opts = new Command('demo')
  .option('--kubeconfig <file>', 'use an existing cluster instead of the local control plane')
  .option('--exit', 'exit once the TcrAccess is Ready')
  .option('--timeout <seconds>', 'give up after this long', '120')
  .parse(process.argv)
  .opts<{ kubeconfig?: string; exit?: boolean; timeout: string }>();

const NS = 'tcr-system';
const say = (s: string) => console.log(`\x1b[1m==>\x1b[0m ${s}`);

async function ensure(client: KubeClient, p: string, body: unknown): Promise<void> {
  try {
    await client.create(p, body);
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 409)) throw e;
  }
}

async function main(): Promise<number> {
  let cp: ControlPlane | undefined;
  let op: OperatorProcess | undefined;
  const cleanup = async () => {
    await op?.stop();
    await cp?.stop();
  };
  process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
  process.on('SIGTERM', () => void cleanup().then(() => process.exit(143)));
  try {
    let kc: KubeConfig;
    let kubeconfigPath: string;
    if (opts.kubeconfig) {
      kc = new KubeConfig();
      kc.loadFromFile(opts.kubeconfig);
      kubeconfigPath = opts.kubeconfig;
      say(`Using the cluster of ${opts.kubeconfig}`);
    } else {
      say('Starting a local kube-apiserver + etcd (the first run builds them from the Go module proxy: 10-20 min)');
      cp = await startControlPlane();
      kc = cp.kubeConfig;
      kubeconfigPath = cp.kubeconfigPath;
      say(`API server ${cp.server}`);
    }
    const admin = adminClient(kc);

    say('Installing the CRD and the RBAC of manifests/');
    await applyObjects(kc, readYamlObjects(path.join(REPO_ROOT, 'crds', 'tcr.tke.dev_tcraccesses.yaml')));
    const rbac = readdirSync(path.join(REPO_ROOT, 'manifests'))
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .flatMap((f) => readYamlObjects(path.join(REPO_ROOT, 'manifests', f)))
      .filter((o) => ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind!));
    await applyObjects(kc, rbac);

    say('Creating namespaces team-a, team-b (named), team-c (labelled tcr-access=enabled), sandbox (not selected)');
    for (const [name, labels] of [['team-a', {}], ['team-b', {}], ['team-c', { 'tcr-access': 'enabled' }], ['sandbox', {}]] as const) {
      await ensure(admin, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
      // no controller-manager in the local control plane: create the default ServiceAccount ourselves
      await ensure(admin, `/api/v1/namespaces/${name}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    }

    let operatorKubeconfig = kubeconfigPath;
    if (cp) operatorKubeconfig = (await cp.kubeConfigFor(NS, 'tcr-access-operator')).path;
    say(`Starting the operator${cp ? ' as system:serviceaccount:tcr-system:tcr-access-operator' : ''}`);
    op = startOperator({ kubeconfig: operatorKubeconfig, namespace: NS });

    say('Applying examples/source-secret.yaml and examples/secret-ref.yaml');
    await applyObjects(kc, [...readYamlObjects(path.join(REPO_ROOT, 'examples', 'source-secret.yaml')), ...readYamlObjects(path.join(REPO_ROOT, 'examples', 'secret-ref.yaml'))]);

    const deadline = Date.now() + Number(opts.timeout) * 1000;
    let last = '';
    let access: TcrAccess | undefined;
    for (;;) {
      access = await admin.get<TcrAccess>('/apis/tcr.tke.dev/v1alpha1/tcraccesses/prod-registry');
      const line = (access.status?.conditions ?? []).map((c) => `${c.type}=${c.status} (${c.reason})`).join('  ');
      if (line && line !== last) {
        console.log(`    ${line}`);
        last = line;
      }
      if (access.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && access.status.observedGeneration === access.metadata.generation) break;
      if (Date.now() > deadline) throw new Error('the TcrAccess did not become Ready in time; operator logs:\n' + op.logs.slice(-20).join('\n'));
      await new Promise((r) => setTimeout(r, 250));
    }
    say(`TcrAccess prod-registry is Ready: ${access.status?.secrets?.ready}/${access.status?.secrets?.desired} namespaces`);
    for (const c of access.status?.conditions ?? []) console.log(`    ${c.type.padEnd(17)} ${c.status.padEnd(6)} ${c.reason.padEnd(20)} ${c.message}`);
    say('Secrets made (type, owner) and default ServiceAccounts:');
    for (const ns of ['team-a', 'team-b', 'team-c', 'sandbox']) {
      let secret = 'none';
      try {
        const s = await admin.get<{ type: string; metadata: { ownerReferences?: Array<{ kind: string; name: string }> } }>(`/api/v1/namespaces/${ns}/secrets/tcr-pull`);
        secret = `tcr-pull (${s.type}, owner ${s.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`).join(',')})`;
      } catch {
        // not selected
      }
      const sa = await admin.get<{ imagePullSecrets?: Array<{ name: string }> }>(`/api/v1/namespaces/${ns}/serviceaccounts/default`);
      console.log(`    ${ns.padEnd(8)} ${secret.padEnd(68)} imagePullSecrets: [${(sa.imagePullSecrets ?? []).map((r) => r.name).join(', ')}]`);
    }
    if (opts.exit) {
      await cleanup();
      return 0;
    }
    say('Up. Try it:');
    console.log(`    export KUBECONFIG=${kubeconfigPath}`);
    console.log('    kubectl get tcra            # Ready, reason, Secrets ready/desired, network mode');
    console.log('    kubectl label ns sandbox tcr-access=enabled && kubectl get secret -n sandbox tcr-pull');
    console.log('Ctrl-C stops the operator and the control plane.');
    await new Promise(() => {});
    return 0;
  } catch (e) {
    console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
    await cleanup();
    return 1;
  }
}

process.exit(await main());
