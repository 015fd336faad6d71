// `tcr-access doctor`: why does this image not pull? Reads what the node's container runtime reported (a pasted
// message, or a Pod's container statuses and Failed/BackOff Events) and classifies it with the same rules as the
// operator (src/diagnostics/classify.ts). It never probes the network: where it runs (a laptop, a CI runner) is
// not where the pods run.
import { Command, CommanderError, Option } from 'commander';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiError, KubeClient } from '../k8s/client.ts';
import { classifyPullError, registryOfImage, sameRegistry, type Cause, type Diagnosis, type DiagnosisContext, type NetworkMode } from '../diagnostics/classify.ts';

export const EXIT_OK = 0;
export const EXIT_PROBLEM = 1;
export const EXIT_USAGE = 2;

/** Waiting reasons of a container whose image cannot be pulled. */
export const PULL_WAITING_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'ImageInspectError',
  'RegistryUnavailable',
  'ErrRegistryUnavailable',
  'SignatureValidationFailed',
]);
/** Event reasons the kubelet uses around image pulls. */
const PULL_EVENT_REASONS = new Set(['Failed', 'BackOff', 'FailedToRetrieveImagePullSecret', 'ErrImagePull', 'ImagePullBackOff', 'InspectFailed', 'ErrImageNeverPull']);

export const VANTAGE_NOTE =
  'This diagnosis reads the errors the node\'s container runtime recorded; it does not test the network from here. ' +
  'This command runs where you run it (a laptop or CI runner is not inside the cluster\'s VPC), so what this machine can or ' +
  'cannot reach says nothing about the path from the pods\' subnet to the registry.';

export const CAUSE_TITLES: Record<Cause, string> = {
  NoNetworkPath: 'no network path from the node to the registry',
  DnsFailure: 'the registry name does not resolve on the node',
  CredentialsRejected: 'the registry refused the pull credentials',
  ImageNotFound: 'the image does not exist',
  PlainHttpRegistry: 'the registry speaks plain HTTP',
  UntrustedCertificate: 'the registry certificate is not trusted',
  RateLimited: 'the registry throttled the pull',
  Unknown: 'no known cause in the message',
};

// ---------------------------------------------------------------------------------------------- model

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  readStdin: () => Promise<string>;
}

/** What the diagnosis was told about the TcrAccess (from flags or read from a TcrAccess). */
export interface ContextSource extends DiagnosisContext {
  /** `flags`, `tcraccess/<name>`, or `none`. */
  source: string;
}

export interface Finding {
  namespace?: string;
  pod?: string;
  container?: string;
  initContainer?: boolean;
  image?: string;
  /** The container's waiting reason (ErrImagePull, ImagePullBackOff, ...) or the Event reason. */
  reason?: string;
  /** The message diagnosed (the most informative one found). */
  message: string;
  context: ContextSource;
  diagnosis: Diagnosis;
}

export interface Report {
  scope: { kind: 'message' } | { kind: 'pod'; namespace: string; pod: string } | { kind: 'namespace'; namespace: string; podsChecked: number };
  healthy: boolean;
  findings: Finding[];
  notes: string[];
}

