import assert from 'node:assert/strict';
import YAML from 'yaml';
import { EksConfigError, POD_ANNOTATIONS_KEY, clusterDefaultWant, mergeEksConfig, parseAdded, type RegistryValues } from '../../src/controllers/annotations/clusterdefault.ts';

const I = 'eks.tke.cloud.tencent.com/registry-insecure-skip-verify';
const H = 'eks.tke.cloud.tencent.com/registry-http-endpoint';
const none: RegistryValues = { insecure: [], http: [] };

const UNRELATED = `# cluster defaults, owned by the platform team
eks.tke.cloud.tencent.com/resolv-conf: |
  nameserver 10.0.0.10
  options ndots:2
eks.tke.cloud.tencent.com/host-sysctls: '[{"name": "net.core.rmem_max","value": "26214400"},{"name": "net.core.wmem_max","value": "26214400"}]' # tuned
`;

describe('ClusterDefault: mergeEksConfig', () => {
  const cases: Array<{
    name: string;
    data: Record<string, string>;
    want: RegistryValues;
    prev?: RegistryValues;
    annotations?: Record<string, string> | undefined;
    added: RegistryValues;
    changed: boolean;
  }> = [
    { name: 'nothing wanted, nothing there', data: {}, want: none, annotations: undefined, added: none, changed: false },
    {
      name: 'adds to an empty ConfigMap',
      data: {},
      want: { insecure: ['secure.example.com:443'], http: ['registry.example.com:5000'] },
      annotations: { [I]: 'secure.example.com:443', [H]: 'registry.example.com:5000' },
      added: { insecure: ['secure.example.com:443'], http: ['registry.example.com:5000'] },
      changed: true,
    },
    {
      name: 'appends to a user value, the user value is not ours',
      data: { [POD_ANNOTATIONS_KEY]: `${H}: other:80\n` },
      want: { insecure: [], http: ['registry.example.com:5000', 'other:80'] },
      annotations: { [H]: 'other:80,registry.example.com:5000' },
      added: { insecure: [], http: ['registry.example.com:5000'] },
      changed: true,
    },
    {
      name: 'leaves `all` alone',
      data: { [POD_ANNOTATIONS_KEY]: `${H}: all\n` },
      want: { insecure: [], http: ['registry.example.com:5000'] },
      annotations: { [H]: 'all' },
      added: none,
      changed: false,
    },
    {
      name: 'already there from a previous run: unchanged, still recorded',
      data: { [POD_ANNOTATIONS_KEY]: `${H}: other:80,registry.example.com:5000\n` },
      want: { insecure: [], http: ['registry.example.com:5000'] },
      prev: { insecure: [], http: ['registry.example.com:5000'] },
      annotations: { [H]: 'other:80,registry.example.com:5000' },
      added: { insecure: [], http: ['registry.example.com:5000'] },
      changed: false,
    },
    {
      name: 'removes only what it added',
      data: { [POD_ANNOTATIONS_KEY]: `${H}: other:80,registry.example.com:5000,old.example.com:80\n` },
      want: { insecure: [], http: ['registry.example.com:5000'] },
      prev: { insecure: [], http: ['registry.example.com:5000', 'old.example.com:80'] },
      annotations: { [H]: 'other:80,registry.example.com:5000' },
      added: { insecure: [], http: ['registry.example.com:5000'] },
      changed: true,
    },
    {
      name: 'removes the key when nothing is left',
      data: { [POD_ANNOTATIONS_KEY]: `team: a\n${I}: secure.example.com:443\n` },
      want: none,
      prev: { insecure: ['secure.example.com:443'], http: [] },
      annotations: { team: 'a' },
      added: none,
      changed: true,
    },
    {
      name: 'removes the whole data key when it is empty afterwards',
      data: { [POD_ANNOTATIONS_KEY]: `${I}: secure.example.com:443\n`, other: 'x' },
      want: none,
      prev: { insecure: ['secure.example.com:443'], http: [] },
      annotations: undefined,
      added: none,
      changed: true,
    },
    {
      name: 'a value the user also had is never removed',
      data: { [POD_ANNOTATIONS_KEY]: `${I}: secure.example.com:443\n` },
      want: none,
      prev: none,
      annotations: { [I]: 'secure.example.com:443' },
      added: none,
      changed: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = mergeEksConfig(c.data, c.want, c.prev ?? none);
      assert.equal(r.changed, c.changed);
      assert.deepEqual(r.added, c.added);
      const text = r.data[POD_ANNOTATIONS_KEY];
      assert.deepEqual(text === undefined ? undefined : YAML.parse(text), c.annotations);
      if (!c.changed) assert.equal(r.data, c.data, 'unchanged data is returned as is');
      for (const [k, v] of Object.entries(c.data)) if (k !== POD_ANNOTATIONS_KEY) assert.equal(r.data[k], v);
    });
  }

  it('keeps unrelated keys, comments and styles byte for byte', () => {
    const want = { insecure: ['secure.example.com:443'], http: ['registry.example.com:5000'] };
    const r = mergeEksConfig({ [POD_ANNOTATIONS_KEY]: UNRELATED }, want, none);
    assert.equal(r.data[POD_ANNOTATIONS_KEY], `${UNRELATED}${I}: secure.example.com:443\n${H}: registry.example.com:5000\n`);
    const back = mergeEksConfig(r.data, none, r.added);
    assert.equal(back.data[POD_ANNOTATIONS_KEY], UNRELATED);
  });

  it('keeps a comment on the value it changes', () => {
    const r = mergeEksConfig({ [POD_ANNOTATIONS_KEY]: `${H}: "other:80" # ours\n` }, { insecure: [], http: ['a:80'] }, none);
    assert.equal(r.data[POD_ANNOTATIONS_KEY], `${H}: "other:80,a:80" # ours\n`);
  });

  it('refuses YAML it cannot safely edit', () => {
    assert.throws(() => mergeEksConfig({ [POD_ANNOTATIONS_KEY]: 'a: [' }, { insecure: ['x:443'], http: [] }, none), EksConfigError);
    assert.throws(() => mergeEksConfig({ [POD_ANNOTATIONS_KEY]: '- a\n- b\n' }, { insecure: ['x:443'], http: [] }, none), EksConfigError);
    assert.throws(() => mergeEksConfig({ [POD_ANNOTATIONS_KEY]: `${I}:\n  nested: map\n` }, { insecure: ['x:443'], http: [] }, none), EksConfigError);
  });
});

describe('ClusterDefault: helpers', () => {
  it('clusterDefaultWant adds implied ports and deduplicates', () => {
    assert.deepEqual(
      clusterDefaultWant([
        { server: 'secure.example.com', kind: 'insecure' },
        { server: 'secure.example.com:443', kind: 'insecure' },
        { server: 'plain.example.com', kind: 'http' },
        { server: 'registry.example.com:5000', kind: 'http' },
      ]),
      { insecure: ['secure.example.com:443'], http: ['plain.example.com:80', 'registry.example.com:5000'] },
    );
  });
  it('parseAdded tolerates garbage', () => {
    assert.deepEqual(parseAdded(undefined), none);
    assert.deepEqual(parseAdded('{'), none);
    assert.deepEqual(parseAdded('{"insecure":["a:443",1],"http":"x"}'), { insecure: ['a:443'], http: [] });
  });
});
