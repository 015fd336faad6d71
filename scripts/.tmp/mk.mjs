import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const cases = {
  none: `export {}`,
  clientnode: `import { KubeConfig } from '@kubernetes/client-node'; new KubeConfig();`,
  clientnode_sfx: `import { KubeConfig } from '@kubernetes/client-node'; new KubeConfig();`,
  undici: `import { Agent, fetch } from 'undici'; new Agent(); void fetch;`,
  tencent: `import { Client as T } from 'tencentcloud-sdk-nodejs/tencentcloud/services/tcr/v20190924/tcr_client.js'; import { Client as V } from 'tencentcloud-sdk-nodejs/tencentcloud/services/vpc/v20170312/vpc_client.js'; void T, V;`,
  forge: `import forge from 'node-forge'; void forge;`,
  typebox: `import { Type } from 'typebox'; import { Compile } from 'typebox/compile'; void Type, Compile;`,
  winston: `import winston from 'winston'; void winston;`,
  prom: `import { Registry } from 'prom-client'; void Registry;`,
  yaml: `import YAML from 'yaml'; void YAML;`,
  all: `import '../../src/main.ts';`,
};
const H = "--import=data:text/javascript,process.on('exit',()=>process.stderr.write('MAXRSS='+process.resourceUsage().maxRSS))";
for (const [k, src] of Object.entries(cases)) {
  writeFileSync(`e_${k}.ts`, src);
  const sfx = k.endsWith('_sfx');
  await build({ entryPoints: [`e_${k}.ts`], outfile: `o_${k}.mjs`, bundle: true, platform: 'node', format: 'esm', minify: true, keepNames: true, logLevel: 'error',
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    plugins: sfx ? [{ name: 'sfx', setup(b) { b.onResolve({ filter: /.*/ }, async (a) => { if (a.pluginData || !/client-node/.test(a.importer + a.path)) return; const r = await b.resolve(a.path, { kind: a.kind, resolveDir: a.resolveDir, pluginData: 1 }); return r.path.includes('@kubernetes/client-node') ? { ...r, sideEffects: false } : r; }); } }] : [] });
  const r = spawnSync(process.execPath, [`o_${k}.mjs`, '--version'], { env: { ...process.env, NODE_OPTIONS: `--max-old-space-size=96 --max-semi-space-size=2 ${H}` }, encoding: 'utf8' });
  const m = /MAXRSS=(\d+)/.exec(r.stderr);
  console.log(k.padEnd(16), m ? (m[1] / 1024).toFixed(1) + ' MB' : r.stderr.slice(0, 300));
}