interface ContainerStatus {
  name: string;
  image?: string;
  state?: { waiting?: { reason?: string; message?: string } };
}
export interface PodObj {
  metadata: { name: string; namespace?: string; uid?: string };
  spec?: { containers?: Array<{ name: string; image?: string }>; initContainers?: Array<{ name: string; image?: string }> };
  status?: { phase?: string; containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
}
export interface EventObj {
  metadata?: { name?: string; creationTimestamp?: string };
  involvedObject?: { kind?: string; name?: string; uid?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  type?: string;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  firstTimestamp?: string | null;
}
interface TcrAccessObj {
  metadata: { name: string };
  spec?: { registry?: { server?: string }; network?: { mode?: NetworkMode } };
  status?: { server?: string };
}

// ---------------------------------------------------------------------------------------------- pure parts

const eventTime = (e: EventObj) => Date.parse(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '') || 0;

/** The TcrAccess context that applies to an image: the one whose registry is the image's, else the given default. */
export type ContextFor = (image: string | undefined, message: string) => ContextSource;

/**
 * Findings for one Pod (pure): every container (init containers too) waiting on an image pull, diagnosed from
 * the most informative message — the container status' own message, else the newest matching Event
 * (`ImagePullBackOff` statuses only say "Back-off pulling image"). A missing pull Secret reported by the
 * kubelet (`FailedToRetrieveImagePullSecret`) beats a credentials rejection: it is the reason for it.
 */
export function diagnosePod(pod: PodObj, events: EventObj[], contextFor: ContextFor): Finding[] {
  const mine = events
    .filter((e) => (!e.involvedObject?.uid || !pod.metadata.uid || e.involvedObject.uid === pod.metadata.uid) && PULL_EVENT_REASONS.has(e.reason ?? '') && e.message)
    .sort((a, b) => eventTime(b) - eventTime(a));
  const missingSecret = mine.find((e) => e.reason === 'FailedToRetrieveImagePullSecret');
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []).map((s) => ({ s, init: true })),
    ...(pod.status?.containerStatuses ?? []).map((s) => ({ s, init: false })),
  ];
  const waiting = statuses.filter(({ s }) => PULL_WAITING_REASONS.has(s.state?.waiting?.reason ?? ''));
  const findings: Finding[] = [];
  for (const { s, init } of waiting) {
    const image = s.image || [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === s.name)?.image;
    const fieldPath = `spec.${init ? 'initContainers' : 'containers'}{${s.name}}`;
    const about = mine.filter((e) => e.involvedObject?.fieldPath === fieldPath || (!!image && (e.message ?? '').includes(`"${image}"`)));
    const candidates = [s.state?.waiting?.message ?? '', ...about.map((e) => e.message ?? '')].filter((m) => m.trim());
    findings.push(best({ namespace: pod.metadata.namespace, pod: pod.metadata.name, container: s.name, initContainer: init, image, reason: s.state?.waiting?.reason }, candidates, missingSecret, contextFor));
  }
  // No container status says so (yet), but the kubelet reported failed pulls for a pod that has not started.
  if (waiting.length === 0 && (pod.status?.phase ?? 'Pending') === 'Pending' && (pod.status?.containerStatuses ?? []).length === 0) {
    const failed = mine.filter((e) => e.reason === 'Failed' && /^Failed to pull image/i.test(e.message ?? ''));
    const byImage = new Map<string, EventObj[]>();
    for (const e of failed) {
      const image = /^Failed to pull image "([^"]+)"/i.exec(e.message ?? '')?.[1] ?? '';
      byImage.set(image, [...(byImage.get(image) ?? []), e]);
    }
    for (const [image, evs] of byImage) {
      findings.push(best({ namespace: pod.metadata.namespace, pod: pod.metadata.name, image: image || undefined, reason: 'Failed' }, evs.map((e) => e.message ?? ''), missingSecret, contextFor));
    }
  }
  return findings;
}

function best(where: Omit<Finding, 'message' | 'context' | 'diagnosis'>, candidates: string[], missingSecret: EventObj | undefined, contextFor: ContextFor): Finding {
  const diagnosed = candidates.map((message) => {
    const context = contextFor(where.image, message);
    return { message, context, diagnosis: classifyPullError(message, contextOf(context)) };
  });
  let pick = diagnosed.find((d) => d.diagnosis.cause !== 'Unknown') ?? diagnosed[0];
  if (missingSecret?.message && (!pick || pick.diagnosis.cause === 'CredentialsRejected' || pick.diagnosis.cause === 'Unknown')) {
    const context = contextFor(where.image, missingSecret.message);
    pick = { message: missingSecret.message, context, diagnosis: classifyPullError(missingSecret.message, contextOf(context)) };
  }
  if (!pick) {
    const message = where.reason ?? 'image pull failed';
    const context = contextFor(where.image, message);
    pick = { message, context, diagnosis: classifyPullError(message, contextOf(context)) };
  }
  return { ...strip(where), ...pick };
}

