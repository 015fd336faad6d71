import assert from 'node:assert/strict';
import type { LabelSelector, TcrAccessSpec } from '../../src/api/v1alpha1/types.ts';
import {
  ACCESS_LABEL,
  DOCKERCONFIGJSON,
  DOCKERCONFIG_KEY,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  SA_ANNOTATION,
  dataHash,
  desiredSecret,
  dockerConfigJson,
  isSelected,
  matchesSelector,
  mergeServiceAccount,
  secretUpToDate,
  adoptable,
  adoptedSecret,
  releasedSecret,
  ADOPTED_ANNOTATION,
  LAST_APPLIED_ANNOTATION,
  type LiveSecret,
  TEMPLATE_KEYS_ANNOTATION,
  selectedNamespaces,
  serviceAccountSelected,
  serviceAccountUpToDate,
  type CachedSecret,
  type CachedServiceAccount,
  type NamespaceMeta,
} from '../../src/controllers/tcraccess/desired.ts';
import { b64, makeAccess } from './fixtures.ts';

type NamespaceSelection = TcrAccessSpec['imagePullSecret']['namespaces'];

const ns = (name: string, labels?: Record<string, string>, extra: Partial<NamespaceMeta> = {}): NamespaceMeta => ({
  metadata: { name, ...(labels ? { labels } : {}), ...extra.metadata },
  ...(extra.status ? { status: extra.status } : {}),
});

describe('desired: matchesSelector', () => {
  const labels = { env: 'prod', team: 'a', empty: '' };
  const cases: Array<{ name: string; sel: LabelSelector; labels?: Record<string, string>; want: boolean }> = [
    { name: 'empty selector selects all', sel: {}, labels, want: true },
    { name: 'empty selector selects a namespace without labels', sel: {}, labels: undefined, want: true },
    { name: 'empty matchLabels and matchExpressions select all', sel: { matchLabels: {}, matchExpressions: [] }, labels, want: true },
    { name: 'matchLabels equal', sel: { matchLabels: { env: 'prod' } }, labels, want: true },
    { name: 'matchLabels all must match', sel: { matchLabels: { env: 'prod', team: 'b' } }, labels, want: false },
    { name: 'matchLabels missing key', sel: { matchLabels: { zone: 'x' } }, labels, want: false },
    { name: 'matchLabels empty value matches empty label', sel: { matchLabels: { empty: '' } }, labels, want: true },
    { name: 'matchLabels empty value does not match a missing label', sel: { matchLabels: { zone: '' } }, labels, want: false },
    { name: 'In: value in set', sel: { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev', 'prod'] }] }, labels, want: true },
    { name: 'In: value not in set', sel: { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] }, labels, want: false },
    { name: 'In: key missing', sel: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['dev'] }] }, labels, want: false },
    { name: 'In: empty value listed', sel: { matchExpressions: [{ key: 'empty', operator: 'In', values: [''] }] }, labels, want: true },
    { name: 'NotIn: value in set', sel: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels, want: false },
    { name: 'NotIn: value not in set', sel: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }, labels, want: true },
    { name: 'NotIn: key missing matches', sel: { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['dev'] }] }, labels, want: true },
    { name: 'Exists: present', sel: { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, labels, want: true },
    { name: 'Exists: present with empty value', sel: { matchExpressions: [{ key: 'empty', operator: 'Exists' }] }, labels, want: true },
    { name: 'Exists: missing', sel: { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels, want: false },
    { name: 'Exists: inherited Object property is not a label', sel: { matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, labels, want: false },
    { name: 'DoesNotExist: missing', sel: { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels, want: true },
    { name: 'DoesNotExist: present', sel: { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, labels, want: false },
    { name: 'DoesNotExist: no labels at all', sel: { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, labels: undefined, want: true },
    {
      name: 'matchLabels AND expressions: both hold',
      sel: { matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'team', operator: 'In', values: ['a'] }, { key: 'zone', operator: 'DoesNotExist' }] },
      labels,
      want: true,
    },
    {
      name: 'matchLabels AND expressions: labels hold, one expression fails',
      sel: { matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'team', operator: 'In', values: ['a'] }, { key: 'env', operator: 'NotIn', values: ['prod'] }] },
      labels,
      want: false,
    },
    {
      name: 'matchLabels AND expressions: expressions hold, labels fail',
      sel: { matchLabels: { env: 'dev' }, matchExpressions: [{ key: 'team', operator: 'Exists' }] },
      labels,
      want: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(matchesSelector(c.sel, c.labels), c.want));
  }
});

