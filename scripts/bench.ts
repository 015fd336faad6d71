// npm run bench -- [--namespaces 2000] [--outage] [--max-requests-inflight 20] [--latency-samples 200] ...
//
// On the real local control plane (audit log on), with the operator BUNDLE (scripts/bundle.ts) run as the image
// runs it (the Deployment's NODE_OPTIONS, default flags), measures and prints:
//  0. the process floor: bare Node, the bundle loaded (`--version`), the operator started on an empty cluster;
//  1. rollout: from applying a TcrAccess until every selected namespace has its Secret and the default
//     ServiceAccount its entry (seen by watches), next to the FLOOR: the same writes (create Secret + patch
//     ServiceAccount per namespace) by a plain client with as many workers and no client-side limit;
//  2. latency: a namespace created DURING the rollout → its Secret exists (p50/p99), one at a time;
//  3. pacing (--max-requests-inflight): the API server's concurrency made small; a reader (namespaced GETs
//     and LISTs, another ServiceAccount) measures its p99 alone, then during the rollout; the operator's
//     429s (audit log) and whether it failed;
//  4. quiet writes: write requests by the operator's identity (audit log, Leases excluded) in a window starting
//     --quiet-after seconds after the rollout and its latency samples;
//  5. peak RSS of the operator process (VmHWM); with --outage, after caching 10,000 Pending pods waiting on
//     image pulls and 50,000 Failed pull Events beside the namespaces.
import { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TcrAccess } from '../src/api/v1alpha1/types.ts';
import { KubeClient } from '../src/k8s/client.ts';
import { forEachLimited } from '../src/k8s/limit.ts';
import { BUNDLE_NODE_FLAGS } from './bundle.ts';
import { REPO_ROOT, startControlPlane } from '../test/support/controlplane.ts';
import { adminClient, applyObjects, b64, readYamlObjects } from '../test/support/kube.ts';
import { operatorBundle, startOperator, type OperatorProcess } from '../test/support/operator.ts';

const o = new Command('bench')
  .option('--namespaces <n>', 'namespaces selected by the TcrAccess', '2000')
  .option('--latency-samples <n>', 'namespaces created one by one during the rollout (and after it, if it ends first)', '200')
  .option('--quiet-after <s>', 'the quiet window starts this long after the rollout and its samples', '30')
  .option('--quiet-seconds <n>', 'length of the quiet window (0 skips it)', '60')
  .option('--workers <n>', 'operator workers = floor concurrency', '16')
  .option('--outage', 'also create Pending pods waiting on image pulls and Failed pull Events before the operator starts', false)
  .option('--pending-pods <n>', 'with --outage', '10000')
  .option('--failed-events <n>', 'with --outage', '50000')
  .option('--max-requests-inflight <n>', 'start the API server with this --max-requests-inflight (half as many mutating) and run the reader', '0')
  .option('--reader-seconds <n>', 'how long the reader runs alone for its baseline', '15')
  .option('--reader-rate <n>', 'requests per second of the reader (4 at a time)', '100')
  .option('--operator-args <args>', 'more operator flags, space-separated (e.g. "--kube-api-qps=50 --kube-api-burst=100")', '')
  .option('--operator-node-options <opts>', 'NODE_OPTIONS of the operator process (default: as in manifests/deployment.yaml)', '')
  .option('--operator-node-flags <flags>', 'node command-line flags before the bundle, space-separated, as in the image\'s ENTRYPOINT (V8 flags NODE_OPTIONS refuses, e.g. "--optimize-for-size")', '')
  .option('--operator-env <vars>', 'more environment of the operator process, space-separated NAME=value (e.g. "MALLOC_ARENA_MAX=4"), over the Deployment\'s', '')
  .parse(process.argv)
  .opts<{ namespaces: string; latencySamples: string; quietAfter: string; quietSeconds: string; workers: string; outage: boolean; pendingPods: string; failedEvents: string; maxRequestsInflight: string; readerSeconds: string; readerRate: string; operatorArgs: string; operatorNodeOptions: string; operatorNodeFlags: string; operatorEnv: string }>();
