// `tcr-access doctor --probe` as a child process against real registries on loopback (Debian's
// docker-registry): plain HTTP, and TLS with a test CA and htpasswd (Basic) auth; credentials from
// --username/--password-stdin and from a pull Secret read through a real kube-apiserver (and the 403 when
// RBAC forbids it); transport settings from a TcrAccess. Nothing printed may contain a credential.
//
// Skips only when `docker-registry` is missing and cannot be installed (never with CI=true).
import { runCli, type Run } from '../support/cli.ts';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROBE_VANTAGE_NOTE } from '../../src/cli/doctor/probe.ts';
import type { Report } from '../../src/cli/doctor/report.ts';
import { isNotFound } from '../../src/k8s/client.ts';
import { accessPath, createNamespace, getFixture, putSourceSecret, type Fixture } from '../support/fixture.ts';
import { ensureRegistryBinary, INSTALL, startRegistry, which, type Registry } from '../support/registry.ts';

const USER = 'doctor-robot';
const PASSWORD = 'Doctor-pass-5e1d';
const WRONG = 'Wrong-doctor-8c2a';
const PLAIN_HTTP_ERROR =
  'Failed to pull image "REG/team/app:v1": rpc error: code = Unknown desc = failed to pull and unpack image "REG/team/app:v1": failed to resolve reference "REG/team/app:v1": ' +
  'failed to do request: Head "https://REG/v2/team/app/manifests/v1": http: server gave HTTP response to HTTPS client';
const SECRETS_NS = 'doctor-probe';

function doctor(args: string[], opts: { stdin?: string; kubeconfig?: string } = {}): Promise<Run> {
  return runCli(['doctor', ...args], { ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}), env: { KUBECONFIG: opts.kubeconfig ?? '/nonexistent' } });
}

const report = (r: Run): Report => {
  assert.equal(r.stderr, '', r.stderr);
  return JSON.parse(r.stdout) as Report;
};

/** Nothing printed contains a credential (plain, or Basic-encoded). */
function assertNoSecrets(r: Run, ...secrets: string[]): void {
  const all = r.stdout + r.stderr;
  for (const s of secrets) {
    assert.ok(!all.includes(s), `output contains a secret: ${s}`);
    assert.ok(!all.includes(Buffer.from(`${USER}:${s}`).toString('base64')), 'output contains a Basic credential');
  }
}

