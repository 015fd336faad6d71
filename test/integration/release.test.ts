// `npm run release -- <version>` in a temporary copy of the repository: the version is stamped everywhere
// (package.json, --version, Chart.yaml, the image tag, the CHANGELOG), and release/<version>/ holds an
// install.yaml the real API server accepts, crds.yaml and the packaged chart of that version.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { REPO_ROOT } from '../support/controlplane.ts';
import { getFixture } from '../support/fixture.ts';
import { helm, helmBin } from '../support/helm.ts';
import { applyObjects, objectPath, readYamlObjects } from '../support/kube.ts';

const VERSION = '1.2.3-rc.1';

describe('release (npm run release -- <version>, in a copy of the repository)', function () {
  this.timeout(180_000);
  let copy: string;
  let out: string;
  const read = (p: string) => readFileSync(path.join(copy, p), 'utf8');

  before(function () {
    this.timeout(180_000);
    copy = mkdtempSync(path.join(os.tmpdir(), 'tcra-release-'));
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const f of files) {
      if (!existsSync(path.join(REPO_ROOT, f))) continue;
      mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
      cpSync(path.join(REPO_ROOT, f), path.join(copy, f));
    }
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    out = execFileSync('npm', ['run', '-s', 'release', '--', VERSION], { cwd: copy, encoding: 'utf8', env: { ...process.env, HELM_BIN: helmBin() } });
  });

  after(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it('refuses a version that is not semver', () => {
    assert.throws(() => execFileSync(process.execPath, ['scripts/release.ts', 'v1.2'], { cwd: copy, stdio: 'pipe' }), /usage: npm run release/);
  });

  it('stamps the version into package.json, --version, Chart.yaml, the image tag and the CHANGELOG', () => {
    assert.match(out, new RegExp(`stamped ${VERSION.replace(/\./g, '\\.')}`));
    assert.equal((JSON.parse(read('package.json')) as { version: string }).version, VERSION);
    assert.equal((JSON.parse(read('package-lock.json')) as { version: string }).version, VERSION);
    assert.equal(execFileSync(process.execPath, ['src/main.ts', '--version'], { cwd: copy, encoding: 'utf8' }).trim(), VERSION);
    assert.match(read('charts/tcr-access-operator/Chart.yaml'), new RegExp(`^version: ${VERSION}$`, 'm'));
    assert.match(read('charts/tcr-access-operator/Chart.yaml'), new RegExp(`^appVersion: "${VERSION}"$`, 'm'));
    assert.match(read('manifests/deployment.yaml'), new RegExp(`image: ghcr.io/tcr-access-operator/tcr-access-operator:${VERSION}$`, 'm'));
    const changelog = read('CHANGELOG.md');
    assert.match(changelog, new RegExp(`^## Unreleased\\n\\n## ${VERSION} - \\d{4}-\\d{2}-\\d{2}\\n`, 'm'), 'the Unreleased entries are now the release');
    // the original is untouched
    assert.notEqual((JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version, VERSION);
  });

  it('writes install.yaml (everything, this image) and crds.yaml; the real API server accepts install.yaml', async () => {
    const dir = path.join(copy, 'release', VERSION);
    const install = readYamlObjects(path.join(dir, 'install.yaml'));
    const kinds = install.map((o) => o.kind);
    for (const k of ['Namespace', 'CustomResourceDefinition', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Deployment', 'Service', 'MutatingWebhookConfiguration', 'PodDisruptionBudget']) assert.ok(kinds.includes(k), k);
    const dep = install.find((o) => o.kind === 'Deployment') as KubernetesObject & { spec: { template: { spec: { containers: Array<{ image: string }> } } } };
    assert.equal(dep.spec.template.spec.containers[0]!.image, `ghcr.io/tcr-access-operator/tcr-access-operator:${VERSION}`);
    assert.equal(dep.metadata?.labels?.['app.kubernetes.io/name'], 'tcr-access-operator', 'kustomize labels applied');
    const crds = readYamlObjects(path.join(dir, 'crds.yaml'));
    assert.deepEqual(crds.map((o) => `${o.kind}/${o.metadata?.name}`), ['CustomResourceDefinition/tcraccesses.tcr.tke.dev']);

    const f = await getFixture();
    await applyObjects(f.cp.kubeConfig, install);
    for (const o of install) assert.ok(await f.admin.get(objectPath(o)), `${o.kind}/${o.metadata?.name} stored`);
    // no Service routing on this API server: do not leave the webhook in front of other tests' pods
    await f.admin.delete('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/tcr-access-operator');
  });

  it('packages the chart of this version', async () => {
    const tgz = path.join(copy, 'release', VERSION, `tcr-access-operator-${VERSION}.tgz`);
    const chart = await helm(['show', 'chart', tgz]);
    assert.match(chart, new RegExp(`^version: ${VERSION}$`, 'm'));
    assert.match(chart, new RegExp(`^appVersion: ${VERSION}$`, 'm'));
    const rendered = await helm(['template', 'x', tgz, '--namespace', 'tcr-system']);
    assert.ok(rendered.includes(`image: ghcr.io/tcr-access-operator/tcr-access-operator:${VERSION}`), 'the chart defaults to the released image');
  });
});
