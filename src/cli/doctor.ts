// `tcr-access doctor`: why does this image not pull? Reads what the node's container runtime reported (a pasted
// message, or a Pod's container statuses and Failed/BackOff Events) and classifies it with the same rules as the
// operator (src/diagnostics/classify.ts). Without --probe it never touches the network: where it runs (a laptop,
// a CI runner) is not where the pods run. With --probe it also runs the operator's live registry probe
// (src/diagnostics/probe.ts) from this machine, and says that this is not the pods' vantage point.
import { Command, CommanderError, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiError, KubeClient } from '../k8s/client.ts';
import { classifyPullError, refineCredentialsDiagnosis, registryOfImage, sameRegistry, type Cause, type Diagnosis, type DiagnosisContext, type NetworkMode } from '../diagnostics/classify.ts';
import { parseImageReference, parseServer, probeRegistry, type ProbeResult } from '../diagnostics/probe.ts';

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

/** Always printed with a probe result (and in its JSON as `probe.note`). */
export const PROBE_VANTAGE_NOTE =
  'This was checked from this machine, which is not necessarily inside the cluster\'s VPC (a laptop is not), so a failure here ' +
  'may not mean that pods fail, and vice versa. For the view from inside the cluster, enable spec.diagnostics.probe on the ' +
  'TcrAccess: the operator then runs the same checks from its pod.';

export const CAUSE_TITLES: Record<Cause, string> = {
  NoNetworkPath: 'no network path from the node to the registry',
  DnsFailure: 'the registry name does not resolve on the node',
  CredentialsRejected: 'the registry refused the pull credentials',
  ImageNotFound: 'the image does not exist',
  PlainHttpRegistry: 'the registry speaks plain HTTP',
  UntrustedCertificate: 'the registry certificate is not trusted',
  RateLimited: 'the registry throttled the pull',
  PullSecretMissing: 'the pull Secret the Pod names does not exist',
  NoPullSecret: 'the Pod has no pull Secret for this registry',
  InvalidImageName: 'the image reference is malformed',
  PlatformMismatch: 'the image has no variant for the node\'s platform',
  PullQpsExceeded: 'the kubelet\'s own pull rate limit was hit',
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

/** What was probed, and how (never the credentials themselves). */
export interface ProbeTarget {
  /** `host[:port]` probed. */
  registry: string;
  /** Where the registry came from: `--registry`, `tcraccess/<name>`, `--image`, `image <ref>`, `the message`. */
  from: string;
  plainHTTP: boolean;
  insecureSkipVerify: boolean;
  caFile?: string;
  /** Where plainHTTP / insecureSkipVerify / the CA came from: `flags`, `tcraccess/<name>` or `defaults`. */
  transportFrom: string;
  /** `none`, `--username/--password-stdin`, or `Secret <ns>/<name> (entry "<key>")`. */
  credentials: string;
  /** The manifest checked (`repo:tag`), with --image. */
  image?: string;
}

/** The probe's (scrubbed) result, what was probed, and whether it found a problem. */
export interface ProbeReport extends ProbeResult {
  target: ProbeTarget;
  /** The registry is unreachable, the credentials were refused, or the image is missing / denied. */
  problem: boolean;
  /** Other registries the findings name, not probed (pass --registry to probe one of them). */
  notProbed?: string[];
  note: string;
}

export interface Report {
  scope: { kind: 'message' } | { kind: 'pod'; namespace: string; pod: string } | { kind: 'namespace'; namespace: string; podsChecked: number } | { kind: 'probe' };
  /** Nothing wrong: no finding, and (with --probe) no problem found by the probe. */
  healthy: boolean;
  findings: Finding[];
  notes: string[];
  /** With --probe. */
  probe?: ProbeReport;
}

interface ContainerStatus {
  name: string;
  image?: string;
  state?: { waiting?: { reason?: string; message?: string } };
}
export interface PodObj {
  metadata: { name: string; namespace?: string; uid?: string };
  spec?: { containers?: Array<{ name: string; image?: string }>; initContainers?: Array<{ name: string; image?: string }>; imagePullSecrets?: Array<{ name?: string }> };
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
  spec?: { registry?: { server?: string; plainHTTP?: boolean; insecureSkipVerify?: boolean }; network?: { mode?: NetworkMode } };
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
  const secrets: SecretsSeen = { podPullSecrets: (pod.spec?.imagePullSecrets ?? []).map((r) => r.name ?? '').filter(Boolean), missingSecret };
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
    findings.push(best({ namespace: pod.metadata.namespace, pod: pod.metadata.name, container: s.name, initContainer: init, image, reason: s.state?.waiting?.reason }, candidates, secrets, contextFor));
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
      findings.push(best({ namespace: pod.metadata.namespace, pod: pod.metadata.name, image: image || undefined, reason: 'Failed' }, evs.map((e) => e.message ?? ''), secrets, contextFor));
    }
  }
  return findings;
}

