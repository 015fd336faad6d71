// manifests/argocd/health.lua keeps its own copy of the permanent (Degraded) reasons: it must match
// PermanentReasons exactly.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { PermanentReasons } from '../../src/api/v1alpha1/conditions.ts';

const healthLuaPath = path.join(import.meta.dirname, '..', '..', 'manifests', 'argocd', 'health.lua');

/** The body of `local PERMANENT_REASONS = { ... }` in health.lua. */
function permanentTable(lua: string): string {
  const match = /^local PERMANENT_REASONS = \{\n([\s\S]*?)^\}/m.exec(lua);
  assert.ok(match?.[1] !== undefined, 'health.lua has no `local PERMANENT_REASONS = { ... }` table');
  return match[1];
}

describe('manifests/argocd/health.lua', function () {
  const lua = readFileSync(healthLuaPath, 'utf8');
  const table = permanentTable(lua);

  it('lists every reason of PermanentReasons in its permanent table', function () {
    for (const reason of PermanentReasons) {
      assert.ok(table.includes(`["${reason}"] = true`), `PERMANENT_REASONS in health.lua lacks "${reason}"`);
    }
  });

  it('lists no other reason in its permanent table', function () {
    const quoted = [...table.matchAll(/["']([A-Z][A-Za-z0-9]*)["']/g)].map((m) => m[1]);
    const extra = quoted.filter((r) => !(PermanentReasons as readonly string[]).includes(r ?? ''));
    assert.deepEqual(extra, [], `PERMANENT_REASONS in health.lua has reasons that are not in PermanentReasons`);
    assert.equal(new Set(quoted).size, quoted.length, 'PERMANENT_REASONS in health.lua lists a reason twice');
  });

  it('writes its permanent table only as ["Reason"] = true entries', function () {
    // Guards the two checks above: an unquoted `Reason = true` key would escape them.
    const lines = table.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('--'));
    for (const line of lines) {
      assert.match(line, /^\s*\["[A-Z][A-Za-z0-9]*"\] = true,\s*$/, `unexpected line in PERMANENT_REASONS: ${line}`);
    }
    assert.equal(lines.length, PermanentReasons.length);
  });
});
