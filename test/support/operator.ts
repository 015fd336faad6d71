// Runs the operator as its own process, the way it runs in a pod: the esbuild bundle the image carries
// (scripts/bundle.ts, built once per test run), its own identity (a ServiceAccount token bound by the RBAC in
// manifests/), its own flags, logs captured for assertions. TCRA_TEST_FROM_SOURCE=1 runs src/main.ts instead.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUNDLE_NAME, BUNDLE_NODE_FLAGS } from '../../scripts/bundle.ts';
import { REPO_ROOT } from './controlplane.ts';

let bundled: string | undefined;
/** The operator bundle of this checkout, built on first use (once per test process). */
export function operatorBundle(): string {
  if (!bundled) {
    const out = mkdtempSync(path.join(os.tmpdir(), 'tcra-bundle-'));
    process.on('exit', () => rmSync(out, { recursive: true, force: true }));
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'bundle.ts'), '--outdir', out], { stdio: ['ignore', 'ignore', 'inherit'] });
    bundled = path.join(out, BUNDLE_NAME);
  }
  return bundled;
}

const defaultEntry = () => (process.env['TCRA_TEST_FROM_SOURCE'] === '1' ? [path.join(REPO_ROOT, 'src', 'main.ts')] : [...BUNDLE_NODE_FLAGS, operatorBundle()]);

export interface OperatorProcess {
  readonly proc: ChildProcess;
  /** Every log line so far (stdout and stderr). */
  readonly logs: string[];
  /** Sends a signal and waits for exit; SIGKILL after the grace period. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
  exited: Promise<number | null>;
}

const running = new Map<ChildProcess, string[]>();
process.on('exit', () => {
  for (const p of running.keys()) p.kill('SIGKILL');
});

/** The last lines of every operator still running: printed by the root hooks when a test fails. */
export function runningOperatorLogs(lines = 80): string[][] {
  return [...running.values()].map((l) => l.slice(-lines));
}

export function startOperator(opts: { kubeconfig: string; namespace: string; args?: string[]; env?: Record<string, string>; entry?: string; nodeArgs?: string[] }): OperatorProcess {
  const args = [
    ...(opts.nodeArgs ?? []),
    ...(opts.entry ? [opts.entry] : defaultEntry()),
    `--kubeconfig=${opts.kubeconfig}`,
    `--namespace=${opts.namespace}`,
    '--metrics-bind-address=0',
    '--health-probe-bind-address=0',
    '--webhook-bind-address=0',
    '--status-debounce=200ms',
    ...(opts.args ?? []),
  ];
  const proc = spawn(process.execPath, args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  running.set(proc, logs);
  // A chunk may end in the middle of a line: the rest waits for the next chunk of the same stream.
  const collect = (stream: NodeJS.ReadableStream) => {
    let partial = '';
    stream.setEncoding('utf8'); // a character split between chunks stays whole
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) if (line.trim()) logs.push(line);
      if (process.env['TCRA_TEST_OPERATOR_LOGS'] === '1') process.stderr.write(chunk);
    });
    stream.on('end', () => {
      if (partial.trim()) logs.push(partial);
    });
  };
  collect(proc.stdout!);
  collect(proc.stderr!);
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (code) => {
      running.delete(proc);
      resolve(code);
    }),
  );
  return {
    proc,
    logs,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}
