import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const cases = {
  none: `export {}`,
  undici_import: `import { Agent } from 'undici'; void Agent;`,
  node_fetch_global: `await fetch('http://127.0.0.1:1').catch(()=>0);`,
  node_https: `import https from 'node:https'; new https.Agent({keepAlive:true});`,
  undici_fetch: `import { Agent, fetch } from 'undici'; await fetch('http://127.0.0.1:1',{dispatcher:new Agent()}).catch(()=>0);`,
  prom: `import { Registry, collectDefaultMetrics } from 'prom-client'; collectDefaultMetrics({register:new Registry()});`,
  winston: `import winston from 'winston'; winston.createLogger({transports:[new winston.transports.Console()]}).info('x');`,
};
const H = "--import=data:text/javascript,process.on('exit',()=>process.stderr.write('MAXRSS='+process.resourceUsage().maxRSS))";
for (const [k, src] of Object.entries(cases)) {
  writeFileSync(`e_${k}.ts`, src);
  await build({ entryPoints: [`e_${k}.ts`], outfile: `o_${k}.mjs`, bundle: true, platform: 'node', format: 'esm', minify: true, keepNames: true, logLevel: 'error',
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" } });
  const r = spawnSync(process.execPath, [`o_${k}.mjs`], { env: { ...process.env, NODE_OPTIONS: `--max-old-space-size=96 --max-semi-space-size=2 ${H}` }, encoding: 'utf8' });
  const m = /MAXRSS=(\d+)/.exec(r.stderr);
  console.log(k.padEnd(20), m ? (m[1] / 1024).toFixed(1) + ' MB' : r.stderr.slice(0, 300));
}
