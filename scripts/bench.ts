// npm run bench -- [--namespaces 2000] [--latency-samples 50] [--quiet-seconds 60]
//
// On the real local control plane (audit log on), measures and prints:
//  1. rollout: time from applying a TcrAccess until every selected namespace has its Secret and the
//     default ServiceAccount its entry, next to the FLOOR: the same writes (create Secret + patch
//     ServiceAccount per namespace) by a plain script with the same client, QPS/burst and concurrency;
//  2. latency: namespace created → its Secret exists (p50/p99), measured with a watch, while converged;
//  3. quiet writes: write requests by the operator's identity (audit log, Leases excluded) in a quiet window;
//  4. peak RSS of the operator process (VmHWM).
import { Command } from 'commander';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { TcrAccess } from '../src/api/v1alpha1/types.ts';
import { KubeClient } from '../src/k8s/client.ts';
import { forEachLimited } from '../src/k8s/limit.ts';
import { REPO_ROOT, startControlPlane } from '../test/support/controlplane.ts';
import { adminClient, applyObjects, b64, readYamlObjects } from '../test/support/kube.ts';
import { startOperator } from '../test/support/operator.ts';

const o = new Command('bench')
  .option('--namespaces <n>', 'namespaces selected by the TcrAccess', '2000')
  .option('--latency-samples <n>', 'namespaces created one by one after convergence', '50')
  .option('--quiet-seconds <n>', 'length of the quiet window', '60')
  .option('--qps <n>', 'client QPS for the operator and the floor script', '50')
  .option('--burst <n>', 'client burst for both', '100')
  .option('--workers <n>', 'operator workers = floor concurrency', '16')
  .option('--operator-node-options <opts>', 'NODE_OPTIONS of the operator process (default: as in manifests/deployment.yaml)', '')
  .parse(process.argv)
  .opts<{ namespaces: string; latencySamples: string; quietSeconds: string; qps: string; burst: string; workers: string; operatorNodeOptions: string }>();
const N = Number(o.namespaces);
const QPS = Number(o.qps);
const BURST = Number(o.burst);
const WORKERS = Number(o.workers);
const OPERATOR_USER = 'system:serviceaccount:tcr-system:tcr-access-operator';
const log = (s: string) => console.log(`[bench] ${s}`);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

