// `npm run build:cli`: the tcr-access CLI (doctor, sync, rotate) bundled into one file, dist/tcr-access.mjs, that
// any Node ≥ 22 runs with no node_modules next to it; saved as kubectl-tcr_access on the PATH it is also the
// kubectl plugin. test/integration/cli-bundle.test.ts builds and runs it.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import path from 'node:path';
import { VERSION } from '../src/version.ts';

const root = path.resolve(import.meta.dirname, '..');
export const CLI_BUNDLE = path.join(root, 'dist', 'tcr-access.mjs');

/** Bundles src/cli/main.ts into `outfile` (ES module, Node 22 syntax; its version is src/version.ts, stamped by the release). */
export async function buildCli(outfile = CLI_BUNDLE): Promise<string> {
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
    // CommonJS dependencies inside an ES module bundle still call require()
    banner: { js: "import { createRequire as __tcraCreateRequire } from 'node:module'; const require = __tcraCreateRequire(import.meta.url);" },
  });
  chmodSync(outfile, 0o755);
  return VERSION;
}

if (process.argv[1] === import.meta.filename) {
  const i = process.argv.indexOf('--outfile');
  const outfile = i > 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]!) : CLI_BUNDLE;
  const version = await buildCli(outfile);
  console.log(`wrote ${path.relative(root, outfile)} (version ${version})`);
}