describe('desired: isSelected / selectedNamespaces', () => {
  const cases: Array<{ name: string; namespaces: NamespaceSelection; ns: NamespaceMeta; want: boolean }> = [
    { name: 'named', namespaces: { names: ['team-a'] }, ns: ns('team-a'), want: true },
    { name: 'not named, no selector', namespaces: { names: ['team-a'] }, ns: ns('team-b', { env: 'prod' }), want: false },
    { name: 'selector match', namespaces: { selector: { matchLabels: { env: 'prod' } } }, ns: ns('team-b', { env: 'prod' }), want: true },
    { name: 'selector no match', namespaces: { selector: { matchLabels: { env: 'prod' } } }, ns: ns('team-b', { env: 'dev' }), want: false },
    { name: 'names ∪ selector: named but not matched', namespaces: { names: ['team-a'], selector: { matchLabels: { env: 'prod' } } }, ns: ns('team-a', { env: 'dev' }), want: true },
    { name: 'names ∪ selector: matched but not named', namespaces: { names: ['team-a'], selector: { matchLabels: { env: 'prod' } } }, ns: ns('team-b', { env: 'prod' }), want: true },
    { name: 'empty selector selects all', namespaces: { selector: {} }, ns: ns('anything'), want: true },
    { name: 'exclude beats names', namespaces: { names: ['team-a'], exclude: ['team-a'] }, ns: ns('team-a'), want: false },
    { name: 'exclude beats selector', namespaces: { selector: {}, exclude: ['kube-system'] }, ns: ns('kube-system'), want: false },
    { name: 'exclude of another namespace does not matter', namespaces: { selector: {}, exclude: ['kube-system'] }, ns: ns('team-a'), want: true },
    { name: 'terminating (deletionTimestamp) named', namespaces: { names: ['team-a'] }, ns: ns('team-a', undefined, { metadata: { name: 'team-a', deletionTimestamp: '2024-01-01T00:00:00Z' } }), want: false },
    { name: 'terminating (phase) matched by selector', namespaces: { selector: {} }, ns: ns('team-a', undefined, { status: { phase: 'Terminating' } }), want: false },
    { name: 'phase Active is selected', namespaces: { selector: {} }, ns: ns('team-a', undefined, { status: { phase: 'Active' } }), want: true },
    // system namespaces: only ever by name (issue 8 item 6)
    { name: 'selector {} does not select kube-system', namespaces: { selector: {} }, ns: ns('kube-system'), want: false },
    { name: 'selector {} does not select kube-public', namespaces: { selector: {} }, ns: ns('kube-public'), want: false },
    { name: 'selector {} does not select kube-node-lease', namespaces: { selector: {} }, ns: ns('kube-node-lease'), want: false },
    { name: 'a matching label does not select kube-system', namespaces: { selector: { matchLabels: { env: 'prod' } } }, ns: ns('kube-system', { env: 'prod' }), want: false },
    { name: 'kube-system named is selected', namespaces: { names: ['kube-system'], selector: {} }, ns: ns('kube-system'), want: true },
    { name: 'kube-system named and excluded is not', namespaces: { names: ['kube-system'], exclude: ['kube-system'] }, ns: ns('kube-system'), want: false },
    { name: 'a namespace merely starting with kube- is selected', namespaces: { selector: {} }, ns: ns('kube-flannel'), want: true },
    { name: 'selectors are OR\'ed: second matches', namespaces: { selectors: [{ matchLabels: { env: 'prod' } }, { matchLabels: { team: 'x' } }] }, ns: ns('team-b', { team: 'x' }), want: true },
    { name: 'selectors are OR\'ed with selector', namespaces: { selector: { matchLabels: { env: 'prod' } }, selectors: [{ matchLabels: { team: 'x' } }] }, ns: ns('team-b', { env: 'prod' }), want: true },
    { name: 'selectors: none matches', namespaces: { selectors: [{ matchLabels: { env: 'prod' } }, { matchLabels: { team: 'x' } }] }, ns: ns('team-b', { env: 'dev' }), want: false },
    { name: 'opt-out label beats selector', namespaces: { selector: {} }, ns: ns('team-a', { 'tcr.tke.dev/ignore': 'true' }), want: false },
    { name: 'opt-out label beats selectors', namespaces: { selectors: [{ matchLabels: { env: 'prod' } }] }, ns: ns('team-a', { env: 'prod', 'tcr.tke.dev/ignore': 'true' }), want: false },
    { name: 'opt-out label other than "true" is no opt-out', namespaces: { selector: {} }, ns: ns('team-a', { 'tcr.tke.dev/ignore': 'false' }), want: true },
    { name: 'names beat the opt-out label', namespaces: { names: ['team-a'], selector: {} }, ns: ns('team-a', { 'tcr.tke.dev/ignore': 'true' }), want: true },
    { name: 'exclude beats names and the opt-out label', namespaces: { names: ['team-a'] , exclude: ['team-a'] }, ns: ns('team-a', { 'tcr.tke.dev/ignore': 'true' }), want: false },
    { name: 'system namespace not matched by selector {}', namespaces: { selector: {} }, ns: ns('kube-system'), want: false },
    { name: 'system namespace not matched by selectors', namespaces: { selectors: [{}] }, ns: ns('kube-node-lease'), want: false },
    { name: 'system namespace selected by name', namespaces: { names: ['kube-public'], selector: {} }, ns: ns('kube-public'), want: true },
  ];
  for (const c of cases) {
    it(`isSelected: ${c.name}`, () => {
      const access = makeAccess({ spec: { imagePullSecret: { namespaces: c.namespaces } } });
      assert.equal(isSelected(access, c.ns), c.want);
    });
  }

  it('selectedNamespaces returns the selected names sorted', () => {
    const access = makeAccess({ spec: { imagePullSecret: { namespaces: { names: ['zeta'], selector: { matchLabels: { pull: 'yes' } }, exclude: ['beta'] } } } });
    const all = [
      ns('gamma', { pull: 'yes' }),
      ns('zeta'),
      ns('alpha', { pull: 'yes' }),
      ns('beta', { pull: 'yes' }),
      ns('delta', { pull: 'no' }),
      ns('omega', { pull: 'yes' }, { status: { phase: 'Terminating' } }),
    ];
    assert.deepEqual(selectedNamespaces(access, all), ['alpha', 'gamma', 'zeta']);
    assert.deepEqual(selectedNamespaces(access, new Set(all).values()), ['alpha', 'gamma', 'zeta']);
    assert.deepEqual(selectedNamespaces(access, []), []);
  });
});

