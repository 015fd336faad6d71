// /metrics of the operator process on a real API server, with the real SDK against the emulator: the standard
// families (workqueue_*, controller_runtime_*, rest_client_*, leader_election_master_status) and the domain
// ones (conditions, credential timestamps, cloud API calls, namespaces, webhook reviews) exist and carry the
// values the cluster shows; the deprecated tcra_* aliases are still served; nothing secret is.
import assert from 'node:assert/strict';
import { Agent, fetch as ufetch } from 'undici';
import { startEmulator, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, type TencentCloudEmulator } from '../../emulator/index.ts';
import { eventually } from '../support/wait.ts';
import { startOperator, type OperatorProcess } from '../support/operator.ts';
import { freePort } from '../support/registry.ts';
import { scrape, valueOf } from '../support/metrics.ts';
import { condition, createAccess, createNamespace, getAccess, getFixture, OPERATOR_NS, putSourceSecret, type Fixture } from '../support/fixture.ts';

for (const k of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY']) delete process.env[k];

const REGISTRY = 'tcr-metric01';
/** The Lease name the shipped RBAC allows (resourceNames). */
const LEASE = 'tcr-access-operator-leader';
const CLOUD_PASSWORD = 'metrics-cloud-pass-never-served';

describe('metrics (real API server, operator process, SDK against the emulator)', function () {
  this.timeout(180_000);
  let f: Fixture;
  let emu: TencentCloudEmulator;
  let op: OperatorProcess;
  let metricsPort = 0;
  let webhookPort = 0;

  before(async function () {
    this.timeout(300_000);
    f = await getFixture();
    emu = await startEmulator({
      seed: {
        region: 'ap-guangzhou',
        accounts: [{ uin: '100012345699', credentials: [{ secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY }], registries: [{ id: REGISTRY, name: 'metrics', type: 'premium' }], vpcs: [] }],
      },
    });
    await putSourceSecret(f.admin, OPERATOR_NS, 'metrics-cloud', { SecretId: DEFAULT_SECRET_ID, SecretKey: DEFAULT_SECRET_KEY });
    await putSourceSecret(f.admin, OPERATOR_NS, 'metrics-robot', { username: 'robot', password: CLOUD_PASSWORD });
    await createNamespace(f.admin, 'm-team');
    metricsPort = await freePort();
    webhookPort = await freePort();
    op = startOperator({
      kubeconfig: f.operatorKubeconfig,
      namespace: OPERATOR_NS,
      args: [
        `--metrics-bind-address=127.0.0.1:${metricsPort}`,
        `--webhook-bind-address=127.0.0.1:${webhookPort}`,
        `--webhook-url=https://127.0.0.1:${webhookPort}/mutate-pods`,
        '--webhook-ip-sans=127.0.0.1',
        '--leader-elect',
        '--lease-duration=4s',
        '--renew-deadline=3s',
        '--retry-period=500ms',
        `--tencentcloud-endpoint=${emu.endpoint}`,
        '--tencentcloud-protocol=http://',
        '--cluster-id=cls-metrics',
      ],
    });
    await createAccess(f.admin, 'm-token', {
      registry: { instanceId: REGISTRY, region: 'ap-guangzhou' },
      credentials: { instanceToken: { type: 'Temporary' } },
      cloudCredentials: { secretRef: { namespace: OPERATOR_NS, name: 'metrics-cloud' } },
      imagePullSecret: { name: 'm-pull', namespaces: { names: ['m-team'] } },
    });
    await createAccess(f.admin, 'm-missing', {
      registry: { server: 'missing.tencentcloudcr.com' },
      credentials: { secretRef: { namespace: OPERATOR_NS, name: 'no-such-secret' } },
      imagePullSecret: { name: 'm-pull2', namespaces: { names: ['m-team'] } },
    });
    await eventually(async () => assert.equal(condition(await getAccess(f.admin, 'm-token'), 'Ready')?.status, 'True'), { timeoutMs: 60_000, intervalMs: 250 });
  });

  after(async () => {
    for (const n of ['m-token', 'm-missing']) await f.admin.delete(`/apis/tcr.tke.dev/v1alpha1/tcraccesses/${n}`).catch(() => undefined);
    await op?.stop();
    await emu?.stop();
    await f.admin.delete('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/tcr-access-operator').catch(() => undefined);
  });

  it('serves the client-go and controller-runtime families with values from this run', async () => {
    const { samples } = await eventually(async () => {
      const s = await scrape(metricsPort);
      assert.ok((valueOf(s.samples, 'workqueue_work_duration_seconds_count', { name: 'tcraccess' }) ?? 0) > 0, 'work observed');
      return s;
    });
    const q = { name: 'tcraccess' };
    assert.ok(valueOf(samples, 'workqueue_adds_total', q)! >= 2, 'both TcrAccess keys were added');
    assert.ok(valueOf(samples, 'workqueue_depth', q)! >= 0);
    assert.ok(valueOf(samples, 'workqueue_queue_duration_seconds_count', q)! >= valueOf(samples, 'workqueue_work_duration_seconds_count', q)!, 'every key processed waited first');
    assert.ok(valueOf(samples, 'workqueue_retries_total', q)! >= 0);
    assert.ok(valueOf(samples, 'workqueue_unfinished_work_seconds', q)! >= 0);
    assert.ok(valueOf(samples, 'workqueue_longest_running_processor_seconds', q)! < 60, 'nothing stuck');
    const c = { controller: 'tcraccess' };
    assert.ok(valueOf(samples, 'controller_runtime_reconcile_total', { ...c, result: 'success' })! > 0);
    assert.ok(valueOf(samples, 'controller_runtime_reconcile_time_seconds_count', c)! > 0);
    assert.equal(valueOf(samples, 'controller_runtime_max_concurrent_reconciles', c), 16);
    assert.ok(valueOf(samples, 'controller_runtime_reconcile_errors_total', c)! >= 0, 'served from the start');
    assert.ok(valueOf(samples, 'controller_runtime_active_workers', c)! >= 0);
    assert.ok(valueOf(samples, 'rest_client_requests_total', { code: '200', method: 'GET' })! > 0, 'lists and watches');
    assert.ok(valueOf(samples, 'rest_client_requests_total', { code: '200', method: 'PUT' })! > 0, 'lease renewals and status writes');
    assert.equal(valueOf(samples, 'leader_election_master_status', { name: LEASE }), 1);
    // the old names, kept for one release
    for (const old of ['tcra_reconcile_total', 'tcra_reconcile_duration_seconds_count', 'tcra_kube_responses_total']) assert.ok(samples.some((s) => s.name === old), old);
    assert.equal(valueOf(samples, 'tcra_leader'), 1);
    assert.ok(valueOf(samples, 'tcra_workqueue_depth')! >= 0);
  });

  it('serves the domain families: conditions, credential timestamps, cloud API calls, namespaces', async () => {
    const a = await getAccess(f.admin, 'm-token');
    const expiresAt = Date.parse(a.status!.credentials!.expiresAt!) / 1000;
    const { samples, text } = await eventually(async () => {
      const s = await scrape(metricsPort);
      assert.equal(valueOf(s.samples, 'tcra_status_condition', { name: 'm-missing', type: 'Ready', status: 'False' }), 1, 'the broken one is not Ready');
      return s;
    });
    assert.equal(valueOf(samples, 'tcra_status_condition', { name: 'm-token', type: 'Ready', status: 'True' }), 1);
    assert.equal(valueOf(samples, 'tcra_status_condition', { name: 'm-token', type: 'Ready', status: 'False' }), 0);
    assert.equal(valueOf(samples, 'tcra_status_condition', { name: 'm-token', type: 'CredentialsReady', status: 'True' }), 1);
    assert.equal(valueOf(samples, 'tcra_credentials_expiry_timestamp_seconds', { name: 'm-token' }), expiresAt, 'the expiry in status');
    const rotated = valueOf(samples, 'tcra_credentials_last_rotation_timestamp_seconds', { name: 'm-token' })!;
    assert.ok(rotated <= Date.now() / 1000 && rotated > Date.now() / 1000 - 300, `minted during this test: ${rotated}`);
    assert.equal(valueOf(samples, 'tcra_credentials_expiry_timestamp_seconds', { name: 'm-missing' }), undefined, 'a Secret source has no expiry');
    assert.equal(valueOf(samples, 'tcra_namespaces_desired', { name: 'm-token' }), 1);
    assert.equal(valueOf(samples, 'tcra_namespaces_ready', { name: 'm-token' }), 1);
    assert.equal(valueOf(samples, 'tcra_namespaces_ready', { name: 'm-missing' }), 0);
    assert.ok(valueOf(samples, 'tcra_cloud_api_requests_total', { service: 'tcr', action: 'CreateInstanceToken', code: 'Success' })! >= 1);
    assert.ok(valueOf(samples, 'tcra_cloud_api_requests_total', { service: 'tcr', action: 'DescribeInstances', code: 'Success' })! >= 1);
    assert.ok(valueOf(samples, 'tcra_cloud_api_request_duration_seconds_count', { service: 'tcr', action: 'CreateInstanceToken' })! >= 1);
    const stored = await f.admin.get<{ data: Record<string, string> }>(`/api/v1/namespaces/${OPERATOR_NS}/secrets/tcra-token-m-token`);
    const token = Buffer.from(stored.data['password']!, 'base64').toString('utf8');
    assert.ok(!text.includes(token) && !text.includes(DEFAULT_SECRET_KEY) && !text.includes(CLOUD_PASSWORD), 'no secret material');
  });

  it('counts webhook reviews by result and their latency', async () => {
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    const review = await eventually(async () => {
      const res = await ufetch(`https://127.0.0.1:${webhookPort}/mutate-pods`, { method: 'POST', body: '{"not":"a review"}', headers: { 'content-type': 'application/json' }, dispatcher });
      assert.equal(res.status, 200);
      return (await res.json()) as { response: { allowed: boolean } };
    });
    await dispatcher.close();
    assert.equal(review.response.allowed, true, 'a malformed review never blocks a pod');
    const { samples } = await scrape(metricsPort);
    assert.ok(valueOf(samples, 'tcra_webhook_reviews_total', { result: 'malformed' })! >= 1);
    assert.ok(valueOf(samples, 'controller_runtime_webhook_latency_seconds_count', { webhook: '/mutate-pods' })! >= 1);
  });

  it('drops the series of a deleted TcrAccess', async () => {
    await f.admin.delete('/apis/tcr.tke.dev/v1alpha1/tcraccesses/m-missing');
    await eventually(async () => {
      const { samples } = await scrape(metricsPort);
      assert.equal(valueOf(samples, 'tcra_status_condition', { name: 'm-missing', type: 'Ready', status: 'False' }), undefined);
      assert.equal(valueOf(samples, 'tcra_namespaces_desired', { name: 'm-missing' }), undefined);
    }, { timeoutMs: 30_000 });
  });
});
