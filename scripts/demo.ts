// npm run demo — the operator on the embedded default: a local kube-apiserver + etcd (or your cluster with
// --kubeconfig), the CRD and RBAC from the repo, the operator running as its own ServiceAccount, and
// examples/ applied: the secretRef example (secret-ref.yaml) and, against a Tencent Cloud API emulator
// started in this process, the cloud examples (private.yaml: private link + DNS + temporary tokens;
// public.yaml: NAT gateway + EIP + route + whitelist + long-term tokens). Prints how each TcrAccess
// converges, a summary, and what the cloud now contains; then stays up for kubectl.
//
//   npm run demo                       local control plane (built once from the Go module proxy, cached) + emulator
//   npm run demo -- --exit             exit once everything is Ready (used by the tests)
//   npm run demo -- --kubeconfig FILE  an existing cluster (creates namespaces team-a, team-b, team-c, sandbox);
//                                      the cloud examples are skipped unless --tencentcloud-endpoint is given
//   npm run demo -- --kubeconfig FILE --tencentcloud-endpoint emulator
//                                      the same, with the in-process emulator (the operator runs here, not in the cluster)
//   npm run demo -- --tencentcloud-endpoint HOST [--tencentcloud-protocol http://]
//                                      pass HOST through to the operator instead of starting the emulator (a standalone
//                                      `npm run emulator`, or Tencent Cloud itself with the IDs in examples/ replaced);
//                                      the API key comes from TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY, and the
//                                      cloud examples are deleted (deletionPolicy Delete) when the demo stops
//
// Never printed: registry tokens, passwords, API keys.
import { Command, Option } from 'commander';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Condition, TcrAccess } from '../src/api/v1alpha1/types.ts';
import { DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, DEFAULT_UIN, startEmulator, type Seed, type TencentCloudEmulator } from '../emulator/index.ts';
import type { CloudEndpoint } from '../src/cloud/tencent/credentials.ts';
import { SdkCloudFactory } from '../src/cloud/tencent/factory.ts';
import { ApiError, isNotFound, type KubeClient } from '../src/k8s/client.ts';
import { createLogger } from '../src/k8s/logger.ts';
import { formatCloudWorld, readCloudWorld } from '../test/support/cloud-world.ts';
import { REPO_ROOT, startControlPlane, type ControlPlane } from '../test/support/controlplane.ts';
import { putSourceSecret } from '../test/support/fixture.ts';
import { adminClient, applyObjects, readYamlObjects } from '../test/support/kube.ts';
import { startOperator, type OperatorProcess } from '../test/support/operator.ts';

const opts = new Command('demo')
  .option('--kubeconfig <file>', 'use an existing cluster instead of the local control plane')
  .option(
    '--tencentcloud-endpoint <host>',
    'Tencent Cloud API of the cloud examples, passed through to the operator: "emulator" (in-process; the default without --kubeconfig) or a host; with --kubeconfig the cloud examples run only when this is given',
  )
  .addOption(new Option('--tencentcloud-protocol <p>', 'scheme of a --tencentcloud-endpoint host').choices(['https://', 'http://']).default('https://'))
  .option('--exit', 'exit once every TcrAccess is Ready')
  .option('--timeout <seconds>', 'give up after this long', '120')
  .parse(process.argv)
  .opts<{ kubeconfig?: string; tencentcloudEndpoint?: string; tencentcloudProtocol: 'https://' | 'http://'; exit?: boolean; timeout: string }>();

const NS = 'tcr-system';
const CLUSTER_ID = 'demo';
const CLOUD_SECRET = 'tencentcloud';
const CLOUD_EXAMPLES = ['private.yaml', 'public.yaml'];
const say = (s: string) => console.log(`\x1b[1m==>\x1b[0m ${s}`);
const tcraPath = (name: string) => `/apis/tcr.tke.dev/v1alpha1/tcraccesses/${name}`;

