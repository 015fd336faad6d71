// Loaded by mocha via .mocharc.json `require`. Global fixtures only: nothing here starts a control plane.
import type { Context } from 'mocha';
import { runningOperatorLogs } from './operator.ts';
import { stopSharedControlPlane } from './shared-controlplane.ts';

export async function mochaGlobalTeardown(): Promise<void> {
  await stopSharedControlPlane();
}

export const mochaHooks = {
  /** A failed test prints the last lines of every operator process still running: what CI needs to diagnose it. */
  afterEach(this: Context): void {
    if (this.currentTest?.state !== 'failed') return;
    for (const [i, lines] of runningOperatorLogs().entries()) {
      process.stderr.write(`\n--- operator process ${i + 1}: last ${lines.length} log lines ---\n${lines.join('\n')}\n`);
    }
  },
};