describe('desired: dockerConfigJson', () => {
  const cases = [
    {
      server: 'demo.tencentcloudcr.com',
      auth: { username: '100012345678', password: 's3cr3t' },
      want: '{"auths":{"demo.tencentcloudcr.com":{"username":"100012345678","password":"s3cr3t","auth":"MTAwMDEyMzQ1Njc4OnMzY3IzdA=="}}}',
    },
    {
      server: 'registry.example.com:5000',
      auth: { username: 'u', password: 'p:"q\\' },
      want: '{"auths":{"registry.example.com:5000":{"username":"u","password":"p:\\"q\\\\","auth":"dTpwOiJxXA=="}}}',
    },
    {
      server: 'r.example.com',
      auth: { username: 'ü', password: '密码' },
      want: `{"auths":{"r.example.com":{"username":"ü","password":"密码","auth":"${Buffer.from('ü:密码', 'utf8').toString('base64')}"}}}`,
    },
  ];
  for (const c of cases) {
    it(`renders exact bytes for ${c.server}`, () => {
      const got = dockerConfigJson(c.server, c.auth);
      assert.equal(got, c.want);
      const parsed = JSON.parse(got) as { auths: Record<string, { auth: string }> };
      assert.equal(Buffer.from(parsed.auths[c.server]!.auth, 'base64').toString('utf8'), `${c.auth.username}:${c.auth.password}`);
    });
  }
});

