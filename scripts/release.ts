// Cuts a release: `npm run release -- <version>` (semver, no leading "v").
//  1. stamps the version into package.json (+ package-lock.json), src/version.ts (`--version`), the chart's
//     Chart.yaml (version, appVersion: the default image tag) and the image tag of manifests/deployment.yaml;
//  2. turns the CHANGELOG's "Unreleased" section into "<version> - <date>" (a new empty Unreleased above);
//  3. writes release/<version>/: install.yaml (the kustomize base: namespace, CRD, RBAC, Deployment,
//     Services, webhook, PDB), crds.yaml (the CRD alone) and tcr-access-operator-<version>.tgz (helm package).
// release/ is git-ignored: attach its files to the release; commit and tag the stamped files.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { kustomizeBuild } from './lib/kustomize.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const IMAGE = 'ghcr.io/tcr-access-operator/tcr-access-operator';
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$/;

const at = (p: string) => path.join(ROOT, p);
const edit = (file: string, fn: (s: string) => string) => {
  const before = readFileSync(at(file), 'utf8');
  const after = fn(before);
  if (after === before) throw new Error(`${file}: nothing to stamp (format changed?)`);
  writeFileSync(at(file), after);
};
const replaceOnce = (s: string, re: RegExp, to: string, what: string) => {
  if (!re.test(s)) throw new Error(`cannot find ${what}`);
  return s.replace(re, to);
};

function stamp(version: string, date: string): void {
  for (const file of ['package.json', 'package-lock.json']) {
    const j = JSON.parse(readFileSync(at(file), 'utf8')) as { version: string; packages?: Record<string, { version?: string }> };
    j.version = version;
    if (j.packages?.['']) j.packages[''].version = version;
    writeFileSync(at(file), JSON.stringify(j, null, 2) + '\n');
  }
  edit('src/version.ts', (s) => replaceOnce(s, /VERSION = '[^']*'/, `VERSION = '${version}'`, 'VERSION'));
  edit('charts/tcr-access-operator/Chart.yaml', (s) =>
    replaceOnce(replaceOnce(s, /^version: .*$/m, `version: ${version}`, 'version'), /^appVersion: .*$/m, `appVersion: "${version}"`, 'appVersion'),
  );
  edit('manifests/deployment.yaml', (s) => replaceOnce(s, new RegExp(`image: ${IMAGE}:\\S+`), `image: ${IMAGE}:${version}`, 'the image'));
  edit('CHANGELOG.md', (s) => replaceOnce(s, /^## Unreleased$/m, `## Unreleased\n\n## ${version} - ${date}`, '"## Unreleased"'));
}

function artefacts(version: string): string {
  const out = at(path.join('release', version));
  mkdirSync(out, { recursive: true });
  const docs = (objs: unknown[]) => objs.map((o) => YAML.stringify(o, { lineWidth: 0 })).join('---\n');
  const header = `# tcr-access-operator ${version}: kubectl apply --server-side -f install.yaml\n`;
  writeFileSync(path.join(out, 'install.yaml'), header + docs(kustomizeBuild(at('manifests'))));
  writeFileSync(path.join(out, 'crds.yaml'), `# tcr-access-operator ${version}: the TcrAccess CRD\n` + docs(kustomizeBuild(at('crds'))));
  const helm = execFileSync('bash', [at('scripts/helm-bin.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  execFileSync(helm, ['package', at('charts/tcr-access-operator'), '--destination', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

const version = process.argv[2] ?? '';
if (!SEMVER.test(version)) {
  console.error('usage: npm run release -- <version>   (semver such as 1.2.3 or 1.3.0-rc.1, no leading "v")');
  process.exit(2);
}
stamp(version, new Date().toISOString().slice(0, 10));
execFileSync(process.execPath, [at('scripts/generate-crd.ts'), '--check'], { stdio: 'inherit' });
const out = artefacts(version);
console.log(`stamped ${version}; wrote ${path.relative(ROOT, out)}/{install.yaml,crds.yaml,tcr-access-operator-${version}.tgz}`);
console.log(`next: review the CHANGELOG entry, commit, tag v${version}, build and push the image ${IMAGE}:${version}`);
