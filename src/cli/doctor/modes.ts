// The doctor's runs, one per way of calling it (a message, --probe alone, a Pod, a namespace): each reads
// what it needs from the cluster (cluster.ts), diagnoses it (diagnose.ts), adds the --probe result
// (probe.ts) and assembles the report.
import { classifyPullError } from '../../diagnostics/classify.ts';
import type { KubeClient } from '../../k8s/client.ts';
import { allTcrAccesses, connect, listPods, podEvents, readPod, readTcrAccess } from './cluster.ts';
import { contextChooser, contextFromTcrAccess, contextOf, diagnosePod, notesFor, PULL_WAITING_REASONS, strip, type ContextInfo } from './diagnose.ts';
import { UsageError, validateRegistry, type DoctorFlags, type Io } from './flags.ts';
import { runProbe, withProbe, type ProbeSetup } from './probe.ts';
import type { Finding, Report } from './report.ts';

/** The TcrAccess context: --registry/--network-mode, the --tcraccess one, or (neither given) every TcrAccess readable. */
async function contextFor(flags: DoctorFlags, cluster: KubeClient | undefined): Promise<ContextInfo> {
  const explicit = strip({ registry: flags.registry === undefined ? undefined : validateRegistry(flags.registry), networkMode: flags.networkMode });
  const named = flags.tcraccess && cluster ? await readTcrAccess(cluster, flags.tcraccess) : undefined;
  // Discovery only when nothing was said about the context.
  const all = !named && !explicit.registry && !explicit.networkMode && cluster ? await allTcrAccesses(cluster) : [];
  return { choose: contextChooser(explicit, named ? contextFromTcrAccess(named) : undefined, all.map(contextFromTcrAccess)), named, accesses: named ? [named] : all };
}

/** `doctor --message`: the pasted message (or stdin), diagnosed offline unless --tcraccess or --pull-secret needs the cluster. */
export async function runMessage(flags: DoctorFlags, io: Io, setup: ProbeSetup | undefined): Promise<Report> {
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
export async function runProbeOnly(flags: DoctorFlags, setup: ProbeSetup): Promise<Report> {
  const cluster = flags.tcraccess || flags.pullSecret !== undefined ? (await connect(flags)).client : undefined;
  try {
    const info = await contextFor(flags, cluster);
    return withProbe({ scope: { kind: 'probe' }, healthy: true, findings: [], notes: [] }, await runProbe(flags, setup, info, [], cluster));
  } finally {
    await cluster?.close();
  }
}

/** `doctor pod`: the Pod's waiting containers and its pull Events. */
export async function runPod(name: string, namespace: string | undefined, flags: DoctorFlags, setup: ProbeSetup | undefined): Promise<Report> {
  const { client, namespace: defaultNs } = await connect(flags);
  const ns = namespace ?? defaultNs;
  try {
    const info = await contextFor(flags, client);
    const pod = await readPod(client, ns, name);
    const findings = diagnosePod(pod, await podEvents(client, ns, name), info.choose);
    const report: Report = { scope: { kind: 'pod', namespace: ns, pod: name }, healthy: findings.length === 0, findings, notes: notesFor(findings) };
    const podImages = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.image).filter((i): i is string => !!i);
    return withProbe(report, setup ? await runProbe(flags, setup, info, findings, client, podImages) : undefined);
  } finally {
    await client.close();
  }
}

/** `doctor namespace`: every Pod of the namespace (its name, else the kubeconfig context's; or of all namespaces) that waits on a pull (or has not started). */
export async function runNamespace(target: { all: true } | { all?: false; namespace?: string }, flags: DoctorFlags, setup: ProbeSetup | undefined): Promise<Report> {
  const { client, namespace: defaultNs } = await connect(flags);
  const ns = target.all ? undefined : (target.namespace ?? defaultNs);
  try {
    const info = await contextFor(flags, client);
    const pods = await listPods(client, ns);
    const findings: Finding[] = [];
    for (const pod of pods.sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name))) {
      const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
      const pulling = statuses.some((s) => PULL_WAITING_REASONS.has(s.state?.waiting?.reason ?? ''));
      const unstarted = (pod.status?.phase ?? 'Pending') === 'Pending' && (pod.status?.containerStatuses ?? []).length === 0;
      if (!pulling && !unstarted) continue;
      findings.push(...diagnosePod(pod, await podEvents(client, pod.metadata.namespace ?? ns ?? '', pod.metadata.name), info.choose));
    }
    const scope: Report['scope'] = ns === undefined ? { kind: 'allNamespaces', podsChecked: pods.length } : { kind: 'namespace', namespace: ns, podsChecked: pods.length };
    const report: Report = { scope, healthy: findings.length === 0, findings, notes: notesFor(findings) };
    return withProbe(report, setup ? await runProbe(flags, setup, info, findings, client) : undefined);
  } finally {
    await client.close();
  }
}
