// A real kube-apiserver + etcd on loopback for the integration tests (envtest, without Go in the test process).
//
// startControlPlane() resolves the binaries with scripts/envtest-bins.sh (builds them once from the Go module proxy),
// generates throw-away certificates with openssl, starts etcd and kube-apiserver (TLS, RBAC, ServiceAccount admission
// on, static admin token), waits until the apiserver is ready, writes an admin kubeconfig and installs crds/*.yaml.
//
// Set TCRA_KEEP_CONTROLPLANE_DIR=1 to keep the temp dir (logs, certs, kubeconfig) after stop().
import { ApiError, KubeClient } from '../../src/k8s/client.ts';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';

const execFileP = promisify(execFile);

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

const APISERVER_READY_TIMEOUT_MS = 90_000;
const ETCD_READY_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 200;
const STOP_GRACE_MS = 10_000;

export interface StartOptions {
  /** Appended to the kube-apiserver command line (later flags win). */
  extraApiServerArgs?: string[];
  /** Write an audit log (Metadata level, write verbs only) to `<dir>/audit.log`. */
  auditPolicy?: boolean;
  /** Runs kube-apiserver through this command prefix (e.g. `nsenter -t <pid> -m --`, see test/support/node/). */
  wrapCommand?: string[];
}

export interface RawResponse {
  status: number;
  body: string;
  /** Parses `body` as JSON. */
  json<T = unknown>(): T;
}

export interface RawRequestOptions {
  method?: string;
  /** Bearer token; defaults to the admin token. Pass `null` for an anonymous request. */
  token?: string | null;
  /** Serialized as JSON unless already a string. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Socket timeout (default 30 s). */
  timeoutMs?: number;
}

export interface ControlPlane {
  /** Admin kubeconfig file (bearer token, user `admin`, group `system:masters`). */
  readonly kubeconfigPath: string;
  /** Admin KubeConfig. */
  readonly kubeConfig: k8s.KubeConfig;
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  /** PEM of the CA that signed the apiserver serving cert (also usable to sign webhook serving certs: see `dir`). */
  readonly caPem: string;
  /** Temp dir with certs (ca.crt, ca.key), logs (etcd.log, kube-apiserver.log), kubeconfigs. */
  readonly dir: string;
  /** Set when started with `auditPolicy: true`. */
  readonly auditLogPath?: string;
  /** The static admin bearer token. */
  readonly adminToken: string;
  /** Mints a real ServiceAccount token (TokenRequest API, 1 h), creating the namespace and SA if missing. */
  tokenFor(namespace: string, serviceAccount: string): Promise<string>;
  /** A kubeconfig file + KubeConfig authenticating as that ServiceAccount. */
  kubeConfigFor(namespace: string, serviceAccount: string): Promise<{ kubeConfig: k8s.KubeConfig; path: string }>;
  /** (Re)installs every CustomResourceDefinition found in crds/ and waits until each is Established. */
  installCrds(): Promise<void>;
  /** Raw HTTPS request against the apiserver (admin token unless `token` is given). */
  request(apiPath: string, opts?: RawRequestOptions): Promise<RawResponse>;
  /** SIGTERMs kube-apiserver then etcd (SIGKILL after 10 s) and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Child-process bookkeeping: every server we start is killed when this process goes away, whatever the reason.

/** Every server process started by this module that has not exited yet. */
const liveChildren = new Set<ChildProcess>();
/** One watchdog per control plane, keyed by its temp dir. */
const watchdogs = new Map<string, ChildProcess>();
let exitHooksInstalled = false;

function alive(p: ChildProcess): boolean {
  return p.pid !== undefined && p.exitCode === null && p.signalCode === null;
}

function killSync(p: ChildProcess, signal: NodeJS.Signals): void {
  if (!alive(p) || p.pid === undefined) return;
  try {
    process.kill(p.pid, signal);
  } catch {
    // already gone
  }
}

const verbose = (): boolean => process.env.TCRA_CONTROLPLANE_VERBOSE === '1';
const keepDir = (): boolean => process.env.TCRA_KEEP_CONTROLPLANE_DIR === '1';

/** Last-resort cleanup when the process is going away (synchronous: runs in 'exit' and signal handlers). */
function killAllSync(): void {
  for (const child of liveChildren) killSync(child, 'SIGKILL');
  for (const [dir, dog] of watchdogs) {
    killSync(dog, 'SIGKILL');
    if (!keepDir()) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  }
  watchdogs.clear();
}

export function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      killAllSync();
      process.removeListener(signal, handler);
      // Re-raise so the default behaviour (or another listener's) still applies.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, handler);
  }
}