describe('desired: dataHash', () => {
  it('is independent of key order', () => {
    assert.equal(dataHash({ a: 'MQ==', b: 'Mg==' }), dataHash({ b: 'Mg==', a: 'MQ==' }));
  });
  it('is a sha256 hex digest and stable for undefined and {}', () => {
    assert.match(dataHash({ a: 'x' }), /^[0-9a-f]{64}$/);
    assert.equal(dataHash(undefined), dataHash({}));
  });
  const distinct: Array<[string, Record<string, string> | undefined, Record<string, string> | undefined]> = [
    ['value change', { a: 'MQ==' }, { a: 'Mg==' }],
    ['key change', { a: 'MQ==' }, { b: 'MQ==' }],
    ['extra key', { a: 'MQ==' }, { a: 'MQ==', b: '' }],
    ['empty vs nothing', { a: '' }, {}],
    ['key/value boundary', { ab: 'c' }, { a: 'bc' }],
    ['two keys vs one', { a: 'b', c: 'd' }, { a: 'bcd' }],
  ];
  for (const [name, x, y] of distinct) {
    it(`is content-sensitive: ${name}`, () => assert.notEqual(dataHash(x), dataHash(y)));
  }
});

describe('desired: desiredSecret / secretUpToDate', () => {
  const access = makeAccess({ name: 'prod', uid: 'uid-prod-42', spec: { imagePullSecret: { name: 'tcr-pull' } } });
  const dcj = dockerConfigJson('demo.tencentcloudcr.com', { username: 'u', password: 'p' });
  const want = desiredSecret(access, 'team-a', 'demo.tencentcloudcr.com', dcj);

  it('builds the Secret with labels, owner reference and type', () => {
    assert.deepEqual(want, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'tcr-pull',
        namespace: 'team-a',
        labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [ACCESS_LABEL]: 'prod' },
        annotations: { 'tcr.tke.dev/server': 'demo.tencentcloudcr.com' },
        ownerReferences: [{ apiVersion: 'tcr.tke.dev/v1alpha1', kind: 'TcrAccess', name: 'prod', uid: 'uid-prod-42', controller: true, blockOwnerDeletion: false }],
      },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(dcj).toString('base64') },
    });
    assert.equal(DOCKERCONFIGJSON, 'kubernetes.io/dockerconfigjson');
    assert.equal(Buffer.from(want.data[DOCKERCONFIG_KEY]!, 'base64').toString(), dcj);
  });

  const upToDate = (): CachedSecret => ({
    metadata: {
      name: 'tcr-pull',
      namespace: 'team-a',
      uid: 's-1',
      resourceVersion: '7',
      labels: { ...want.metadata.labels, extra: 'kept' },
      annotations: { ...want.metadata.annotations, 'user/note': 'x' },
      ownerReferences: [{ uid: 'uid-prod-42', kind: 'TcrAccess', name: 'prod' }],
    },
    type: DOCKERCONFIGJSON,
    dataHash: dataHash(want.data),
  });

  it('secretUpToDate: true for the same content (extra labels/annotations tolerated)', () => {
    assert.equal(secretUpToDate(upToDate(), want), true);
  });
  const mutations: Array<[string, (s: CachedSecret) => void]> = [
    ['type differs', (s) => (s.type = 'Opaque')],
    ['type missing', (s) => delete s.type],
    ['data differs', (s) => (s.dataHash = dataHash({ [DOCKERCONFIG_KEY]: b64('other') }))],
    ['owned by another TcrAccess', (s) => (s.metadata.ownerReferences = [{ uid: 'uid-other', kind: 'TcrAccess', name: 'prod' }])],
    ['owner of another kind only', (s) => (s.metadata.ownerReferences = [{ uid: 'uid-prod-42', kind: 'Deployment', name: 'prod' }])],
    ['no owner', (s) => delete s.metadata.ownerReferences],
    ['managed-by label missing', (s) => delete s.metadata.labels![MANAGED_BY_LABEL]],
    ['access label differs', (s) => (s.metadata.labels![ACCESS_LABEL] = 'other')],
    ['no labels', (s) => delete s.metadata.labels],
    ['server annotation differs', (s) => (s.metadata.annotations!['tcr.tke.dev/server'] = 'old.tencentcloudcr.com')],
    ['no annotations', (s) => delete s.metadata.annotations],
  ];
  for (const [name, mutate] of mutations) {
    it(`secretUpToDate: false when ${name}`, () => {
      const s = upToDate();
      mutate(s);
      assert.equal(secretUpToDate(s, want), false);
    });
  }
});