const strip = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
const contextOf = (c: ContextSource): DiagnosisContext => strip({ networkMode: c.networkMode, registryHost: c.registryHost });

/** Context from a TcrAccess: `status.server` (else `spec.registry.server`) and `spec.network.mode` (default None). */
export function contextFromTcrAccess(a: TcrAccessObj): ContextSource {
  const registryHost = a.status?.server ?? a.spec?.registry?.server;
  return strip({ source: `tcraccess/${a.metadata.name}`, registryHost, networkMode: a.spec?.network?.mode ?? 'None' });
}

/**
 * Chooses the context per finding: explicit flags win; else the TcrAccess named by --tcraccess; else (cluster
 * modes) the TcrAccess whose registry is the image's, if any.
 */
export function contextChooser(flags: { registry?: string; networkMode?: NetworkMode }, named: ContextSource | undefined, all: ContextSource[]): ContextFor {
  const fromFlags = (c: ContextSource): ContextSource => {
    const out = { ...c, ...strip({ registryHost: flags.registry, networkMode: flags.networkMode }) };
    if (flags.registry || flags.networkMode) out.source = c.source === 'none' ? 'flags' : `${c.source}+flags`;
    return out;
  };
  return (image, message) => {
    if (named) return fromFlags(named);
    const host = image ? registryOfImage(image) : classifyPullError(message).registry;
    const match = host ? all.find((c) => c.registryHost && sameRegistry(c.registryHost, host)) : undefined;
    return fromFlags(match ?? { source: 'none' });
  };
}

// ---------------------------------------------------------------------------------------------- rendering

function wrap(text: string, width: number, indent: string): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.join(`\n${indent}`);
}

export function renderText(r: Report): string {
  const out: string[] = [];
  const scope =
    r.scope.kind === 'pod' ? `pod ${r.scope.namespace}/${r.scope.pod}` : r.scope.kind === 'namespace' ? `namespace ${r.scope.namespace} (${r.scope.podsChecked} pods checked)` : 'message';
  if (r.healthy) {
    out.push(r.scope.kind === 'pod' ? `OK: pod ${r.scope.namespace}/${r.scope.pod} has no image-pull problem.` : r.scope.kind === 'namespace' ? `OK: no pod in ${scope} has an image-pull problem.` : 'OK: nothing to diagnose.');
  } else {
    out.push(`tcr-access doctor: ${r.findings.length} image-pull problem(s) in ${scope}`);
  }
  const pad = ' '.repeat(13);
  for (const f of r.findings) {
    const d = f.diagnosis;
    out.push('');
    const where = [f.pod ? `pod ${f.namespace}/${f.pod}` : undefined, f.container ? `${f.initContainer ? 'init container' : 'container'} ${f.container}` : undefined, f.image ? `image ${f.image}` : undefined]
      .filter(Boolean)
      .join(', ');
    out.push(`✗ ${where || 'pasted message'}${f.reason ? ` — ${f.reason}` : ''}`);
    out.push(`  cause:     ${d.cause}: ${CAUSE_TITLES[d.cause]}`);
    out.push(`  evidence:  ${d.evidence}`);
    if (d.dialedIp) {
      out.push(`  dialled:   ${d.dialedIp} — a ${d.dialedIpKind} IP${d.dialedIpKind === 'public' ? ' (the TCR domain resolves to a public IP unless internal DNS is on)' : ' (private link / internal DNS, or a registry inside a private network)'}`);
    }
    if (d.registry) out.push(`  registry:  ${d.registry}`);
    const ctx = f.context;
    out.push(
      `  context:   ${ctx.source === 'none' ? 'no TcrAccess context (pass --tcraccess, or --registry and --network-mode)' : `${ctx.source}: registry ${ctx.registryHost ?? '?'}, network.mode ${ctx.networkMode ?? '?'}`}`,
    );
    out.push(`  fix:       ${wrap(d.fix, 100, pad)}`);
    if (d.docs) out.push(`  docs:      ${d.docs}`);
  }
  for (const n of r.notes) out.push('', `Note: ${wrap(n, 110, '      ')}`);
  return `${out.join('\n')}\n`;
}

