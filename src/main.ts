#!/usr/bin/env node
// tcr-access-operator: flags and environment → wiring. No logic here.
import { KubeConfig } from '@kubernetes/client-node';
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { SdkCloudFactory } from './cloud/tencent/factory.ts';
import { TcrAccessController } from './controllers/tcraccess/controller.ts';
import { Annotations } from './webhook/wiring.ts';
import { KubeClient } from './k8s/client.ts';
import { parseDuration } from './k8s/duration.ts';
import { EventRecorder } from './k8s/events.ts';
import { LeaderElector } from './k8s/leader.ts';
import { createLogger } from './k8s/logger.ts';
import { createMetrics } from './k8s/metrics.ts';
import { metricsServer, probeServer } from './k8s/probes.ts';
import { VERSION } from './version.ts';

const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

function defaultNamespace(): string {
  if (process.env['POD_NAMESPACE']) return process.env['POD_NAMESPACE'];
  try {
    return readFileSync(SA_NAMESPACE_FILE, 'utf8').trim();
  } catch {
    return 'tcr-system';
  }
}

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${v}"`);
  return n;
};
const booleanFlag = (name: string) => (v: string) => {
  if (v === 'true' || v === 'false') return v === 'true';
  throw new Error(`--${name} must be true or false, got "${v}"`);
};
const positiveNumber = (name: string) => (v: string) => {
  const n = Number(v);
  if (!(n > 0)) throw new Error(`--${name} must be a positive number, got "${v}"`);
  return n;
};

export interface Flags {
  kubeconfig?: string;
  namespace: string;
  sourceNamespaces: string[];
  leaderElect: boolean;
  leaderElectionId: string;
  leaderElectionNamespace?: string;
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
  metricsBindAddress: string;
  healthProbeBindAddress: string;
  kubeApiQps: number;
  kubeApiBurst: number;
  workers: number;
  clusterId: string;
  minTokenRotationPeriod: string;
  cloudAmbientCredentials: boolean;
  tencentcloudEndpoint?: string;
  tencentcloudProtocol: 'https://' | 'http://';
  tencentcloudStsEndpoint?: string;
  tencentcloudTimeout: string;
  webhookBindAddress: string;
  webhookService: string;
  webhookCertSecret: string;
  webhookUrl?: string;
  webhookIpSans: string[];
  resyncPeriod: string;
  statusDebounce: string;
  shutdownTimeout: string;
  cacheSyncTimeout: string;
  watchIdleTimeout: string;
  diagnosePulls: boolean;
  logLevel: string;
}

export function buildCli(): Command {
  return new Command('tcr-access-operator')
    .version(VERSION, '--version', 'print the version and exit')
    .description('Kubernetes operator that makes Tencent Container Registry (TCR) just work for TKE and TKE Serverless clusters')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or the in-cluster config)')
    .option('--namespace <ns>', "the operator's own namespace (default: $POD_NAMESPACE or the service account's)", defaultNamespace())
    .option('--source-namespaces <list>', 'extra namespaces whose Secrets TcrAccess objects may use as sources (comma-separated)', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean), [] as string[])
    .option('--leader-elect', 'elect a leader on a Lease so that only one replica writes', false)
    .option('--leader-election-id <name>', 'name of the Lease', 'tcr-access-operator-leader')
    .option('--leader-election-namespace <ns>', 'namespace of the Lease (default: --namespace)')
    .option('--lease-duration <d>', 'how long non-leaders wait before taking an unrenewed lease', '15s')
    .option('--renew-deadline <d>', 'how long the leader keeps trying to renew before it stops leading', '10s')
    .option('--retry-period <d>', 'interval between lease attempts', '2s')
    .option('--metrics-bind-address <addr>', 'address of /metrics ("0" disables)', ':8080')
    .option('--health-probe-bind-address <addr>', 'address of /healthz and /readyz ("0" disables)', ':8081')
    .option('--kube-api-qps <n>', 'ceiling of requests per second to the API server (below it, the pace is set by the server: 429s, Retry-After and latency)', positiveNumber('kube-api-qps'), 1000)
    .option('--kube-api-burst <n>', 'ceiling of the request burst', positiveInt('kube-api-burst'), 2000)
    .option('--workers <n>', 'concurrent reconciles, plus one kept for the fast lane (a new namespace, a changed object)', positiveInt('workers'), 16)
    .option('--resync-period <d>', 'full check of every TcrAccess, conflicts included', '10m')
    .option('--status-debounce <d>', 'coalesces status writes while many namespaces change', '1s')
    .option('--shutdown-timeout <d>', 'how long SIGTERM waits for in-flight reconciles', '20s')
    .option('--watch-idle-timeout <d>', 'a watch silent this long (no event, no bookmark; the API server bookmarks about every minute) is taken as dead and restarted', '150s')
    .option('--cache-sync-timeout <d>', 'exit non-zero when the caches have not listed within this time (a missing CRD or RBAC), so the failure shows and another replica can lead', '2m')
    .option('--tencentcloud-endpoint <host>', 'Tencent Cloud API host; "{service}" is replaced by tcr/vpc/sts, e.g. "{service}.internal.tencentcloudapi.com" in clusters without Internet egress, or "127.0.0.1:9000" for the emulator (default: {service}.tencentcloudapi.com)')
    .addOption(new Option('--tencentcloud-protocol <p>', 'scheme of --tencentcloud-endpoint').choices(['https://', 'http://']).default('https://'))
    .option('--tencentcloud-sts-endpoint <host>', 'STS host for TKE pod identity (default: as --tencentcloud-endpoint)')
    .option('--tencentcloud-timeout <d>', 'timeout of one Tencent Cloud API request', '10s')
    .option('--webhook-bind-address <addr>', 'address of the pod-annotation webhook (HTTPS; "0" disables it)', ':9443')
    .option('--webhook-service <name>', 'Service in front of the webhook (certificate SANs)', 'tcr-access-operator-webhook')
    .option('--webhook-cert-secret <name>', 'Secret holding the webhook serving certificate and its CA', 'tcr-access-operator-webhook-cert')
    .option('--webhook-url <url>', 'reach the webhook at this URL instead of through --webhook-service (an operator outside the cluster)')
    .option('--webhook-ip-sans <list>', 'extra IP SANs of the webhook certificate (comma-separated)', (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean), [] as string[])
    .option('--cluster-id <id>', 'identifies this cluster in the markers of cloud resources it creates (tags, descriptions): use the TKE cluster ID', process.env['CLUSTER_ID'] ?? 'default')
    .option('--no-diagnose-pulls', 'do not watch Pending Pods and Failed Pod Events (no PullHealthy); the operator then needs no Pod or Event read access (see README, RBAC)')
    .option('--cloud-ambient-credentials <bool>', "the operator's own cloud identity (environment, TKE pod identity, CVM role) serves TcrAccess objects without cloudCredentials", booleanFlag('cloud-ambient-credentials'), true)
    .option('--min-token-rotation-period <d>', 'long-term instance tokens are never rotated more often than this; a shorter rotationPeriod gives the reason RotationPeriodTooShort', '1h')
    .addOption(new Option('--log-level <level>', 'log level').choices(['error', 'warn', 'info', 'debug']).default('info'));
}

