// `npm run build:cli`: the tcr-access CLI (doctor, sync, rotate) bundled into one file, dist/tcr-access.mjs, that
// any Node ≥ 22 runs with no node_modules next to it; saved as kubectl-tcr_access on the PATH it is also the
// kubectl plugin. test/integration/cli-bundle.test.ts builds and runs it.
import { build } from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
export const CLI_BUNDLE = path.join(root, 'dist', 'tcr-access.mjs');

/** Bundles src/cli/main.ts into `outfile` (ES module, Node 22 syntax, the version from package.json baked in). */
export async function buildCli(outfile = CLI_BUNDLE): Promise<string> {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  await build({
    entryPoints: [path.join(root, 'src', 'cli', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    legalComments: 'linked',
    logLevel: 'warning',
    define: { __TCRA_VERSION__: JSON.stringify(pkg.version) },
    // CommonJS dependencies inside an ES module bundle still call require()
    banner: { js: "import { createRequire as __tcraCreateRequire } from 'node:module'; const require = __tcraCreateRequire(import.meta.url);" },
  });
  chmodSync(outfile, 0o755);
  return pkg.version;
}

if (process.argv[1] === import.meta.filename) {
  const version = await buildCli();
  console.log(`wrote ${path.relative(root, CLI_BUNDLE)} (version ${version})`);
}
