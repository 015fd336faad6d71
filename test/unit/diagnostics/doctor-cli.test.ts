// `tcr-access doctor`: the CLI as a child process (exit codes, JSON, text), and its pure Pod logic.
import { runCli, type Run } from '../../support/cli.ts';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventObj, PodObj } from '../../../src/cli/doctor/cluster.ts';
import { contextChooser, diagnosePod, VANTAGE_NOTE } from '../../../src/cli/doctor/diagnose.ts';
import { chooseProbeRegistry, probeFoundProblem, PROBE_VANTAGE_NOTE } from '../../../src/cli/doctor/probe.ts';
import { renderText } from '../../../src/cli/doctor/render.ts';
import type { Finding, ProbeReport, Report } from '../../../src/cli/doctor/report.ts';
import { CORPUS } from './corpus.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const MAIN = path.join(REPO_ROOT, 'src', 'cli', 'main.ts');

function cli(args: string[], opts: { stdin?: string; entry?: string } = {}): Promise<Run> {
  return runCli(args, { ...opts, env: { KUBECONFIG: '/nonexistent' } });
}

const json = (r: Run): Report => {
  assert.equal(r.stderr, '', 'no stderr');
  return JSON.parse(r.stdout) as Report;
};

const PUBLIC_TIMEOUT = CORPUS.find((e) => e.source === 'kubelet' && e.dialedIpKind === 'public' && e.registry === 'prod.tencentcloudcr.com')!.message;

