// Runs the Argo CD health check's Go test (test/argocd): health.lua in gopher-lua, as Argo CD runs
// it, against every case in manifests/argocd/health_test.yaml.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';

const goModuleDir = path.join(import.meta.dirname, '..', 'argocd');

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  error?: NodeJS.ErrnoException;
}

function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, GOTOOLCHAIN: 'local' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Our own timer rather than spawn's `timeout`, which is left pending when the command cannot start.
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, output, error });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

describe('Argo CD health check (go test in test/argocd)', function () {
  it('passes every case of manifests/argocd/health_test.yaml in gopher-lua', async function () {
    // The first run compiles gopher-lua; the machine may be busy.
    this.timeout(15 * 60_000);
    // -count=1: go caches test results, and it does not notice edits to files outside the Go module
    // (health.lua and its cases live in manifests/argocd).
    const result = await run('go', ['test', '-count=1', './...'], goModuleDir, 14 * 60_000);
    if (result.error?.code === 'ENOENT') {
      console.log('      skipped: the `go` binary is not on PATH, so the Argo CD health check (test/argocd) cannot run');
      this.skip();
    }
    assert.equal(
      result.code,
      0,
      `go test -count=1 ./... in test/argocd ${result.error ? `failed to run: ${result.error.message}` : `exited with ${result.code ?? result.signal}`}:\n${result.output}`,
    );
  });
});