function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

export async function run(argv: string[]): Promise<void> {
  const f = buildCli().parse(argv).opts<Flags>();
  const durations = {
    lease: parseDuration(f.leaseDuration),
    renew: parseDuration(f.renewDeadline),
    retry: parseDuration(f.retryPeriod),
    resync: parseDuration(f.resyncPeriod),
    debounce: parseDuration(f.statusDebounce),
    shutdown: parseDuration(f.shutdownTimeout),
    cloudTimeout: parseDuration(f.tencentcloudTimeout),
    cacheSync: parseDuration(f.cacheSyncTimeout),
    watchIdle: parseDuration(f.watchIdleTimeout),
    minRotation: parseDuration(f.minTokenRotationPeriod),
  };
  if (durations.renew >= durations.lease) throw new Error('--renew-deadline must be shorter than --lease-duration');
  const logger = createLogger(f.logLevel);
  const metrics = createMetrics();
  const kc = loadKubeConfig(f.kubeconfig);
  const client = new KubeClient(kc, {
    qps: f.kubeApiQps,
    burst: f.kubeApiBurst,
    userAgent: 'tcr-access-operator',
    watchIdleTimeoutMs: durations.watchIdle,
    onResponse: (verb, code) => metrics.kubeResponse(verb, code),
  });
  const gate = client.gate;
  if (gate) metrics.clientPacing(() => ({ limit: gate.window.limit, inFlight: gate.active, ...gate.window.stats }));
  const events = new EventRecorder(client, 'tcr-access-operator', logger, () => metrics.writes.inc({ resource: 'events', verb: 'create' }));
  const sourceNamespaces = [f.namespace, ...f.sourceNamespaces.filter((n) => n !== f.namespace)];
  const opts = { sourceNamespaces, workers: f.workers, resyncPeriodMs: durations.resync, statusDebounceMs: durations.debounce, cleanupConcurrency: 16, clusterId: f.clusterId, minRotationMs: durations.minRotation, ambientCredentials: f.cloudAmbientCredentials, diagnosePulls: f.diagnosePulls };
  if (f.clusterId === 'default') {
    logger.warn('--cluster-id is not set: set it to the TKE cluster ID, so that the cloud resources of this cluster are told apart from those of other clusters using the same TCR instance (the marker also carries each TcrAccess UID)');
  }
  logger.info('Starting', { version: VERSION, namespace: f.namespace, sourceNamespaces, leaderElect: f.leaderElect, server: client.server });

  const cloudAbort = new AbortController();
  const endpoint = (host: string | undefined) => (host ? { host, protocol: f.tencentcloudProtocol } : undefined);
  const cloud = new SdkCloudFactory({
    endpoint: endpoint(f.tencentcloudEndpoint),
    stsEndpoint: endpoint(f.tencentcloudStsEndpoint ?? f.tencentcloudEndpoint),
    timeoutSeconds: durations.cloudTimeout / 1000,
    logger,
    signal: cloudAbort.signal,
    onCall: (c) => {
      metrics.cloudRequests.inc({ service: c.service, action: c.action, code: c.code });
      metrics.cloudDuration.observe({ service: c.service, action: c.action }, c.seconds);
    },
  });

  // Serverless registry annotations: every replica serves the webhook; the leader keeps its configuration,
  // certificate and kube-system/eks-config in step.
  const annotationsAbort = new AbortController();
  let elector: LeaderElector | undefined;
  const annotations =
    f.webhookBindAddress === '0'
      ? undefined
      : new Annotations({
          client,
          logger,
          metrics,
          namespace: f.namespace,
          bindAddress: f.webhookBindAddress,
          service: f.webhookService,
          certSecret: f.webhookCertSecret,
          ...(f.webhookUrl ? { url: f.webhookUrl } : {}),
          ips: f.webhookIpSans,
          isLeader: () => (elector ? elector.isLeader : true),
          signal: annotationsAbort.signal,
        });
  void annotations?.start().catch((e: unknown) => logger.error('Annotation webhook failed to start', { error: String(e) }));

  let controller: TcrAccessController | undefined;
  let cachesReady = false;
  let stopping = false;
  const startController = async () => {
    const c = (controller = new TcrAccessController({ client, logger, metrics, events, opts, cloud }));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), durations.cacheSync)));
    const synced = await Promise.race([c.startCaches().then(() => false), timedOut]);
    clearTimeout(timer);
    if (synced !== false) {
      // like controller-runtime's CacheSyncTimeout: a leader that cannot work gives the Lease up, visibly
      logger.error('Timed out waiting for the caches to sync: check that the CRD is installed and the RBAC of manifests/ is applied', {
        cacheSyncTimeoutMs: durations.cacheSync,
        unsynced: c.unsyncedCaches(),
      });
      void shutdown('cache sync timeout', 1);
      return;
    }
    if (stopping || controller !== c) return;
    cachesReady = true;
    c.startWorkers();
    logger.info('Controller started', { workers: f.workers });
  };
  const stopController = async (timeoutMs: number) => {
    const c = controller;
    controller = undefined;
    await c?.stop(timeoutMs);
  };

  // Ready: leading or campaigning (or, without election, caches synced), and the webhook, when enabled,
  // listens with a certificate: pods created during a rollout must not miss their annotations.
  const probes = await probeServer(f.healthProbeBindAddress, {
    healthy: () => true,
    ready: () => (f.leaderElect ? elector !== undefined : cachesReady) && (!annotations || annotations.serving),
  });
  const metricsSrv = await metricsServer(f.metricsBindAddress, metrics.registry);

  if (f.leaderElect) {
    metrics.leading(f.leaderElectionId, false);
    elector = new LeaderElector({
      client,
      namespace: f.leaderElectionNamespace ?? f.namespace,
      name: f.leaderElectionId,
      identity: `${hostname()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`,
      leaseDurationMs: durations.lease,
      renewDeadlineMs: durations.renew,
      retryPeriodMs: durations.retry,
      logger,
      onStartedLeading: () => {
        metrics.leading(f.leaderElectionId, true);
        annotations?.scheduleSync();
        void startController().catch((e: unknown) => logger.error('Controller failed to start', { error: String(e) }));
      },
      // Stop everything at once (another replica may already be leading): no Kubernetes write, no cloud
      // call; then exit, as controller-runtime does, so the pod restarts as a fresh candidate.
      onStoppedLeading: async () => {
        metrics.leading(f.leaderElectionId, false);
        controller?.stopWriting(); // before the cloud abort: an aborted cloud step must not write its status
        cloudAbort.abort();
        annotationsAbort.abort();
        logger.error('leader election lost: stopping all work and exiting', { cloudRequestsSent: cloud.requestsSent });
        void shutdown('leader election lost', 1); // not awaited: shutdown waits for the elector's loop, which is here
      },
    });
    elector.start();
  } else {
    await startController();
  }

  async function shutdown(signal: string, exitCode = 0): Promise<void> {
    if (stopping) return;
    stopping = true;
    logger.info('Shutting down: draining in-flight reconciles', { signal });
    // after a lost leadership nothing in flight may finish: another replica may already lead
    await stopController(exitCode === 0 ? durations.shutdown : 0);
    cloudAbort.abort();
    annotationsAbort.abort();
    await annotations?.stop();
    await elector?.stop();
    probes?.close();
    metricsSrv?.close();
    await client.close();
    logger.info('Stopped');
    logger.on('finish', () => process.exit(exitCode));
    logger.end();
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

run(process.argv).catch((e: unknown) => {
  console.error(`tcr-access-operator: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