function makePki(dir: string): { caFile: string; cert: string; key: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=doctor-test-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext']);
  return { caFile: path.join(dir, 'ca.crt'), cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
}

describe('tcr-access doctor --probe (CLI process, docker-registry on loopback)', function () {
  this.timeout(120_000);
  let dir = '';
  let plain: Registry;
  let secure: Registry;
  let caFile = '';
  const registries: Registry[] = [];

  before(async function () {
    this.timeout(900_000);
    const found = ensureRegistryBinary();
    if (!found.bin) {
      if (process.env['CI'] === 'true') throw new Error(`CI=true but ${found.why ?? 'docker-registry unavailable'}`);
      console.log(`      SKIPPING doctor --probe tests: ${found.why ?? 'docker-registry unavailable'} (install with: ${INSTALL})`);
      this.skip();
    }
    for (const tool of ['openssl', 'htpasswd']) {
      if (which(tool)) continue;
      if (process.env['CI'] === 'true') throw new Error(`CI=true but ${tool} is not installed`);
      console.log(`      SKIPPING doctor --probe tests: ${tool} is not installed (install with: ${INSTALL})`);
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcra-doctor-probe-'));
    const pki = makePki(dir);
    caFile = pki.caFile;
    const line = execFileSync(which('htpasswd')!, ['-Bbn', USER, PASSWORD], { encoding: 'utf8' }).trim();
    fs.writeFileSync(path.join(dir, 'htpasswd'), `${line}\n`);
    plain = await startRegistry(found.bin!, dir, 'plain', {});
    registries.push(plain);
    secure = await startRegistry(found.bin!, dir, 'tls-basic', {
      tls: { certificate: pki.cert, key: pki.key },
      auth: { htpasswd: { realm: 'doctor-realm', path: path.join(dir, 'htpasswd') } },
    });
    registries.push(secure);
  });

  after(async () => {
    for (const r of registries) await r.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const plainError = () => PLAIN_HTTP_ERROR.replaceAll('REG', plain.server);

  it('--message with --plain-http: the registry is reachable from here (exit 1: the message still is a problem)', async () => {
    const r = await doctor(['--message', plainError(), '--registry', plain.server, '--plain-http', '--probe', '--output', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const rep = report(r);
    assert.equal(rep.findings[0]!.diagnosis.cause, 'PlainHttpRegistry');
    const p = rep.probe!;
    assert.equal(p.reachable.status, true, JSON.stringify(p.reachable));
    assert.equal(p.reachable.reason, 'Reachable');
    assert.equal(p.problem, false);
    assert.deepEqual(p.target, { registry: plain.server, from: '--registry', plainHTTP: true, insecureSkipVerify: false, transportFrom: 'flags', credentials: 'none' });
    assert.deepEqual(p.steps.map((s) => [s.step, s.ok]), [['dns', true], ['tcp', true], ['http', true]]);
    assert.ok(p.steps.every((s) => typeof s.ms === 'number'));
    assert.deepEqual(p.addresses, [{ ip: '127.0.0.1', private: true }]);
    assert.equal(p.note, PROBE_VANTAGE_NOTE);
  });

  it('--message without --plain-http: PlainHttpMismatch, exit 1', async () => {
    const r = await doctor(['--message', plainError(), '--registry', plain.server, '--probe', '-o', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const p = report(r).probe!;
    assert.equal(p.reachable.status, false);
    assert.equal(p.reachable.reason, 'PlainHttpMismatch');
    assert.equal(p.problem, true);
    assert.deepEqual(p.steps.map((s) => [s.step, s.ok]), [['dns', true], ['tcp', true], ['tls', false]]);
  });

  it('text output: steps with timings, verdicts, addresses, and the sentence that this was checked from this machine', async () => {
    const r = await doctor(['--message', plainError(), '--registry', plain.server, '--probe']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`Probe of https://${plain.server.replace(/\./g, '\\.')} from this machine`));
    assert.match(r.stdout, /✓ tcp +\d+\.\d ms/);
    assert.match(r.stdout, /✗ tls +\d+\.\d ms/);
    assert.match(r.stdout, /RegistryReachable: +False \(PlainHttpMismatch\)/);
    assert.match(r.stdout, /addresses: +127\.0\.0\.1 \(private\)/);
    assert.match(r.stdout, /This was checked from this machine, which is not necessarily inside the cluster's VPC \(a laptop is not\)/);
  });

  it('probe only: exit 0 when nothing is wrong, 1 for a missing image', async () => {
    const ok = await doctor(['--probe', '--registry', plain.server, '--plain-http', '-o', 'json']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const rep = report(ok);
    assert.deepEqual(rep.scope, { kind: 'probe' });
    assert.equal(rep.healthy, true);
    assert.equal(rep.probe!.credentials.reason, 'NoCredentials');
    const text = await doctor(['--probe', '--registry', plain.server, '--plain-http']);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /checked from this machine/);

    const missing = await doctor(['--probe', '--plain-http', '--image', `${plain.server}/team/missing:v1`, '-o', 'json']);
    assert.equal(missing.code, 1, missing.stderr);
    const m = report(missing);
    assert.equal(m.healthy, false);
    assert.equal(m.probe!.target.from, '--image');
    assert.equal(m.probe!.target.image, 'team/missing:v1');
    assert.equal(m.probe!.image?.reason, 'ImageNotFound');
    assert.equal(m.probe!.steps.at(-1)!.step, 'manifest');
  });

  it('TLS with --ca-file and --username/--password-stdin: accepted; a wrong password or an untrusted CA is a problem; no credential is printed', async () => {
    const base = ['--probe', '--registry', secure.server, '--username', USER, '--password-stdin', '-o', 'json'];
    const ok = await doctor([...base, '--ca-file', caFile], { stdin: `${PASSWORD}\n` });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const p = report(ok).probe!;
    assert.equal(p.reachable.reason, 'Reachable');
    assert.equal(p.credentials.reason, 'CredentialsAccepted');
    assert.equal(p.target.credentials, '--username/--password-stdin');
    assert.equal(p.target.caFile, caFile);
    assert.ok(p.steps.some((s) => s.step === 'tls' && s.ok));
    assert.ok(p.steps.some((s) => s.step === 'auth' && s.ok));
    assertNoSecrets(ok, PASSWORD);

    const wrong = await doctor([...base, '--ca-file', caFile], { stdin: WRONG });
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.equal(report(wrong).probe!.credentials.reason, 'CredentialsRejected');
    assertNoSecrets(wrong, WRONG);
    const wrongText = await doctor(base.slice(0, -2).concat('--ca-file', caFile), { stdin: WRONG });
    assert.equal(wrongText.code, 1);
    assert.match(wrongText.stdout, /CredentialsAccepted: +False \(CredentialsRejected\)/);
    assertNoSecrets(wrongText, WRONG);

    const untrusted = await doctor(base, { stdin: PASSWORD });
    assert.equal(untrusted.code, 1);
    assert.equal(report(untrusted).probe!.reachable.reason, 'UntrustedCertificate');
    const skip = await doctor([...base, '--insecure-skip-verify'], { stdin: PASSWORD });
    assert.equal(skip.code, 0, skip.stdout);
    assertNoSecrets(skip, PASSWORD);
  });

  it('usage errors exit 2', async () => {
    const cases: Array<{ args: string[]; err: RegExp }> = [
      { args: ['--message', 'x', '--plain-http'], err: /--plain-http needs --probe/ },
      { args: ['--probe', '--registry', plain.server, '--username', USER], err: /--password-stdin/ },
      { args: ['--probe', '--registry', plain.server, '--password-stdin'], err: /needs --username/ },
      { args: ['--message', '-', '--probe', '--registry', plain.server, '--username', USER, '--password-stdin'], err: /both read stdin/ },
      { args: ['--probe', '--registry', plain.server, '--plain-http', '--insecure-skip-verify'], err: /cannot be combined/ },
      { args: ['--probe', '--registry', plain.server, '--ca-file', '/nonexistent.pem'], err: /cannot read --ca-file/ },
      { args: ['--probe'], err: /no registry to probe/ },
      { args: ['--probe', '--registry', plain.server, '--pull-secret', 'no-slash'], err: /<namespace>\/<name>/ },
      { args: ['--probe', '--registry', plain.server, '--image', 'other.example.com/team/app:v1'], err: /is in registry other\.example\.com/ },
      { args: ['--password', 'x', '--probe', '--registry', plain.server], err: /unknown option/ },
    ];
    const runs = await Promise.all(cases.map((c) => doctor(c.args, { stdin: PASSWORD })));
    cases.forEach((c, i) => {
      const r = runs[i]!;
      assert.equal(r.code, 2, `${JSON.stringify(c.args)} → ${r.code}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, c.err, JSON.stringify(c.args));
      assertNoSecrets(r, PASSWORD);
    });
  });

  describe('with a cluster (real kube-apiserver)', () => {
    let f: Fixture;
    const ACCESS = 'doctor-probe-plain';

    before(async function () {
      this.timeout(300_000);
      f = await getFixture();
      await createNamespace(f.admin, SECRETS_NS);
      const dockerconfig = (server: string, user: string, password: string) =>
        JSON.stringify({ auths: { [server]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } } });
      for (const [name, cfg] of [
        ['tcr-pull', dockerconfig(secure.server, USER, PASSWORD)],
        ['tcr-pull-wrong', dockerconfig(secure.server, USER, WRONG)],
        ['other-pull', dockerconfig('other.example.com', USER, PASSWORD)],
      ] as const) {
        await f.admin.create(`/api/v1/namespaces/${SECRETS_NS}/secrets`, {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name },
          type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': Buffer.from(cfg).toString('base64') },
        });
      }
      await putSourceSecret(f.admin, SECRETS_NS, 'opaque', { username: USER, password: PASSWORD });
      await f.admin.create('/apis/tcr.tke.dev/v1alpha1/tcraccesses', {
        apiVersion: 'tcr.tke.dev/v1alpha1',
        kind: 'TcrAccess',
        metadata: { name: ACCESS },
        spec: {
          registry: { server: plain.server, plainHTTP: true },
          credentials: { secretRef: { namespace: 'tcr-system', name: 'robot' } },
          imagePullSecret: { name: 'tcr-pull', namespaces: { names: [SECRETS_NS] } },
        },
      });
    });

    after(async () => {
      try {
        await f?.admin.delete(accessPath(ACCESS));
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      await f?.admin.delete(`/api/v1/namespaces/${SECRETS_NS}`).catch(() => undefined);
    });

    it('--pull-secret: the entry for the registry, read through the API; never printed', async () => {
      const base = ['--probe', '--registry', secure.server, '--ca-file', caFile, '-o', 'json'];
      const ok = await doctor([...base, '--pull-secret', `${SECRETS_NS}/tcr-pull`], { kubeconfig: f.cp.kubeconfigPath });
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      const p = report(ok).probe!;
      assert.equal(p.credentials.reason, 'CredentialsAccepted');
      assert.equal(p.target.credentials, `Secret ${SECRETS_NS}/tcr-pull (entry "${secure.server}")`);
      assertNoSecrets(ok, PASSWORD);

      const wrong = await doctor([...base, '--pull-secret', `${SECRETS_NS}/tcr-pull-wrong`], { kubeconfig: f.cp.kubeconfigPath });
      assert.equal(wrong.code, 1);
      assert.equal(report(wrong).probe!.credentials.reason, 'CredentialsRejected');
      assertNoSecrets(wrong, WRONG);

      const noEntry = await doctor([...base, '--pull-secret', `${SECRETS_NS}/other-pull`], { kubeconfig: f.cp.kubeconfigPath });
      assert.equal(noEntry.code, 2);
      assert.match(noEntry.stderr, /has no entry for 127\.0\.0\.1:\d+ \(entries: other\.example\.com\)/);
      const opaque = await doctor([...base, '--pull-secret', `${SECRETS_NS}/opaque`], { kubeconfig: f.cp.kubeconfigPath });
      assert.equal(opaque.code, 2);
      assert.match(opaque.stderr, /not kubernetes\.io\/dockerconfigjson/);
      assertNoSecrets(opaque, PASSWORD);
      const missing = await doctor([...base, '--pull-secret', `${SECRETS_NS}/nope`], { kubeconfig: f.cp.kubeconfigPath });
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /Secret doctor-probe\/nope not found/);
    });

    it('--pull-secret without RBAC to read it: exit 2, and says that RBAC is needed', async () => {
      const { path: kubeconfig } = await f.cp.kubeConfigFor(SECRETS_NS, 'no-secrets');
      const r = await doctor(['--message', 'x: 401 Unauthorized', '--probe', '--registry', secure.server, '--ca-file', caFile, '--pull-secret', `${SECRETS_NS}/tcr-pull`], { kubeconfig });
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /forbidden \(HTTP 403\)/);
      assert.match(r.stderr, /needs RBAC permission to get secrets in namespace doctor-probe/);
      assert.match(r.stderr, /kubectl auth can-i get secret\/tcr-pull -n doctor-probe/);
    });

    it('--tcraccess: the registry and its spec.registry.plainHTTP come from the TcrAccess', async () => {
      const r = await doctor(['--message', plainError(), '--tcraccess', ACCESS, '--probe', '-o', 'json'], { kubeconfig: f.cp.kubeconfigPath });
      assert.equal(r.code, 1, r.stderr);
      const p = report(r).probe!;
      assert.equal(p.target.registry, plain.server);
      assert.equal(p.target.from, `tcraccess/${ACCESS}`);
      assert.equal(p.target.plainHTTP, true);
      assert.equal(p.target.transportFrom, `tcraccess/${ACCESS}`);
      assert.equal(p.reachable.status, true);
    });

    it('doctor pod / namespace --probe: the registry of the failing pod\'s image, with its TcrAccess\'s settings', async () => {
      const image = `${plain.server}/team/app:v1`;
      await f.admin.create(`/api/v1/namespaces/${SECRETS_NS}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image }] } });
      await f.admin.mergePatch(`/api/v1/namespaces/${SECRETS_NS}/pods/web/status`, {
        status: {
          phase: 'Pending',
          containerStatuses: [{ name: 'app', image, imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull', message: plainError() } } }],
        },
      });
      const r = await doctor(['pod', 'web', '-n', SECRETS_NS, '--probe', '-o', 'json'], { kubeconfig: f.cp.kubeconfigPath });
      assert.equal(r.code, 1, r.stderr);
      const rep = report(r);
      assert.equal(rep.findings[0]!.context.source, `tcraccess/${ACCESS}`);
      assert.equal(rep.probe!.target.from, `tcraccess/${ACCESS}`);
      assert.equal(rep.probe!.target.plainHTTP, true);
      assert.equal(rep.probe!.reachable.status, true);

      const ns = await doctor(['namespace', SECRETS_NS, '--probe', '--image', 'team/app:v1'], { kubeconfig: f.cp.kubeconfigPath });
      assert.equal(ns.code, 1, ns.stderr);
      assert.match(ns.stdout, /Probe of http:\/\/127\.0\.0\.1:\d+ \(image team\/app:v1\) from this machine/);
      assert.match(ns.stdout, /Image: +False \(ImageNotFound\)/);
      assert.match(ns.stdout, /checked from this machine/);
    });
  });
});
