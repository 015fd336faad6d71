// A real single node for the node tests (test/node): its own kube-apiserver + etcd, kube-controller-manager and
// kube-scheduler (garbage collection, namespace deletion, ServiceAccounts are the real controllers), containerd
// and a kubelet, plus real registries (docker-registry) holding locally built images.
//
// Everything stays on loopback, name lookups included: kube-apiserver, containerd, the kubelet and the
// controllers run in a private mount namespace whose /etc/resolv.conf points at a loopback NXDOMAIN server and
// whose /etc/hosts maps the test names to 127.0.0.1; /var/lib, /var/log and /run there are bind mounts of the
// scratch folder, so the paths the kubelet and containerd hard-code stay inside it. stop() leaves no process,
// mount, cgroup or iptables rule behind, and leaks() says what would be left (the tests assert it is empty).
// A watchdog does the same cleanup if the test process is killed.
//
// Needs root (mount namespaces, cgroups, iptables) and Debian's containerd, runc, docker-registry, skopeo,
// apache2-utils (htpasswd), iptables, gcc; kubelet, kube-controller-manager and kube-scheduler come from
// scripts/node-bins.sh. nodeBlocker() says why it cannot run here. Set TCRA_KEEP_NODE_DIR=1 to keep the scratch
// folder (logs of every component) after stop().
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import type { KubeClient } from '../../../src/k8s/client.ts';
import {
  binDirFrom,
  installExitHooks,
  isRunning,
  logTail,
  openssl,
  startControlPlane,
  startServer,
  stopServer,
  type ControlPlane,
  type Server,
} from '../controlplane.ts';
import { adminClient } from '../kube.ts';
import { freePort, startRegistry, which, type Registry } from '../registry.ts';
import { eventually } from '../wait.ts';
import { buildTestImages, PAUSE_IMAGE, type TestImages } from './images.ts';
import { startNxDns, type NxDns } from './nxdns.ts';

const execFileP = promisify(execFile);

export const NODE_NAME = 'tcra-node';
/** Resolves to 127.0.0.1 inside the node's mount namespace only (a name, so containerd defaults to HTTPS). */
export const PLAIN_HOST = 'plain.node.test';
/** Never resolves (the loopback DNS answers NXDOMAIN). */
export const UNRESOLVABLE_HOST = 'nosuch.invalid';
export const REGISTRY_USER = 'robot';
export const HELLO_REPO = 'demo/hello';

/** The Debian packages and commands the node needs (also installed by .ci/run). */
export const NODE_PACKAGES = 'containerd runc docker-registry skopeo apache2-utils iptables gcc libc6-dev openssl';
const COMMANDS = ['unshare', 'nsenter', 'mount', 'containerd', 'ctr', 'runc', 'docker-registry', 'skopeo', 'htpasswd', 'iptables', 'gcc', 'openssl', 'tar'];

const keepDir = (): boolean => process.env.TCRA_KEEP_NODE_DIR === '1';