/** The world of the emulator: what examples/private.yaml and examples/public.yaml name. */
function demoSeed(): Seed {
  return {
    region: 'ap-guangzhou',
    accounts: [
      {
        uin: DEFAULT_UIN,
        credentials: [{ secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY }],
        registries: [{ id: 'tcr-emu00001', name: 'emulator', type: 'premium' }],
        vpcs: [
          {
            id: 'vpc-emu00001',
            name: 'demo',
            cidrBlock: '10.0.0.0/16',
            routeTables: [
              { id: 'rtb-emu00001', name: 'default', main: true },
              { id: 'rtb-emu00002', name: 'egress' },
            ],
            subnets: [
              { id: 'subnet-emu00001', name: 'nodes', zone: 'ap-guangzhou-3', cidrBlock: '10.0.1.0/24' },
              { id: 'subnet-emu00002', name: 'egress', zone: 'ap-guangzhou-4', cidrBlock: '10.0.2.0/24', routeTableId: 'rtb-emu00002' },
            ],
          },
        ],
      },
    ],
  };
}

async function ensure(client: KubeClient, p: string, body: unknown): Promise<void> {
  try {
    await client.create(p, body);
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 409)) throw e;
  }
}

async function createNamespaces(admin: KubeClient, list: ReadonlyArray<readonly [string, Record<string, string>]>): Promise<void> {
  for (const [name, labels] of list) {
    await ensure(admin, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    // no controller-manager in the local control plane: create the default ServiceAccount ourselves
    await ensure(admin, `/api/v1/namespaces/${name}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
  }
}

const isReady = (a: TcrAccess | undefined) =>
  !!a && !!a.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && a.status?.observedGeneration === a.metadata.generation;
const cond = (a: TcrAccess, type: string): Condition | undefined => a.status?.conditions?.find((c) => c.type === type);

function networkDetail(a: TcrAccess): string {
  const n = a.status?.network;
  if (!n || !n.mode || n.mode === 'None') return '-';
  if (n.mode === 'Private') return `link ${n.privateLink?.accessIp ?? '?'}${n.dns ? `, DNS ${n.dns.status ?? ''}` : ''}`;
  const eips = (n.eips ?? []).map((e) => e.ip ?? e.id).join(' ');
  return `${n.natGateway?.id ?? 'NAT ?'} ${eips || '?'}${n.route ? `, route` : ''}, ${(n.whitelist ?? []).length} CIDRs`;
}

function credentialsDetail(a: TcrAccess): string {
  const c = a.status?.credentials;
  const source = c?.source ?? (a.spec.credentials.secretRef ? 'SecretRef' : '?');
  if (source === 'TemporaryToken') return `${source} until ${c?.expiresAt?.slice(11, 16) ?? '?'}Z`;
  if (source === 'LongTermToken') return `${source} ${c?.tokenId ?? ''}, rotates ${a.spec.credentials.instanceToken?.rotationPeriod ?? '720h'}`;
  return source;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
}

interface CloudSetup {
  endpoint: CloudEndpoint;
  secretId: string;
  secretKey: string;
  /** Not the in-process emulator: the cloud examples are deleted when the demo stops. */
  external: boolean;
}

async function main(): Promise<number> {
  let cp: ControlPlane | undefined;
  let op: OperatorProcess | undefined;
  let emu: TencentCloudEmulator | undefined;
  let cloud: CloudSetup | undefined;
  let admin: KubeClient | undefined;
  const cloudNames: string[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      if (cloud?.external && op && admin && cloudNames.length) {
        // real resources are billed: let the operator delete what these TcrAccess objects created
        say(`Deleting ${cloudNames.join(', ')} (deletionPolicy Delete) before stopping`);
        for (const n of cloudNames) await admin.delete(tcraPath(n)).catch(() => undefined);
        const deadline = Date.now() + 5 * 60_000;
        for (const n of cloudNames) {
          while (Date.now() < deadline && (await admin.get(tcraPath(n)).then(() => true, (e: unknown) => !isNotFound(e)))) await new Promise((r) => setTimeout(r, 1000));
        }
      }
      await op?.stop();
      await emu?.stop();
      await cp?.stop();
    })());
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
    admin = adminClient(kc);

    say('Installing the CRD and the RBAC of manifests/');
    await applyObjects(kc, readYamlObjects(path.join(REPO_ROOT, 'crds', 'tcr.tke.dev_tcraccesses.yaml')));
    const rbac = readdirSync(path.join(REPO_ROOT, 'manifests'))
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .flatMap((f) => readYamlObjects(path.join(REPO_ROOT, 'manifests', f)))
      .filter((o) => ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind!));
    await applyObjects(kc, rbac);

    say('Creating namespaces team-a, team-b (named), team-c (labelled tcr-access=enabled), sandbox (not selected)');
    await createNamespaces(admin, [['team-a', {}], ['team-b', {}], ['team-c', { 'tcr-access': 'enabled' }], ['sandbox', {}]]);

    // ---- the cloud examples: which Tencent Cloud API, if any
    const endpointFlag = opts.tencentcloudEndpoint ?? (opts.kubeconfig ? undefined : 'emulator');
    if (endpointFlag === 'emulator') {
      emu = await startEmulator({ seed: demoSeed() });
      const c = emu.defaultCredentials;
      cloud = { endpoint: { host: emu.endpoint, protocol: 'http://' }, secretId: c.secretId, secretKey: c.secretKey, external: false };
      say(`Tencent Cloud API emulator on ${emu.url} (in this process): account ${c.uin}, premium TCR instance tcr-emu00001 "emulator",`);
      console.log('    VPC vpc-emu00001 with subnet-emu00001 (main route table rtb-emu00001) and subnet-emu00002 (its own route table rtb-emu00002)');
    } else if (endpointFlag) {
      const secretId = process.env['TENCENTCLOUD_SECRET_ID'];
      const secretKey = process.env['TENCENTCLOUD_SECRET_KEY'];
      if (!secretId || !secretKey) throw new Error('--tencentcloud-endpoint needs the API key in TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY');
      cloud = { endpoint: { host: endpointFlag, protocol: opts.tencentcloudProtocol }, secretId, secretKey, external: true };
      say(`Tencent Cloud API at ${opts.tencentcloudProtocol}${endpointFlag} (the IDs in examples/private.yaml and examples/public.yaml must exist there)`);
    } else {
      say('Skipping examples/private.yaml and examples/public.yaml: with --kubeconfig they run only with --tencentcloud-endpoint (emulator, or a host)');
    }
    const cloudAccesses = cloud ? CLOUD_EXAMPLES.flatMap((f) => readYamlObjects(path.join(REPO_ROOT, 'examples', f))) : [];
    if (cloud) {
      cloudNames.push(...cloudAccesses.map((o) => o.metadata!.name!));
      say(`Creating namespaces backend (for ${cloudNames[0]}), frontend (for ${cloudNames[1]}); Secret ${NS}/${CLOUD_SECRET} with the API key (SecretId/SecretKey, not shown)`);
      await createNamespaces(admin, [['backend', {}], ['frontend', {}]]);
      await putSourceSecret(admin, NS, CLOUD_SECRET, { SecretId: cloud.secretId, SecretKey: cloud.secretKey });
    }

    let operatorKubeconfig = kubeconfigPath;
    if (cp) operatorKubeconfig = (await cp.kubeConfigFor(NS, 'tcr-access-operator')).path;
    const cloudArgs = cloud ? [`--tencentcloud-endpoint=${cloud.endpoint.host}`, `--tencentcloud-protocol=${cloud.endpoint.protocol}`, `--cluster-id=${CLUSTER_ID}`] : [];
    say(`Starting the operator${cp ? ' as system:serviceaccount:tcr-system:tcr-access-operator' : ''}${cloudArgs.length ? ` with ${cloudArgs.join(' ')}` : ''}`);
    op = startOperator({ kubeconfig: operatorKubeconfig, namespace: NS, args: cloudArgs });

    const files = ['source-secret.yaml', 'secret-ref.yaml', ...(cloud ? CLOUD_EXAMPLES : [])];
    say(`Applying ${files.map((f) => `examples/${f}`).join(', ')}`);
    await applyObjects(kc, [...readYamlObjects(path.join(REPO_ROOT, 'examples', 'source-secret.yaml')), ...readYamlObjects(path.join(REPO_ROOT, 'examples', 'secret-ref.yaml')), ...cloudAccesses]);

    // ---- convergence: every condition transition of every TcrAccess, as it happens
    const names = ['prod-registry', ...cloudNames];
    const width = Math.max(...names.map((n) => n.length));
    const started = Date.now();
    const deadline = started + Number(opts.timeout) * 1000;
    const seen = new Map<string, string>();
    const accesses = new Map<string, TcrAccess>();
    say(`Watching ${names.join(', ')} converge (condition transitions):`);
    for (;;) {
      for (const name of names) {
        const a = await admin.get<TcrAccess>(tcraPath(name));
        accesses.set(name, a);
        const conditions = a.status?.conditions ?? [];
        for (const c of conditions) {
          // Ready=False only repeats the first sub-condition that is not ready: shown there
          if (c.type === 'Ready' && c.status === 'False' && conditions.some((o) => o.type !== 'Ready' && o.reason === c.reason)) continue;
          // steps of the cloud often keep their reason (NatGatewayPending: EIP, gateway, state): show each message
          const key = `${name}/${c.type}`;
          const now = `${c.status}/${c.reason}${c.type === 'NetworkReady' ? `/${c.message}` : ''}`;
          if (seen.get(key) === now) continue;
          seen.set(key, now);
          const t = `+${((Date.now() - started) / 1000).toFixed(1)}s`.padStart(7);
          console.log(`    ${t}  ${name.padEnd(width)}  ${c.type.padEnd(16)} ${c.status.padEnd(5)} ${c.reason.padEnd(19)} ${c.message}`);
        }
      }
      if (names.every((n) => isReady(accesses.get(n)))) break;
      if (Date.now() > deadline) {
        const waiting = names.filter((n) => !isReady(accesses.get(n)));
        throw new Error(`not Ready in time: ${waiting.join(', ')}; operator logs:\n` + op.logs.slice(-20).join('\n'));
      }
      await new Promise((r) => setTimeout(r, 250));
    }

    // ---- the secretRef example, as it always was
    const access = accesses.get('prod-registry')!;
    say(`TcrAccess prod-registry is Ready: ${access.status?.secrets?.ready}/${access.status?.secrets?.desired} namespaces`);
    for (const c of access.status?.conditions ?? []) console.log(`    ${c.type.padEnd(17)} ${c.status.padEnd(6)} ${c.reason.padEnd(20)} ${c.message}`);
    say('Secrets made (type, owner) and default ServiceAccounts:');
    const secretLine = async (ns: string, secretName: string) => {
      let secret = 'none';
      try {
        const s = await admin!.get<{ type: string; metadata: { ownerReferences?: Array<{ kind: string; name: string }> } }>(`/api/v1/namespaces/${ns}/secrets/${secretName}`);
        secret = `${secretName} (${s.type}, owner ${s.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`).join(',')})`;
      } catch {
        // not selected
      }
      const sa = await admin!.get<{ imagePullSecrets?: Array<{ name: string }> }>(`/api/v1/namespaces/${ns}/serviceaccounts/default`);
      console.log(`    ${ns.padEnd(8)} ${secret.padEnd(68)} imagePullSecrets: [${(sa.imagePullSecrets ?? []).map((r) => r.name).join(', ')}]`);
    };
    for (const ns of ['team-a', 'team-b', 'team-c', 'sandbox']) await secretLine(ns, 'tcr-pull');

    // ---- the cloud examples
    if (cloud) {
      for (const name of cloudNames) {
        const a = accesses.get(name)!;
        say(
          `TcrAccess ${name} is Ready: ${a.status?.secrets?.ready}/${a.status?.secrets?.desired} namespaces, network ${a.status?.network?.mode} (${cond(a, 'NetworkReady')?.reason}), credentials ${cond(a, 'CredentialsReady')?.reason}`,
        );
      }
      for (const name of cloudNames) {
        const a = accesses.get(name)!;
        for (const ns of a.spec.imagePullSecret.namespaces.names ?? []) await secretLine(ns, a.spec.imagePullSecret.name);
      }
    }
    say('Summary:');
    const rows = [['NAME', 'READY', 'SERVER', 'SECRETS', 'NETWORK', 'CREDENTIALS', 'IN THE CLOUD (status.network)']];
    for (const name of names) {
      const a = accesses.get(name)!;
      const n = cond(a, 'NetworkReady');
      rows.push([
        name,
        cond(a, 'Ready')?.status ?? '?',
        a.status?.server ?? '?',
        `${a.status?.secrets?.ready ?? '?'}/${a.status?.secrets?.desired ?? '?'}`,
        `${a.spec.network?.mode ?? 'None'} (${n?.reason ?? '?'})`,
        credentialsDetail(a),
        networkDetail(a),
      ]);
    }
    for (const line of table(rows)) console.log(`    ${line}`);

    if (cloud) {
      const specs = cloudNames.map((n) => accesses.get(n)!);
      const first = specs[0]!.spec.registry;
      say(`What the ${cloud.external ? 'cloud' : 'emulator'} now contains (read back with the operator's SDK client: describe calls only):`);
      const factory = new SdkCloudFactory({ endpoint: cloud.endpoint, timeoutSeconds: 10, logger: createLogger('error') });
      const client = factory.client(first.region!, { kind: 'static', secretId: cloud.secretId, secretKey: cloud.secretKey });
      const world = await readCloudWorld(client, {
        registryId: first.instanceId!,
        region: first.region!,
        vpcIds: specs.flatMap((a) => [a.spec.network?.private?.vpcId, a.spec.network?.public?.natGateway.create?.vpcId].filter((x): x is string => !!x)),
        natIds: specs.flatMap((a) => [a.spec.network?.public?.natGateway.id, a.status?.network?.natGateway?.id].filter((x): x is string => !!x)),
        subnetIds: specs.flatMap((a) => [a.spec.network?.public?.natGateway.create?.subnetId].filter((x): x is string => !!x)),
      });
      for (const line of formatCloudWorld(world)) console.log(`    ${line}`);
    }

    if (opts.exit) {
      await cleanup();
      return 0;
    }
    say('Up. Try it:');
    console.log(`    export KUBECONFIG=${kubeconfigPath}`);
    console.log('    kubectl get tcra            # Ready, reason, Secrets ready/desired, network mode');
    console.log('    kubectl label ns sandbox tcr-access=enabled && kubectl get secret -n sandbox tcr-pull');
    if (cloud) console.log('    kubectl get tcra private-access -o jsonpath={.status.network}; kubectl delete tcra public-access   # Delete: NAT, EIP, route, whitelist go');
    if (emu) console.log(`    curl -s ${emu.url}_emulator/world   # the emulator's whole world (no keys, no token values)`);
    console.log(`Ctrl-C stops the operator${emu ? ', the emulator' : ''}${cp ? ' and the control plane' : ''}${cloud?.external ? ' (after deleting the cloud examples)' : ''}.`);
    await new Promise(() => {});
    return 0;
  } catch (e) {
    console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
    await cleanup();
    return 1;
  }
}

process.exit(await main());
