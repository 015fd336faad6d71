// Rendering of the doctor's report: the text output (findings, notes, the probe block) and JSON, with every
// secret the command knows of scrubbed from either.
import { stringify } from 'yaml';
import type { Cause } from '../../diagnostics/classify.ts';
import type { ProbeReport, Report } from './report.ts';

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
    r.scope.kind === 'pod'
      ? `pod ${r.scope.namespace}/${r.scope.pod}`
      : r.scope.kind === 'namespace'
        ? `namespace ${r.scope.namespace} (${r.scope.podsChecked} pods checked)`
        : r.scope.kind === 'allNamespaces'
          ? `all namespaces (${r.scope.podsChecked} pods checked)`
          : 'message';
  if (r.scope.kind === 'probe') {
    out.push(`tcr-access doctor --probe: ${r.probe?.problem ? 'the probe found a problem' : 'the probe found no problem'}`);
  } else if (r.findings.length === 0) {
    out.push(r.scope.kind === 'pod' ? `OK: pod ${r.scope.namespace}/${r.scope.pod} has no image-pull problem.` : r.scope.kind === 'namespace' || r.scope.kind === 'allNamespaces' ? `OK: no pod in ${scope} has an image-pull problem.` : 'OK: nothing to diagnose.');
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

/** Replaces every secret (longest first) in a string. */
function scrub(s: string, secrets: readonly string[]): string {
  return [...new Set(secrets.filter(Boolean))].sort((a, b) => b.length - a.length).reduce((acc, sec) => acc.split(sec).join('[redacted]'), s);
}

/** The report as printed: text, JSON or YAML (the same fields), secrets scrubbed. */
export function renderReport(report: Report, output: 'text' | 'json' | 'yaml', secrets: readonly string[]): string {
  const text = output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : output === 'yaml' ? stringify(JSON.parse(JSON.stringify(report)) as unknown, { lineWidth: 0 }) : renderText(report);
  return scrub(text, secrets);
}