describe('desired: Secret template metadata', () => {
  const dcj = dockerConfigJson('demo.tencentcloudcr.com', { username: 'u', password: 'p' });
  const withTemplate = (metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }) =>
    desiredSecret(makeAccess({ name: 'prod', uid: 'uid-prod-42', spec: { imagePullSecret: { name: 'tcr-pull', template: { metadata } } } }), 'team-a', 'demo.tencentcloudcr.com', dcj);

  it('adds the template labels and annotations and records their keys', () => {
    const want = withTemplate({ labels: { 'velero.io/exclude-from-backup': 'true' }, annotations: { 'argocd.argoproj.io/compare-options': 'IgnoreExtraneous' } });
    assert.deepEqual(want.metadata.labels, { 'velero.io/exclude-from-backup': 'true', [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [ACCESS_LABEL]: 'prod' });
    assert.deepEqual(want.metadata.annotations, {
      'argocd.argoproj.io/compare-options': 'IgnoreExtraneous',
      [TEMPLATE_KEYS_ANNOTATION]: JSON.stringify({ labels: ['velero.io/exclude-from-backup'], annotations: ['argocd.argoproj.io/compare-options'] }),
      'tcr.tke.dev/server': 'demo.tencentcloudcr.com',
    });
  });

  it("never lets the template override the operator's own labels and annotations", () => {
    const want = withTemplate({ labels: { [MANAGED_BY_LABEL]: 'someone', [ACCESS_LABEL]: 'other' }, annotations: { 'tcr.tke.dev/server': 'evil.example.com' } });
    assert.equal(want.metadata.labels[MANAGED_BY_LABEL], MANAGED_BY_VALUE);
    assert.equal(want.metadata.labels[ACCESS_LABEL], 'prod');
    assert.equal(want.metadata.annotations['tcr.tke.dev/server'], 'demo.tencentcloudcr.com');
  });

  it('a key dropped from the template makes the Secret out of date (so it is rewritten without it)', () => {
    const before = withTemplate({ labels: { a: '1', b: '2' } });
    const after = withTemplate({ labels: { a: '1' } });
    const none = desiredSecret(makeAccess({ name: 'prod', uid: 'uid-prod-42', spec: { imagePullSecret: { name: 'tcr-pull' } } }), 'team-a', 'demo.tencentcloudcr.com', dcj);
    const cached = (b: typeof before): CachedSecret => ({
      metadata: { name: 'tcr-pull', namespace: 'team-a', uid: 's', resourceVersion: '1', labels: b.metadata.labels, annotations: b.metadata.annotations, ownerReferences: [{ uid: 'uid-prod-42', kind: 'TcrAccess', name: 'prod' }] },
      type: DOCKERCONFIGJSON,
      dataHash: dataHash(b.data),
    });
    assert.equal(secretUpToDate(cached(before), before), true);
    assert.equal(secretUpToDate(cached(before), after), false);
    assert.equal(secretUpToDate(cached(before), none), false);
    assert.equal(secretUpToDate(cached(none), none), true);
  });
});

