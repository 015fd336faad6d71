// `tcr-access doctor`: why does this image not pull? Reads what the node's container runtime reported (a pasted
// message, or a Pod's container statuses and Failed/BackOff Events) and classifies it with the same rules as the
// operator (src/diagnostics/classify.ts). Without --probe it never touches the network: where it runs (a laptop,
// a CI runner) is not where the pods run. With --probe it also runs the operator's live registry probe
// (src/diagnostics/probe.ts) from this machine, and says that this is not the pods' vantage point.
// This file is the command line (commander): flags, subcommands, exit codes. The work is in doctor/: reading
// the cluster (cluster.ts), the diagnosis (diagnose.ts), --probe (probe.ts), the runs that assemble a report
// (modes.ts) and its rendering (render.ts).
import { Command, Option } from 'commander';
import { EXIT_OK, EXIT_PROBLEM, UsageError, type DoctorFlags, type Io } from './doctor/flags.ts';
import { runMessage, runNamespace, runPod, runProbeOnly } from './doctor/modes.ts';
import { prepareProbe, type ProbeSetup } from './doctor/probe.ts';
import { renderReport } from './doctor/render.ts';
import type { Report } from './doctor/report.ts';

function emit(report: Report, flags: DoctorFlags, io: Io, setup: ProbeSetup | undefined): number {
  io.out(renderReport(report, flags.output, setup?.secrets ?? []));
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
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'yaml']).default('text'))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  tcr-access doctor --message \'Failed to pull image "prod.tencentcloudcr.com/team/app:v1": ... dial tcp 43.137.12.5:443: i/o timeout\' --network-mode Private\n' +
        '  tcr-access doctor pod web-7d9f -n team-a --tcraccess prod\n' +
        '  tcr-access doctor namespace team-a -o json\n' +
        '  tcr-access doctor namespace -A -o yaml\n' +
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
    .description('diagnose every Pod of a namespace (or of all namespaces) that fails to pull an image')
    .argument('[ns]', 'namespace (or -n; default: the kubeconfig context\'s, else "default")')
    .option('-n, --namespace <ns>', 'namespace')
    .option('-A, --all-namespaces', 'every namespace')
    .action(async (arg: string | undefined, opts: { namespace?: string; allNamespaces?: boolean }, cmd: Command) => {
      const flags = cmd.optsWithGlobals<DoctorFlags>();
      if (flags.message !== undefined) throw new UsageError('--message cannot be combined with "namespace"');
      if (arg !== undefined && opts.namespace !== undefined && arg !== opts.namespace) throw new UsageError(`two namespaces given: "${arg}" and -n "${opts.namespace}"`);
      if (opts.allNamespaces && (arg ?? opts.namespace) !== undefined) throw new UsageError('-A (all namespaces) cannot be combined with a namespace');
      const setup = await prepareProbe(flags, io);
      const target = opts.allNamespaces ? { all: true as const } : { namespace: arg ?? opts.namespace };
      done(emit(await runNamespace(target, flags, setup), flags, io, setup));
    });
  return doctor;
}