describe('doctor CLI (child process)', function () {
  this.timeout(30_000);

  it('the FAQ timeout: NoNetworkPath, exit 1, and the note that it does not run inside the VPC', async () => {
    const r = await cli(['doctor', '--message', 'Error: failed to do request: Head "xxxx/manifests/late-st": dial tcp xxx:443: i/o timeout', '--output', 'json']);
    assert.equal(r.code, 1);
    const rep = json(r);
    assert.equal(rep.healthy, false);
    assert.deepEqual(rep.scope, { kind: 'message' });
    assert.equal(rep.findings.length, 1);
    assert.equal(rep.findings[0]!.diagnosis.cause, 'NoNetworkPath');
    assert.equal(rep.findings[0]!.context.source, 'none');
    assert.deepEqual(rep.notes, [VANTAGE_NOTE]);
    assert.match(rep.notes[0]!, /not inside the cluster's VPC/);
  });

  it('a public dialled IP with --network-mode Private: enable network.private.dns', async () => {
    const r = await cli(['doctor', '--message', PUBLIC_TIMEOUT, '--network-mode', 'Private', '--registry', 'prod.tencentcloudcr.com', '-o', 'json']);
    assert.equal(r.code, 1);
    const f = json(r).findings[0]!;
    assert.equal(f.diagnosis.dialedIp, '43.137.12.5');
    assert.equal(f.diagnosis.dialedIpKind, 'public');
    assert.match(f.diagnosis.fix, /network\.private\.dns/);
    assert.deepEqual(f.context, { source: 'flags', registryHost: 'prod.tencentcloudcr.com', networkMode: 'Private' });
  });

  it('-o yaml prints the same report as -o json', async () => {
    const [j, y] = await Promise.all([cli(['doctor', '--message', PUBLIC_TIMEOUT, '-o', 'json']), cli(['doctor', '--message', PUBLIC_TIMEOUT, '-o', 'yaml'])]);
    assert.equal(y.code, 1);
    assert.deepEqual(parseYaml(y.stdout), json(j));
  });

  it('insufficient_scope: CredentialsRejected, no network note', async () => {
    const r = await cli(['doctor', '--message', 'Error: code = Unknown, pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed', '-o', 'json']);
    assert.equal(r.code, 1);
    const rep = json(r);
    assert.equal(rep.findings[0]!.diagnosis.cause, 'CredentialsRejected');
    assert.match(rep.findings[0]!.diagnosis.fix, /spec\.imagePullSecret/);
    assert.deepEqual(rep.notes, []);
  });

  it('plain HTTP read from stdin with --message -', async () => {
    const msg = CORPUS.find((e) => e.source === 'docker' && e.cause === 'PlainHttpRegistry' && e.registry === '10.16.100.174:5000')!.message;
    const r = await cli(['doctor', '--message', '-', '-o', 'json'], { stdin: msg });
    assert.equal(r.code, 1);
    const d = json(r).findings[0]!.diagnosis;
    assert.equal(d.cause, 'PlainHttpRegistry');
    assert.match(d.fix, /spec\.registry\.plainHTTP/);
    assert.match(d.fix, /registry-http-endpoint: 10\.16\.100\.174:5000/);
  });

  it('text output: cause, evidence, dialled IP and its kind, fix, and the vantage-point note', async () => {
    const r = await cli(['doctor', '--message', PUBLIC_TIMEOUT]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /cause: +NoNetworkPath/);
    assert.match(r.stdout, /evidence: +.*dial tcp 43\.137\.12\.5:443: i\/o timeout/);
    assert.match(r.stdout, /dialled: +43\.137\.12\.5 — a public IP/);
    assert.match(r.stdout, /fix: +/);
    assert.match(r.stdout, /does not test the network from here/);
  });

  it('usage errors exit 2', async () => {
    const cases: string[][] = [
      [],
      ['doctor'],
      ['doctor', '--message', ''],
      ['doctor', '--message', 'x', '--network-mode', 'Sideways'],
      ['doctor', '--message', 'x', '--output', 'xml'],
      ['doctor', 'namespace', 'a', '-n', 'b'],
      ['doctor', 'namespace', '-n', 'a', '-A'],
      ['doctor', '--message', 'x', '--registry', 'https://bad host/'],
      ['doctor', '--bogus'],
      ['doctor', 'pod'],
      ['doctor', 'pod', 'web', '--message', 'x'],
      ['doctor', 'pod', 'web', '-n', 'default'], // no usable kubeconfig (KUBECONFIG points nowhere)
      ['doctor', 'pod', 'web', '--kubeconfig', '/nonexistent/kubeconfig'],
      ['frobnicate'],
    ];
    const runs = await Promise.all(cases.map((args) => cli(args)));
    cases.forEach((args, i) => {
      const r = runs[i]!;
      assert.equal(r.code, 2, `${JSON.stringify(args)} → ${r.code}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout.includes('"findings"'), false);
    });
  });

  it('--help exits 0 and documents the exit codes', async () => {
    const r = await cli(['doctor', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Exit codes: 0 nothing wrong, 1 a problem was diagnosed, 2 usage error/);
  });

  it('runs as a kubectl plugin (kubectl-tcr_access)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kubectl-plugin-'));
    try {
      const entry = path.join(dir, 'kubectl-tcr_access');
      symlinkSync(MAIN, entry);
      const r = await cli(['doctor', '--help'], { entry });
      assert.equal(r.code, 0);
      assert.match(r.stdout, /Usage: kubectl tcr-access doctor/);
      const d = await cli(['doctor', '--message', 'manifest unknown', '-o', 'json'], { entry });
      assert.equal(json(d).findings[0]!.diagnosis.cause, 'ImageNotFound');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('doctor: diagnosePod (pure)', () => {
  const IMG = 'prod.tencentcloudcr.com/team/app:v1';
  const none = contextChooser({}, undefined, []);
  const pod = (status: PodObj['status'], uid = 'u1'): PodObj => ({
    metadata: { name: 'web', namespace: 'team-a', uid },
    spec: { initContainers: [{ name: 'init', image: IMG }], containers: [{ name: 'app', image: IMG }], imagePullSecrets: [{ name: 'tcr-pull' }] },
    status,
  });
  const ev = (reason: string, message: string, extra: Partial<NonNullable<EventObj['involvedObject']>> = {}, at = '2025-01-01T00:00:00Z'): EventObj => ({
    reason,
    message,
    involvedObject: { kind: 'Pod', name: 'web', uid: 'u1', ...extra },
    lastTimestamp: at,
  });
  const waiting = (name: string, reason: string, message?: string) => ({ name, image: IMG, state: { waiting: { reason, ...(message ? { message } : {}) } } });

  it('a running pod has no finding', () => {
    assert.deepEqual(diagnosePod(pod({ phase: 'Running', containerStatuses: [{ name: 'app', image: IMG, state: {} }] }), [], none), []);
  });

  it('ImagePullBackOff: the Failed event tells the cause, the status only says Back-off', () => {
    const f = diagnosePod(
      pod({ phase: 'Pending', containerStatuses: [waiting('app', 'ImagePullBackOff', `Back-off pulling image "${IMG}"`)] }),
      [ev('BackOff', `Back-off pulling image "${IMG}"`, { fieldPath: 'spec.containers{app}' }), ev('Failed', `Failed to pull image "${IMG}": ${PUBLIC_TIMEOUT}`, { fieldPath: 'spec.containers{app}' })],
      none,
    );
    assert.equal(f.length, 1);
    assert.equal(f[0]!.container, 'app');
    assert.equal(f[0]!.reason, 'ImagePullBackOff');
    assert.equal(f[0]!.diagnosis.cause, 'NoNetworkPath');
    assert.equal(f[0]!.diagnosis.dialedIpKind, 'public');
  });

  it('init containers count, and events of an older pod with the same name (other uid) are ignored', () => {
    const f = diagnosePod(
      pod({ phase: 'Pending', initContainerStatuses: [waiting('init', 'ImagePullBackOff', 'Back-off pulling image')], containerStatuses: [{ name: 'app', image: IMG, state: { waiting: { reason: 'PodInitializing' } } }] }),
      [ev('Failed', `Failed to pull image "${IMG}": ${PUBLIC_TIMEOUT}`, { uid: 'old', fieldPath: 'spec.initContainers{init}' }), ev('Failed', `Failed to pull image "${IMG}": ${IMG}: not found`, { fieldPath: 'spec.initContainers{init}' })],
      none,
    );
    assert.equal(f.length, 1);
    assert.equal(f[0]!.initContainer, true);
    assert.equal(f[0]!.diagnosis.cause, 'ImageNotFound');
  });

  it('the newest informative event wins', () => {
    const f = diagnosePod(
      pod({ phase: 'Pending', containerStatuses: [waiting('app', 'ImagePullBackOff')] }),
      [
        ev('Failed', `Failed to pull image "${IMG}": ${PUBLIC_TIMEOUT}`, {}, '2025-01-01T00:00:00Z'),
        ev('Failed', `Failed to pull image "${IMG}": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`, {}, '2025-01-01T00:05:00Z'),
        ev('Failed', 'Error: ImagePullBackOff', {}, '2025-01-01T00:06:00Z'),
      ],
      none,
    );
    assert.equal(f[0]!.diagnosis.cause, 'CredentialsRejected');
  });

  it('a missing pull Secret explains a credentials rejection', () => {
    const f = diagnosePod(
      pod({ phase: 'Pending', containerStatuses: [waiting('app', 'ErrImagePull', 'failed to pull and unpack image: failed to resolve reference: unexpected status from HEAD request: 401 Unauthorized')] }),
      [ev('FailedToRetrieveImagePullSecret', 'Unable to retrieve some image pull secrets (tcr-pull); attempting to pull the image may not succeed.')],
      none,
    );
    assert.equal(f[0]!.diagnosis.cause, 'PullSecretMissing');
    assert.match(f[0]!.diagnosis.fix, /does not exist in its namespace/);
    assert.match(f[0]!.message, /Unable to retrieve some image pull secrets \(tcr-pull\)/);
  });

  it('a 401 for a Pod without pull Secrets is NoPullSecret, with its pull Secrets it is CredentialsRejected', () => {
    const refused = `Failed to pull image "${IMG}": failed to resolve reference "${IMG}": pulling from host prod.tencentcloudcr.com failed with status code [manifests v1]: 401 Unauthorized`;
    const status = { phase: 'Pending', containerStatuses: [waiting('app', 'ErrImagePull', refused)] };
    const without = { ...pod(status), spec: { containers: [{ name: 'app', image: IMG }] } };
    assert.equal(diagnosePod(without, [], none)[0]!.diagnosis.cause, 'NoPullSecret');
    assert.equal(diagnosePod(pod(status), [], none)[0]!.diagnosis.cause, 'CredentialsRejected');
  });

  it('a Pending pod without container statuses is diagnosed from its Failed events', () => {
    const f = diagnosePod(pod({ phase: 'Pending' }), [ev('Failed', `Failed to pull image "${IMG}": ${IMG}: not found`)], none);
    assert.equal(f.length, 1);
    assert.equal(f[0]!.image, IMG);
    assert.equal(f[0]!.diagnosis.cause, 'ImageNotFound');
  });

  it('the context is the TcrAccess whose registry is the image\'s, and flags override it', () => {
    const all = [
      { source: 'tcraccess/other', registryHost: 'other.tencentcloudcr.com', networkMode: 'Public' as const },
      { source: 'tcraccess/prod', registryHost: 'prod.tencentcloudcr.com', networkMode: 'Private' as const },
    ];
    const status = pod({ phase: 'Pending', containerStatuses: [waiting('app', 'ErrImagePull', PUBLIC_TIMEOUT)] });
    const f = diagnosePod(status, [], contextChooser({}, undefined, all));
    assert.equal(f[0]!.context.source, 'tcraccess/prod');
    assert.match(f[0]!.diagnosis.fix, /DNS does not resolve privately/);
    const g = diagnosePod(status, [], contextChooser({ networkMode: 'Public' }, all[1], all));
    assert.equal(g[0]!.context.source, 'tcraccess/prod+flags');
    assert.equal(g[0]!.context.networkMode, 'Public');
    assert.match(g[0]!.diagnosis.fix, /whitelist/);
  });
});

describe('doctor --probe: pure parts', () => {
  const finding = (over: Partial<Finding> & { registry?: string }): Finding => ({
    message: 'x',
    context: { source: 'none' },
    diagnosis: { cause: 'Unknown', evidence: 'x', fix: 'y', ...(over.registry ? { registry: over.registry } : {}) },
    ...over,
  });

  it('chooses --registry, then --tcraccess, then --image, then the findings\' most common registry, then the pod\'s images', () => {
    const named = { source: 'tcraccess/prod', registryHost: 'prod.tencentcloudcr.com' };
    assert.deepEqual(chooseProbeRegistry({ registry: 'a.example.com:5000' }, named, []), { registry: 'a.example.com:5000', from: '--registry', notProbed: [] });
    assert.deepEqual(chooseProbeRegistry({}, named, []), { registry: 'prod.tencentcloudcr.com', from: 'tcraccess/prod', notProbed: [] });
    assert.deepEqual(chooseProbeRegistry({ image: 'b.example.com/team/app:v1' }, undefined, []), { registry: 'b.example.com', from: '--image', notProbed: [] });
    const findings = [
      finding({ image: 'c.example.com/x/y:1' }),
      finding({ image: 'prod.tencentcloudcr.com/x/y:1', context: named }),
      finding({ image: 'prod.tencentcloudcr.com:443/x/z:1' }),
    ];
    assert.deepEqual(chooseProbeRegistry({ image: 'team/app:v1' }, undefined, findings), { registry: 'prod.tencentcloudcr.com', from: 'tcraccess/prod', notProbed: ['c.example.com'] });
    assert.deepEqual(chooseProbeRegistry({}, undefined, [finding({ registry: '10.0.0.5:5000' })]), { registry: '10.0.0.5:5000', from: 'the message', notProbed: [] });
    assert.deepEqual(chooseProbeRegistry({}, undefined, [], ['d.example.com/app:v1']), { registry: 'd.example.com', from: 'image d.example.com/app:v1', notProbed: [] });
    assert.equal(chooseProbeRegistry({}, undefined, [finding({})]), undefined);
  });

  it('a problem: unreachable, credentials refused, or the image missing; not: no credentials given, or not checked', () => {
    const ok = { reachable: { status: true, reason: 'Reachable' as const, message: '' }, credentials: { status: true, reason: 'CredentialsAccepted' as const, message: '' }, steps: [], addresses: [] };
    assert.equal(probeFoundProblem(ok), false);
    assert.equal(probeFoundProblem({ ...ok, reachable: { status: false, reason: 'Timeout', message: '' } }), true);
    assert.equal(probeFoundProblem({ ...ok, credentials: { status: false, reason: 'CredentialsRejected', message: '' } }), true);
    assert.equal(probeFoundProblem({ ...ok, credentials: { status: false, reason: 'NoCredentials', message: '' } }), false);
    assert.equal(probeFoundProblem({ ...ok, image: { status: false, reason: 'ImageNotFound', message: '' } }), true);
    assert.equal(probeFoundProblem({ ...ok, image: { status: undefined, reason: 'NotChecked', message: '' } }), false);
  });

  it('text: steps, verdicts, addresses, and always the vantage-point sentence', () => {
    const probe: ProbeReport = {
      target: { registry: 'prod.tencentcloudcr.com', from: '--registry', plainHTTP: false, insecureSkipVerify: false, transportFrom: 'defaults', credentials: 'Secret a/b (entry "prod.tencentcloudcr.com")', image: 'team/app:v1' },
      reachable: { status: false, reason: 'Timeout', message: 'cannot connect' },
      credentials: { status: undefined, reason: 'NotChecked', message: 'not checked' },
      image: { status: undefined, reason: 'NotChecked', message: 'not checked' },
      steps: [{ step: 'dns', ok: true, ms: 3.2, detail: 'prod.tencentcloudcr.com → 43.137.12.5 (public)' }, { step: 'tcp', ok: false, ms: 5000, detail: 'i/o timeout' }],
      addresses: [{ ip: '43.137.12.5', private: false }],
      problem: true,
      note: PROBE_VANTAGE_NOTE,
    };
    const text = renderText({ scope: { kind: 'probe' }, healthy: false, findings: [], notes: [], probe });
    assert.match(text, /the probe found a problem/);
    assert.match(text, /Probe of https:\/\/prod\.tencentcloudcr\.com \(image team\/app:v1\) from this machine/);
    assert.match(text, /✓ dns +3\.2 ms/);
    assert.match(text, /✗ tcp +5000\.0 ms {2}i\/o timeout/);
    assert.match(text, /RegistryReachable: +False \(Timeout\)/);
    assert.match(text, /CredentialsAccepted: +Unknown \(NotChecked\)/);
    assert.match(text, /addresses: +43\.137\.12\.5 \(public\)/);
    assert.match(text, /credentials from Secret a\/b/);
    assert.match(text, /Note: This was checked from this machine, which is not necessarily inside the cluster's VPC \(a laptop is not\)/);
  });
});

describe('doctor --probe CLI (child process, no registry)', function () {
  this.timeout(30_000);

  it('a closed port: ConnectFailed, exit 1, the note, no credentials printed', async () => {
    const r = await cli(['doctor', '--probe', '--registry', '127.0.0.1:1', '--username', 'robot-user', '--password-stdin', '-o', 'json'], { stdin: 'never-print-me-123\n' });
    assert.equal(r.code, 1, r.stderr);
    const rep = json(r);
    assert.equal(rep.probe!.reachable.reason, 'ConnectFailed');
    assert.equal(rep.probe!.note, PROBE_VANTAGE_NOTE);
    assert.ok(!r.stdout.includes('never-print-me-123'));
  });

  it('probe flags without --probe, and a password on the command line, are usage errors', async () => {
    for (const args of [['doctor', '--message', 'x', '--image', 'a/b:c'], ['doctor', '--probe', '--registry', 'r.example.com', '--password', 'p']]) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${JSON.stringify(args)}: ${r.stdout}${r.stderr}`);
    }
  });
});
