// Runs the operator as its own process (node src/main.ts), the way it runs in a pod: its own identity
// (a ServiceAccount token bound by the RBAC in manifests/), its own flags, logs captured for assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './controlplane.ts';

export interface OperatorProcess {
  readonly proc: ChildProcess;
  /** Every log line so far (stdout and stderr). */
  readonly logs: string[];
  /** Sends a signal and waits for exit; SIGKILL after the grace period. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

export function startOperator(opts: { kubeconfig: string; namespace: string; args?: string[]; env?: Record<string, string>; entry?: string }): OperatorProcess {
  const args = [
    opts.entry ?? path.join(REPO_ROOT, 'src', 'main.ts'),
    `--kubeconfig=${opts.kubeconfig}`,
    `--namespace=${opts.namespace}`,
    '--metrics-bind-address=0',
    '--health-probe-bind-address=0',
    '--webhook-bind-address=0',
    '--status-debounce=200ms',
    ...(opts.args ?? []),
  ];
  const proc = spawn(process.execPath, args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  const logs: string[] = [];
  const collect = (buf: Buffer) => {
    for (const line of buf.toString('utf8').split('\n')) if (line.trim()) logs.push(line);
    if (process.env['TCRA_TEST_OPERATOR_LOGS'] === '1') process.stderr.write(buf);
  };
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
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