/**
 * Covers what no in-process handler can: this process being SIGKILLed (e.g. a CI timeout). A tiny detached shell
 * polls our pid once a second; when we are gone it TERMs (then KILLs) the pids listed in `<dir>/pids` and removes
 * the dir. Killed by stop() and by the exit handlers in the normal paths.
 */
function spawnWatchdog(dir: string): ChildProcess {
  const script =
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done; ' +
    'pids=$(cat "$2/pids" 2>/dev/null); ' +
    'if [ -n "$pids" ]; then kill -TERM $pids 2>/dev/null; sleep 5; kill -KILL $pids 2>/dev/null; fi; ' +
    '[ "$3" = keep ] || rm -rf "$2"';
  const args = ['-c', script, 'tcra-watchdog', String(process.pid), dir, keepDir() ? 'keep' : 'remove'];
  const dog = spawn('sh', args, { detached: true, stdio: 'ignore' });
  dog.unref();
  watchdogs.set(dir, dog);
  return dog;
}

function writePidsFile(dir: string, servers: Server[]): void {
  const pids = servers.filter(isRunning).map((s) => s.child.pid);
  try {
    writeFileSync(path.join(dir, 'pids'), pids.join(' ') + '\n');
  } catch {
    // dir already removed
  }
}

export interface Server {
  name: string;
  child: ChildProcess;
  logPath: string;
  exited: Promise<void>;
  /** Set once the process exited or failed to spawn. */
  done: boolean;
}

export function startServer(name: string, bin: string, args: string[], logPath: string, onExit: () => void): Server {
  const fd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(bin, args, { stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  liveChildren.add(child);
  let resolveExited!: () => void;
  const server: Server = { name, child, logPath, done: false, exited: new Promise((r) => (resolveExited = r)) };
  const gone = (): void => {
    if (server.done) return;
    server.done = true;
    liveChildren.delete(child);
    onExit();
    resolveExited();
  };
  child.once('exit', gone);
  child.once('error', (err) => {
    console.error(`[controlplane] ${name} failed to spawn: ${err.message}`);
    gone();
  });
  return server;
}

export function isRunning(s: Server): boolean {
  return !s.done && s.child.exitCode === null && s.child.signalCode === null;
}

export async function stopServer(s: Server): Promise<void> {
  if (isRunning(s)) {
    s.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      s.exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), STOP_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut && isRunning(s)) {
      s.child.kill('SIGKILL');
      await s.exited;
    }
  }
}

export async function logTail(file: string, lines = 40): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.split('\n').slice(-lines).join('\n');
  } catch (err) {
    return `(no log: ${(err as Error).message})`;
  }
}

// ---------------------------------------------------------------------------------------------------------------

/** Runs one of the scripts/*-bins.sh scripts (they build into the cache when needed) and returns the dir it prints. */
export async function binDirFrom(script: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [path.join(REPO_ROOT, 'scripts', script)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(out.trim().split('\n').pop() ?? '');
      else reject(new Error(`scripts/${script} exited with ${code}`));
    });
  });
}

async function resolveBinaries(): Promise<{ apiserver: string; etcd: string }> {
  const dir = await binDirFrom('envtest-bins.sh');
  const apiserver = path.join(dir, 'kube-apiserver');
  const etcd = path.join(dir, 'etcd');
  for (const bin of [apiserver, etcd]) {
    if (!existsSync(bin)) throw new Error(`scripts/envtest-bins.sh printed ${dir}, but ${bin} does not exist`);
  }
  return { apiserver, etcd };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

export async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await execFileP('openssl', args, { cwd: dir });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

async function generateCerts(dir: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await openssl(dir, [
    'req', '-x509', ...ec, '-days', '7', '-subj', '/CN=tcra-test-ca', '-keyout', 'ca.key', '-out', 'ca.crt',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await openssl(dir, ['req', ...ec, '-subj', '/CN=localhost', '-keyout', 'apiserver.key', '-out', 'apiserver.csr']);
  await writeFile(
    path.join(dir, 'apiserver.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\n' +
      'extendedKeyUsage=serverAuth\n' +
      'keyUsage=critical,digitalSignature,keyEncipherment\n',
  );
  await openssl(dir, [
    'x509', '-req', '-in', 'apiserver.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '7',
    '-out', 'apiserver.crt', '-extfile', 'apiserver.ext',
  ]);
  // RSA in PKCS#8: accepted both as --service-account-key-file and --service-account-signing-key-file.
  await openssl(dir, ['genrsa', '-out', 'sa.key', '2048']);
}

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
    verbs: ["create", "update", "patch", "delete", "deletecollection"]
  - level: None
`;

// ---------------------------------------------------------------------------------------------------------------

function rawRequest(
  server: string,
  caPem: string,
  apiPath: string,
  opts: RawRequestOptions,
): Promise<RawResponse> {
  const url = new URL(apiPath, server);
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  let payload: string | undefined;
  if (opts.body !== undefined) {
    payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['Content-Type'] ??= 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: opts.method ?? 'GET', ca: caPem, headers, agent: false, timeout: opts.timeoutMs ?? 30_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, json: <T>() => JSON.parse(body) as T }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${opts.method ?? 'GET'} ${url.href}`)));
    req.on('error', reject);
    req.end(payload);
  });
}

function httpGetStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns true; fails early if `server` exits. */
export async function waitUntil(
  what: string,
  server: Server,
  timeoutMs: number,
  probe: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'never answered';
  for (;;) {
    if (!isRunning(server)) {
      throw new Error(
        `${server.name} exited (code ${server.child.exitCode}, signal ${server.child.signalCode}) while waiting ` +
          `for ${what}; tail of ${server.logPath}:\n${await logTail(server.logPath)}`,
      );
    }
    try {
      if (await probe()) return;
      last = 'not ready';
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what} (last: ${last}); tail of ${server.logPath}:\n` +
          (await logTail(server.logPath)),
      );
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

function kubeconfigYaml(server: string, caPem: string, user: string, token: string, namespace: string): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'envtest', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } },
    ],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'envtest', context: { cluster: 'envtest', user, namespace } }],
    'current-context': 'envtest',
  });
}

function isApiError(err: unknown, code: number): boolean {
  return err instanceof k8s.ApiException && err.code === code;
}

async function createIgnoringConflict(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (!isApiError(err, 409)) throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------

export async function startControlPlane(opts: StartOptions = {}): Promise<ControlPlane> {
  installExitHooks();
  const started = Date.now();
  const bins = await resolveBinaries();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tcra-controlplane-'));
  const watchdog = spawnWatchdog(dir);
  const servers: Server[] = [];
  const launch = (name: string, bin: string, args: string[]): Server => {
    const s = startServer(name, bin, args, path.join(dir, `${name}.log`), () => writePidsFile(dir, servers));
    servers.push(s);
    writePidsFile(dir, servers);
    return s;
  };
  let stopped: Promise<void> | undefined;

  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      // Reverse start order: kube-apiserver first, then etcd.
      for (const s of [...servers].reverse()) await stopServer(s);
      killSync(watchdog, 'SIGKILL');
      watchdogs.delete(dir);
      if (!keepDir()) await rm(dir, { recursive: true, force: true });
      else console.error(`[controlplane] kept ${dir}`);
      if (verbose()) console.error(`[controlplane] stopped (${dir})`);
    })());

  try {
    await generateCerts(dir);
    const caPem = await readFile(path.join(dir, 'ca.crt'), 'utf8');
    const adminToken = randomBytes(24).toString('hex');
    await writeFile(path.join(dir, 'tokens.csv'), `${adminToken},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });

    const [etcdPort, etcdPeerPort, apiPort] = (await distinctFreePorts(3)) as [number, number, number];

    // --- etcd
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const etcd = launch(
      'etcd',
      bins.etcd,
      [
        `--name=tcra-test`,
        `--data-dir=${path.join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-cluster=tcra-test=http://127.0.0.1:${etcdPeerPort}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
    );
    await waitUntil('etcd /health', etcd, ETCD_READY_TIMEOUT_MS, async () => {
      return (await httpGetStatus(`${etcdUrl}/health`)) === 200;
    });

    // --- kube-apiserver
    const server = `https://127.0.0.1:${apiPort}`;
    const args = [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${dir}`,
      `--tls-cert-file=${path.join(dir, 'apiserver.crt')}`,
      `--tls-private-key-file=${path.join(dir, 'apiserver.key')}`,
      `--client-ca-file=${path.join(dir, 'ca.crt')}`,
      `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      `--service-account-issuer=${server}`,
      `--service-account-key-file=${path.join(dir, 'sa.key')}`,
      `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      '--endpoint-reconciler-type=none',
      '--v=1',
    ];
    let auditLogPath: string | undefined;
    if (opts.auditPolicy) {
      auditLogPath = path.join(dir, 'audit.log');
      await writeFile(path.join(dir, 'audit-policy.yaml'), AUDIT_POLICY);
      args.push(
        `--audit-policy-file=${path.join(dir, 'audit-policy.yaml')}`,
        `--audit-log-path=${auditLogPath}`,
        '--audit-log-format=json',
        '--audit-log-mode=blocking', // an event is on disk before the response is sent: counts are exact
        '--audit-log-maxsize=1024',
        '--audit-log-maxbackup=1',
        '--audit-log-maxage=1',
      );
    }
    args.push(...(opts.extraApiServerArgs ?? []));
    const [wrapBin, ...wrapArgs] = opts.wrapCommand ?? [];
    const apiserver = wrapBin
      ? launch('kube-apiserver', wrapBin, [...wrapArgs, bins.apiserver, ...args])
      : launch('kube-apiserver', bins.apiserver, args);

    const request = (apiPath: string, ropts: RawRequestOptions = {}): Promise<RawResponse> =>
      rawRequest(server, caPem, apiPath, { ...ropts, token: ropts.token === undefined ? adminToken : ropts.token });

    await waitUntil('kube-apiserver /readyz', apiserver, APISERVER_READY_TIMEOUT_MS, async () => {
      return (await request('/readyz', { timeoutMs: 5_000 })).status === 200;
    });
    await waitUntil('namespace default', apiserver, 30_000, async () => {
      return (await request('/api/v1/namespaces/default')).status === 200;
    });

    // --- admin kubeconfig
    const kubeconfigPath = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYaml(server, caPem, 'admin', adminToken, 'default'), { mode: 0o600 });
    const kubeConfig = new k8s.KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);
    const core = kubeConfig.makeApiClient(k8s.CoreV1Api);

    const tokenFor = async (namespace: string, serviceAccount: string): Promise<string> => {
      await createIgnoringConflict(() => core.createNamespace({ body: { metadata: { name: namespace } } }));
      await createIgnoringConflict(() =>
        core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: serviceAccount, namespace } } }),
      );
      const tr = await core.createNamespacedServiceAccountToken({
        name: serviceAccount,
        namespace,
        body: { spec: { audiences: [], expirationSeconds: 3600 } },
      });
      const token = tr.status?.token;
      if (!token) throw new Error(`TokenRequest for ${namespace}/${serviceAccount} returned no token`);
      return token;
    };

    const kubeConfigFor = async (
      namespace: string,
      serviceAccount: string,
    ): Promise<{ kubeConfig: k8s.KubeConfig; path: string }> => {
      const token = await tokenFor(namespace, serviceAccount);
      const file = path.join(dir, `kubeconfig-${namespace}-${serviceAccount}`);
      const user = `system:serviceaccount:${namespace}:${serviceAccount}`;
      await writeFile(file, kubeconfigYaml(server, caPem, user, token, namespace), { mode: 0o600 });
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(file);
      return { kubeConfig: kc, path: file };
    };

    const installCrds = (): Promise<void> => installCrdsFrom(kubeConfig, path.join(REPO_ROOT, 'crds'));

    await installCrds();

    const cp: ControlPlane = {
      kubeconfigPath,
      kubeConfig,
      server,
      caPem,
      dir,
      adminToken,
      tokenFor,
      kubeConfigFor,
      installCrds,
      request,
      stop,
      auditLogPath,
    };
    if (verbose()) {
      console.error(`[controlplane] ${server} ready in ${Date.now() - started} ms (dir ${dir})`);
    }
    return cp;
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------

/** Installs (create or replace) every CustomResourceDefinition in `crdDir` (multi-document YAML/JSON) and waits until Established. */
export async function installCrdsFrom(kc: k8s.KubeConfig, crdDir: string): Promise<void> {
  let files: string[];
  try {
    files = (await readdir(crdDir)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const crds: k8s.V1CustomResourceDefinition[] = [];
  for (const f of files) {
    const text = await readFile(path.join(crdDir, f), 'utf8');
    for (const doc of YAML.parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`${f}: ${doc.errors[0]?.message}`);
      const obj = doc.toJS() as { kind?: string } | null;
      if (obj?.kind === 'CustomResourceDefinition') crds.push(obj as k8s.V1CustomResourceDefinition);
    }
  }
  if (crds.length === 0) return;
  // Raw JSON, not the typed ApiextensionsV1Api: client-node's model serializer only knows its own property
  // names and silently drops `enum`, `x-kubernetes-validations`, `x-kubernetes-list-type`, ... from a
  // YAML-parsed schema.
  const client = new KubeClient(kc, { qps: 100, burst: 100 });
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  for (const crd of crds) {
    const name = crd.metadata?.name;
    if (!name) throw new Error('CRD without metadata.name in crds/');
    try {
      await client.create(base, crd);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409)) throw err;
      const current = await client.get<{ metadata: { resourceVersion: string } }>(`${base}/${name}`);
      await client.replace(`${base}/${name}`, { ...crd, metadata: { ...crd.metadata, resourceVersion: current.metadata.resourceVersion } });
    }
  }
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '';
    const deadline = Date.now() + 30_000;
    for (;;) {
      const current = await ext.readCustomResourceDefinition({ name });
      const established = current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      if (established) break;
      if (Date.now() >= deadline) {
        throw new Error(`CRD ${name} not Established after 30 s: ${JSON.stringify(current.status?.conditions)}`);
      }
      await sleep(POLL_INTERVAL_MS);
    }
  }
}
