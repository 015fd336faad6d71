// Run-time validation of a TcrAccess spec against the same schema the CRD is generated from (OpenAPI
// part: types, patterns, bounds; CEL rules are the API server's). A value that slipped past the API
// server — an older server without CEL, an object stored before a rule existed — becomes a condition
// (InvalidSpec) instead of reaching code that would throw on it.
import { Compile } from 'typebox/compile';
import { TcrAccessSpec } from './schema.ts';
import type { TcrAccessSpec as Spec } from './types.ts';

const validator = Compile(TcrAccessSpec);
const seen = new WeakMap<object, string | undefined>();

/** Undefined when the spec is valid, else one message naming the first bad fields (no values: they are user input). */
export function specProblem(spec: Spec): string | undefined {
  if (seen.has(spec)) return seen.get(spec);
  let problem: string | undefined;
  if (!validator.Check(spec)) {
    const errors = [...validator.Errors(spec)].slice(0, 3);
    problem = errors.map((e) => `spec${e.instancePath.replaceAll('/', '.')}: ${e.message}`).join('; ');
  }
  seen.set(spec, problem);
  return problem;
}