describe('desired: adoption (creationPolicy Adopt)', () => {
  const server = 'demo.tencentcloudcr.com';
  const access = makeAccess({ name: 'prod', uid: 'uid-prod-42', spec: { imagePullSecret: { name: 'tcr-pull', creationPolicy: 'Adopt' } } });
  const want = desiredSecret(access, 'team-a', server, dockerConfigJson(server, { username: 'new', password: 'new-pass' }));
  const cfg = (o: unknown) => b64(JSON.stringify(o));
  const auths = (s: { data?: Record<string, string> }) => (JSON.parse(Buffer.from(s.data![DOCKERCONFIG_KEY]!, 'base64').toString()) as { auths: Record<string, { username?: string }> }).auths;
  const handMade = (entries: Record<string, unknown>, extra: Partial<LiveSecret['metadata']> = {}): LiveSecret => ({
    metadata: { name: 'tcr-pull', namespace: 'team-a', uid: 's-1', resourceVersion: '5', labels: { app: 'mine' }, annotations: { [LAST_APPLIED_ANNOTATION]: '{"data":"old"}', note: 'x' }, ...extra },
    type: DOCKERCONFIGJSON,
    data: { [DOCKERCONFIG_KEY]: cfg({ auths: entries }) },
  });

  it('adoptable only with Adopt, a dockerconfigjson and no controller owner', () => {
    assert.equal(adoptable(access, handMade({})), true);
    assert.equal(adoptable(makeAccess({ spec: { imagePullSecret: { name: 'tcr-pull' } } }), handMade({})), false, 'Owner (default)');
    assert.equal(adoptable(access, { ...handMade({}), type: 'Opaque' }), false);
    assert.equal(adoptable(access, handMade({}, { ownerReferences: [{ apiVersion: 'tcr.tke.dev/v1alpha1', kind: 'TcrAccess', name: 'o', uid: 'other' }] })), false);
    assert.equal(adoptable(access, handMade({}, { ownerReferences: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'x', uid: 'x', controller: true }] })), false);
    assert.equal(adoptable(access, handMade({}, { deletionTimestamp: '2025-01-01T00:00:00Z' })), false);
  });

  it('adopting replaces the entry for our registry (every form of its address), keeps the others, drops last-applied', () => {
    const live = handMade({ [`https://${server}/v2/`]: { username: 'old' }, [server]: { username: 'old' }, 'docker.io': { username: 'hub' } });
    const out = adoptedSecret(live, want)!;
    assert.deepEqual(Object.keys(auths(out)).sort(), ['demo.tencentcloudcr.com', 'docker.io']);
    assert.equal(auths(out)[server]!.username, 'new');
    assert.equal(auths(out)['docker.io']!.username, 'hub');
    assert.equal(out.metadata.labels['app'], 'mine');
    assert.equal(out.metadata.labels[ACCESS_LABEL], 'prod');
    assert.equal(out.metadata.annotations[ADOPTED_ANNOTATION], 'true');
    assert.equal(out.metadata.annotations['note'], 'x');
    assert.equal(out.metadata.annotations[LAST_APPLIED_ANNOTATION], undefined);
    assert.equal(out.metadata.resourceVersion, '5');
    assert.deepEqual(out.metadata.ownerReferences.map((o) => o.uid), ['uid-prod-42']);
    assert.doesNotMatch(JSON.stringify(out.metadata), /old/, 'nothing of the old credentials in metadata');
  });

  it('an unreadable .dockerconfigjson is not adopted', () => {
    assert.equal(adoptedSecret({ ...handMade({}), data: { [DOCKERCONFIG_KEY]: b64('not json') } }, want), undefined);
    assert.equal(adoptedSecret({ ...handMade({}), data: { [DOCKERCONFIG_KEY]: b64('{"auths":[1]}') } }, want), undefined);
  });

  it('re-adopting after a registry change drops the entry it wrote for the previous registry', () => {
    const adopted = adoptedSecret(handMade({ 'docker.io': { username: 'hub' } }), want)!;
    const moved = desiredSecret(access, 'team-a', 'other.tencentcloudcr.com', dockerConfigJson('other.tencentcloudcr.com', { username: 'n', password: 'p' }));
    const again = adoptedSecret(adopted as unknown as LiveSecret, moved)!;
    assert.deepEqual(Object.keys(auths(again)).sort(), ['docker.io', 'other.tencentcloudcr.com']);
  });

  it('released: only the other entries, none of our metadata; undefined when none remain', () => {
    const adopted = adoptedSecret(handMade({ 'docker.io': { username: 'hub' } }), want)! as unknown as LiveSecret;
    const back = releasedSecret(adopted, 'uid-prod-42')!;
    assert.deepEqual(Object.keys(auths(back)), ['docker.io']);
    assert.deepEqual(back.metadata.labels, { app: 'mine' });
    assert.deepEqual(back.metadata.annotations, { note: 'x' });
    assert.deepEqual(back.metadata.ownerReferences, []);
    const alone = adoptedSecret(handMade({ [server]: { username: 'old' } }), want)! as unknown as LiveSecret;
    assert.equal(releasedSecret(alone, 'uid-prod-42'), undefined);
  });

  it('secretUpToDate for an adopted Secret: current only while its data is what we saw and our entry is unchanged', () => {
    const adopted = adoptedSecret(handMade({ 'docker.io': { username: 'hub' } }), want)!;
    const cached: CachedSecret = { metadata: { ...adopted.metadata, uid: 's-1', resourceVersion: '6' }, type: DOCKERCONFIGJSON, dataHash: dataHash(adopted.data) };
    const record = { dataHash: dataHash(adopted.data), entryHash: dataHash(want.data) };
    assert.equal(secretUpToDate(cached, want, record), true);
    assert.equal(secretUpToDate(cached, want, undefined), false, 'no record (after a restart): look once');
    assert.equal(secretUpToDate({ ...cached, dataHash: 'edited' }, want, record), false);
    const rotated = desiredSecret(access, 'team-a', server, dockerConfigJson(server, { username: 'new', password: 'rotated' }));
    assert.equal(secretUpToDate(cached, rotated, record), false);
  });
});

