// The helm binary for the chart tests (scripts/helm-bin.sh builds it from the Go module proxy once, cached by
// version), and a runner that returns stdout or throws with helm's own message.
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './controlplane.ts';

export const CHART_DIR = path.join(REPO_ROOT, 'charts', 'tcr-access-operator');

let bin: string | undefined;
export function helmBin(): string {
  bin ??= execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'helm-bin.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return bin;
}

const run = promisify(execFile);

export async function helm(args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await run(helmBin(), args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`helm ${args.join(' ')} failed: ${x.stderr || x.stdout || x.message}`);
  }
}
