// The CLI's version: injected by the bundler (scripts/build-cli.ts defines __TCRA_VERSION__), else read from the
// package.json above this file (run from src/ by type stripping, or from dist/ after `npm run build`).
import { readFileSync } from 'node:fs';
import path from 'node:path';

declare const __TCRA_VERSION__: string | undefined;

export function cliVersion(): string {
  if (typeof __TCRA_VERSION__ === 'string') return __TCRA_VERSION__;
  for (let dir = import.meta.dirname, i = 0; i < 5; dir = path.dirname(dir), i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tcr-access-operator' && pkg.version) return pkg.version;
    } catch {
      // no package.json here: look further up
    }
  }
  return 'unknown';
}
