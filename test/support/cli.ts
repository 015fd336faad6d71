// Runs the `tcr-access` CLI (src/cli/main.ts) as a child process, the way a user runs it.
import { spawn } from 'node:child_process';
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '..', '..');
export const CLI_MAIN = path.join(REPO, 'src', 'cli', 'main.ts');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `env` replaces variables (undefined removes them); proxies are always removed (loopback only). */
export function runCli(args: string[], opts: { stdin?: string; entry?: string; env?: Record<string, string | undefined> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
    for (const k of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY']) delete env[k];
    for (const [k, v] of Object.entries(opts.env ?? {})) if (v === undefined) delete env[k];
    const child = spawn(process.execPath, [opts.entry ?? CLI_MAIN, ...args], { cwd: REPO, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}