/** Why the node cannot run on this machine, or undefined when it can. */
export function nodeBlocker(): string | undefined {
  if (process.platform !== 'linux') return `the node tests need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'the node tests need root (mount namespaces, cgroups, iptables); run them as root or in a root container';
  const missing = COMMANDS.filter((c) => !which(c));
  if (missing.length > 0) return `the node tests need ${missing.join(', ')}: apt-get install -y --no-install-recommends ${NODE_PACKAGES}`;
  if (!existsSync('/proc/self/ns/mnt')) return 'the node tests need mount namespaces (no /proc/self/ns/mnt)';
  return undefined;
}

export interface KubeletOptions {
  /** The KubeletEnsureSecretPulledImages feature gate (re-check pull credentials for cached images). */
  ensureSecretPulledImages?: boolean;
}

export interface NodeOptions {
  /** More kube-apiserver flags, e.g. --enable-aggregator-routing=true (webhooks reached through Service endpoints). */
  apiServerArgs?: string[];
}

export interface Registries {
  /** TLS (test CA trusted by containerd) + htpasswd auth: `127.0.0.1:<port>`. */
  private: string;
  /** Plain HTTP, no auth, by IP (containerd falls back to HTTP for loopback): `127.0.0.1:<port>`. */
  plainByIp: string;
  /** The same plain-HTTP registry by name: containerd speaks HTTPS to it. */
  plainByName: string;
  /** TLS with a certificate from a CA containerd does not trust. */
  untrusted: string;
  /** Nothing listens there. */
  refused: string;
  /** A name that does not resolve. */
  unresolvable: string;
  /** A loopback address whose packets are dropped once blackhole() is on (the pull times out). */
  blackholed: string;
}

export interface RealNode {
  readonly cp: ControlPlane;
  readonly admin: KubeClient;
  readonly dir: string;
  readonly registries: Registries;
  /** Current password of REGISTRY_USER at the private registry. */
  readonly password: string;
  /** Changes the password at the private registry (its htpasswd; the registry is restarted on the same port). */
  rotatePassword(password: string): Promise<void>;
  /** Restarts the kubelet with these options (images and pods stay). */
  restartKubelet(opts: KubeletOptions): Promise<void>;
  /** DROPs TCP to `registries.blackholed` (iptables, loopback only) until stop(). */
  blackhole(): Promise<void>;
  /** What stop() has not cleaned up (processes, mounts, cgroups, iptables rules); empty when all is gone. */
  leaks(): Promise<string[]>;
  /** Stops everything and removes the scratch folder. Idempotent. */
  stop(): Promise<void>;
}

const FIELD_MANAGER = { fieldManager: 'tests' };

/** Runs a command inside the node's mount namespace. */
function inNamespace(nsPid: number, cmd: string, args: string[]): Promise<{ stdout: string }> {
  return execFileP('nsenter', ['-t', String(nsPid), '-m', '--', cmd, ...args], { maxBuffer: 16 * 1024 * 1024 });
}

async function htpasswdLine(user: string, password: string): Promise<string> {
  const { stdout } = await execFileP('htpasswd', ['-Bbn', user, password]);
  return stdout.trim() + '\n';
}

/** A throw-away CA and a serving certificate it signed, for `sans`. */
async function makeCa(dir: string, name: string, sans: string): Promise<{ ca: string; cert: string; key: string }> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await openssl(dir, ['req', '-x509', ...ec, '-days', '2', '-subj', `/CN=tcra-${name}-ca`, '-keyout', `${name}-ca.key`, '-out', `${name}-ca.crt`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await openssl(dir, ['req', ...ec, '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
  await writeFile(path.join(dir, `${name}.ext`), `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\n`);
  await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${name}-ca.crt`, '-CAkey', `${name}-ca.key`, '-CAcreateserial',
    '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
  return { ca: path.join(dir, `${name}-ca.crt`), cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
}

/**
 * containerd 1.6's certs.d/<host:port>/hosts.toml: it needs both a top-level server (+ ca) and a [host] table with
 * the same ca (a file without [host] is ignored; with the ca only under [host], a 404 falls back to `server`
 * without it and "not found" shows up as an x509 error).
 */
function hostsToml(hostport: string, ca?: string): string {
  const caLine = ca ? `ca = "${ca}"\n` : '';
  return `server = "https://${hostport}"\n${caLine}[host."https://${hostport}"]\n  capabilities = ["pull", "resolve"]\n  ${caLine}`;
}

function containerdConfig(dir: string, streamPort: number): string {
  const c = path.join(dir, 'containerd');
  return `version = 2
root = "${c}/root"
state = "${c}/state"
[grpc]
  address = "${c}/containerd.sock"
[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "${c}/opt"
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "${PAUSE_IMAGE}"
    stream_server_address = "127.0.0.1"
    stream_server_port = "${streamPort}"
    # root without CAP_SYS_RESOURCE cannot lower oom_score_adj: without this every sandbox fails in runc
    # ("can't get final child's PID from pipe: EOF")
    restrict_oom_score_adj = true
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
          Root = "${c}/runc"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "${dir}/cni/bin"
      conf_dir = "${dir}/cni/net.d"
    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = "${dir}/certs.d"
`;
}

function kubeletConfig(dir: string, ports: { kubelet: number; healthz: number }, opts: KubeletOptions): string {
  return YAML.stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'cgroupfs',
    failCgroupV1: false,
    failSwapOn: false,
    containerRuntimeEndpoint: `unix://${dir}/containerd/containerd.sock`,
    address: '127.0.0.1',
    port: ports.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: ports.healthz,
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false }, x509: {} },
    authorization: { mode: 'AlwaysAllow' },
    resolvConf: path.join(dir, 'resolv.conf'),
    protectKernelDefaults: false,
    evictionHard: { 'memory.available': '50Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    nodeStatusUpdateFrequency: '2s',
    makeIPTablesUtilChains: false, // else the kubelet adds KUBE-* chains to the host's iptables
    serializeImagePulls: false,
    podLogsDir: path.join(dir, 'pod-logs'),
    syncFrequency: '5s',
    featureGates: { KubeletEnsureSecretPulledImages: opts.ensureSecretPulledImages ?? false },
  });
}

