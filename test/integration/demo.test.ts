// The README's first command: `npm run demo` starts its own control plane, converges a TcrAccess and
// (with --exit) stops. Run here end to end so the README's promise is checked on every CI run.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../support/controlplane.ts';

describe('npm run demo', function () {
  this.timeout(240_000);
  it('converges prod-registry on its own control plane and exits cleanly', async () => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'scripts', 'demo.ts'), '--exit'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, out);
    assert.match(out, /TcrAccess prod-registry is Ready: 3\/3 namespaces/);
    assert.match(out, /team-c\s+tcr-pull \(kubernetes.io\/dockerconfigjson, owner TcrAccess\/prod-registry\)\s+imagePullSecrets: \[tcr-pull\]/);
    assert.match(out, /sandbox\s+none/);
    assert.ok(!out.includes('REPLACE-WITH-TCR-TOKEN'), 'the demo never prints the credentials');
  });
});
