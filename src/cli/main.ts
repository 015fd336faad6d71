#!/usr/bin/env node
// tcr-access: the operator's command-line tools (`doctor`, `sync`, `rotate`). Also a kubectl plugin: installed as
// `kubectl-tcr_access` on the PATH it runs as `kubectl tcr-access doctor ...`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from './program.ts';

const invokedAs = path.basename(process.argv[1] ?? 'tcr-access').replace(/\.(ts|js|mjs|cjs)$/, '');
const name = invokedAs.startsWith('kubectl-') ? `kubectl ${invokedAs.slice('kubectl-'.length).replace(/_/g, '-')}` : 'tcr-access';

process.exitCode = await runCli(process.argv, {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  readStdin: async () => readFileSync(0, 'utf8'),
}, name);
