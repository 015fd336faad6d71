import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { crdObject, crdYaml } from '../../src/api/v1alpha1/crd.ts';

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  format?: string;
  maxLength?: number;
  maxItems?: number;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: Array<{ rule?: unknown; message?: unknown }>;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  [k: string]: unknown;
};

/** Every schema node with its path, depth first. */
function walk(s: Schema, path: string, out: Array<[string, Schema]> = []): Array<[string, Schema]> {
  out.push([path, s]);
  for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, `${path}.${k}`, out);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') walk(s.additionalProperties, `${path}{*}`, out);
  if (s.items) walk(s.items, `${path}[*]`, out);
  return out;
}

// The root's apiVersion, kind and metadata follow the Kubernetes convention (the API server validates
// them itself and allows no more than `type` on metadata), so the rules below do not apply to them.
const ROOT_CONVENTION = new Set(['.apiVersion', '.kind', '.metadata']);

describe('CRD schema', () => {
  const crd = crdObject();
  const root = JSON.parse(JSON.stringify(crd.spec.versions[0]!.schema.openAPIV3Schema)) as Schema;
  const nodes = walk(root, '').filter(([p]) => !ROOT_CONVENTION.has(p));
  const ofType = (t: string) => nodes.filter(([, s]) => s.type === t);

  it('walks a non-trivial schema', () => {
    assert.ok(nodes.length > 50, `${nodes.length} nodes`);
    for (const t of ['object', 'string', 'array', 'boolean', 'integer']) assert.ok(ofType(t).length > 0, `has ${t} nodes`);
  });

  it('keeps the conventional root fields', () => {
    assert.deepEqual(root.properties!['apiVersion'], { type: 'string' });
    assert.deepEqual(root.properties!['kind'], { type: 'string' });
    assert.deepEqual(root.properties!['metadata'], { type: 'object' });
    assert.deepEqual(root.required, ['spec']);
  });

  it('every node has a type (structural)', () => {
    const bad = nodes.filter(([, s]) => typeof s.type !== 'string' && !s['x-kubernetes-int-or-string'] && !s['x-kubernetes-preserve-unknown-fields']);
    assert.deepEqual(bad.map(([p]) => p), []);
  });

  it('every object has properties, or additionalProperties / x-kubernetes-preserve-unknown-fields', () => {
    const bad = ofType('object').filter(
      ([, s]) => !s.properties && !(s.additionalProperties && typeof s.additionalProperties === 'object') && s['x-kubernetes-preserve-unknown-fields'] !== true,
    );
    assert.deepEqual(bad.map(([p]) => p), []);
  });

  it('no object has both properties and additionalProperties (structural)', () => {
    const bad = ofType('object').filter(([, s]) => s.properties && s.additionalProperties !== undefined);
    assert.deepEqual(bad.map(([p]) => p), []);
  });

  it('every string is bounded: maxLength, enum, or format date-time', () => {
    const bad = ofType('string').filter(([, s]) => typeof s.maxLength !== 'number' && !Array.isArray(s.enum) && s.format !== 'date-time');
    assert.deepEqual(bad.map(([p]) => p), []);
  });

  it('every array has maxItems and items', () => {
    const bad = ofType('array').filter(([, s]) => typeof s.maxItems !== 'number' || !s.items);
    assert.deepEqual(bad.map(([p]) => p), []);
  });

  it('every x-kubernetes-validations rule has a rule and a message', () => {
    const rules = nodes.flatMap(([p, s]) => (s['x-kubernetes-validations'] ?? []).map((r) => [p, r] as const));
    assert.ok(rules.length > 10, `${rules.length} rules`);
    const bad = rules.filter(([, r]) => typeof r.rule !== 'string' || !r.rule || typeof r.message !== 'string' || !r.message.trim());
    assert.deepEqual(bad.map(([p, r]) => `${p}: ${String(r.rule)}`), []);
  });

  it('every CEL rule that is a pattern is also an OpenAPI pattern (API servers without CEL check it too)', () => {
    const patterned = nodes.flatMap(([p, s]) =>
      (s['x-kubernetes-validations'] ?? []).flatMap((r) => {
        const m = /^self\.matches\('(.*)'\)$/.exec(String(r.rule));
        return m ? [[p, s, m[1]!] as const] : [];
      }),
    );
    assert.ok(patterned.length >= 8, `${patterned.length} pattern rules`);
    for (const [p, s, re] of patterned) assert.equal(s.pattern, re, `${p}: pattern`);
    const sa = nodes.find(([p]) => p === '.spec.imagePullSecret.serviceAccounts[*]')![1];
    assert.ok(typeof sa.pattern === 'string' && new RegExp(sa.pattern).test('*') && new RegExp(sa.pattern).test('builder') && !new RegExp(sa.pattern).test('Bad Name'));
  });

  it('map lists require their map keys; set lists hold scalars', () => {
    for (const [p, s] of ofType('array')) {
      if (s['x-kubernetes-list-type'] === 'map') {
        const keys = s['x-kubernetes-list-map-keys'] ?? [];
        assert.ok(keys.length > 0, `${p} has map keys`);
        for (const k of keys) assert.ok(s.items?.required?.includes(k), `${p}: map key ${k} must be required`);
      }
      if (s['x-kubernetes-list-type'] === 'set') assert.notEqual(s.items?.type, 'object', `${p}: set of objects`);
    }
  });

  it('is plain JSON (no TypeBox markers survive)', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(crd)), crd);
    assert.doesNotMatch(JSON.stringify(crd), /"~|\[object /);
  });

  it('renders YAML that parses back to the same object', () => {
    const y = crdYaml();
    assert.ok(y.startsWith('# Generated from src/api/v1alpha1/schema.ts'));
    assert.deepEqual(parse(y), JSON.parse(JSON.stringify(crd)));
  });
});
