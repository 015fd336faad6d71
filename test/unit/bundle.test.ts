// The operator bundle (scripts/bundle.ts) carries only what runs: of the Tencent SDK its common code and the
// TCR and VPC clients (STS through the common credential code), never the emulator, dev tooling or undici; it is a
// few MiB, and it starts (`--version`).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundle, BUNDLE_NODE_FLAGS } from '../../scripts/bundle.ts';
import { VERSION } from '../../src/version.ts';

describe('operator bundle (esbuild)', function () {
  this.timeout(60_000);
  let out: string;
  let result: Awaited<ReturnType<typeof bundle>>;

  before(async () => {
    out = mkdtempSync(path.join(os.tmpdir(), 'tcra-bundle-test-'));
    result = await bundle(out);
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it('includes only the TCR and VPC services of the Tencent SDK, and neither the emulator nor dev tooling', () => {
    const services = new Set(result.inputs.map((i) => /tencentcloud-sdk-nodejs\/tencentcloud\/services\/([^/]+)\//.exec(i)?.[1]).filter(Boolean));
    assert.deepEqual([...services].sort(), ['tcr', 'vpc']);
    assert.ok(result.inputs.some((i) => i.includes('tencentcloud-sdk-nodejs/tencentcloud/common/')), 'the SDK common code (signing, credentials)');
    for (const bad of ['emulator/', 'node_modules/typescript/', 'node_modules/mocha/', 'node_modules/esbuild/', 'node_modules/undici/', 'test/']) {
      assert.ok(!result.inputs.some((i) => i.startsWith(bad) || i.includes(`/${bad}`)), `${bad} is not bundled`);
    }
  });

  it('is small, and runs', () => {
    assert.ok(result.bytes > 500_000 && result.bytes < 6 * 1024 * 1024, `${result.bytes} bytes`);
    const v = execFileSync(process.execPath, [...BUNDLE_NODE_FLAGS, result.file, '--version'], { encoding: 'utf8' }).trim();
    assert.equal(v, VERSION);
  });
});
