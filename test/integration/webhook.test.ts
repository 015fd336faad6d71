// The Serverless registry annotations on a real kube-apiserver: the webhook server (serving certificate from
// ensureServingCert, kept in a real Secret) registered through syncWebhookConfiguration with a url clientConfig,
// pods created through the API server, and the ClusterDefault route on a real kube-system/eks-config.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import YAML from 'yaml';
import { ADDED_ANNOTATION, POD_ANNOTATIONS_KEY, applyEksConfig } from '../../src/controllers/annotations/clusterdefault.ts';
import type { KubeClient } from '../../src/k8s/client.ts';
import { HTTP_ANNOTATION, INSECURE_ANNOTATION, type RegistryRule } from '../../src/webhook/annotations.ts';
import { ensureServingCert, type ServingCert } from '../../src/webhook/certs.ts';
import { matchExpression, syncWebhookConfiguration, WEBHOOK_CONFIGURATION_NAME, type WebhookConfigOptions } from '../../src/webhook/config.ts';
import { startWebhookServer, type WebhookServer } from '../../src/webhook/server.ts';
import { createNamespace, getFixture, getOrUndefined, type Fixture } from '../support/fixture.ts';

const NS = 'wh-a';
const OTHER_NS = 'wh-b';
const CERT_NS = 'wh-system';
const SECRET = 'wh-serving-cert';
const SERVICE = 'tcr-access-operator-webhook';
const REGISTRIES: RegistryRule[] = [
  { server: 'registry.example.com:5000', kind: 'http' },
  { server: 'secure.example.com', kind: 'insecure' },
];
const CONFIG_PATH = `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${WEBHOOK_CONFIGURATION_NAME}`;

interface PodObj {
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function podBody(name: string, images: string[], opts: { init?: string[]; annotations?: Record<string, string> } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      containers: images.map((image, i) => ({ name: `c${i}`, image })),
      ...(opts.init ? { initContainers: opts.init.map((image, i) => ({ name: `i${i}`, image })) } : {}),
    },
  };
}

/** POST to the webhook server directly (trusting the CA bundle). */
function postDirect(port: number, ca: string, body: string, path = '/mutate-pods', method = 'POST'): Promise<{ status: number; body: string; peer: X509Certificate }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path, method, ca, agent: false, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, peer: new X509Certificate((res.socket as TLSSocket).getPeerCertificate().raw) }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? body : undefined);
  });
}

