// Writes crds/tcr.tke.dev_tcraccesses.yaml from the TypeBox schema in src/api/v1alpha1/schema.ts.
//   node scripts/generate-crd.ts          write the file
//   node scripts/generate-crd.ts --check  fail when the committed file differs (run by `npm test`)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crdYaml } from '../src/api/v1alpha1/crd.ts';

const path = fileURLToPath(new URL('../crds/tcr.tke.dev_tcraccesses.yaml', import.meta.url));
const want = crdYaml();
if (process.argv.includes('--check')) {
  let have = '';
  try {
    have = readFileSync(path, 'utf8');
  } catch {
    // missing file: reported below
  }
  if (have !== want) {
    console.error(`${path} is out of date with src/api/v1alpha1/schema.ts: run \`npm run generate\` and commit the result.`);
    process.exit(1);
  }
} else {
  writeFileSync(path, want);
  console.log(`wrote ${path}`);
}
