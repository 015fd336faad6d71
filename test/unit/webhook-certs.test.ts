import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { ApiError, type KubeClient } from '../../src/k8s/client.ts';
import {
  LEAF_RENEW_BEFORE_DAYS,
  ServingCertNotReady,
  dnsNames,
  ensureServingCert,
  runServingCertLoop,
  planServingSecret,
  servingCertFrom,
  splitPemBundle,
  type ServingSecretData,
} from '../../src/webhook/certs.ts';

const DAY = 24 * 3600 * 1000;
const T0 = new Date('2030-01-01T00:00:00Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY);
const OPTS = { namespace: 'tcr-system', service: 'tcr-access-operator-webhook' };

const x509 = (pem: string) => new X509Certificate(pem);
const signedBy = (leaf: X509Certificate, ca: X509Certificate) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
const bundleOf = (d: Required<ServingSecretData>) => splitPemBundle(d['ca.crt']).map(x509);

describe('webhook serving certificate: plan', () => {
  it('creates a CA and a serving certificate with the service names (and IPs)', () => {
    const plan = planServingSecret(undefined, { ...OPTS, ips: ['127.0.0.1'], now: T0 });
    assert.equal(plan.changed, true);
    const leaf = x509(plan.data['tls.crt']);
    const [ca, ...rest] = bundleOf(plan.data);
    assert.equal(rest.length, 0);
    assert.ok(ca!.ca, 'the bundle holds a CA');
    assert.ok(!leaf.ca, 'the serving certificate is not a CA');
    assert.ok(signedBy(leaf, ca!));
    assert.ok(leaf.checkPrivateKey(createPrivateKey(plan.data['tls.key'])));
    assert.ok(ca!.checkPrivateKey(createPrivateKey(plan.data['ca.key'])));
    for (const n of dnsNames(OPTS.service, OPTS.namespace)) assert.ok(leaf.checkHost(n), n);
    assert.deepEqual(dnsNames('svc', 'ns'), ['svc', 'svc.ns', 'svc.ns.svc', 'svc.ns.svc.cluster.local']);
    assert.equal(leaf.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(leaf.checkHost('other.example.com'), undefined);
    assert.ok(leaf.keyUsage?.includes('1.3.6.1.5.5.7.3.1'), 'serverAuth');
    assert.ok(new Date(leaf.validFrom) <= T0 && new Date(leaf.validTo) > at(80));
    // Names are UTF8String (forge's default PrintableString cannot hold every character; Go rejects it then).
    for (const c of [leaf, ca!]) {
      const cn = c.raw.indexOf(Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03]));
      assert.ok(cn > 0);
      assert.equal(c.raw[cn + 5], 0x0c, 'commonName is a UTF8String');
    }
  });

  it('changes nothing while everything is good', () => {
    const first = planServingSecret(undefined, { ...OPTS, now: T0 });
    const again = planServingSecret(first.data, { ...OPTS, now: at(10) });
    assert.equal(again.changed, false);
    assert.deepEqual(again.data, first.data);
  });

  it('re-issues the serving certificate at once when the names or IPs change, under the same CA', () => {
    const first = planServingSecret(undefined, { ...OPTS, now: T0 });
    const next = planServingSecret(first.data, { ...OPTS, ips: ['127.0.0.1'], now: at(1) });
    assert.equal(next.changed, true);
    assert.equal(next.data['ca.crt'], first.data['ca.crt']);
    assert.notEqual(next.data['tls.crt'], first.data['tls.crt']);
    assert.equal(x509(next.data['tls.crt']).checkIP('127.0.0.1'), '127.0.0.1');
  });

  it('starts over from unreadable data', () => {
    const plan = planServingSecret({ 'tls.crt': 'garbage', 'tls.key': 'x', 'ca.crt': 'nope', 'ca.key': '' }, { ...OPTS, now: T0 });
    assert.equal(plan.changed, true);
    assert.ok(servingCertFrom(plan.data, T0));
  });

  it('rotates over years: the served certificate always chains to the bundle, a new CA is published before it signs, an old CA stays until its certificates expire', function () {
    this.timeout(60_000);
    let data: Required<ServingSecretData> | undefined;
    let prevBundle: string[] = [];
    const served: X509Certificate[] = [];
    const cas = new Set<string>();
    let leafChanges = 0;
    for (let half = 0; half <= 2 * 900; half += 2) {
      const now = at(half / 2);
      const plan = planServingSecret(data, { ...OPTS, now });
      const d = plan.data;
      const bundle = bundleOf(d);
      const leaf = x509(d['tls.crt']);
      for (const b of bundle) cas.add(b.fingerprint256);
      assert.ok(bundle.length <= 2, `at most two CAs at once (day ${half / 2})`);
      assert.ok(new Date(leaf.validTo).getTime() - now.getTime() > LEAF_RENEW_BEFORE_DAYS * DAY - 2 * DAY, `serving certificate renewed in time (day ${half / 2})`);
      if (served.at(-1)?.fingerprint256 !== leaf.fingerprint256) {
        if (data) {
          leafChanges++;
          const issuer = bundle.find((b) => signedBy(leaf, b))!;
          assert.ok(prevBundle.includes(issuer.fingerprint256), `the new certificate's CA was published before (day ${half / 2})`);
        }
        served.push(leaf);
      }
      // Every certificate ever served that has not expired (a replica may still serve it) chains to the bundle.
      for (const s of served) {
        if (new Date(s.validTo) <= now) continue;
        assert.ok(bundle.some((b) => signedBy(s, b)), `an unexpired served certificate lost its CA (day ${half / 2})`);
      }
      for (const b of bundle) assert.ok(new Date(b.validTo) > now, 'no expired CA in the bundle');
      prevBundle = bundle.map((b) => b.fingerprint256);
      data = d;
    }
    assert.ok(cas.size >= 3, `CAs rotated (${cas.size})`);
    assert.ok(leafChanges >= 9, `serving certificates rotated (${leafChanges})`);
  });
});

