// scripts/check-cycles.ts on small trees written to a temporary folder: every kind of import is an edge, type-only
// ones included, packages are not, and the command exits 1 naming the files of a circle.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cycleReport, importCycles, readImportGraph } from '../../scripts/check-cycles.ts';

describe('check-cycles', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tcra-cycles-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function write(files: Record<string, string>): void {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), text);
    }
  }
  const cyclesIn = (): string[][] => importCycles(readImportGraph([dir])).map((c) => c.files.map((f) => path.relative(dir, f)));

  it('finds no cycle in a one-way tree, and packages are not edges', () => {
    write({
      'a.ts': "import { b } from './b.ts';\nimport ts from 'typescript';\nexport const a = b + String(ts);\n",
      'b.ts': "import type { C } from './c.ts';\nexport const b: C = 1;\n",
      'c.ts': 'export type C = number;\n',
    });
    assert.deepEqual(cyclesIn(), []);
  });

  it('finds a circle made only of `import type`', () => {
    write({
      'a.ts': "import type { B } from './b.ts';\nexport type A = { b?: B };\n",
      'b.ts': "import type { A } from './a.ts';\nexport type B = { a?: A };\n",
    });
    const cycles = importCycles(readImportGraph([dir]));
    assert.deepEqual(cycles.map((c) => c.files.map((f) => path.relative(dir, f))), [['a.ts', 'b.ts']]);
    assert.ok(cycles[0]!.path.every((e) => e.typeOnly));
    assert.match(cycleReport(cycles[0]!, dir), /a\.ts → b\.ts \(type\) → a\.ts \(type\)/);
  });

  it('counts inline type specifiers, type re-exports, import() types and dynamic import()', () => {
    write({
      'a.ts': "import { type B } from './b.ts';\nexport type A = B;\n",
      'b.ts': "export type { C as B } from './c.ts';\n",
      'c.ts': "export type C = import('./a.ts').A | number;\n",
      'd.ts': "export const load = () => import('./e.ts');\n",
      'e.ts': "export * from './d.ts';\n",
    });
    assert.deepEqual(cyclesIn(), [['a.ts', 'b.ts', 'c.ts'], ['d.ts', 'e.ts']]);
  });

  it('finds a circle across folders and a file importing itself, once per circle', () => {
    write({
      'x/a.ts': "import { b } from '../y/b.ts';\nexport const a = () => b;\n",
      'y/b.ts': "import { c } from './c.ts';\nexport const b = () => c;\n",
      'y/c.ts': "import { a } from '../x/a.ts';\nimport { b } from './b.ts';\nexport const c = () => [a, b];\n",
      'self.ts': "import * as me from './self.ts';\nexport const s = () => me;\n",
    });
    const cycles = importCycles(readImportGraph([dir]));
    assert.deepEqual(cycles.map((c) => c.files.map((f) => path.relative(dir, f))), [['self.ts'], ['x/a.ts', 'y/b.ts', 'y/c.ts']]);
    // the example circle is a shortest one through the first file
    assert.deepEqual(cycles[1]!.path.map((e) => path.relative(dir, e.to)), ['y/b.ts', 'y/c.ts', 'x/a.ts']);
  });

  it('exits 1 and names the files when there is a circle, 0 when there is none', () => {
    write({ 'a.ts': "import type { B } from './b.ts';\nexport type A = B;\n", 'b.ts': 'export type B = 1;\n' });
    const run = () => spawnSync(process.execPath, ['scripts/check-cycles.ts', dir], { encoding: 'utf8' });
    const clean = run();
    assert.equal(clean.status, 0, clean.stderr);
    write({ 'b.ts': "import type { A } from './a.ts';\nexport type B = A | 1;\n" });
    const circular = run();
    assert.equal(circular.status, 1);
    assert.match(circular.stderr, /import cycle among 2 file\(s\): .*a\.ts, .*b\.ts/);
  });
});