describe('webhook: Serverless registry annotations on a real API server', function () {
  this.timeout(180_000);
  let f: Fixture;
  let admin: KubeClient;
  let sc: ServingCert;
  let server: WebhookServer | undefined;
  let calls = 0;
  let malformed = 0;
  let configOpts: WebhookConfigOptions;
  const lookup = (namespace: string): RegistryRule[] => {
    calls++;
    return namespace === NS ? REGISTRIES : [];
  };

  const createPod = (ns: string, body: unknown) => admin.create<PodObj>(`/api/v1/namespaces/${ns}/pods`, body);

  before(async function () {
    f = await getFixture();
    admin = f.admin;
    for (const ns of [NS, OTHER_NS, CERT_NS]) await createNamespace(admin, ns);
    // other tests of this run register the same configuration: start from none
    await admin.delete(CONFIG_PATH).catch(() => undefined);
    sc = await ensureServingCert(admin, { namespace: CERT_NS, secretName: SECRET, service: SERVICE, ips: ['127.0.0.1'] });
    server = await startWebhookServer({ host: '127.0.0.1', port: 0, cert: sc.cert, key: sc.key, lookup, onMalformed: () => malformed++ });
    configOpts = {
      caBundle: sc.caBundle,
      registries: REGISTRIES,
      operatorNamespace: CERT_NS,
      clientConfig: { url: `https://127.0.0.1:${server.port}/mutate-pods` },
    };
    assert.equal(await syncWebhookConfiguration(admin, configOpts), 'missing', 'never created without createIfMissing');
    assert.equal(await syncWebhookConfiguration(admin, configOpts, true), 'created');
    // The API server picks the configuration up asynchronously: dry-run creates until the webhook answers.
    const deadline = Date.now() + 60_000;
    for (let i = 0; ; i++) {
      const p = await admin.create<PodObj>(`/api/v1/namespaces/${NS}/pods`, podBody(`probe-${i}`, ['registry.example.com:5000/probe:1']), { dryRun: 'All' });
      if (p.metadata.annotations?.[HTTP_ANNOTATION]) break;
      if (Date.now() > deadline) throw new Error('the API server never called the webhook');
      await sleep(200);
    }
  });

  after(async () => {
    await admin?.delete(CONFIG_PATH).catch(() => undefined);
    await server?.close();
  });

  it('the configuration sync writes nothing when nothing differs', async () => {
    const before = await admin.get<{ metadata: { resourceVersion: string } }>(CONFIG_PATH);
    assert.equal(await syncWebhookConfiguration(admin, configOpts), 'unchanged');
    const after = await admin.get<{ metadata: { resourceVersion: string } }>(CONFIG_PATH);
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
  });

  it('annotates a pod pulling from both registries (container and init container)', async () => {
    const p = await createPod(NS, podBody('both', ['registry.example.com:5000/team/app:v1', 'nginx:1.27'], { init: ['secure.example.com/init@sha256:' + 'a'.repeat(64)] }));
    assert.deepEqual(p.metadata.annotations, { [HTTP_ANNOTATION]: 'registry.example.com:5000', [INSECURE_ANNOTATION]: 'secure.example.com:443' });
    const stored = await admin.get<PodObj>(`/api/v1/namespaces/${NS}/pods/both`);
    assert.deepEqual(stored.metadata.annotations, p.metadata.annotations);
  });

  it('merges into an existing value, without duplicates, keeping other annotations', async () => {
    const p = await createPod(
      NS,
      podBody('merged', ['registry.example.com:5000/a:1', 'registry.example.com:5000/b:1'], { annotations: { [HTTP_ANNOTATION]: 'other:80', team: 'a' } }),
    );
    assert.deepEqual(p.metadata.annotations, { [HTTP_ANNOTATION]: 'other:80,registry.example.com:5000', team: 'a' });
  });

  it('leaves `all` alone', async () => {
    const p = await createPod(NS, podBody('all', ['registry.example.com:5000/a:1'], { annotations: { [HTTP_ANNOTATION]: 'all' } }));
    assert.deepEqual(p.metadata.annotations, { [HTTP_ANNOTATION]: 'all' });
  });

  it('a pod pulling from docker.io is untouched, and the API server does not even call the webhook', async () => {
    const before = calls;
    const p = await createPod(NS, podBody('dockerhub', ['nginx:1.27', 'docker.io/library/busybox:1'], { init: ['quay.io/x/y:1'] }));
    assert.equal(p.metadata.annotations, undefined);
    assert.equal(calls, before, 'matchConditions filtered the pod out');
  });

  it('a namespace that pulls nothing through these registries is untouched', async () => {
    const before = calls;
    const p = await createPod(OTHER_NS, podBody('other-ns', ['registry.example.com:5000/a:1']));
    assert.equal(p.metadata.annotations, undefined);
    assert.equal(calls, before + 1, 'called (the image matches), answered unchanged');
  });

  it('answers a malformed review allowed and unchanged, echoing the uid when readable', async () => {
    const before = malformed;
    const a = await postDirect(server!.port, sc.caBundle, 'this is not json');
    assert.equal(a.status, 200);
    assert.deepEqual(JSON.parse(a.body), { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: '', allowed: true } });
    const b = await postDirect(
      server!.port,
      sc.caBundle,
      JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u-1', kind: { kind: 'Pod' }, operation: 'CREATE', namespace: NS, object: 'not a pod' } }),
    );
    assert.deepEqual(JSON.parse(b.body), { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'u-1', allowed: true } });
    assert.equal(malformed, before + 2);
    const h = await postDirect(server!.port, sc.caBundle, '', '/healthz', 'GET');
    assert.equal(h.status, 200);
  });

  it('reloads a rotated serving certificate without restarting, and the API server keeps calling it', async () => {
    // A changed IP list re-issues the serving certificate at once, under the same CA.
    const ips = ['127.0.0.1', '::1'];
    const rotated = await ensureServingCert(admin, { namespace: CERT_NS, secretName: SECRET, service: SERVICE, ips });
    assert.notEqual(rotated.cert, sc.cert);
    assert.equal(rotated.caBundle, sc.caBundle, 'same CA');
    const follower = await ensureServingCert(admin, { namespace: CERT_NS, secretName: SECRET, service: SERVICE, ips, write: false });
    assert.equal(follower.cert, rotated.cert);
    assert.equal(server!.reload(rotated), true);
    assert.equal(server!.reload(rotated), false);
    const { peer } = await postDirect(server!.port, sc.caBundle, '', '/healthz', 'GET');
    assert.equal(peer.fingerprint256, new X509Certificate(rotated.cert).fingerprint256);
    const p = await createPod(NS, podBody('after-rotation', ['secure.example.com:443/app:1']));
    assert.deepEqual(p.metadata.annotations, { [INSECURE_ANNOTATION]: 'secure.example.com:443' });
  });

  it('regenerates matchConditions when the registries change', async () => {
    const more = [...REGISTRIES, { server: 'plain.example.com', kind: 'http' as const }];
    assert.equal(await syncWebhookConfiguration(admin, { ...configOpts, registries: more }), 'updated');
    const cfg = await admin.get<{ webhooks: Array<{ matchConditions: Array<{ expression: string }> }> }>(CONFIG_PATH);
    assert.match(cfg.webhooks[0]!.matchConditions[0]!.expression, /'plain\.example\.com\/'/);
    // Many registries: still a valid (cost-bounded) expression for the API server.
    const many = Array.from({ length: 90 }, (_, i) => ({ server: `r${i}.registry-${i}.tencentcloudcr.com`, kind: i % 2 ? ('http' as const) : ('insecure' as const) }));
    assert.ok(matchExpression(many).length > 7000);
    assert.equal(await syncWebhookConfiguration(admin, { ...configOpts, registries: many }), 'updated');
    const huge = [...many, ...many.map((r) => ({ ...r, server: `x${r.server}` }))];
    assert.equal(matchExpression(huge), 'true', 'too many registries: the webhook filters by itself');
    assert.equal(await syncWebhookConfiguration(admin, { ...configOpts, registries: huge }), 'updated');
    assert.equal(await syncWebhookConfiguration(admin, configOpts), 'updated');
  });
});