const N = Number(o.namespaces);
const WORKERS = Number(o.workers);
const INFLIGHT = Number(o.maxRequestsInflight);
const SAMPLES = Number(o.latencySamples);
const OPERATOR_USER = 'system:serviceaccount:tcr-system:tcr-access-operator';
const log = (s: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
/** A field (kB) of /proc/<pid>/status: VmHWM (peak RSS), RssAnon, RssFile. */
const statusKb = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 'NaN');
const hwmKb = (pid: number) => statusKb(pid, 'VmHWM');
/** Peak RSS (kB) of a short-lived node process, reported by itself on exit. */
const maxRssOf = (args: string[], nodeOptions = '', env: Record<string, string> = {}) => {
  const hook = `--import=data:text/javascript,process.on('exit',()=>process.stderr.write('MAXRSS='+process.resourceUsage().maxRSS))`; // no spaces: NODE_OPTIONS splits on them
  const r = spawnSync(process.execPath, args, { env: { ...process.env, ...env, NODE_OPTIONS: `${nodeOptions} ${hook}` }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  return Number(/MAXRSS=(\d+)/.exec(r.stderr)?.[1] ?? NaN);
};

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });

/** The literal environment of the Deployment's container (NODE_OPTIONS, malloc tuning), as the pod runs with it. */
const deploymentEnv = Object.fromEntries(
  (readYamlObjects(path.join(REPO_ROOT, 'manifests', 'deployment.yaml')) as Array<{ spec?: { template?: { spec?: { containers?: Array<{ env?: Array<{ name: string; value?: string }> }> } } } }>)
    .flatMap((d) => d.spec?.template?.spec?.containers?.[0]?.env ?? [])
    .filter((e) => e.value !== undefined)
    .map((e) => [e.name, e.value!]),
);
const nodeOptions = o.operatorNodeOptions || deploymentEnv['NODE_OPTIONS'] || '';
/** The operator's environment besides NODE_OPTIONS: the Deployment's, then --operator-env. */
const operatorEnv: Record<string, string> = {
  ...Object.fromEntries(Object.entries(deploymentEnv).filter(([k]) => k !== 'NODE_OPTIONS')),
  ...Object.fromEntries(o.operatorEnv.split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
};
const envText = Object.entries(operatorEnv).map(([k, v]) => `${k}=${v}`).join(' ');
const bundle = operatorBundle();
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
log(`load average ${load()} (${os.cpus().length} cores); bundle ${bundle}; NODE_OPTIONS="${nodeOptions}" ${envText}`);

// 0. process floor
const bareNode = maxRssOf(['-e', 'process.exit(0)'], nodeOptions, operatorEnv);
const bundleLoaded = maxRssOf([...BUNDLE_NODE_FLAGS, bundle, '--version'], nodeOptions, operatorEnv);

const cp = await startControlPlane({ auditPolicy: true, extraApiServerArgs: INFLIGHT > 0 ? [`--max-requests-inflight=${INFLIGHT}`, `--max-mutating-requests-inflight=${Math.max(1, Math.floor(INFLIGHT / 2))}`] : [] });
let exitCode = 0;
let op: OperatorProcess | undefined;
try {
  const admin = adminClient(cp.kubeConfig);
  const installed = readdirSync(path.join(REPO_ROOT, 'manifests'))
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((f) => readYamlObjects(path.join(REPO_ROOT, 'manifests', f)))
    .filter((x) => ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'FlowSchema'].includes(x.kind!));
  await applyObjects(cp.kubeConfig, installed);
  await admin.create('/api/v1/namespaces/tcr-system/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'robot' }, data: { username: b64('robot'), password: b64('bench-password') } });
  const { kubeConfig: opKc, path: opKubeconfig } = await cp.kubeConfigFor('tcr-system', 'tcr-access-operator');
  const metricsPort = await freePort();
  const operatorArgs = [`--workers=${WORKERS}`, '--status-debounce=1s', `--metrics-bind-address=127.0.0.1:${metricsPort}`, ...o.operatorArgs.split(' ').filter(Boolean)];
  /** Samples of the operator's own metrics (heap, client pacing). */
  const scrape = async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const v = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    const sum = (name: string) => [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
    return { heapUsed: v('tcra_process_nodejs_heap_size_used_bytes'), heapTotal: v('tcra_process_nodejs_heap_size_total_bytes'), external: v('tcra_process_nodejs_external_memory_bytes'), limit: v('tcra_kube_client_inflight_limit'), backoffs: sum('tcra_kube_client_backoffs_total'), throttledBackoffs: Number(/tcra_kube_client_backoffs_total\{reason="throttled"\} (\S+)/.exec(text)?.[1] ?? NaN) };
  };
  const runOperator = () => startOperator({ nodeArgs: o.operatorNodeFlags.split(' ').filter(Boolean), entry: bundle, env: { ...operatorEnv, NODE_OPTIONS: `${BUNDLE_NODE_FLAGS.join(' ')} ${nodeOptions}` }, kubeconfig: opKubeconfig, namespace: 'tcr-system', args: operatorArgs });
  const alive = (p: OperatorProcess) => {
    if (p.proc.exitCode === null && p.proc.signalCode === null) return;
    const file = path.join(os.tmpdir(), `bench-operator-${p.proc.pid}.log`);
    writeFileSync(file, p.logs.join('\n'));
    throw new Error(`operator exited (${p.proc.exitCode ?? p.proc.signalCode}), its log: ${file}\n${p.logs.filter((l) => !/^\s*\d+: 0x/.test(l)).slice(-8).join('\n')}`);
  };
  const waitStarted = async (p: OperatorProcess) => {
    while (!p.logs.some((l) => l.includes('"Controller started"'))) {
      alive(p);
      await sleep(50);
    }
  };

  // 0b. the operator started on a cluster with nothing to do
  const idle = runOperator();
  await waitStarted(idle);
  await sleep(3000);
  const idleKb = hwmKb(idle.proc.pid!);
  await idle.stop();

  log(`creating ${N} namespaces with a default ServiceAccount`);
  const names = Array.from({ length: N }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
  await forEachLimited(names, 64, async (name) => {
    await admin.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { bench: 'yes' } } });
    await admin.create(`/api/v1/namespaces/${name}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
  });

  if (o.outage) {
    const pods = Number(o.pendingPods);
    const events = Number(o.failedEvents);
    log(`outage: ${pods} Pending pods waiting on image pulls, ${events} Failed pull Events`);
    const image = (i: number) => `bench.tencentcloudcr.com/team-${i % 50}/service-${i}:v1.${i % 97}`;
    const pullError = (i: number) =>
      `Failed to pull image "${image(i)}": failed to pull and unpack image "${image(i)}": failed to resolve reference "${image(i)}": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed: ` + 'x'.repeat(1500);
    await forEachLimited(Array.from({ length: pods }, (_, i) => i), 64, async (i) => {
      const ns = names[i % N]!;
      const name = `stuck-${i}`;
      await admin.create(`/api/v1/namespaces/${ns}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: image(i) }], imagePullSecrets: [{ name: 'tcr-pull' }] } });
      await admin.request({ method: 'PATCH', path: `/api/v1/namespaces/${ns}/pods/${name}/status`, contentType: 'application/merge-patch+json', body: { status: { phase: 'Pending', containerStatuses: [{ name: 'app', image: image(i), imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image(i)}": ErrImagePull: ${pullError(i)}` } } }] } } });
    });
    await forEachLimited(Array.from({ length: events }, (_, i) => i), 64, async (i) => {
      const p = i % pods;
      const ns = names[p % N]!;
      await admin.create(`/api/v1/namespaces/${ns}/events`, {
        apiVersion: 'v1', kind: 'Event', metadata: { name: `stuck-${p}.${i}` }, type: 'Warning', reason: 'Failed', message: pullError(p),
        involvedObject: { kind: 'Pod', namespace: ns, name: `stuck-${p}`, apiVersion: 'v1', fieldPath: 'spec.containers{app}' },
        source: { component: 'kubelet', host: 'node-1' }, firstTimestamp: new Date().toISOString(), lastTimestamp: new Date().toISOString(), count: 1,
      });
    });
  }

  // 1a. floor: the same writes by a plain client, as many workers, no client-side limit
  const floorClient = new KubeClient(opKc, { qps: 1e6, burst: 1e6, aimd: false, maxThrottleRetries: 1000 });
  const payload = b64(JSON.stringify({ auths: { 'bench.tencentcloudcr.com': { username: 'robot', password: 'bench-password', auth: b64('robot:bench-password') } } }));
  log(`floor: create Secret + patch ServiceAccount in ${N} namespaces, ${WORKERS} workers, no client-side limit`);
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

  // 3a. the reader alone
  const reader = INFLIGHT > 0 ? await startReaderClient() : undefined;
  let readerAlone: number[] = [];
  if (reader) {
    log(`reader alone for ${o.readerSeconds} s (API server --max-requests-inflight=${INFLIGHT})`);
    readerAlone = await reader.run(Number(o.readerSeconds) * 1000);
  }

  // 1b. the operator
  op = runOperator();
  const startedAt = Date.now();
  // where the peak comes from: the anonymous RSS sampled every 100 ms, its maximum per phase
  // (and, every 500 ms from its metrics, the V8 heap's size and the memory held outside it by Buffers)
  const anonPeak = new Map<string, number>();
  const heapPeak = new Map<string, { total: number; external: number }>();
  let phase = 'start + initial lists';
  const opPid = op.proc.pid!;
  let ticks = 0;
  const sampler = setInterval(() => {
    try {
      anonPeak.set(phase, Math.max(anonPeak.get(phase) ?? 0, statusKb(opPid, 'RssAnon')));
    } catch {
      // exited
    }
    if (ticks++ % 5) return;
    const at = phase;
    scrape().then(
      (s) => {
        const p = heapPeak.get(at) ?? { total: 0, external: 0 };
        heapPeak.set(at, { total: Math.max(p.total, s.heapTotal || 0), external: Math.max(p.external, s.external || 0) });
      },
      () => undefined, // not serving metrics yet
    );
  }, 100);
  await waitStarted(op);
  phase = 'rollout';
  log(`operator caches synced in ${Date.now() - startedAt} ms; applying the TcrAccess`);
  const hasSecret = new Set<string>();
  const hasEntry = new Set<string>();
  const secretSeenAt = new Map<string, number>();
  let doneAt = 0;
  const check = () => {
    if (!doneAt && hasSecret.size >= N && hasEntry.size >= N) doneAt = performance.now();
  };
  const watchAbort = new AbortController();
  const secretList = await admin.get<{ metadata: { resourceVersion: string } }>('/api/v1/secrets', { labelSelector: 'tcr.tke.dev/access=bench', limit: 1 });
  const saList = await admin.get<{ metadata: { resourceVersion: string } }>('/api/v1/serviceaccounts', { limit: 1 });
  void admin
    .watch<{ metadata: { namespace: string } }>('/api/v1/secrets', { labelSelector: 'tcr.tke.dev/access=bench', resourceVersion: secretList.metadata.resourceVersion }, (ev) => {
      const ns = ev.object.metadata.namespace;
      if (ev.type !== 'ADDED') return;
      if (ns.startsWith('bench-')) hasSecret.add(ns);
      else if (!secretSeenAt.has(ns)) secretSeenAt.set(ns, performance.now());
      check();
    }, { signal: watchAbort.signal, idleTimeoutMs: 600_000 })
    .catch((e: unknown) => log(`secret watch ended: ${String(e)}`));
  void admin
    .watch<{ metadata: { namespace: string }; imagePullSecrets?: Array<{ name: string }> }>('/api/v1/serviceaccounts', { resourceVersion: saList.metadata.resourceVersion }, (ev) => {
      if (ev.object.metadata.namespace.startsWith('bench-') && ev.object.imagePullSecrets?.some((r) => r.name === 'tcr-pull')) hasEntry.add(ev.object.metadata.namespace);
      check();
    }, { signal: watchAbort.signal, idleTimeoutMs: 600_000 })
    .catch((e: unknown) => log(`serviceaccount watch ended: ${String(e)}`));
  const rolloutFrom = new Date();
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
  // 3b. the reader during the rollout
  const readerDuring = reader ? reader.run(() => doneAt > 0) : Promise.resolve([]);
  // 2. latency samples, one at a time, from the start of the rollout
  const lat: Array<{ ms: number; duringRollout: boolean }> = [];
  for (let i = 0; i < SAMPLES; i++) {
    const ns = `late-${i}`;
    const t0 = performance.now();
    await admin.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { bench: 'yes' } } });
    while (!secretSeenAt.has(ns)) {
      alive(op);
      await sleep(1);
    }
    lat.push({ ms: secretSeenAt.get(ns)! - t0, duringRollout: !doneAt });
  }
  while (!doneAt) {
    alive(op);
    await sleep(20);
  }
  phase = 'after the rollout';
  const rolloutMs = doneAt - t;
  const readerRollout = await readerDuring;
  const rolloutTo = new Date();
  watchAbort.abort();
  for (;;) {
    const a = await admin.get<TcrAccess>('/apis/tcr.tke.dev/v1alpha1/tcraccesses/bench');
    if (a.status?.secrets?.ready === N + SAMPLES && a.status.secrets.desired === N + SAMPLES) break;
    await sleep(100);
  }
  const statusMs = performance.now() - t;
  const secrets = await admin.get<{ items: unknown[] }>('/api/v1/secrets', { labelSelector: 'tcr.tke.dev/access=bench' });
  if (secrets.items.length !== N + SAMPLES) throw new Error(`status said ready but found ${secrets.items.length} Secrets`);
  const rssAfterRollout = hwmKb(op.proc.pid!);

  // 4. quiet window
  const quietSeconds = Number(o.quietSeconds);
  let quietFrom = new Date();
  let quietTo = quietFrom;
  if (quietSeconds > 0) {
    log(`waiting ${o.quietAfter} s, then a quiet window of ${quietSeconds} s`);
    await sleep(Number(o.quietAfter) * 1000);
    quietFrom = new Date();
    await sleep(quietSeconds * 1000);
    quietTo = new Date();
  }
  type Audit = { user?: { username?: string }; verb: string; objectRef?: { resource?: string }; stageTimestamp: string; stage: string; responseStatus?: { code?: number } };
  const audit = readFileSync(cp.auditLogPath!, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Audit)
    .filter((e) => e.stage === 'ResponseComplete' && e.user?.username === OPERATOR_USER);
  const between = (e: Audit, from: Date, to: Date) => new Date(e.stageTimestamp) >= from && new Date(e.stageTimestamp) <= to;
  const quietWrites = quietSeconds > 0 ? audit.filter((e) => e.objectRef?.resource !== 'leases' && between(e, quietFrom, quietTo)) : [];
  const rolloutWrites = audit.filter((e) => between(e, rolloutFrom, rolloutTo));
  const throttled = rolloutWrites.filter((e) => e.responseStatus?.code === 429).length;
  const errorLogs = op.logs.filter((l) => l.includes('"level":"error"'));
  const peakKb = hwmKb(op.proc.pid!);
  const [anonKb, fileKb] = [statusKb(op.proc.pid!, 'RssAnon'), statusKb(op.proc.pid!, 'RssFile')];
  const m = await scrape();
  clearInterval(sampler);
  await op.stop();

  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const during = lat.filter((l) => l.duringRollout).map((l) => l.ms);
  const all = lat.map((l) => l.ms);
  const ratio = rolloutMs / floorMs;
  console.log('');
  console.log(`load average (1/5/15 min)       ${load()} at the end; ${os.cpus().length} cores`);
  console.log(`namespaces                      ${N}${o.outage ? `, outage: ${o.pendingPods} Pending pods waiting on pulls, ${o.failedEvents} Failed pull Events` : ''}`);
  console.log(`operator                        bundle, NODE_OPTIONS="${nodeOptions}" ${envText}${o.operatorNodeFlags ? `, node ${o.operatorNodeFlags}` : ''}, flags: ${operatorArgs.join(' ')}${INFLIGHT ? `; API server --max-requests-inflight=${INFLIGHT}` : ''}`);
  console.log(`rollout, operator               ${(rolloutMs / 1000).toFixed(2)} s (apply → last Secret + ServiceAccount entry, by watch; status ready at ${(statusMs / 1000).toFixed(2)} s)`);
  console.log(`rollout, floor (plain client)   ${(floorMs / 1000).toFixed(2)} s (same writes, ${WORKERS} workers, no client-side limit)`);
  console.log(`operator / floor                ${ratio.toFixed(2)}x   (goal ≤ 2x)`);
  console.log(`namespace → Secret, in rollout  p50 ${ms(pct(during, 50))}, p99 ${ms(pct(during, 99))} over ${during.length} samples   (goal p99 < 100 ms over ≥ 200)`);
  console.log(`namespace → Secret, all         p50 ${ms(pct(all, 50))}, p99 ${ms(pct(all, 99))}, max ${ms(Math.max(...all))} over ${all.length} samples`);
  if (reader) {
    const a = pct(readerAlone, 99);
    const b = pct(readerRollout, 99);
    console.log(`reader p99 alone / in rollout   ${ms(a)} (${readerAlone.length} req) / ${ms(b)} (${readerRollout.length} req) = ${(b / a).toFixed(2)}x   (goal ≤ 2x)`);
  }
  console.log(`operator 429s during rollout    ${throttled} of ${rolloutWrites.length} writes (audit log); error log lines: ${errorLogs.length}`);
  console.log(`operator client pacing          window now ${m.limit}, narrowed ${m.backoffs} times (${m.throttledBackoffs} on 429s, the rest on latency)`);
  if (quietSeconds > 0) console.log(`writes in the quiet window      ${quietWrites.length} in ${quietSeconds} s starting ${o.quietAfter} s after (audit log, user ${OPERATOR_USER}, Leases excluded)   (goal 0)`);
  console.log(`process floor                   bare node ${mb(bareNode)}, bundle loaded (--version) ${mb(bundleLoaded)}, operator started on an empty cluster ${mb(idleKb)}`);
  console.log(`operator peak RSS (VmHWM)       ${mb(peakKb)} (${mb(rssAfterRollout)} at the end of the rollout; now anonymous ${mb(anonKb)} + file ${mb(fileKb)}; V8 heap used ${(m.heapUsed / 2 ** 20).toFixed(0)} MB of ${(m.heapTotal / 2 ** 20).toFixed(0)} MB at the end)   (goal ≤ 120 MB at 2,000, ≤ 140 MB at 10,000)`);
  console.log(`peak anonymous RSS by phase     ${[...anonPeak].map(([k, v]) => `${k} ${mb(v)}`).join(', ')} (sampled every 100 ms)`);
  console.log(`peak V8 heap / external memory  ${[...heapPeak].map(([k, v]) => `${k} ${mb(v.total / 1024)} / ${mb(v.external / 1024)}`).join(', ')} (metrics, every 500 ms)`);
  if (quietWrites.length) console.log('quiet writes:', quietWrites.slice(0, 10).map((w) => `${w.verb} ${w.objectRef?.resource}`).join(', '));
  if (errorLogs.length) console.log('operator errors:', errorLogs.slice(0, 3).join('\n'));

  /** A reader (another ServiceAccount, with get/list on Secrets and ServiceAccounts): namespaced GETs and LISTs, 4 at a time, --reader-rate per second. */
  async function startReaderClient() {
    await admin.create('/apis/rbac.authorization.k8s.io/v1/clusterroles', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'bench-reader' }, rules: [{ apiGroups: [''], resources: ['secrets', 'serviceaccounts'], verbs: ['get', 'list'] }] });
    await admin.create('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'bench-reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'bench-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'bench-reader' }] });
    const { kubeConfig } = await cp.kubeConfigFor('bench-reader', 'reader');
    const c = new KubeClient(kubeConfig, { qps: 1e6, burst: 1e6, aimd: false, maxThrottleRetries: 1000 });
    return {
      async run(until: number | (() => boolean)): Promise<number[]> {
        const end = typeof until === 'number' ? performance.now() + until : 0;
        const stop = typeof until === 'number' ? () => performance.now() >= end : until;
        const out: number[] = [];
        await Promise.all(
          Array.from({ length: 4 }, async (_, w) => {
            const every = (4 * 1000) / Number(o.readerRate);
            for (let i = w; !stop(); i += 4) {
              const ns = names[(i * 7919) % N]!;
              const t0 = performance.now();
              if (i % 2) await c.get(`/api/v1/namespaces/${ns}/serviceaccounts/default`);
              else await c.get(`/api/v1/namespaces/${ns}/secrets`);
              const took = performance.now() - t0;
              out.push(took);
              await sleep(Math.max(0, every - took));
            }
          }),
        );
        return out;
      },
    };
  }
} catch (e) {
  console.error(`bench failed: ${e instanceof Error ? e.stack : String(e)}`);
  exitCode = 1;
} finally {
  await op?.stop();
  await cp.stop();
}
process.exit(exitCode);