export function notesFor(findings: Finding[]): string[] {
  const network = findings.some((f) => f.diagnosis.cause === 'NoNetworkPath' || f.diagnosis.cause === 'DnsFailure');
  return network ? [VANTAGE_NOTE] : [];
}

// ---------------------------------------------------------------------------------------------- cluster

/** An error that stops the command before a diagnosis: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
}

async function connect(flags: ClusterFlags): Promise<{ client: KubeClient; namespace: string }> {
  // Loaded on demand: client-node takes most of a second to import, and --message needs no cluster.
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (!flags.kubeconfig && !hasDefaultKubeconfig()) throw new UsageError('no kubeconfig found: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config');
  try {
    if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    throw new UsageError(`cannot load kubeconfig${flags.kubeconfig ? ` ${flags.kubeconfig}` : ''}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (flags.context) {
    if (!kc.getContexts().some((c) => c.name === flags.context)) throw new UsageError(`context "${flags.context}" not found in the kubeconfig`);
    kc.setCurrentContext(flags.context);
  }
  if (!kc.getCurrentCluster()) throw new UsageError('the kubeconfig has no current cluster: pass --kubeconfig or --context');
  const namespace = kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  return { client: new KubeClient(kc, { qps: 20, burst: 40, userAgent: 'tcr-access-doctor', maxThrottleRetries: 3 }), namespace };
}

/** What client-node's loadFromDefault would find: $KUBECONFIG files, ~/.kube/config, or the in-cluster account. */
function hasDefaultKubeconfig(): boolean {
  const env = process.env['KUBECONFIG'];
  if (env) return env.split(path.delimiter).some((f) => f && existsSync(f));
  return existsSync(path.join(os.homedir(), '.kube', 'config')) || (!!process.env['KUBERNETES_SERVICE_HOST'] && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token'));
}

const enc = encodeURIComponent;

async function podEvents(client: KubeClient, namespace: string, pod: string): Promise<EventObj[]> {
  const list = await client.get<{ items?: EventObj[] }>(`/api/v1/namespaces/${enc(namespace)}/events`, { fieldSelector: `involvedObject.name=${pod}` });
  return (list.items ?? []).filter((e) => !e.involvedObject?.kind || e.involvedObject.kind === 'Pod');
}

async function readTcrAccess(client: KubeClient, name: string): Promise<ContextSource> {
  try {
    return contextFromTcrAccess(await client.get<TcrAccessObj>(`/apis/tcr.tke.dev/v1alpha1/tcraccesses/${enc(name)}`));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) throw new UsageError(`TcrAccess "${name}" not found`);
    throw e;
  }
}

/** Every TcrAccess the caller may read (none when the CRD is missing or RBAC forbids it). */
async function allTcrAccesses(client: KubeClient): Promise<ContextSource[]> {
  try {
    const list = await client.get<{ items?: TcrAccessObj[] }>('/apis/tcr.tke.dev/v1alpha1/tcraccesses');
    return (list.items ?? []).map(contextFromTcrAccess);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 403)) return [];
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------- commands

interface DoctorFlags extends ClusterFlags {
  message?: string;
  registry?: string;
  networkMode?: NetworkMode;
  tcraccess?: string;
  output: 'text' | 'json';
}