/** Pids of processes whose command line mentions `needle` (our scratch folder). */
function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

const CGROUP_ROOT = '/sys/fs/cgroup';
const KUBEPODS = 'kubepods';

function kubepodsCgroups(): string[] {
  let controllers: string[];
  try {
    controllers = readdirSync(CGROUP_ROOT);
  } catch {
    return [];
  }
  return controllers.map((c) => path.join(CGROUP_ROOT, c, KUBEPODS)).filter((d) => existsSync(d));
}

/** Every process in the kubelet's cgroups (the containers), then the cgroups themselves, deepest first. */
async function removeKubepods(): Promise<void> {
  const dirs: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) if (e.isDirectory()) await walk(path.join(d, e.name));
    dirs.push(d);
  };
  for (const root of kubepodsCgroups()) await walk(root);
  for (const d of dirs) {
    let procs = '';
    try {
      procs = readFileSync(path.join(d, 'cgroup.procs'), 'utf8');
    } catch {
      continue;
    }
    for (const pid of procs.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  await eventually(
    async () => {
      for (const d of dirs) if (existsSync(d)) await rmdir(d);
    },
    { timeoutMs: 10_000, intervalMs: 200, message: 'removing the kubelet cgroups' },
  ).catch((err: Error) => console.error(`[node] ${err.message}`));
}

/** The iptables rule blackhole() adds (deleted the same way by stop() and the watchdog). */
const dropRule = (hostport: string): string[] => {
  const [ip, port] = hostport.split(':') as [string, string];
  return ['INPUT', '-d', ip, '-p', 'tcp', '--dport', port, '-j', 'DROP', '-m', 'comment', '--comment', 'tcra-node-test'];
};

/**
 * If the test process dies without stop() (SIGKILL, CI timeout), a detached shell kills every process that
 * mentions the scratch folder, the containers in the kubelet's cgroups, removes those cgroups, the iptables rule and the folder.
 */
function spawnWatchdog(dir: string, blackholed: string): void {
  const rule = dropRule(blackholed).map((a) => `'${a}'`).join(' ');
  const script = [
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done',
    // (not itself: its own command line names the folder too)
    'for p in /proc/[0-9]*; do [ "${p#/proc/}" = "$$" ] && continue; grep -qaF "$2" "$p/cmdline" 2>/dev/null && kill -KILL "${p#/proc/}" 2>/dev/null; done',
    `for f in $(find ${CGROUP_ROOT}/*/${KUBEPODS} -name cgroup.procs 2>/dev/null); do for p in $(cat "$f"); do kill -KILL "$p"; done; done`,
    'sleep 1',
    `find ${CGROUP_ROOT}/*/${KUBEPODS} -depth -type d -exec rmdir {} \\; 2>/dev/null`,
    `while iptables -D ${rule} 2>/dev/null; do :; done`,
    '[ "$3" = keep ] || rm -rf "$2"',
  ].join('\n');
  const dog = spawn('sh', ['-c', script, 'tcra-node-watchdog', String(process.pid), dir, keepDir() ? 'keep' : 'remove'], { detached: true, stdio: 'ignore' });
  dog.unref();
}

export async function startNode(kubeletOpts: KubeletOptions = {}, nodeOpts: NodeOptions = {}): Promise<RealNode> {
  const blocker = nodeBlocker();
  if (blocker) throw new Error(blocker);
  installExitHooks();
  const started = Date.now();
  const bins = await binDirFrom('node-bins.sh');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tcra-node-'));
  const loopbackIp = () => `127.${randomInt(1, 255)}.${randomInt(1, 255)}.${randomInt(2, 254)}`;
  const blackholed = `${loopbackIp()}:${await freePort()}`;
  spawnWatchdog(dir, blackholed);

  const servers: Server[] = [];
  const launch = (name: string, bin: string, args: string[]): Server => {
    const s = startServer(name, bin, args, path.join(dir, 'logs', `${name}.log`), () => undefined);
    servers.push(s);
    return s;
  };
  let cp: ControlPlane | undefined;
  let dns: NxDns | undefined;
  const registries = new Map<string, Registry>();
  let kubelet: Server | undefined;
  let blackholeOn = false;
  let nsPid = 0;
  let stopped: Promise<void> | undefined;

  /** The kubelet, then every container (SIGKILL): containerd, the shims and the cgroups go afterwards. */
  const stopKubeletAndPods = async (): Promise<void> => {
    if (kubelet) await stopServer(kubelet);
    const sock = path.join(dir, 'containerd', 'containerd.sock');
    if (nsPid && existsSync(sock)) {
      const ctr = (...args: string[]) => inNamespace(nsPid, 'ctr', ['--address', sock, '-n', 'k8s.io', ...args]);
      const tasks = (await ctr('tasks', 'ls', '-q').catch(() => ({ stdout: '' }))).stdout.split('\n').filter(Boolean);
      await Promise.all(tasks.map((t) => ctr('tasks', 'kill', '-a', '-s', 'SIGKILL', t).catch(() => undefined)));
    }
  };

  const verbose = process.env.TCRA_NODE_VERBOSE === '1';
  const step = (what: string, t0: number) => verbose && console.error(`[node] ${what} in ${Date.now() - t0} ms`);
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      const t0 = Date.now();
      await stopKubeletAndPods();
      step('stopped the kubelet and killed the containers', t0);
      // containerd, the controllers, the registries; then the shims (they outlive containerd) and the containers.
      for (const s of [...servers].reverse()) if (s.name !== 'mntns') await stopServer(s);
      for (const r of registries.values()) await r.stop();
      for (const pid of processesMentioning(dir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      step('stopped containerd, the controllers and the registries', t0);
      await removeKubepods();
      step('removed the cgroups', t0);
      await cp?.stop();
      await dns?.close();
      for (const s of servers) await stopServer(s); // the mount namespace holder last: its mounts go with it
      if (blackholeOn) await execFileP('iptables', ['-D', ...dropRule(blackholed)]).catch(() => undefined);
      step('stopped', t0);
      if (keepDir()) console.error(`[node] kept ${dir}`);
      else await rm(dir, { recursive: true, force: true });
    })());

  const leaks = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const pid of processesMentioning(dir)) out.push(`process ${pid}: ${readFileSafe(`/proc/${pid}/cmdline`).replace(/\0/g, ' ')}`);
    for (const line of readFileSafe('/proc/self/mountinfo').split('\n')) if (line.includes(dir)) out.push(`mount: ${line}`);
    for (const cg of kubepodsCgroups()) out.push(`cgroup: ${cg}`);
    const { stdout: rules } = await execFileP('iptables-save', []).catch(() => ({ stdout: '' }));
    for (const line of rules.split('\n')) if (line.includes('tcra-node-test') || /\bKUBE-/.test(line)) out.push(`iptables: ${line}`);
    if (!keepDir() && existsSync(dir)) out.push(`scratch folder: ${dir}`);
    return out;
  };

  try {
    const images = buildTestImages(path.join(dir, 'images'));
    for (const d of ['logs', 'pki', 'var-lib', 'var-log', 'run', 'containerd', 'cni/net.d', 'cni/bin', 'certs.d', 'kubelet', 'pod-logs', 'registry', 'tmp']) {
      await mkdir(path.join(dir, d), { recursive: true });
    }

    // --- the private mount namespace: loopback DNS, test names, host paths redirected into the scratch folder
    // argv names the scratch folder, so the watchdog finds the holder too
    const holder = launch('mntns', 'unshare', ['--mount', '--propagation', 'private', 'bash', '-c', 'exec -a "tcra-node-ns $0" sleep infinity', dir]);
    nsPid = holder.child.pid ?? 0;
    const selfNs = readlinkSync('/proc/self/ns/mnt');
    await eventually(async () => {
      if (!isRunning(holder)) throw new Error(`unshare exited: ${await logTail(holder.logPath)}`);
      if (readlinkSync(`/proc/${nsPid}/ns/mnt`) === selfNs) throw new Error('mount namespace not created yet');
    }, { timeoutMs: 10_000, intervalMs: 50, message: 'unshare --mount' });
    dns = await startNxDns(loopbackIp());
    await writeFile(path.join(dir, 'resolv.conf'), `nameserver ${dns.address}\n`);
    await writeFile(path.join(dir, 'hosts'), `127.0.0.1 localhost ${PLAIN_HOST}\n::1 localhost\n`);
    const mount = (src: string, target: string) => inNamespace(nsPid, 'mount', ['--bind', src, target]);
    await mount(path.join(dir, 'resolv.conf'), '/etc/resolv.conf');
    await mount(path.join(dir, 'hosts'), '/etc/hosts');
    await mount(path.join(dir, 'var-lib'), '/var/lib');
    await mount(path.join(dir, 'var-log'), '/var/log');
    await mount(path.join(dir, 'run'), '/run');
    const nsenter = ['nsenter', '-t', String(nsPid), '-m', '--'];

    // --- control plane (in the namespace: any name it resolves goes to the loopback DNS)
    cp = await startControlPlane({ wrapCommand: nsenter, extraApiServerArgs: ['--kubelet-preferred-address-types=InternalIP', ...(nodeOpts.apiServerArgs ?? [])] });
    const kubeconfig = path.join(dir, 'kubeconfig');
    await copyFile(cp.kubeconfigPath, kubeconfig);
    const admin = adminClient(cp.kubeConfig);
    const sec = ['--bind-address=127.0.0.1', '--secure-port=0', '--leader-elect=false', `--kubeconfig=${kubeconfig}`, '--v=1'];
    launch('kube-controller-manager', nsenter[0]!, [...nsenter.slice(1), path.join(bins, 'kube-controller-manager'), ...sec,
      `--service-account-private-key-file=${path.join(cp.dir, 'sa.key')}`, `--root-ca-file=${path.join(cp.dir, 'ca.crt')}`,
      '--use-service-account-credentials=false']);
    launch('kube-scheduler', nsenter[0]!, [...nsenter.slice(1), path.join(bins, 'kube-scheduler'), ...sec]);

    // --- registries: TLS + auth, plain HTTP, TLS with an untrusted CA
    const pki = path.join(dir, 'pki');
    const [blackholedIp] = blackholed.split(':') as [string];
    const trusted = await makeCa(pki, 'registry', `IP:127.0.0.1,IP:${blackholedIp},DNS:localhost,DNS:${UNRESOLVABLE_HOST}`);
    const untrustedCa = await makeCa(pki, 'untrusted', 'IP:127.0.0.1,DNS:localhost');
    let password = randomBytes(12).toString('hex');
    const htpasswd = path.join(pki, 'htpasswd');
    await writeFile(htpasswd, await htpasswdLine(REGISTRY_USER, password));
    const registryBin = which('docker-registry')!;
    const regDir = path.join(dir, 'registry');
    const startPrivate = async (port?: number) =>
      startRegistry(registryBin, regDir, 'private', { tls: { certificate: trusted.cert, key: trusted.key }, auth: { htpasswd: { realm: 'tcra-node', path: htpasswd } }, port });
    registries.set('private', await startPrivate());
    registries.set('plain', await startRegistry(registryBin, regDir, 'plain', {}));
    registries.set('untrusted', await startRegistry(registryBin, regDir, 'untrusted', { tls: { certificate: untrustedCa.cert, key: untrustedCa.key } }));
    const reg = (n: string) => registries.get(n)!.server;
    const plainPort = registries.get('plain')!.port;
    const refused = `127.0.0.1:${await freePort()}`;
    const regs: Registries = {
      private: reg('private'),
      plainByIp: reg('plain'),
      plainByName: `${PLAIN_HOST}:${plainPort}`,
      untrusted: reg('untrusted'),
      refused,
      unresolvable: `${UNRESOLVABLE_HOST}:${registries.get('private')!.port}`,
      blackholed,
    };
    const hosts: Array<[string, string | undefined]> = [[regs.private, trusted.ca], [regs.untrusted, undefined], [regs.refused, undefined], [regs.unresolvable, trusted.ca], [regs.blackholed, trusted.ca]];
    for (const [hostport, ca] of hosts) {
      await mkdir(path.join(dir, 'certs.d', hostport), { recursive: true });
      await writeFile(path.join(dir, 'certs.d', hostport, 'hosts.toml'), hostsToml(hostport, ca));
    }
    const built: TestImages = await images;
    const skopeoEnv = { ...process.env, TMPDIR: path.join(dir, 'tmp'), HOME: path.join(dir, 'tmp') };
    const certDir = path.join(dir, 'skopeo-certs');
    await mkdir(certDir);
    await copyFile(trusted.ca, path.join(certDir, 'ca.crt'));
    const push = (layout: { dir: string; tag: string }, dest: string, tls: string[], all = false) =>
      execFileP('skopeo', ['copy', '-q', ...(all ? ['--all'] : []), ...tls, `oci:${layout.dir}:${layout.tag}`, `docker://${dest}`], { env: skopeoEnv });
    const privateTls = ['--dest-creds', `${REGISTRY_USER}:${password}`, '--dest-cert-dir', certDir];
    await push(built.hello, `${regs.private}/${HELLO_REPO}:v1`, privateTls);
    await push(built.hello, `${regs.private}/${HELLO_REPO}:v2`, privateTls);
    await push(built.helloArm64, `${regs.private}/${HELLO_REPO}:arm64`, privateTls, true);
    await push(built.hello, `${regs.plainByIp}/${HELLO_REPO}:v1`, ['--dest-tls-verify=false']);
    await push(built.hello, `${regs.untrusted}/${HELLO_REPO}:v1`, ['--dest-tls-verify=false']);

    // --- containerd (a CNI config naming only the loopback plugin makes the node Ready; pods use hostNetwork)
    await writeFile(path.join(dir, 'cni', 'net.d', '10-loopback.conflist'), JSON.stringify({ cniVersion: '0.4.0', name: 'loopback', plugins: [{ type: 'loopback' }] }));
    await writeFile(path.join(dir, 'containerd', 'config.toml'), containerdConfig(dir, await freePort()));
    const containerd = launch('containerd', nsenter[0]!, [...nsenter.slice(1), 'containerd', '--config', path.join(dir, 'containerd', 'config.toml')]);
    const sock = path.join(dir, 'containerd', 'containerd.sock');
    await eventually(async () => {
      if (!isRunning(containerd)) throw new Error(`containerd exited: ${await logTail(containerd.logPath)}`);
      await inNamespace(nsPid, 'ctr', ['--address', sock, 'version']);
    }, { timeoutMs: 20_000, intervalMs: 100, message: 'containerd' });
    await inNamespace(nsPid, 'ctr', ['--address', sock, '-n', 'k8s.io', 'images', 'import', built.pauseTar]);

    // --- kubelet
    const ports = { kubelet: await freePort(), healthz: await freePort() };
    const startKubelet = async (opts: KubeletOptions): Promise<void> => {
      await writeFile(path.join(dir, 'kubelet', 'config.yaml'), kubeletConfig(dir, ports, opts));
      kubelet = launch('kubelet', nsenter[0]!, [...nsenter.slice(1), path.join(bins, 'kubelet'), `--config=${path.join(dir, 'kubelet', 'config.yaml')}`,
        `--kubeconfig=${kubeconfig}`, `--root-dir=${path.join(dir, 'kubelet', 'root')}`, `--cert-dir=${path.join(dir, 'kubelet', 'pki')}`,
        `--volume-plugin-dir=${path.join(dir, 'kubelet', 'volume-plugins')}`, `--hostname-override=${NODE_NAME}`, '--node-ip=127.0.0.1', '--v=2']);
      const k = kubelet;
      await eventually(async () => {
        if (!isRunning(k)) throw new Error(`kubelet exited: ${await logTail(k.logPath)}`);
        await admin.get(`/api/v1/nodes/${NODE_NAME}`);
      }, { timeoutMs: 60_000, intervalMs: 200, message: 'node registration' });
      // The kubelet refuses a loopback --node-ip ("nodeIP can't be loopback address"): give the node its address
      // so the apiserver reaches the kubelet on loopback (--kubelet-preferred-address-types=InternalIP).
      await admin.request({ method: 'PATCH', path: `/api/v1/nodes/${NODE_NAME}/status`, body: { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] } }, contentType: 'application/merge-patch+json', query: FIELD_MANAGER });
      await eventually(async () => {
        if (!isRunning(k)) throw new Error(`kubelet exited: ${await logTail(k.logPath)}`);
        const node = await admin.get<{ spec?: { taints?: Array<{ key: string }> }; status?: { conditions?: Array<{ type: string; status: string }> } }>(`/api/v1/nodes/${NODE_NAME}`);
        const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
        if (ready?.status !== 'True') throw new Error(`node not Ready: ${JSON.stringify(node.status?.conditions)}`);
        if ((node.spec?.taints ?? []).length > 0) throw new Error(`node still tainted: ${JSON.stringify(node.spec?.taints)}`);
      }, { timeoutMs: 60_000, intervalMs: 200, message: 'node Ready and untainted' });
    };
    await startKubelet(kubeletOpts);
    if (process.env.TCRA_NODE_VERBOSE === '1') console.error(`[node] ready in ${Date.now() - started} ms (${dir})`);

    const node: RealNode = {
      cp,
      admin,
      dir,
      registries: regs,
      get password() {
        return password;
      },
      async rotatePassword(next: string) {
        await writeFile(htpasswd, await htpasswdLine(REGISTRY_USER, next));
        const old = registries.get('private')!;
        await old.stop();
        registries.set('private', await startPrivate(old.port));
        password = next;
      },
      async restartKubelet(opts: KubeletOptions) {
        if (kubelet) await stopServer(kubelet);
        await startKubelet(opts);
      },
      async blackhole() {
        if (blackholeOn) return;
        await execFileP('iptables', ['-A', ...dropRule(blackholed)]);
        blackholeOn = true;
      },
      leaks,
      stop,
    };
    return node;
  } catch (err) {
    const logs = await Promise.all(servers.filter((s) => s.name !== 'mntns').map(async (s) => `--- ${s.name}:\n${await logTail(s.logPath, 15)}`));
    await stop().catch(() => undefined);
    throw new Error(`${(err as Error).message}\n${logs.join('\n')}`, { cause: err });
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