/** The Pod's pull Secrets and the kubelet's FailedToRetrieveImagePullSecret Event: they tell the causes of a 401 apart. */
interface SecretsSeen {
  podPullSecrets: string[];
  missingSecret: EventObj | undefined;
}

function best(where: Omit<Finding, 'message' | 'context' | 'diagnosis'>, candidates: string[], secrets: SecretsSeen, contextFor: ContextFor): Finding {
  const diagnosed = candidates.map((message) => {
    const context = contextFor(where.image, message);
    return { message, context, diagnosis: classifyPullError(message, contextOf(context)) };
  });
  let pick = diagnosed.find((d) => d.diagnosis.cause !== 'Unknown') ?? diagnosed[0];
  if (!pick) {
    const message = where.reason ?? 'image pull failed';
    const context = contextFor(where.image, message);
    pick = { message, context, diagnosis: classifyPullError(message, contextOf(context)) };
  }
  const missingSecretMessage = secrets.missingSecret?.message;
  const refined = refineCredentialsDiagnosis(pick.diagnosis, { podPullSecrets: secrets.podPullSecrets, ...(missingSecretMessage ? { missingSecretMessage } : {}) }, contextOf(pick.context));
  if (refined !== pick.diagnosis) pick = { ...pick, diagnosis: refined, message: refined.cause === 'PullSecretMissing' && missingSecretMessage ? missingSecretMessage : pick.message };
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
  if (r.scope.kind === 'probe') {
    out.push(`tcr-access doctor --probe: ${r.probe?.problem ? 'the probe found a problem' : 'the probe found no problem'}`);
  } else if (r.findings.length === 0) {
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
  if (r.probe) out.push('', ...renderProbe(r.probe));
  return `${out.join('\n')}\n`;
}

const verdictStatus = (s: boolean | undefined) => (s === undefined ? 'Unknown' : s ? 'True' : 'False');

/** The probe block of the text output: target, steps, verdicts, addresses, and the vantage-point note. */
export function renderProbe(p: ProbeReport): string[] {
  const t = p.target;
  const how = [
    `registry from ${t.from}`,
    t.plainHTTP ? 'plain HTTP' : t.insecureSkipVerify ? 'HTTPS, certificate NOT verified' : `HTTPS${t.caFile ? ` trusting ${t.caFile}` : ''}`,
    t.transportFrom !== 'defaults' ? `transport settings from ${t.transportFrom}` : undefined,
    t.credentials === 'none' ? 'no credentials' : `credentials from ${t.credentials}`,
  ].filter(Boolean);
  const out = [`Probe of ${t.plainHTTP ? 'http' : 'https'}://${t.registry}${t.image ? ` (image ${t.image})` : ''} from this machine — ${how.join('; ')}:`];
  const pad = ' '.repeat(24);
  for (const s of p.steps) {
    out.push(`  ${s.ok ? '✓' : '✗'} ${s.step.padEnd(8)} ${`${s.ms.toFixed(1)} ms`.padStart(10)}  ${wrap(s.detail, 100, pad)}`);
  }
  const vpad = ' '.repeat(24);
  const verdict = (label: string, v: { status: boolean | undefined; reason: string; message: string }) =>
    `  ${`${label}:`.padEnd(21)} ${wrap(`${verdictStatus(v.status)} (${v.reason}) ${v.message}`, 100, vpad)}`;
  out.push(verdict('RegistryReachable', p.reachable));
  out.push(verdict('CredentialsAccepted', p.credentials));
  if (p.image) out.push(verdict('Image', p.image));
  out.push(`  ${'addresses:'.padEnd(21)} ${p.addresses.length ? p.addresses.map((a) => `${a.ip} (${a.private ? 'private' : 'public'})`).join(', ') : 'none resolved'}`);
  out.push(`  ${'result:'.padEnd(21)} ${p.problem ? 'PROBLEM — see the failed step and verdicts above' : 'OK'}`);
  if (p.notProbed?.length) out.push(`  ${'not probed:'.padEnd(21)} ${p.notProbed.join(', ')} (pass --registry to probe one of them)`);
  out.push(`  Note: ${wrap(p.note, 108, '        ')}`);
  return out;
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

async function readTcrAccess(client: KubeClient, name: string): Promise<TcrAccessObj> {
  try {
    return await client.get<TcrAccessObj>(`/apis/tcr.tke.dev/v1alpha1/tcraccesses/${enc(name)}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) throw new UsageError(`TcrAccess "${name}" not found`);
    throw e;
  }
}

/** Every TcrAccess the caller may read (none when the CRD is missing or RBAC forbids it). */
async function allTcrAccesses(client: KubeClient): Promise<TcrAccessObj[]> {
  try {
    const list = await client.get<{ items?: TcrAccessObj[] }>('/apis/tcr.tke.dev/v1alpha1/tcraccesses');
    return list.items ?? [];
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
  probe?: boolean;
  plainHttp?: boolean;
  insecureSkipVerify?: boolean;
  caFile?: string;
  username?: string;
  passwordStdin?: boolean;
  pullSecret?: string;
  image?: string;
}

function validateRegistry(v: string): string {
  const s = v.trim().toLowerCase().replace(/^[a-z]+:\/\//, '').replace(/\/+$/, '');
  if (!/^(?:[a-z0-9]([a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/.test(s)) {
    throw new UsageError(`--registry must be host[:port], got "${v}"`);
  }
  return s;
}

/** The context chooser, and the TcrAccess objects it knows (their spec.registry settles the probe's transport). */
interface ContextInfo {
  choose: ContextFor;
  named?: TcrAccessObj;
  accesses: TcrAccessObj[];
}

async function contextFor(flags: DoctorFlags, cluster: KubeClient | undefined): Promise<ContextInfo> {
  const explicit = strip({ registry: flags.registry === undefined ? undefined : validateRegistry(flags.registry), networkMode: flags.networkMode });
  const named = flags.tcraccess && cluster ? await readTcrAccess(cluster, flags.tcraccess) : undefined;
  // Discovery only when nothing was said about the context.
  const all = !named && !explicit.registry && !explicit.networkMode && cluster ? await allTcrAccesses(cluster) : [];
  return { choose: contextChooser(explicit, named ? contextFromTcrAccess(named) : undefined, all.map(contextFromTcrAccess)), named, accesses: named ? [named] : all };
}

// ---------------------------------------------------------------------------------------------- --probe

/** Probe flags checked and read before anything runs. Holds the secrets to scrub from the output. */
interface ProbeSetup {
  username?: string;
  password?: string;
  ca?: string;
  /** Scrubbed from everything printed (the probe result is scrubbed already; this is belt and braces). */
  secrets: string[];
}

const PROBE_ONLY_FLAGS: Array<[keyof DoctorFlags, string]> = [
  ['plainHttp', '--plain-http'],
  ['insecureSkipVerify', '--insecure-skip-verify'],
  ['caFile', '--ca-file'],
  ['username', '--username'],
  ['passwordStdin', '--password-stdin'],
  ['pullSecret', '--pull-secret'],
  ['image', '--image'],
];

/** Checks the --probe flags and reads the password (stdin) and the CA file. Undefined without --probe. */
async function prepareProbe(flags: DoctorFlags, io: Io): Promise<ProbeSetup | undefined> {
  if (!flags.probe) {
    const used = PROBE_ONLY_FLAGS.filter(([k]) => flags[k] !== undefined && flags[k] !== false).map(([, f]) => f);
    if (used.length) throw new UsageError(`${used.join(', ')} ${used.length > 1 ? 'need' : 'needs'} --probe`);
    return undefined;
  }
  if (flags.plainHttp && (flags.insecureSkipVerify || flags.caFile !== undefined)) throw new UsageError('--plain-http cannot be combined with --insecure-skip-verify or --ca-file');
  if (flags.username !== undefined && !flags.passwordStdin) throw new UsageError('--username needs --password-stdin (a password is never taken from the command line)');
  if (flags.passwordStdin && flags.username === undefined) throw new UsageError('--password-stdin needs --username');
  if (flags.username !== undefined && flags.pullSecret !== undefined) throw new UsageError('pass either --username/--password-stdin or --pull-secret, not both');
  if (flags.passwordStdin && flags.message === '-') throw new UsageError('--password-stdin and --message - both read stdin: pass the message as text');
  if (flags.pullSecret !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/.test(flags.pullSecret)) {
    throw new UsageError(`--pull-secret must be <namespace>/<name>, got "${flags.pullSecret}"`);
  }
  const setup: ProbeSetup = { secrets: [] };
  if (flags.caFile !== undefined) {
    let pem: string;
    try {
      pem = readFileSync(flags.caFile, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read --ca-file ${flags.caFile}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--ca-file ${flags.caFile} holds no PEM certificate`);
    setup.ca = pem;
  }
  if (flags.username !== undefined) {
    if (!flags.username) throw new UsageError('--username is empty');
    // Like `docker login --password-stdin`: the whole input, without its trailing newline.
    const password = (await io.readStdin()).replace(/\r?\n$/, '');
    if (!password) throw new UsageError('--password-stdin: stdin is empty');
    setup.username = flags.username;
    setup.password = password;
    addSecrets(setup, flags.username, password);
  }
  return setup;
}

function addSecrets(setup: ProbeSetup, username: string, password: string): void {
  // A short password could match unrelated text; the probe result scrubs it (any length) itself.
  if (password.length >= 4) setup.secrets.push(password);
  setup.secrets.push(Buffer.from(`${username}:${password}`, 'utf8').toString('base64'));
}

/** The registry an image names (its first path component when that looks like a host), else undefined. */
function imageRegistry(image: string): { registry?: string; rest: string } {
  const slash = image.indexOf('/');
  if (slash > 0) {
    const first = image.slice(0, slash);
    if (/[.:]/.test(first) || first === 'localhost') return { registry: first.toLowerCase(), rest: image.slice(slash + 1) };
  }
  return { rest: image };
}

/**
 * The registry to probe: --registry; else the --tcraccess one's; else the --image's registry; else the one the
 * most findings are about (their TcrAccess's, their image's, or the message's); else (pod mode) the pod's images'.
 */
export function chooseProbeRegistry(
  flags: { registry?: string; image?: string },
  named: ContextSource | undefined,
  findings: Finding[],
  podImages: string[] = [],
): { registry: string; from: string; notProbed: string[] } | undefined {
  if (flags.registry) return { registry: flags.registry, from: '--registry', notProbed: [] };
  if (named?.registryHost) return { registry: named.registryHost, from: named.source, notProbed: [] };
  const fromImage = flags.image ? imageRegistry(flags.image).registry : undefined;
  if (fromImage) return { registry: fromImage, from: '--image', notProbed: [] };
  const candidates: Array<{ registry: string; from: string }> = [];
  for (const f of findings) {
    if (f.context.registryHost && (!f.image || sameRegistry(registryOfImage(f.image), f.context.registryHost))) candidates.push({ registry: f.context.registryHost, from: f.context.source });
    else if (f.image) candidates.push({ registry: registryOfImage(f.image), from: `image ${f.image}` });
    else if (f.diagnosis.registry) candidates.push({ registry: f.diagnosis.registry, from: 'the message' });
    else if (f.context.registryHost) candidates.push({ registry: f.context.registryHost, from: f.context.source });
  }
  if (candidates.length === 0) for (const image of podImages) candidates.push({ registry: registryOfImage(image), from: `image ${image}` });
  const counts = new Map<string, { registry: string; from: string; n: number }>();
  for (const c of candidates) {
    const key = [...counts.keys()].find((k) => sameRegistry(k, c.registry)) ?? c.registry;
    const prev = counts.get(key);
    counts.set(key, prev ? { ...prev, n: prev.n + 1 } : { ...c, n: 1 });
  }
  const ranked = [...counts.values()].sort((a, b) => b.n - a.n);
  const top = ranked[0];
  if (!top) return undefined;
  return { registry: top.registry, from: top.from, notProbed: ranked.slice(1).map((r) => r.registry) };
}

/** Whether a probe result is a problem: unreachable, credentials refused, or the image missing / denied. */
export function probeFoundProblem(r: ProbeResult): boolean {
  return !r.reachable.status || (r.credentials.status === false && r.credentials.reason !== 'NoCredentials') || r.image?.status === false;
}

interface DockerConfigEntry {
  username?: unknown;
  password?: unknown;
  auth?: unknown;
}

/** Username and password for `registry` from a kubernetes.io/dockerconfigjson Secret read through the API. */
async function pullSecretCredentials(client: KubeClient, ref: string, registry: string): Promise<{ username: string; password: string; key: string }> {
  const [ns = '', name = ''] = ref.split('/');
  let secret: { type?: string; data?: Record<string, string> };
  try {
    secret = await client.get(`/api/v1/namespaces/${enc(ns)}/secrets/${enc(name)}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) {
      throw new UsageError(
        `reading Secret ${ref} is forbidden (HTTP 403): --pull-secret reads it through the Kubernetes API, which needs RBAC permission to get ` +
          `secrets in namespace ${ns} (check with: kubectl auth can-i get secret/${name} -n ${ns}); or pass --username and --password-stdin instead`,
      );
    }
    if (e instanceof ApiError && e.status === 404) throw new UsageError(`Secret ${ref} not found`);
    throw e;
  }
  if (secret.type !== 'kubernetes.io/dockerconfigjson') throw new UsageError(`Secret ${ref} is of type ${secret.type ?? '(none)'}, not kubernetes.io/dockerconfigjson`);
  let auths: Record<string, DockerConfigEntry>;
  try {
    const parsed = JSON.parse(Buffer.from(secret.data?.['.dockerconfigjson'] ?? '', 'base64').toString('utf8')) as { auths?: unknown };
    auths = parsed.auths && typeof parsed.auths === 'object' ? (parsed.auths as Record<string, DockerConfigEntry>) : {};
  } catch {
    throw new UsageError(`Secret ${ref}: .dockerconfigjson is not valid JSON`);
  }
  const key = Object.keys(auths).find((k) => sameRegistry(k, registry));
  if (!key) throw new UsageError(`Secret ${ref} has no entry for ${registry} (entries: ${Object.keys(auths).sort().slice(0, 5).join(', ') || 'none'})`);
  const e = auths[key] ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  let username = str(e.username);
  let password = str(e.password);
  const auth = str(e.auth);
  if ((!username || !password) && auth) {
    const s = Buffer.from(auth, 'base64').toString('utf8');
    const i = s.indexOf(':');
    if (i > 0) {
      username = s.slice(0, i);
      password = s.slice(i + 1);
    }
  }
  if (!username || !password) throw new UsageError(`Secret ${ref}: the entry for ${registry} has no username and password`);
  return { username, password, key };
}

/** Runs the probe from this machine against the registry in context. */
async function runProbe(
  flags: DoctorFlags,
  setup: ProbeSetup,
  info: ContextInfo | undefined,
  findings: Finding[],
  cluster: KubeClient | undefined,
  podImages: string[] = [],
): Promise<ProbeReport> {
  const explicit = flags.registry === undefined ? undefined : validateRegistry(flags.registry);
  const named = info?.named ? contextFromTcrAccess(info.named) : undefined;
  const target = chooseProbeRegistry({ registry: explicit, image: flags.image }, named, findings, podImages);
  if (!target) throw new UsageError('--probe: no registry to probe: pass --registry host[:port], --tcraccess <name>, or an --image with its registry');
  const registry = target.registry;
  const server = sameRegistry(registry, 'docker.io') ? 'registry-1.docker.io' : registry;

  // Transport: the flags, else the spec.registry of the TcrAccess that serves this registry.
  const access = (info?.accesses ?? []).find((a) => {
    const s = a.status?.server ?? a.spec?.registry?.server;
    return !!s && sameRegistry(s, registry);
  });
  const explicitTransport = !!flags.plainHttp || !!flags.insecureSkipVerify || flags.caFile !== undefined;
  const spec = access?.spec?.registry;
  const plainHTTP = explicitTransport ? !!flags.plainHttp : spec?.plainHTTP === true;
  const insecureSkipVerify = explicitTransport ? !!flags.insecureSkipVerify : spec?.insecureSkipVerify === true;
  const transportFrom = explicitTransport ? 'flags' : access && (plainHTTP || insecureSkipVerify) ? `tcraccess/${access.metadata.name}` : 'defaults';
  try {
    parseServer(server, plainHTTP);
  } catch {
    throw new UsageError(`cannot probe "${registry}" (from ${target.from}): not a registry host[:port]`);
  }

  let image: string | undefined;
  if (flags.image !== undefined) {
    const { registry: imgRegistry, rest } = imageRegistry(flags.image.trim());
    if (imgRegistry && !sameRegistry(imgRegistry, registry)) throw new UsageError(`--image ${flags.image} is in registry ${imgRegistry}, but the registry probed is ${registry} (from ${target.from})`);
    image = sameRegistry(registry, 'docker.io') && !rest.includes('/') ? `library/${rest}` : rest;
    if (!parseImageReference(image)) throw new UsageError(`--image must be [registry/]repository[:tag|@digest], got "${flags.image}"`);
  }

  let username = setup.username;
  let password = setup.password;
  let credentials = username !== undefined ? '--username/--password-stdin' : 'none';
  if (flags.pullSecret !== undefined) {
    if (!cluster) throw new UsageError('--pull-secret needs a cluster connection');
    const c = await pullSecretCredentials(cluster, flags.pullSecret, registry);
    username = c.username;
    password = c.password;
    addSecrets(setup, c.username, c.password);
    credentials = `Secret ${flags.pullSecret} (entry "${c.key}")`;
  }

  const result = await probeRegistry(
    strip({ server, plainHTTP, insecureSkipVerify, ca: setup.ca, username, password, image }),
  );
  return {
    target: strip({ registry, from: target.from, plainHTTP, insecureSkipVerify, caFile: flags.caFile, transportFrom, credentials, image }),
    ...result,
    problem: probeFoundProblem(result),
    ...(target.notProbed.length ? { notProbed: target.notProbed } : {}),
    note: PROBE_VANTAGE_NOTE,
  };
}

/** `healthy` covers the probe too. */
function withProbe(report: Report, probe: ProbeReport | undefined): Report {
  if (!probe) return report;
  return { ...report, healthy: report.healthy && !probe.problem, probe };
}

// ---------------------------------------------------------------------------------------------- modes

async function runMessage(flags: DoctorFlags, io: Io, setup: ProbeSetup | undefined): Promise<Report> {
  let message = flags.message ?? '';
  if (message === '-') message = await io.readStdin();
  if (!message.trim()) throw new UsageError('--message is empty (pass the error text, or "-" to read it from stdin)');
  const cluster = flags.tcraccess || (setup && flags.pullSecret !== undefined) ? (await connect(flags)).client : undefined;
  try {
    const info = await contextFor(flags, cluster);
    const context = info.choose(undefined, message);
    const findings: Finding[] = [{ message, context, diagnosis: classifyPullError(message, contextOf(context)) }];
    const report: Report = { scope: { kind: 'message' }, healthy: false, findings, notes: notesFor(findings) };
    return withProbe(report, setup ? await runProbe(flags, setup, info, findings, cluster) : undefined);
  } finally {
    await cluster?.close();
  }
}

/** `doctor --probe` without a message, pod or namespace: only the probe. */
async function runProbeOnly(flags: DoctorFlags, setup: ProbeSetup): Promise<Report> {
  const cluster = flags.tcraccess || flags.pullSecret !== undefined ? (await connect(flags)).client : undefined;
  try {
    const info = await contextFor(flags, cluster);
    return withProbe({ scope: { kind: 'probe' }, healthy: true, findings: [], notes: [] }, await runProbe(flags, setup, info, [], cluster));
  } finally {
    await cluster?.close();
  }
}

async function runPod(name: string, namespace: string | undefined, flags: DoctorFlags, setup: ProbeSetup | undefined): Promise<Report> {
  const { client, namespace: defaultNs } = await connect(flags);
  const ns = namespace ?? defaultNs;
  try {
    const info = await contextFor(flags, client);
    let pod: PodObj;
    try {
      pod = await client.get<PodObj>(`/api/v1/namespaces/${enc(ns)}/pods/${enc(name)}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) throw new UsageError(`pod "${name}" not found in namespace "${ns}"`);
      throw e;
    }
    const findings = diagnosePod(pod, await podEvents(client, ns, name), info.choose);
    const report: Report = { scope: { kind: 'pod', namespace: ns, pod: name }, healthy: findings.length === 0, findings, notes: notesFor(findings) };
    const podImages = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.image).filter((i): i is string => !!i);
    return withProbe(report, setup ? await runProbe(flags, setup, info, findings, client, podImages) : undefined);
  } finally {
    await client.close();
  }
}