/** A fake KubeClient holding Secrets in a map (get/create/replace with resourceVersion checks). */
function fakeClient(): { client: KubeClient; store: Map<string, { metadata: { resourceVersion: string } }>; writes: string[] } {
  const store = new Map<string, { metadata: { resourceVersion: string } }>();
  const writes: string[] = [];
  let rv = 1;
  const client = {
    get: async (p: string) => {
      const o = store.get(p);
      if (!o) throw new ApiError(404, 'NotFound', `${p} not found`);
      return structuredClone(o);
    },
    create: async (p: string, body: { metadata: { name: string; resourceVersion?: string } }) => {
      const key = `${p}/${body.metadata.name}`;
      if (store.has(key)) throw new ApiError(409, 'AlreadyExists', 'exists');
      writes.push(`create ${key}`);
      store.set(key, { ...body, metadata: { ...body.metadata, resourceVersion: String(rv++) } });
      return store.get(key);
    },
    replace: async (p: string, body: { metadata: { resourceVersion: string } }) => {
      const cur = store.get(p);
      if (!cur) throw new ApiError(404, 'NotFound', 'gone');
      if (cur.metadata.resourceVersion !== body.metadata.resourceVersion) throw new ApiError(409, 'Conflict', 'conflict');
      writes.push(`replace ${p}`);
      store.set(p, { ...body, metadata: { ...body.metadata, resourceVersion: String(rv++) } });
      return store.get(p);
    },
  };
  return { client: client as unknown as KubeClient, store, writes };
}

describe('webhook serving certificate: ensureServingCert', () => {
  const opts = { namespace: 'tcr-system', secretName: 'webhook-tls', service: 'svc' };

  it('a follower waits for the leader, then reads what the leader wrote', async () => {
    const { client, writes } = fakeClient();
    await assert.rejects(ensureServingCert(client, { ...opts, write: false, now: T0 }), ServingCertNotReady);
    const leader = await ensureServingCert(client, { ...opts, now: T0 });
    const follower = await ensureServingCert(client, { ...opts, write: false, now: at(1) });
    assert.deepEqual(follower, leader);
    assert.deepEqual(writes, ['create /api/v1/namespaces/tcr-system/secrets/webhook-tls']);
    // The leader writes again only when something is due.
    await ensureServingCert(client, { ...opts, now: at(2) });
    assert.equal(writes.length, 1);
    await ensureServingCert(client, { ...opts, now: at(75) });
    assert.deepEqual(writes.slice(1), ['replace /api/v1/namespaces/tcr-system/secrets/webhook-tls']);
  });

  it('writes a kubernetes.io/tls Secret with ca.crt', async () => {
    const { client, store } = fakeClient();
    const sc = await ensureServingCert(client, { ...opts, now: T0 });
    const s = store.get('/api/v1/namespaces/tcr-system/secrets/webhook-tls') as unknown as { type: string; data: Record<string, string> };
    assert.equal(s.type, 'kubernetes.io/tls');
    assert.deepEqual(Object.keys(s.data).sort(), ['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    assert.equal(Buffer.from(s.data['ca.crt']!, 'base64').toString(), sc.caBundle);
    assert.equal(Buffer.from(s.data['tls.crt']!, 'base64').toString(), sc.cert);
  });

  it('runServingCertLoop: the leader creates, onChange fires once per change, abort ends it', async () => {
    const { client } = fakeClient();
    const ac = new AbortController();
    const seen: string[] = [];
    let now = T0;
    const done = runServingCertLoop(client, {
      ...opts,
      isLeader: () => true,
      intervalMs: 5,
      clock: () => now,
      signal: ac.signal,
      onChange: (sc) => {
        seen.push(sc.cert);
      },
    });
    const waitFor = async (n: number) => {
      for (let i = 0; i < 500 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    };
    await waitFor(1);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(seen.length, 1, 'nothing changed: no second call');
    now = at(75);
    await waitFor(2);
    assert.equal(seen.length, 2);
    assert.notEqual(seen[1], seen[0]);
    ac.abort();
    await done;
  });
});
