import { build } from 'esbuild';
const sidefx = process.argv[2] === 'nosfx';
const res = await build({ entryPoints: ['src/main.ts'], outfile: '/tmp/perf-b2/op.mjs', bundle: true, platform: 'node', target: 'node22', format: 'esm', minify: true, keepNames: true, metafile: true, logLevel: 'warning',
  banner: { js: "import { createRequire as __tcraCreateRequire } from 'node:module'; const require = __tcraCreateRequire(import.meta.url);" },
  plugins: sidefx ? [{ name: 'sfx', setup(b) { b.onResolve({ filter: /.*/ }, () => undefined); } }] : [] });
const out = Object.values(res.metafile.outputs)[0];
const byPkg = {};
for (const [f, i] of Object.entries(out.inputs)) { const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f); const k = m ? m[1] : 'src'; byPkg[k] = (byPkg[k] ?? 0) + i.bytesInOutput; }
console.log(out.bytes, Object.entries(byPkg).sort((a,b)=>b[1]-a[1]).slice(0,25).map(([k,v])=>`${k} ${(v/1024).toFixed(0)}K`).join('\n'));
const gen = Object.entries(out.inputs).filter(([f]) => f.includes('client-node/dist/gen')).reduce((a,[,i])=>a+i.bytesInOutput,0);
console.log('client-node gen', (gen/1024).toFixed(0)+'K');