describe('desired: serviceAccountSelected', () => {
  const cases: Array<{ list: string[] | undefined; sa: string; want: boolean }> = [
    { list: undefined, sa: 'default', want: true },
    { list: undefined, sa: 'builder', want: false },
    { list: ['*'], sa: 'builder', want: true },
    { list: ['*'], sa: 'default', want: true },
    { list: [], sa: 'default', want: false },
    { list: ['builder', 'deployer'], sa: 'deployer', want: true },
    { list: ['builder'], sa: 'default', want: false },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.list)} / ${c.sa} → ${c.want}`, () => {
      const access = makeAccess(c.list ? { spec: { imagePullSecret: { serviceAccounts: c.list } } } : {});
      assert.equal(serviceAccountSelected(access, c.sa), c.want);
    });
  }
});

describe('desired: mergeServiceAccount', () => {
  const sa = (names: string[] | undefined, annotation?: string | Record<string, string>): CachedServiceAccount => {
    const out: CachedServiceAccount = { metadata: { name: 'default', namespace: 'team-a', uid: 'sa-1', resourceVersion: '1' } };
    if (names) out.imagePullSecrets = names.map((name) => ({ name }));
    if (annotation !== undefined) out.metadata.annotations = { [SA_ANNOTATION]: typeof annotation === 'string' ? annotation : JSON.stringify(annotation) };
    return out;
  };
  const ann = (m: Record<string, string>) => JSON.stringify(m);

  type Case = {
    name: string;
    sa: CachedServiceAccount;
    access?: string;
    want: string | undefined;
    expect: { list: string[]; annotation: string | null } | undefined;
  };
  const cases: Case[] = [
    { name: 'adds to an SA without imagePullSecrets', sa: sa(undefined), want: 'tcr-pull', expect: { list: ['tcr-pull'], annotation: ann({ 'tcr-pull': 'demo' }) } },
    { name: 'adds to an empty list', sa: sa([]), want: 'tcr-pull', expect: { list: ['tcr-pull'], annotation: ann({ 'tcr-pull': 'demo' }) } },
    {
      name: "keeps users' entries and their order, appends ours",
      sa: sa(['z-user', 'a-user']),
      want: 'tcr-pull',
      expect: { list: ['z-user', 'a-user', 'tcr-pull'], annotation: ann({ 'tcr-pull': 'demo' }) },
    },
    { name: 'no change when ours is present and recorded', sa: sa(['u1', 'tcr-pull', 'u2'], { 'tcr-pull': 'demo' }), want: 'tcr-pull', expect: undefined },
    {
      name: 'an entry already present but not recorded is not recorded and not duplicated',
      sa: sa(['tcr-pull']),
      want: 'tcr-pull',
      expect: undefined,
    },
    { name: 'an unrecorded entry is never removed when want is undefined', sa: sa(['tcr-pull', 'u1']), want: undefined, expect: undefined },
    {
      name: 'an unrecorded entry is not removed on rename either',
      sa: sa(['tcr-old', 'u1']),
      want: 'tcr-new',
      expect: { list: ['tcr-old', 'u1', 'tcr-new'], annotation: ann({ 'tcr-new': 'demo' }) },
    },
    { name: 'removes our own entry when want is undefined; annotation null', sa: sa(['u1', 'tcr-pull', 'u2'], { 'tcr-pull': 'demo' }), want: undefined, expect: { list: ['u1', 'u2'], annotation: null } },
    {
      name: 'rename old → new removes only our old entry',
      sa: sa(['u1', 'tcr-old', 'u2'], { 'tcr-old': 'demo' }),
      want: 'tcr-new',
      expect: { list: ['u1', 'u2', 'tcr-new'], annotation: ann({ 'tcr-new': 'demo' }) },
    },
    {
      name: 'entries recorded by another TcrAccess are untouched on add',
      sa: sa(['other-pull'], { 'other-pull': 'other' }),
      want: 'tcr-pull',
      expect: { list: ['other-pull', 'tcr-pull'], annotation: ann({ 'other-pull': 'other', 'tcr-pull': 'demo' }) },
    },
    {
      name: 'entries recorded by another TcrAccess are untouched on removal',
      sa: sa(['other-pull', 'tcr-pull'], { 'other-pull': 'other', 'tcr-pull': 'demo' }),
      want: undefined,
      expect: { list: ['other-pull'], annotation: ann({ 'other-pull': 'other' }) },
    },
    {
      name: 'another TcrAccess’s entry with the name we want is not taken over or duplicated',
      sa: sa(['tcr-pull'], { 'tcr-pull': 'other' }),
      want: 'tcr-pull',
      expect: undefined,
    },
    {
      name: 'another TcrAccess’s entry is not removed when we want nothing',
      sa: sa(['tcr-pull'], { 'tcr-pull': 'other' }),
      want: undefined,
      expect: undefined,
    },
    {
      name: 'malformed annotation JSON is treated as empty: nothing removed',
      sa: sa(['tcr-pull', 'u1'], '{not json'),
      want: undefined,
      expect: { list: ['tcr-pull', 'u1'], annotation: null },
    },
    {
      name: 'an annotation of the wrong shape (array) is treated as empty: entry present, not recorded',
      sa: sa(['tcr-pull'], '["tcr-pull"]'),
      want: 'tcr-pull',
      expect: { list: ['tcr-pull'], annotation: null },
    },
    { name: 'nothing to do on an empty SA with want undefined', sa: sa(undefined), want: undefined, expect: undefined },
    {
      name: 'a recorded entry someone removed from the list is re-added',
      sa: sa(['u1'], { 'tcr-pull': 'demo' }),
      want: 'tcr-pull',
      expect: { list: ['u1', 'tcr-pull'], annotation: ann({ 'tcr-pull': 'demo' }) },
    },
    {
      name: 'a recorded entry someone removed from the list is forgotten when want is undefined',
      sa: sa(['u1'], { 'tcr-pull': 'demo' }),
      want: undefined,
      expect: { list: ['u1'], annotation: null },
    },
    {
      name: 'nameless entries are dropped from the list',
      sa: { ...sa(undefined), imagePullSecrets: [{}, { name: 'u1' }, { name: '' }] },
      want: 'tcr-pull',
      expect: { list: ['u1', 'tcr-pull'], annotation: ann({ 'tcr-pull': 'demo' }) },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = mergeServiceAccount(c.sa, c.access ?? 'demo', c.want);
      if (c.expect === undefined) {
        assert.equal(got, undefined);
        assert.equal(serviceAccountUpToDate(c.sa, c.access ?? 'demo', c.want), true);
        return;
      }
      assert.ok(got, 'expected a change');
      assert.deepEqual(got, { imagePullSecrets: c.expect.list.map((name) => ({ name })), annotation: c.expect.annotation });
      assert.equal(new Set(got.imagePullSecrets.map((r) => r.name)).size, got.imagePullSecrets.length, 'no duplicates');
      assert.equal(serviceAccountUpToDate(c.sa, c.access ?? 'demo', c.want), false);
    });
  }

  it('is idempotent: applying a change yields no further change', () => {
    const seq: Array<string | undefined> = ['tcr-a', 'tcr-a', 'tcr-b', undefined, undefined, 'tcr-a'];
    let cur = sa(['u1', 'u2'], { 'other-pull': 'other' });
    cur.imagePullSecrets!.push({ name: 'other-pull' });
    for (const want of seq) {
      const change = mergeServiceAccount(cur, 'demo', want);
      if (change) {
        const annotations: Record<string, string> = {};
        if (change.annotation !== null) annotations[SA_ANNOTATION] = change.annotation;
        cur = { metadata: { ...cur.metadata, annotations }, imagePullSecrets: change.imagePullSecrets };
      }
      assert.equal(mergeServiceAccount(cur, 'demo', want), undefined, `second merge of ${String(want)}`);
      const names = (cur.imagePullSecrets ?? []).map((r) => r.name);
      assert.deepEqual(names.slice(0, 3), ['u1', 'u2', 'other-pull'], 'others keep their place');
      assert.equal(names.includes('tcr-a'), want === 'tcr-a');
      assert.equal(names.includes('tcr-b'), want === 'tcr-b');
    }
    assert.deepEqual(JSON.parse(cur.metadata.annotations![SA_ANNOTATION]!), { 'other-pull': 'other', 'tcr-a': 'demo' });
  });
});
