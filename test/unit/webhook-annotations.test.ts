import assert from 'node:assert/strict';
import {
  HTTP_ANNOTATION,
  INSECURE_ANNOTATION,
  canonicalHostPort,
  escapePointer,
  jsonPatchFor,
  mergeAnnotationValue,
  registryHost,
  wantedAnnotations,
  type PodLike,
  type RegistryRule,
} from '../../src/webhook/annotations.ts';

describe('webhook annotations: registryHost', () => {
  const cases: Array<[string, string | undefined]> = [
    ['nginx', 'docker.io'],
    ['nginx:1.27', 'docker.io'],
    ['library/nginx:1.27', 'docker.io'],
    ['nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'docker.io'],
    ['docker.io/library/nginx', 'docker.io'],
    ['index.docker.io/library/nginx', 'docker.io'],
    ['host:5000/a/b:tag', 'host:5000'],
    ['host:5000/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'host:5000'],
    ['host:5000/a/b:tag@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'host:5000'],
    ['localhost:5000/x', 'localhost:5000'],
    ['localhost/x', 'localhost'],
    ['Registry.Example.com/team/app', 'registry.example.com'],
    ['prod.tencentcloudcr.com/ns/app:v1', 'prod.tencentcloudcr.com'],
    ['10.16.100.174:5000/busybox:latest', '10.16.100.174:5000'],
    ['[fd00::1]:5000/busybox', '[fd00::1]:5000'],
    ['team/app', 'docker.io'],
    ['', undefined],
    ['  ', undefined],
  ];
  for (const [image, want] of cases) {
    it(`${JSON.stringify(image)} → ${want}`, () => assert.equal(registryHost(image), want));
  }
});

describe('webhook annotations: canonicalHostPort', () => {
  const cases: Array<[string, 'insecure' | 'http', string]> = [
    ['secure.example.com', 'insecure', 'secure.example.com:443'],
    ['secure.example.com:8443', 'insecure', 'secure.example.com:8443'],
    ['plain.example.com', 'http', 'plain.example.com:80'],
    ['Plain.Example.com:5000', 'http', 'plain.example.com:5000'],
    ['[fd00::1]', 'http', '[fd00::1]:80'],
    ['[fd00::1]:5000', 'http', '[fd00::1]:5000'],
  ];
  for (const [server, kind, want] of cases) {
    it(`${server} (${kind}) → ${want}`, () => assert.equal(canonicalHostPort(server, kind), want));
  }
});

const pod = (images: { c?: string[]; i?: string[]; e?: string[] }, annotations?: Record<string, string>): PodLike => ({
  metadata: annotations ? { name: 'p', annotations } : { name: 'p' },
  spec: {
    containers: (images.c ?? []).map((image, n) => ({ name: `c${n}`, image })),
    ...(images.i ? { initContainers: images.i.map((image, n) => ({ name: `i${n}`, image })) } : {}),
    ...(images.e ? { ephemeralContainers: images.e.map((image, n) => ({ name: `e${n}`, image })) } : {}),
  },
});

const REGISTRIES: RegistryRule[] = [
  { server: 'registry.example.com:5000', kind: 'http' },
  { server: 'secure.example.com', kind: 'insecure' },
  { server: 'plain.example.com', kind: 'http' },
];

describe('webhook annotations: wantedAnnotations', () => {
  const cases: Array<{ name: string; pod: PodLike; registries?: RegistryRule[]; want: Record<string, string[]> }> = [
    { name: 'docker.io only → nothing', pod: pod({ c: ['nginx', 'busybox:1'] }), want: {} },
    { name: 'no registries configured → nothing', pod: pod({ c: ['registry.example.com:5000/a'] }), registries: [], want: {} },
    { name: 'other port of the same host → nothing', pod: pod({ c: ['registry.example.com:5001/a', 'registry.example.com/a'] }), want: {} },
    {
      name: 'container + init container from both kinds',
      pod: pod({ c: ['registry.example.com:5000/team/app:v1'], i: ['secure.example.com/init:1'] }),
      want: { [HTTP_ANNOTATION]: ['registry.example.com:5000'], [INSECURE_ANNOTATION]: ['secure.example.com:443'] },
    },
    {
      name: 'implied port written out in the image matches',
      pod: pod({ c: ['secure.example.com:443/app', 'plain.example.com:80/x'] }),
      want: { [INSECURE_ANNOTATION]: ['secure.example.com:443'], [HTTP_ANNOTATION]: ['plain.example.com:80'] },
    },
    {
      name: 'ephemeral containers count, duplicates once',
      pod: pod({ c: ['plain.example.com/a', 'plain.example.com/b'], e: ['registry.example.com:5000/debug'] }),
      want: { [HTTP_ANNOTATION]: ['plain.example.com:80', 'registry.example.com:5000'] },
    },
    {
      name: 'digest references',
      pod: pod({ c: ['secure.example.com/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'] }),
      want: { [INSECURE_ANNOTATION]: ['secure.example.com:443'] },
    },
    {
      name: 'registry server with explicit default port matches image without port',
      pod: pod({ c: ['secure.example.com/app'] }),
      registries: [{ server: 'secure.example.com:443', kind: 'insecure' }],
      want: { [INSECURE_ANNOTATION]: ['secure.example.com:443'] },
    },
    {
      name: 'localhost registry',
      pod: pod({ c: ['localhost:5000/x'] }),
      registries: [{ server: 'localhost:5000', kind: 'http' }],
      want: { [HTTP_ANNOTATION]: ['localhost:5000'] },
    },
    { name: 'pod without spec', pod: { metadata: {} }, want: {} },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(wantedAnnotations(c.pod, c.registries ?? REGISTRIES), c.want));
  }
});

describe('webhook annotations: mergeAnnotationValue', () => {
  const cases: Array<[string | undefined, string[], string | undefined]> = [
    [undefined, ['a:80'], 'a:80'],
    [undefined, [], undefined],
    ['', ['a:80', 'b:443'], 'a:80,b:443'],
    ['a:80', ['a:80'], undefined],
    ['A:80', ['a:80'], undefined],
    ['other:80', ['a:80'], 'other:80,a:80'],
    ['other:80, a:80', ['a:80', 'b:443'], 'other:80,a:80,b:443'],
    ['all', ['a:80'], undefined],
    ['ALL', ['a:80'], undefined],
    ['x:1,all', ['a:80'], undefined],
    ['x:1,,', ['a:80', 'a:80'], 'x:1,a:80'],
  ];
  for (const [existing, add, want] of cases) {
    it(`${JSON.stringify(existing)} + ${JSON.stringify(add)} → ${JSON.stringify(want)}`, () => assert.equal(mergeAnnotationValue(existing, add), want));
  }
});

describe('webhook annotations: jsonPatchFor', () => {
  it('escapes / and ~ in pointers', () => {
    assert.equal(escapePointer('eks.tke.cloud.tencent.com/registry-http-endpoint'), 'eks.tke.cloud.tencent.com~1registry-http-endpoint');
    assert.equal(escapePointer('a~b/c'), 'a~0b~1c');
  });

  const cases: Array<{ name: string; pod: PodLike; want: unknown[] }> = [
    { name: 'a pod that pulls nothing from such registries → no patch', pod: pod({ c: ['nginx'], i: ['quay.io/x/y'] }), want: [] },
    { name: 'a pod without annotations → no patch when nothing matches', pod: pod({ c: ['docker.io/library/nginx'] }, {}), want: [] },
    {
      name: 'no annotations → /metadata/annotations created',
      pod: pod({ c: ['registry.example.com:5000/a'], i: ['secure.example.com/b'] }),
      want: [
        {
          op: 'add',
          path: '/metadata/annotations',
          value: { [HTTP_ANNOTATION]: 'registry.example.com:5000', [INSECURE_ANNOTATION]: 'secure.example.com:443' },
        },
      ],
    },
    {
      name: 'other annotations → one add per key',
      pod: pod({ c: ['registry.example.com:5000/a'] }, { team: 'a' }),
      want: [{ op: 'add', path: '/metadata/annotations/eks.tke.cloud.tencent.com~1registry-http-endpoint', value: 'registry.example.com:5000' }],
    },
    {
      name: 'existing value → replace, merged',
      pod: pod({ c: ['registry.example.com:5000/a', 'plain.example.com/b'] }, { [HTTP_ANNOTATION]: 'other:80' }),
      want: [
        { op: 'replace', path: '/metadata/annotations/eks.tke.cloud.tencent.com~1registry-http-endpoint', value: 'other:80,registry.example.com:5000,plain.example.com:80' },
      ],
    },
    { name: 'value already complete → no patch', pod: pod({ c: ['registry.example.com:5000/a'] }, { [HTTP_ANNOTATION]: 'registry.example.com:5000' }), want: [] },
    { name: '`all` → no patch', pod: pod({ c: ['registry.example.com:5000/a'] }, { [HTTP_ANNOTATION]: 'all' }), want: [] },
    {
      name: '`all` on one key, the other still added',
      pod: pod({ c: ['registry.example.com:5000/a', 'secure.example.com/b'] }, { [HTTP_ANNOTATION]: 'all' }),
      want: [{ op: 'add', path: '/metadata/annotations/eks.tke.cloud.tencent.com~1registry-insecure-skip-verify', value: 'secure.example.com:443' }],
    },
    {
      name: 'no metadata at all → /metadata created',
      pod: { spec: { containers: [{ image: 'plain.example.com/x' }] } },
      want: [{ op: 'add', path: '/metadata', value: { annotations: { [HTTP_ANNOTATION]: 'plain.example.com:80' } } }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(jsonPatchFor(c.pod, wantedAnnotations(c.pod, REGISTRIES)), c.want));
  }
});
