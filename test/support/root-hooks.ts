// Loaded by mocha via .mocharc.json `require`. Global fixtures only: nothing here starts a control plane.
import { stopSharedControlPlane } from './shared-controlplane.ts';

export async function mochaGlobalTeardown(): Promise<void> {
  await stopSharedControlPlane();
}
