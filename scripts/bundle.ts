// Bundles the operator (src/main.ts) with esbuild into dist/bundle/tcr-access-operator.mjs: only the code that
// runs — the Tencent SDK's TCR and VPC clients and its common code (STS credentials), not the whole SDK, not
// the emulator, not dev dependencies, not undici (see leaveOutUndici). The image (Dockerfile) and the integration tests run this file.
//   node scripts/bundle.ts [--outdir dir]   prints the path of the bundle
import { build, type PluginBuild } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE_NAME = 'tcr-access-operator.mjs';
/**
 * Node flags to run the bundle with (the Dockerfile's ENTRYPOINT repeats them). node-fetch 2, inside the
 * Tencent SDK, uses the deprecated built-in punycode (DEP0040) and url.parse (DEP0169). Node warns about those
 * only for code outside node_modules, which bundled code is: the warnings are about the SDK, not news, and
 * would be the only log lines that are not JSON.
 */
export const BUNDLE_NODE_FLAGS = ['--disable-warning=DEP0040', '--disable-warning=DEP0169'];

/**
 * @kubernetes/client-node declares no `sideEffects`, so esbuild keeps every module it reaches — its generated API
 * classes and every model, ~25 MB of memory once evaluated — although the operator uses only KubeConfig (its
 * requests go through src/k8s/client.ts). Its modules have no side effects the operator relies on: let
 * esbuild drop what is not used.
 */
const treeShakeClientNode = {
  name: 'tree-shake-client-node',
  setup(b: PluginBuild) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'resolved' || !(args.path.includes('@kubernetes/client-node') || args.importer.includes('@kubernetes/client-node'))) return undefined;
      const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'resolved' });
      if (r.errors.length > 0 || !r.path.includes(`${path.sep}@kubernetes${path.sep}client-node${path.sep}`)) return r;
      return { ...r, sideEffects: false };
    });
  },
};

/**
 * client-node's KubeConfig imports undici for its own fetch-based API classes (applyToFetchOptions, proxies),
 * which the operator never calls: its requests go through src/k8s/client.ts on node:http/https with the TLS
 * options of applyToHTTPSOptions. undici is CommonJS, so esbuild cannot drop it by itself, and evaluating it
 * costs ~20 MB of memory. The bundle gets a stand-in that throws if it is ever used.
 */
export const UNDICI_STAND_IN = 'tcra-undici-stand-in';
const leaveOutUndici = {
  name: 'leave-out-undici',
  setup(b: PluginBuild) {
    b.onResolve({ filter: /^undici$/ }, () => ({ path: 'undici', namespace: UNDICI_STAND_IN }));
    b.onLoad({ filter: /.*/, namespace: UNDICI_STAND_IN }, () => ({
      loader: 'js',
      contents: [
        "const unused = (what) => { throw new Error('undici is not in the operator bundle (' + what + '); the operator talks to the API server through node:https'); };",
        "export class Agent { constructor() { unused('Agent'); } }",
        "export class ProxyAgent { constructor() { unused('ProxyAgent'); } }",
        "export function fetch() { return Promise.reject(unused('fetch')); }",
      ].join('\n'),
    }));
  },
};

export async function bundle(outdir = path.join(ROOT, 'dist', 'bundle')): Promise<{ file: string; bytes: number; inputs: string[] }> {
  const file = path.join(outdir, BUNDLE_NAME);
  const res = await build({
    entryPoints: [path.join(ROOT, 'src', 'main.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    keepNames: true,
    sourcemap: false,
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
    plugins: [treeShakeClientNode, leaveOutUndici],
    // CommonJS dependencies (the Tencent SDK, winston) call require() for Node built-ins.
    banner: { js: "import { createRequire as __tcraCreateRequire } from 'node:module'; const require = __tcraCreateRequire(import.meta.url);" },
  });
  const inputs = Object.keys(res.metafile.inputs);
  const bytes = res.metafile.outputs[path.relative(process.cwd(), file)]?.bytes ?? 0;
  return { file, bytes, inputs };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const i = process.argv.indexOf('--outdir');
  const { file, bytes } = await bundle(i > 0 ? path.resolve(process.argv[i + 1]!) : undefined);
  console.log(`${file} (${(bytes / 1024 / 1024).toFixed(1)} MiB)`);
}
