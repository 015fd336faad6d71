// `tcr-access sync <name>` and `tcr-access rotate <name>`: ask the operator to re-check everything now, or to
// mint a new instance token now, by setting an annotation to a new value (the operator acts once per value;
// the same annotations are what the Argo CD resource actions set). TcrAccess is cluster-scoped: no -n.
import { Command } from 'commander';
import { ForceSyncAnnotation, RotateAnnotation } from '../api/v1alpha1/types.ts';
import type { KubeClient } from '../k8s/client.ts';
import { connect } from './doctor/cluster.ts';
import { EXIT_OK, UsageError, type ClusterFlags, type Io } from './doctor/flags.ts';

interface AccessObj {
  metadata: { name: string; resourceVersion: string; annotations?: Record<string, string> };
  spec: { credentials?: { instanceToken?: unknown } };
  status?: { lastForceSync?: string; credentials?: { rotatedAt?: string } };
}

interface RequestFlags extends ClusterFlags {
  wait?: boolean;
  timeout: string;
}

const path = (name: string) => `/apis/tcr.tke.dev/v1alpha1/tcraccesses/${encodeURIComponent(name)}`;

async function read(client: KubeClient, name: string): Promise<AccessObj> {
  try {
    return await client.get<AccessObj>(path(name));
  } catch (e) {
    if ((e as { status?: number }).status === 404) throw new UsageError(`TcrAccess "${name}" not found`);
    throw e;
  }
}

/** Seconds from "90s", "2m" or a bare number. */
function seconds(v: string): number {
  const m = /^(\d+)(s|m)?$/.exec(v.trim());
  if (!m) throw new UsageError(`--timeout must be like "60s" or "2m", got "${v}"`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
}

/** Sets the annotation to a new value (a timestamp); with --wait, polls until `handled` says the operator acted. */
async function request(name: string, annotation: string, flags: RequestFlags, io: Io, check: (a: AccessObj) => void, handled: (a: AccessObj, value: string, at: Date) => boolean): Promise<number> {
  const timeoutS = seconds(flags.timeout);
  const { client } = await connect(flags);
  try {
    const before = await read(client, name);
    check(before);
    const at = new Date();
    const value = at.toISOString();
    await client.mergePatch(path(name), { metadata: { resourceVersion: before.metadata.resourceVersion, annotations: { [annotation]: value } } });
    io.out(`tcraccess/${name} annotated ${annotation}=${value}\n`);
    if (!flags.wait) return EXIT_OK;
    const deadline = Date.now() + timeoutS * 1000;
    for (;;) {
      if (handled(await read(client, name), value, at)) {
        io.out(`tcraccess/${name}: done\n`);
        return EXIT_OK;
      }
      if (Date.now() >= deadline) throw new UsageError(`the operator did not act on ${annotation}=${value} within ${flags.timeout} (is it running?)`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await client.close();
  }
}

const common = (cmd: Command) =>
  cmd
    .argument('<name>', 'TcrAccess name')
    .option('--wait', 'wait until the operator has acted on it')
    .option('--timeout <duration>', 'with --wait: give up after this long', '120s')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use');

/** `sync` and `rotate`. `done` receives the exit code. */
export function accessCommands(io: Io, done: (code: number) => void): Command[] {
  const sync = common(new Command('sync'))
    .description(`re-check everything of a TcrAccess now (every namespace, the cloud step, the probe): sets ${ForceSyncAnnotation}`)
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const flags = cmd.opts<RequestFlags>();
      done(await request(name, ForceSyncAnnotation, flags, io, () => undefined, (a, v) => a.status?.lastForceSync === v));
    });
  const rotate = common(new Command('rotate'))
    .description(`mint a new instance token now and roll it out (the old one is revoked once the new one is everywhere): sets ${RotateAnnotation}`)
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const flags = cmd.opts<RequestFlags>();
      const check = (a: AccessObj) => {
        if (!a.spec.credentials?.instanceToken) throw new UsageError(`TcrAccess "${name}" has no credentials.instanceToken: there is no token to rotate (rotate the source Secret instead)`);
      };
      done(await request(name, RotateAnnotation, flags, io, check, (a, _v, at) => Date.parse(a.status?.credentials?.rotatedAt ?? '') >= at.getTime() - 1000));
    });
  return [sync, rotate];
}