async function runNamespace(ns: string, flags: DoctorFlags, setup: ProbeSetup | undefined): Promise<Report> {
  const { client } = await connect(flags);
  try {
    const info = await contextFor(flags, client);
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
      findings.push(...diagnosePod(pod, await podEvents(client, ns, pod.metadata.name), info.choose));
    }
    const report: Report = { scope: { kind: 'namespace', namespace: ns, podsChecked: pods.length }, healthy: findings.length === 0, findings, notes: notesFor(findings) };
    return withProbe(report, setup ? await runProbe(flags, setup, info, findings, client) : undefined);
  } finally {
    await client.close();
  }
}

/** Replaces every secret (longest first) in a string. */
function scrub(s: string, secrets: readonly string[]): string {
  return [...new Set(secrets.filter(Boolean))].sort((a, b) => b.length - a.length).reduce((acc, sec) => acc.split(sec).join('[redacted]'), s);
}

function emit(report: Report, flags: DoctorFlags, io: Io, setup: ProbeSetup | undefined): number {
  const text = flags.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderText(report);
  io.out(scrub(text, setup?.secrets ?? []));
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
    .option('--probe', 'also probe the registry in context from this machine (DNS, TCP, TLS, /v2/, auth, manifest)')
    .option('--plain-http', 'probe: the registry serves plain HTTP (default: the TcrAccess spec.registry.plainHTTP)')
    .option('--insecure-skip-verify', 'probe: do not verify the registry certificate (default: the TcrAccess spec.registry.insecureSkipVerify)')
    .option('--ca-file <pem>', 'probe: also trust the CA certificate(s) in this PEM file')
    .option('--username <name>', 'probe: registry username; the password is read from stdin (--password-stdin)')
    .option('--password-stdin', 'probe: read the password for --username from stdin')
    .option('--pull-secret <ns/name>', 'probe: take the credentials for the registry from this kubernetes.io/dockerconfigjson Secret (needs RBAC to get it)')
    .option('--image <repo:tag>', 'probe: also check that this manifest exists (HEAD /v2/<repo>/manifests/<tag>)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  tcr-access doctor --message \'Failed to pull image "prod.tencentcloudcr.com/team/app:v1": ... dial tcp 43.137.12.5:443: i/o timeout\' --network-mode Private\n' +
        '  tcr-access doctor pod web-7d9f -n team-a --tcraccess prod\n' +
        '  tcr-access doctor namespace team-a -o json\n' +
        '  tcr-access doctor pod web-7d9f -n team-a --probe --pull-secret team-a/tcr-pull --image team/app:v1\n' +
        '  echo "$TCR_PASSWORD" | tcr-access doctor --probe --registry prod.tencentcloudcr.com --username 1000123 --password-stdin\n' +
        '  kubectl tcr-access doctor pod web-7d9f -n team-a      (as a kubectl plugin)\n\n' +
        'Exit codes: 0 nothing wrong, 1 a problem was diagnosed, 2 usage error (or the check could not run); a problem --probe finds is 1.\n' +
        'It reads what the node reported. Only --probe touches the network, from this machine, which is not necessarily\n' +
        'inside the cluster\'s VPC: a probe failure here may not mean pods fail, and vice versa.',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const flags = cmd.opts<DoctorFlags>();
      if (flags.message === undefined && !flags.probe) {
        throw new UsageError('nothing to diagnose: pass --message "<error>", use "doctor pod <name>" or "doctor namespace <ns>", or --probe a registry');
      }
      const setup = await prepareProbe(flags, io);
      const report = flags.message === undefined ? await runProbeOnly(flags, setup!) : await runMessage(flags, io, setup);
      done(emit(report, flags, io, setup));
    });

  doctor
    .command('pod')
    .description("diagnose a Pod's image pulls (container statuses incl. init containers, and its Failed/BackOff Events)")
    .argument('<name>', 'Pod name')
    .option('-n, --namespace <ns>', 'namespace (default: the kubeconfig context\'s, else "default")')
    .action(async (name: string, opts: { namespace?: string }, cmd: Command) => {
      const flags = cmd.optsWithGlobals<DoctorFlags & { namespace?: string }>();
      if (flags.message !== undefined) throw new UsageError('--message cannot be combined with "pod"');
      const setup = await prepareProbe(flags, io);
      done(emit(await runPod(name, opts.namespace, flags, setup), flags, io, setup));
    });

  doctor
    .command('namespace')
    .alias('ns')
    .description('diagnose every Pod of a namespace that fails to pull an image')
    .argument('<ns>', 'namespace')
    .action(async (ns: string, _opts: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<DoctorFlags>();
      if (flags.message !== undefined) throw new UsageError('--message cannot be combined with "namespace"');
      const setup = await prepareProbe(flags, io);
      done(emit(await runNamespace(ns, flags, setup), flags, io, setup));
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
