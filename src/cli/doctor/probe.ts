// `doctor --probe`: checks the probe flags and reads the password (stdin) and the CA file, picks the registry to
// probe and its transport settings, takes credentials from a pull Secret if asked, and runs the operator's live
// registry probe (src/diagnostics/probe.ts) from this machine, noting that this is not the pods' vantage point.
import { readFileSync } from 'node:fs';
import { registryOfImage, sameRegistry } from '../../diagnostics/classify.ts';
import { probeRegistry } from '../../diagnostics/probe.ts';
import { parseImageReference, parseServer } from '../../diagnostics/probe/address.ts';
import type { ProbeResult } from '../../diagnostics/probe/types.ts';
import type { KubeClient } from '../../k8s/client.ts';
import { pullSecretCredentials } from './cluster.ts';
import { contextFromTcrAccess, strip, type ContextInfo } from './diagnose.ts';
import { UsageError, validateRegistry, type DoctorFlags, type Io } from './flags.ts';
import type { ContextSource, Finding, ProbeReport, Report } from './report.ts';

/** Always printed with a probe result (and in its JSON as `probe.note`). */
export const PROBE_VANTAGE_NOTE =
  'This was checked from this machine, which is not necessarily inside the cluster\'s VPC (a laptop is not), so a failure here ' +
  'may not mean that pods fail, and vice versa. For the view from inside the cluster, enable spec.diagnostics.probe on the ' +
  'TcrAccess: the operator then runs the same checks from its pod.';

/** Probe flags checked and read before anything runs. Holds the secrets to scrub from the output. */
export interface ProbeSetup {
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
export async function prepareProbe(flags: DoctorFlags, io: Io): Promise<ProbeSetup | undefined> {
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

/** Runs the probe from this machine against the registry in context. */
export async function runProbe(
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
export function withProbe(report: Report, probe: ProbeReport | undefined): Report {
  if (!probe) return report;
  return { ...report, healthy: report.healthy && !probe.problem, probe };
}
