// spec.diagnostics.probe inside the operator: RegistryReachable / CredentialsAccepted from a live check of
// a real registry (Debian's docker-registry, plain HTTP on loopback) with the distributed credentials.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually } from '../support/wait.ts';
import type { OperatorProcess } from '../support/operator.ts';
import { ensureRegistryBinary, INSTALL, startRegistry, type Registry } from '../support/registry.ts';
import { accessPath, condition, createAccess, createNamespace, getAccess, getFixture, OPERATOR_NS, putSourceSecret, runOperator, type Fixture } from '../support/fixture.ts';

describe('live registry probe (real API server, operator process, docker-registry)', function () {
  this.timeout(120_000);
  let f: Fixture;
  let op: OperatorProcess;
  let reg: Registry;

  before(async function () {
    this.timeout(900_000);
    const found = ensureRegistryBinary();
    if (!found.bin) {
      if (process.env['CI'] === 'true') throw new Error(`CI=true but ${found.why ?? 'docker-registry unavailable'}`);
      console.log(`      SKIPPING: ${found.why ?? 'docker-registry unavailable'} (install with: ${INSTALL})`);
      this.skip();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcra-opprobe-'));
    reg = await startRegistry(found.bin!, dir, 'plain', {});
    f = await getFixture();
    await putSourceSecret(f.admin, OPERATOR_NS, 'robot-probe', { username: 'u', password: 'probe-pass-never-logged' });
    await createNamespace(f.admin, 'pr-team');
    op = runOperator(f);
  });

  after(async () => {
    await op?.stop();
    await reg?.stop();
  });

  it('reports the registry reachable with plainHTTP, and a clear mismatch without it', async () => {
    await createAccess(f.admin, 'probed', {
      registry: { server: reg.server, plainHTTP: true },
      credentials: { secretRef: { namespace: OPERATOR_NS, name: 'robot-probe' } },
      imagePullSecret: { name: 'pr-pull', namespaces: { names: ['pr-team'] } },
      diagnostics: { probe: { enabled: true, intervalSeconds: 30 } },
    });
    await eventually(async () => {
      const a = await getAccess(f.admin, 'probed');
      assert.equal(condition(a, 'RegistryReachable')?.status, 'True', JSON.stringify(condition(a, 'RegistryReachable')));
      assert.match(condition(a, 'RegistryReachable')!.message, /checked from the operator pod/);
      assert.ok(condition(a, 'CredentialsAccepted'));
    }, { timeoutMs: 30_000 });
    // a spec change is probed again at once
    await f.admin.mergePatch(accessPath('probed'), { spec: { registry: { plainHTTP: false } } });
    await eventually(async () => {
      const a = await getAccess(f.admin, 'probed');
      assert.equal(condition(a, 'RegistryReachable')?.status, 'False');
      assert.equal(condition(a, 'RegistryReachable')?.reason, 'PlainHttpMismatch');
      assert.match(condition(a, 'RegistryReachable')!.message, /plainHTTP/);
      assert.equal(condition(a, 'Ready')?.status, 'True', 'diagnostics never change Ready');
      assert.ok(!JSON.stringify(a.status).includes('probe-pass-never-logged'));
    }, { timeoutMs: 30_000 });
    assert.ok(!op.logs.join('\n').includes('probe-pass-never-logged'));
    await f.admin.delete(accessPath('probed'));
  });
});
