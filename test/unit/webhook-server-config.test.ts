import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { HTTP_ANNOTATION, INSECURE_ANNOTATION, type RegistryRule } from '../../src/webhook/annotations.ts';
import { desiredWebhookConfiguration, imagePrefixes, isSubset, matchExpression } from '../../src/webhook/config.ts';
import { reviewPod } from '../../src/webhook/server.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const REGISTRIES: RegistryRule[] = [
  { server: 'registry.example.com:5000', kind: 'http' },
  { server: 'secure.example.com', kind: 'insecure' },
];
const lookup = (ns: string) => (ns === 'wh-a' ? REGISTRIES : []);

const review = (request: Record<string, unknown>) => JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request });
const podCreate = (object: unknown, extra: Record<string, unknown> = {}) =>
  review({ uid: 'u1', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'wh-a', object, ...extra });
const pod = (images: string[], annotations?: Record<string, string>) => ({
  metadata: { name: 'p', ...(annotations ? { annotations } : {}) },
  spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) },
});

describe('webhook server: reviewPod', () => {
  it('patches a pod that pulls from a registry of its namespace', () => {
    const out = reviewPod(podCreate(pod(['registry.example.com:5000/a:1'])), lookup);
    assert.equal(out.result, 'patched');
    const r = out.review.response;
    assert.equal(r.uid, 'u1');
    assert.equal(r.allowed, true);
    assert.equal(r.patchType, 'JSONPatch');
    assert.deepEqual(JSON.parse(Buffer.from(r.patch!, 'base64').toString()), [
      { op: 'add', path: '/metadata/annotations', value: { [HTTP_ANNOTATION]: 'registry.example.com:5000' } },
    ]);
  });

  const unchanged: Array<[string, string]> = [
    ['a pod from docker.io', podCreate(pod(['nginx']))],
    ['a namespace without registries', podCreate(pod(['registry.example.com:5000/a']), { namespace: 'other' })],
    ['an annotation already complete', podCreate(pod(['secure.example.com/a'], { [INSECURE_ANNOTATION]: 'secure.example.com:443' }))],
    ['an UPDATE', podCreate(pod(['registry.example.com:5000/a']), { operation: 'UPDATE' })],
    ['a subresource', podCreate(pod(['registry.example.com:5000/a']), { subResource: 'ephemeralcontainers' })],
    ['another kind', podCreate(pod(['registry.example.com:5000/a']), { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } })],
  ];
  for (const [name, body] of unchanged) {
    it(`answers ${name} allowed, unchanged`, () => {
      const out = reviewPod(body, lookup);
      assert.equal(out.result, 'unchanged');
      assert.deepEqual(out.review.response, { uid: 'u1', allowed: true });
    });
  }

  it('takes the namespace from the object when the request has none', () => {
    const p = { ...pod(['secure.example.com/a']), metadata: { name: 'p', namespace: 'wh-a' } };
    assert.equal(reviewPod(podCreate(p, { namespace: '' }), lookup).result, 'patched');
  });

  const malformed: Array<[string, string, string]> = [
    ['not JSON', '{', ''],
    ['not an AdmissionReview', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', request: { uid: 'x' } }), 'x'],
    ['v1beta1', JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'y' } }), 'y'],
    ['no request', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), ''],
    ['no uid', review({ kind: { kind: 'Pod' }, operation: 'CREATE' }), ''],
    ['object is not a pod', podCreate('nope'), 'u1'],
    ['spec missing', podCreate({ metadata: {} }), 'u1'],
    ['containers not a list', podCreate({ metadata: {}, spec: { containers: 5 } }), 'u1'],
    ['JSON null', 'null', ''],
  ];
  for (const [name, body, uid] of malformed) {
    it(`answers a malformed review (${name}) allowed, unchanged`, () => {
      const out = reviewPod(body, lookup);
      assert.equal(out.result, 'malformed');
      assert.deepEqual(out.review, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true } });
    });
  }

  it('answers allowed, unchanged when the lookup fails', () => {
    const out = reviewPod(podCreate(pod(['secure.example.com/a'])), () => {
      throw new Error('caches not synced');
    });
    assert.equal(out.result, 'error');
    assert.deepEqual(out.review.response, { uid: 'u1', allowed: true });
  });
});

describe('webhook configuration', () => {
  it('matches images by host:port, and by host alone when the port is the implied one', () => {
    assert.deepEqual(imagePrefixes([...REGISTRIES, { server: 'plain.example.com:80', kind: 'http' }, { server: 'secure.example.com:443', kind: 'insecure' }]), [
      'plain.example.com/',
      'plain.example.com:80/',
      'registry.example.com:5000/',
      'secure.example.com/',
      'secure.example.com:443/',
    ]);
    assert.equal(matchExpression([]), 'false');
    const e = matchExpression(REGISTRIES);
    assert.equal(
      e,
      "has(object.spec) && ['registry.example.com:5000/', 'secure.example.com/', 'secure.example.com:443/'].exists(p, " +
        '(has(object.spec.containers) && object.spec.containers.exists(c, has(c.image) && c.image.startsWith(p))) || ' +
        '(has(object.spec.initContainers) && object.spec.initContainers.exists(c, has(c.image) && c.image.startsWith(p))))',
    );
  });

  it('the shipped manifest is what the operator writes, minus caBundle and matchConditions', () => {
    const manifest = YAML.parse(readFileSync(path.join(ROOT, 'manifests', 'webhook.yaml'), 'utf8')) as { metadata: { name: string }; webhooks: Array<Record<string, unknown>> };
    const desired = desiredWebhookConfiguration({ caBundle: 'PEM', registries: REGISTRIES, operatorNamespace: 'tcr-system' });
    assert.equal(manifest.metadata.name, desired.metadata.name);
    const [w] = structuredClone(desired.webhooks) as Array<Record<string, unknown> & { clientConfig: Record<string, unknown> }>;
    assert.equal(w!.clientConfig['caBundle'], Buffer.from('PEM').toString('base64'));
    delete w!.clientConfig['caBundle'];
    delete w!['matchConditions'];
    assert.deepEqual(manifest.webhooks, [w]);
    const service = YAML.parse(readFileSync(path.join(ROOT, 'manifests', 'webhook-service.yaml'), 'utf8')) as { metadata: { name: string; namespace: string }; spec: { ports: Array<{ port: number }> } };
    const cc = (w!.clientConfig as { service: { name: string; namespace: string; port: number } }).service;
    assert.deepEqual([service.metadata.namespace, service.metadata.name, service.spec.ports[0]!.port], [cc.namespace, cc.name, cc.port]);
  });

  it('isSubset ignores fields the API server defaults', () => {
    assert.ok(isSubset({ a: 1, b: [{ c: 2 }] }, { a: 1, z: 0, b: [{ c: 2, d: 3 }] }));
    assert.ok(!isSubset({ a: 1, b: [{ c: 2 }] }, { a: 1, b: [{ c: 2 }, { c: 3 }] }));
    assert.ok(!isSubset({ a: { b: 1 } }, { a: { b: 2 } }));
    assert.ok(!isSubset({ a: 'x' }, {}));
  });
});
