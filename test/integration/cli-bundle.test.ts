// The CLI as people install it: src/cli bundled by esbuild into one file (scripts/build-cli.ts), copied alone
// into an empty directory as kubectl-tcr_access (no node_modules anywhere near it) and run with `node`:
// --version, and `doctor namespace` with -n / -A and -o yaml against the real API server.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { buildCli } from '../../scripts/build-cli.ts';
import type { Report } from '../../src/cli/doctor/report.ts';
import { runCli, REPO } from '../support/cli.ts';
import { createNamespace, getFixture, type Fixture } from '../support/fixture.ts';

describe('the bundled CLI (one file, real API server)', function () {
  this.timeout(120_000);
  let f: Fixture;
  let dir = '';
  let plugin = '';
  const run = (...args: string[]) => runCli(args, { entry: plugin });

  before(async function () {
    this.timeout(300_000);
    f = await getFixture();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tcra-cli-'));
    const built = path.join(dir, 'build', 'tcr-access.mjs');
    await buildCli(built);
    plugin = path.join(dir, 'kubectl-tcr_access');
    copyFileSync(built, plugin);
    await createNamespace(f.admin, 'bundle-ns');
    await f.admin.create('/api/v1/namespaces/bundle-ns/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'bundle.tencentcloudcr.com/team/app:v1' }] } });
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`runs with ${process.version}: --version is package.json's`, async () => {
    const r = await run('--version');
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    assert.equal(r.stdout.trim(), pkg.version);
  });

  it('names itself "kubectl tcr-access" when installed as kubectl-tcr_access', async () => {
    const r = await run('--help');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: kubectl tcr-access /);
    for (const cmd of ['doctor', 'sync', 'rotate']) assert.match(r.stdout, new RegExp(`\\n  ${cmd} `));
  });

  it('doctor namespace -n <ns> -o yaml and -A -o yaml read the cluster', async () => {
    const one = await run('doctor', 'namespace', '-n', 'bundle-ns', '-o', 'yaml', '--kubeconfig', f.cp.kubeconfigPath);
    assert.equal(one.stderr, '');
    assert.deepEqual((parse(one.stdout) as Report).scope, { kind: 'namespace', namespace: 'bundle-ns', podsChecked: 1 });
    const all = await run('doctor', 'namespace', '-A', '-o', 'yaml', '--kubeconfig', f.cp.kubeconfigPath);
    assert.equal(all.stderr, '');
    const report = parse(all.stdout) as Report;
    assert.equal(report.scope.kind, 'allNamespaces');
    assert.ok((report.scope as { podsChecked: number }).podsChecked >= 1);
  });

  it('refuses -A together with a namespace (usage error)', async () => {
    const r = await run('doctor', 'namespace', 'bundle-ns', '-A', '--kubeconfig', f.cp.kubeconfigPath);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /-A \(all namespaces\) cannot be combined with a namespace/);
  });
});