function validateRegistry(v: string): string {
  const s = v.trim().toLowerCase().replace(/^[a-z]+:\/\//, '').replace(/\/+$/, '');
  if (!/^(?:[a-z0-9]([a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/.test(s)) {
    throw new UsageError(`--registry must be host[:port], got "${v}"`);
  }
  return s;
}

async function contextFor(flags: DoctorFlags, cluster: KubeClient | undefined): Promise<ContextFor> {
  const explicit = strip({ registry: flags.registry === undefined ? undefined : validateRegistry(flags.registry), networkMode: flags.networkMode });
  const named = flags.tcraccess && cluster ? await readTcrAccess(cluster, flags.tcraccess) : undefined;
  // Discovery only when nothing was said about the context.
  const all = !named && !explicit.registry && !explicit.networkMode && cluster ? await allTcrAccesses(cluster) : [];
  return contextChooser(explicit, named, all);
}

async function runMessage(flags: DoctorFlags, io: Io): Promise<Report> {
  let message = flags.message ?? '';
  if (message === '-') message = await io.readStdin();
  if (!message.trim()) throw new UsageError('--message is empty (pass the error text, or "-" to read it from stdin)');
  const cluster = flags.tcraccess ? (await connect(flags)).client : undefined;
  try {
    const choose = await contextFor(flags, cluster);
    const context = choose(undefined, message);
    const findings: Finding[] = [{ message, context, diagnosis: classifyPullError(message, contextOf(context)) }];
    return { scope: { kind: 'message' }, healthy: false, findings, notes: notesFor(findings) };
  } finally {
    await cluster?.close();
  }
}

async function runPod(name: string, namespace: string | undefined, flags: DoctorFlags): Promise<Report> {
  const { client, namespace: defaultNs } = await connect(flags);
  const ns = namespace ?? defaultNs;
  try {
    const choose = await contextFor(flags, client);
    let pod: PodObj;
    try {
      pod = await client.get<PodObj>(`/api/v1/namespaces/${enc(ns)}/pods/${enc(name)}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) throw new UsageError(`pod "${name}" not found in namespace "${ns}"`);
      throw e;
    }
    const findings = diagnosePod(pod, await podEvents(client, ns, name), choose);
    return { scope: { kind: 'pod', namespace: ns, pod: name }, healthy: findings.length === 0, findings, notes: notesFor(findings) };
  } finally {
    await client.close();
  }
}

async function runNamespace(ns: string, flags: DoctorFlags): Promise<Report> {
  const { client } = await connect(flags);
  try {
    const choose = await contextFor(flags, client);
    try {
      await client.get(`/api/v1/namespaces/${enc(ns)}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) throw new UsageError(`namespace "${ns}" not found`);
      if (!(e instanceof ApiError && e.status === 403)) throw e;
    }
    const pods: PodObj[] = [];
    let cont: string | undefined;
    do {
      const page = await client.get<{ items?: PodObj[]; metadata?: { continue?: string } }>(`/api/v1/namespaces/${enc(ns)}/pods`, { limit: 500, continue: cont });
      pods.push(...(page.items ?? []));
      cont = page.metadata?.continue || undefined;
    } while (cont);
    const findings: Finding[] = [];
    for (const pod of pods.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
      const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
      const pulling = statuses.some((s) => PULL_WAITING_REASONS.has(s.state?.waiting?.reason ?? ''));
      const unstarted = (pod.status?.phase ?? 'Pending') === 'Pending' && (pod.status?.containerStatuses ?? []).length === 0;
      if (!pulling && !unstarted) continue;
      findings.push(...diagnosePod(pod, await podEvents(client, ns, pod.metadata.name), choose));
    }
    return { scope: { kind: 'namespace', namespace: ns, podsChecked: pods.length }, healthy: findings.length === 0, findings, notes: notesFor(findings) };
  } finally {
    await client.close();
  }
}

function emit(report: Report, flags: DoctorFlags, io: Io): number {
  io.out(flags.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
  return report.healthy ? EXIT_OK : EXIT_PROBLEM;
}

/** The `doctor` command. `done` receives the exit code. */
export function doctorCommand(io: Io, done: (code: number) => void): Command {
  const doctor = new Command('doctor')
    .description('Diagnose why images do not pull: from a pasted error message, a Pod, or every Pod of a namespace')
    .option('--message <text>', 'the image-pull error to diagnose (offline); "-" reads it from stdin')
    .option('--registry <host[:port]>', "the TcrAccess's registry (its status.server), for context")
    .addOption(new Option('--network-mode <mode>', "the TcrAccess's spec.network.mode, for context").choices(['None', 'Private', 'Public']))
    .option('--tcraccess <name>', 'read --registry and --network-mode from this TcrAccess (status.server, spec.network.mode)')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  tcr-access doctor --message \'Failed to pull image "prod.tencentcloudcr.com/team/app:v1": ... dial tcp 43.137.12.5:443: i/o timeout\' --network-mode Private\n' +
        '  tcr-access doctor pod web-7d9f -n team-a --tcraccess prod\n' +
        '  tcr-access doctor namespace team-a -o json\n' +
        '  kubectl tcr-access doctor pod web-7d9f -n team-a      (as a kubectl plugin)\n\n' +
        'Exit codes: 0 nothing wrong, 1 a problem was diagnosed, 2 usage error (or the check could not run).\n' +
        'It reads what the node reported and never probes the network: this machine is not inside the cluster\'s VPC.',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const flags = cmd.opts<DoctorFlags>();
      if (flags.message === undefined) throw new UsageError('nothing to diagnose: pass --message "<error>", or use "doctor pod <name>" or "doctor namespace <ns>"');
      done(emit(await runMessage(flags, io), flags, io));
    });

  doctor
    .command('pod')
    .description("diagnose a Pod's image pulls (container statuses incl. init containers, and its Failed/BackOff Events)")
    .argument('<name>', 'Pod name')
    .option('-n, --namespace <ns>', 'namespace (default: the kubeconfig context\'s, else "default")')
    .action(async (name: string, opts: { namespace?: string }, cmd: Command) => {
      const flags = cmd.optsWithGlobals<DoctorFlags & { namespace?: string }>();
      if (flags.message !== undefined) throw new UsageError('--message cannot be combined with "pod"');
      done(emit(await runPod(name, opts.namespace, flags), flags, io));
    });

  doctor
    .command('namespace')
    .alias('ns')
    .description('diagnose every Pod of a namespace that fails to pull an image')
    .argument('<ns>', 'namespace')
    .action(async (ns: string, _opts: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<DoctorFlags>();
      if (flags.message !== undefined) throw new UsageError('--message cannot be combined with "namespace"');
      done(emit(await runNamespace(ns, flags), flags, io));
    });
  return doctor;
}

/** The whole `tcr-access` CLI. Resolves to the process exit code. */
export async function runCli(argv: string[], io: Io, name = 'tcr-access'): Promise<number> {
  let code = EXIT_OK;
  const program = new Command(name)
    .description('Tools for tcr-access-operator: make Tencent Container Registry (TCR) pulls work, and say why they do not')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(add --help for usage)');
  program.addCommand(doctorCommand(io, (c) => (code = c)));
  // addCommand does not copy settings: errors of the subcommands must not exit the process either.
  const settle = (cmd: Command) => {
    cmd.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err }).showHelpAfterError('(add --help for usage)');
    cmd.commands.forEach(settle);
  };
  program.commands.forEach(settle);
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    // --help and --version exit 0; every other commander error (unknown option, bad choice, missing argument) is a usage error.
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    const cause = e instanceof Error && e.cause instanceof Error ? ` (${e.cause.message})` : '';
    io.err(`${name}: ${e instanceof Error ? e.message : String(e)}${cause}\n`);
    return EXIT_USAGE;
  }
}