describe('ClusterDefault: kube-system/eks-config on a real API server', function () {
  this.timeout(120_000);
  const CM = '/api/v1/namespaces/kube-system/configmaps/eks-config';
  const UNRELATED = `# platform defaults\neks.tke.cloud.tencent.com/resolv-conf: |\n  nameserver 10.0.0.10\neks.tke.cloud.tencent.com/cpu: '2' # small\n`;
  interface CmObj {
    metadata: { resourceVersion: string; annotations?: Record<string, string> };
    data?: Record<string, string>;
  }

  it('merges the registry values into pod.annotations, then removes exactly them', async () => {
    const { admin } = await getFixture();
    if (await getOrUndefined(admin, CM)) await admin.delete(CM);
    await admin.create('/api/v1/namespaces/kube-system/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'eks-config', namespace: 'kube-system' },
      data: { [POD_ANNOTATIONS_KEY]: UNRELATED, 'other.key': 'untouched' },
    });

    const want = { insecure: ['secure.example.com:443'], http: ['registry.example.com:5000'] };
    const r = await applyEksConfig(admin, want);
    assert.equal(r.changed, true);
    const merged = await admin.get<CmObj>(CM);
    assert.equal(merged.data?.['other.key'], 'untouched');
    assert.equal(merged.data?.[POD_ANNOTATIONS_KEY], `${UNRELATED}${INSECURE_ANNOTATION}: secure.example.com:443\n${HTTP_ANNOTATION}: registry.example.com:5000\n`);
    assert.deepEqual(YAML.parse(merged.data![POD_ANNOTATIONS_KEY]!), {
      'eks.tke.cloud.tencent.com/resolv-conf': 'nameserver 10.0.0.10\n',
      'eks.tke.cloud.tencent.com/cpu': '2',
      [INSECURE_ANNOTATION]: 'secure.example.com:443',
      [HTTP_ANNOTATION]: 'registry.example.com:5000',
    });
    assert.deepEqual(JSON.parse(merged.metadata.annotations![ADDED_ANNOTATION]!), want);

    // Nothing to do: no write.
    assert.equal((await applyEksConfig(admin, want)).changed, false);
    assert.equal((await admin.get<CmObj>(CM)).metadata.resourceVersion, merged.metadata.resourceVersion);

    // A user adds a value of their own to our key: kept when ours go away.
    const edited = merged.data![POD_ANNOTATIONS_KEY]!.replace(`${HTTP_ANNOTATION}: registry.example.com:5000`, `${HTTP_ANNOTATION}: registry.example.com:5000,mine:80`);
    await admin.replace(CM, { ...merged, data: { ...merged.data, [POD_ANNOTATIONS_KEY]: edited } });
    const removed = await applyEksConfig(admin, { insecure: [], http: [] });
    assert.equal(removed.changed, true);
    const after = await admin.get<CmObj>(CM);
    assert.equal(after.data?.[POD_ANNOTATIONS_KEY], `${UNRELATED}${HTTP_ANNOTATION}: mine:80\n`);
    assert.equal(after.data?.['other.key'], 'untouched');
    assert.equal(after.metadata.annotations?.[ADDED_ANNOTATION], undefined);
    await admin.delete(CM);
  });

  it('creates eks-config when it is missing and something is wanted', async () => {
    const { admin } = await getFixture();
    if (await getOrUndefined(admin, CM)) await admin.delete(CM);
    assert.equal((await applyEksConfig(admin, { insecure: [], http: [] })).changed, false);
    assert.equal(await getOrUndefined(admin, CM), undefined);
    await applyEksConfig(admin, { insecure: [], http: ['plain.example.com:80'] });
    const cm = await admin.get<CmObj>(CM);
    assert.deepEqual(YAML.parse(cm.data![POD_ANNOTATIONS_KEY]!), { [HTTP_ANNOTATION]: 'plain.example.com:80' });
    await admin.delete(CM);
  });
});
