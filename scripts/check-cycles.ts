// Fails when the TypeScript files under src/ and emulator/ import each other in a circle (run by `npm test`).
// Every kind of import counts: `import`, `import type`, `export … from`, `import x = require()`, `import()` and
// `import('…').T` in types. Specifiers are resolved with the compiler options of tsconfig.json; only files
// inside the scanned folders are edges (packages are leaves).
//   node scripts/check-cycles.ts                 src/ and emulator/
//   node scripts/check-cycles.ts DIR [DIR...]    other folders (the tests use this on fixtures)
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** One import of a file: the file it resolves to, and whether it is erased at run time. */
export interface ImportEdge {
  to: string;
  typeOnly: boolean;
}

/** Every file (absolute path) with the files it imports among the scanned ones. */
export type ImportGraph = Map<string, ImportEdge[]>;

/** A strongly connected set of files, and one concrete circle through them (first file repeated at the end). */
export interface ImportCycle {
  files: string[];
  path: ImportEdge[];
  start: string;
}

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

function listTsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(c|m)?tsx?$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

/** The module specifiers a source file names, each with whether that import is type-only. */
function specifiersOf(file: string, text: string): { specifier: string; typeOnly: boolean }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const out: { specifier: string; typeOnly: boolean }[] = [];
  const add = (node: ts.Expression | undefined, typeOnly: boolean): void => {
    if (node && ts.isStringLiteralLike(node)) out.push({ specifier: node.text, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings : undefined;
      const allTypes = !!clause && !clause.name && !!named && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier, !!clause && (clause.isTypeOnly || allTypes));
    } else if (ts.isExportDeclaration(node)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause : undefined;
      const allTypes = !!named && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier, node.isTypeOnly || allTypes);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal as ts.Expression, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Reads every TypeScript file under `dirs` and resolves its imports as the compiler does. */
export function readImportGraph(dirs: string[], tsconfig = path.join(REPO_ROOT, 'tsconfig.json')): ImportGraph {
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfig, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`cannot read ${tsconfig}`);
  const files = dirs.flatMap((d) => listTsFiles(path.resolve(d))).sort();
  const scanned = new Set(files);
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const edges: ImportEdge[] = [];
    for (const { specifier, typeOnly } of specifiersOf(file, readFileSync(file, 'utf8'))) {
      const resolved = ts.resolveModuleName(specifier, file, parsed.options, ts.sys).resolvedModule;
      const to = resolved && path.resolve(resolved.resolvedFileName);
      if (to && scanned.has(to) && !edges.some((e) => e.to === to && e.typeOnly === typeOnly)) edges.push({ to, typeOnly });
    }
    graph.set(file, edges);
  }
  return graph;
}

/** The import circles of a graph: one entry per strongly connected set of files (Tarjan), in file order. */
export function importCycles(graph: ImportGraph): ImportCycle[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const { to } of graph.get(v) ?? []) {
      if (!index.has(to)) {
        connect(to);
        low.set(v, Math.min(low.get(v)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(v, Math.min(low.get(v)!, index.get(to)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      const selfLoop = (graph.get(v) ?? []).some((e) => e.to === v);
      if (component.length > 1 || selfLoop) components.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return components
    .sort((a, b) => a[0]!.localeCompare(b[0]!))
    .map((files) => ({ files, start: files[0]!, path: shortestCircle(graph, files[0]!, new Set(files)) }));
}

/** The shortest circle from `start` back to itself inside one strongly connected set (breadth first). */
function shortestCircle(graph: ImportGraph, start: string, within: Set<string>): ImportEdge[] {
  const via = new Map<string, { from: string; edge: ImportEdge }>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!;
    for (const edge of graph.get(v) ?? []) {
      if (!within.has(edge.to) || via.has(edge.to)) continue;
      via.set(edge.to, { from: v, edge });
      if (edge.to === start) {
        const circle: ImportEdge[] = [];
        for (let at = start; ; ) {
          const step = via.get(at)!;
          circle.unshift(step.edge);
          at = step.from;
          if (at === start) return circle;
        }
      }
      queue.push(edge.to);
    }
  }
  return [];
}

/** A cycle as text: its files, and the circle `a → b (type) → a`, paths relative to `root`. */
export function cycleReport(cycle: ImportCycle, root = REPO_ROOT): string {
  const rel = (f: string): string => path.relative(root, f);
  const circle = [rel(cycle.start), ...cycle.path.map((e) => `${rel(e.to)}${e.typeOnly ? ' (type)' : ''}`)].join(' → ');
  return `import cycle among ${cycle.files.length} file(s): ${cycle.files.map(rel).join(', ')}\n  for example: ${circle}`;
}

if (import.meta.main) {
  const dirs = process.argv.slice(2);
  const cycles = importCycles(readImportGraph(dirs.length ? dirs : [path.join(REPO_ROOT, 'src'), path.join(REPO_ROOT, 'emulator')]));
  for (const cycle of cycles) console.error(cycleReport(cycle));
  if (cycles.length) {
    console.error(`${cycles.length} import cycle(s): imports go one way (type-only imports included); move the shared part down.`);
    process.exit(1);
  }
}