const cp = await startControlPlane({ auditPolicy: true });
let exitCode = 0;
try {
  const admin = adminClient(cp.kubeConfig);
  const rbac = readdirSync(path.join(REPO_ROOT, 'manifests'))
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((f) => readYamlObjects(path.join(REPO_ROOT, 'manifests', f)))
    .filter((x) => ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(x.kind!));
  await applyObjects(cp.kubeConfig, rbac);
  await admin.create('/api/v1/namespaces/tcr-system/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'robot' }, data: { username: b64('robot'), password: b64('bench-password') } });

  log(`creating ${N} namespaces with a default ServiceAccount`);
  const names = Array.from({ length: N }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
  await forEachLimited(names, 64, async (name) => {
    await admin.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { bench: 'yes' } } });
    await admin.create(`/api/v1/namespaces/${name}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
  });

  // 1a. floor: the same writes by a plain script, same client, QPS/burst and concurrency
  const { kubeConfig: opKc, path: opKubeconfig } = await cp.kubeConfigFor('tcr-system', 'tcr-access-operator');
  const floorClient = new KubeClient(opKc, { qps: QPS, burst: BURST });
  const payload = b64(JSON.stringify({ auths: { 'bench.tencentcloudcr.com': { username: 'robot', password: 'bench-password', auth: b64('robot:bench-password') } } }));
  log(`floor: create Secret + patch ServiceAccount in ${N} namespaces, concurrency ${WORKERS}, qps ${QPS}/burst ${BURST}`);
  let t = performance.now();
  const floorErrors = await forEachLimited(names, WORKERS, async (ns) => {
    await floorClient.create(`/api/v1/namespaces/${ns}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'floor-pull' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': payload } });
    await floorClient.mergePatch(`/api/v1/namespaces/${ns}/serviceaccounts/default`, { imagePullSecrets: [{ name: 'floor-pull' }] });
  });
  const floorMs = performance.now() - t;
  if (floorErrors.length) throw new Error(`floor script failed: ${String(floorErrors[0])}`);
  await floorClient.close();
  // leave the ServiceAccounts as they were before the floor run
  await forEachLimited(names, 64, (ns) => admin.mergePatch(`/api/v1/namespaces/${ns}/serviceaccounts/default`, { imagePullSecrets: null }).then(() => undefined));

  // 1b. the operator, with the NODE_OPTIONS the Deployment sets
  const nodeOptions =
    o.operatorNodeOptions ||
    (readYamlObjects(path.join(REPO_ROOT, 'manifests', 'deployment.yaml')) as Array<{ spec?: { template?: { spec?: { containers?: Array<{ env?: Array<{ name: string; value?: string }> }> } } } }>)
      .flatMap((d) => d.spec?.template?.spec?.containers?.[0]?.env ?? [])
      .find((e) => e.name === 'NODE_OPTIONS')?.value ||
    '';
  log(`operator NODE_OPTIONS="${nodeOptions}"`);
  // the built operator (dist/), as it runs in the image: `npm run bench` builds first
  const op = startOperator({
    entry: path.join(REPO_ROOT, 'dist', 'src', 'main.js'),
    env: { NODE_OPTIONS: nodeOptions },
    kubeconfig: opKubeconfig,
    namespace: 'tcr-system',
    // production defaults otherwise (status debounce 1 s, resync 10 min)
    args: [`--kube-api-qps=${QPS}`, `--kube-api-burst=${BURST}`, `--workers=${WORKERS}`],
  });
  const startedAt = Date.now();
  // wait for the caches (the operator logs once its workers run)
  while (!op.logs.some((l) => l.includes('"Controller started"'))) await new Promise((r) => setTimeout(r, 50));
  log(`operator caches synced in ${Date.now() - startedAt} ms; applying the TcrAccess`);
  // Completion is observed with watches (not through the operator's status, which is debounced):
  // the moment the last namespace has both its Secret and its ServiceAccount entry.
  const hasSecret = new Set<string>();
  const hasEntry = new Set<string>();
  let doneAt = 0;
  const check = () => {
    if (!doneAt && hasSecret.size >= N && hasEntry.size >= N) doneAt = performance.now();
  };
  const rollAbort = new AbortController();
  const secretList = await admin.get<{ metadata: { resourceVersion: string } }>('/api/v1/secrets', { labelSelector: 'tcr.tke.dev/access=bench', limit: 1 });
  const saList = await admin.get<{ metadata: { resourceVersion: string } }>('/api/v1/serviceaccounts', { limit: 1 });
  void admin
    .watch<{ metadata: { namespace: string } }>('/api/v1/secrets', { labelSelector: 'tcr.tke.dev/access=bench', resourceVersion: secretList.metadata.resourceVersion }, (ev) => {
      if (ev.type === 'ADDED' && ev.object.metadata.namespace.startsWith('bench-')) hasSecret.add(ev.object.metadata.namespace);
      check();
    }, { signal: rollAbort.signal, idleTimeoutMs: 600_000 })
    .catch((e: unknown) => log(`secret watch ended: ${String(e)}`));
  void admin
    .watch<{ metadata: { namespace: string }; imagePullSecrets?: Array<{ name: string }> }>('/api/v1/serviceaccounts', { resourceVersion: saList.metadata.resourceVersion }, (ev) => {
      if (ev.object.metadata.namespace.startsWith('bench-') && ev.object.imagePullSecrets?.some((r) => r.name === 'tcr-pull')) hasEntry.add(ev.object.metadata.namespace);
      check();
    }, { signal: rollAbort.signal, idleTimeoutMs: 600_000 })
    .catch((e: unknown) => log(`serviceaccount watch ended: ${String(e)}`));
  t = performance.now();
  await admin.create('/apis/tcr.tke.dev/v1alpha1/tcraccesses', {
    apiVersion: 'tcr.tke.dev/v1alpha1',
    kind: 'TcrAccess',
    metadata: { name: 'bench' },
    spec: {
      registry: { server: 'bench.tencentcloudcr.com' },
      credentials: { secretRef: { namespace: 'tcr-system', name: 'robot' } },
      imagePullSecret: { name: 'tcr-pull', namespaces: { selector: { matchLabels: { bench: 'yes' } } } },
    },
  });
  while (!doneAt) await new Promise((r) => setTimeout(r, 20));
  rollAbort.abort();
  const rolloutMs = doneAt - t;
  for (;;) {
    const a = await admin.get<TcrAccess>('/apis/tcr.tke.dev/v1alpha1/tcraccesses/bench');
    if (a.status?.secrets?.ready === N && a.status.secrets.desired === N) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const statusMs = performance.now() - t;
  // verify independently of the operator's status
  const secrets = await admin.get<{ items: unknown[] }>('/api/v1/secrets', { labelSelector: 'tcr.tke.dev/access=bench' });
  const sas = await admin.get<{ items: Array<{ imagePullSecrets?: Array<{ name: string }>; metadata: { namespace: string } }> }>('/api/v1/serviceaccounts');
  const withEntry = sas.items.filter((s) => s.metadata.namespace.startsWith('bench-') && s.imagePullSecrets?.some((r) => r.name === 'tcr-pull')).length;
  if (secrets.items.length !== N || withEntry !== N) throw new Error(`status said ready but found ${secrets.items.length} Secrets and ${withEntry} entries`);

  // 2. latency namespace → Secret, with a watch
  const samples = Number(o.latencySamples);
  const seen = new Map<string, number>();
  const watchAbort = new AbortController();
  void admin
    .watch<{ metadata: { namespace: string } }>('/api/v1/secrets', { labelSelector: 'tcr.tke.dev/access=bench' }, (ev) => {
      if (ev.type === 'ADDED' && !seen.has(ev.object.metadata.namespace)) seen.set(ev.object.metadata.namespace, performance.now());
    }, { signal: watchAbort.signal, idleTimeoutMs: 600_000 })
    .catch(() => {});
  await new Promise((r) => setTimeout(r, 500));
  const lat: number[] = [];
  for (let i = 0; i < samples; i++) {
    const ns = `late-${i}`;
    const t0 = performance.now();
    await admin.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { bench: 'yes' } } });
    while (!seen.has(ns)) await new Promise((r) => setTimeout(r, 2));
    lat.push(seen.get(ns)! - t0);
  }
  watchAbort.abort();

  // 3. quiet window: let status settle, then count the operator's writes in the audit log
  await new Promise((r) => setTimeout(r, 3000));
  const quietFrom = new Date();
  log(`quiet window: ${o.quietSeconds} s`);
  await new Promise((r) => setTimeout(r, Number(o.quietSeconds) * 1000));
  const quietTo = new Date();
  const writes = readFileSync(cp.auditLogPath!, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { user?: { username?: string }; verb: string; objectRef?: { resource?: string }; stageTimestamp: string; stage: string })
    .filter((e) => e.stage === 'ResponseComplete' && e.user?.username === OPERATOR_USER && e.objectRef?.resource !== 'leases')
    .filter((e) => new Date(e.stageTimestamp) >= quietFrom && new Date(e.stageTimestamp) <= quietTo);

  // 4. peak RSS
  const status = readFileSync(`/proc/${op.proc.pid}/status`, 'utf8');
  const hwmKb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 'NaN');
  await op.stop();

  const ratio = rolloutMs / floorMs;
  console.log('');
  console.log(`namespaces                      ${N}`);
  console.log(`client                          qps ${QPS}, burst ${BURST}, concurrency/workers ${WORKERS}`);
  console.log(`rollout, operator               ${(rolloutMs / 1000).toFixed(2)} s (apply → last Secret + ServiceAccount entry, seen by watch; status ready=${N} at ${(statusMs / 1000).toFixed(2)} s)`);
  console.log(`rollout, floor script           ${(floorMs / 1000).toFixed(2)} s (same writes, same client)`);
  console.log(`operator / floor                ${ratio.toFixed(2)}x   (aim ≤ 1.2x)`);
  console.log(`namespace → Secret latency      p50 ${pct(lat, 50).toFixed(0)} ms, p99 ${pct(lat, 99).toFixed(0)} ms over ${samples} namespaces   (aim p99 < 1 s)`);
  console.log(`writes in a quiet ${o.quietSeconds} s window   ${writes.length} (audit log, user ${OPERATOR_USER}, Leases excluded)   (aim 0)`);
  console.log(`operator peak RSS (VmHWM)       ${(hwmKb / 1024).toFixed(0)} MB (NODE_OPTIONS="${nodeOptions}")`);
  if (writes.length) console.log('quiet writes:', writes.slice(0, 5).map((w) => `${w.verb} ${w.objectRef?.resource}`).join(', '));
} catch (e) {
  console.error(`bench failed: ${e instanceof Error ? e.stack : String(e)}`);
  exitCode = 1;
} finally {
  await cp.stop();
}
process.exit(exitCode);
