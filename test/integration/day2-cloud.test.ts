// Forcing a sync and a rotation end to end: a real kube-apiserver, the operator as its own process, the
// Tencent Cloud API emulator. The annotations are set the way `kubectl tcr-access sync|rotate` sets them.
import assert from 'node:assert/strict';
import type { TcrAccess, TcrAccessSpec } from '../../src/api/v1alpha1/types.ts';
import { startEmulator, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, type TencentCloudEmulator } from '../../emulator/index.ts';
import { eventually } from '../support/wait.ts';
import { startOperator, type OperatorProcess } from '../support/operator.ts';
import { unb64 } from '../support/kube.ts';
import { runCli } from '../support/cli.ts';
import { accessPath, condition, createAccess, createNamespace, getAccess, getFixture, getOrUndefined, OPERATOR_NS, putSourceSecret, type Fixture, type SecretObj } from '../support/fixture.ts';

for (const k of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY']) delete process.env[k];

const REGISTRY = 'tcr-emu00001';
const MARKER = 'tcr-access-operator:d2-rotate/'; // the marker begins with the TcrAccess name (marker.ts)

describe('force sync and rotate now (real API server, operator process, emulator)', function () {
  this.timeout(180_000);
  let f: Fixture;
  let emu: TencentCloudEmulator;
  let op: OperatorProcess;
  let adminKubeconfig = '';
  const start = () =>
    startOperator({
      kubeconfig: f.operatorKubeconfig,
      namespace: OPERATOR_NS,
      args: [`--tencentcloud-endpoint=${emu.endpoint}`, '--tencentcloud-protocol=http://', '--tencentcloud-timeout=3s', '--cluster-id=cls-day2'],
    });
  const tokens = () => emu.snapshot().accounts[0]!.registries.find((r) => r.registryId === REGISTRY)!.tokens.filter((t) => t.desc.startsWith(MARKER));
  const ready = (name: string) =>
    eventually(async () => {
      const a = await getAccess(f.admin, name);
      assert.equal(condition(a, 'Ready')?.status, 'True', JSON.stringify(a.status?.conditions?.map((c) => [c.type, c.reason, c.message])));
      return a;
    }, { timeoutMs: 60_000, intervalMs: 250 });
  const pulledPassword = async () => {
    const s = await getOrUndefined<SecretObj>(f.admin, '/api/v1/namespaces/d2-rot/secrets/rot-pull');
    return (JSON.parse(unb64(s!.data['.dockerconfigjson']!)) as { auths: Record<string, { username: string; password: string }> }).auths['emulator.tencentcloudcr.com']!;
  };
  const cli = (...args: string[]) => runCli([...args, '--kubeconfig', adminKubeconfig]);

  before(async function () {
    this.timeout(300_000);
    f = await getFixture();
    adminKubeconfig = f.cp.kubeconfigPath;
    emu = await startEmulator({
      seed: {
        region: 'ap-guangzhou',
        accounts: [{ uin: '100012345678', credentials: [{ secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY }], registries: [{ id: REGISTRY, name: 'emulator', type: 'premium' }] }],
      },
    });
    await putSourceSecret(f.admin, OPERATOR_NS, 'tencentcloud', { SecretId: DEFAULT_SECRET_ID, SecretKey: DEFAULT_SECRET_KEY });
    await createNamespace(f.admin, 'd2-rot');
    op = start();
    const spec: TcrAccessSpec = {
      registry: { instanceId: REGISTRY, region: 'ap-guangzhou' },
      credentials: { instanceToken: { type: 'LongTerm', rotationPeriod: '720h' } },
      imagePullSecret: { name: 'rot-pull', namespaces: { names: ['d2-rot'] } },
      cloudCredentials: { secretRef: { namespace: OPERATOR_NS, name: 'tencentcloud' } },
    };
    await createAccess(f.admin, 'd2-rotate', spec);
  });

  after(async () => {
    await op?.stop();
    await emu?.stop();
  });

  it('shows the token expiry in the -o wide Expires column', async () => {
    const a = await ready('d2-rotate');
    const t = await f.admin.request<{ columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[]; object: { metadata: { name: string } } }> }>({
      method: 'GET',
      path: accessPath('d2-rotate'),
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    });
    const i = t.columnDefinitions.findIndex((c) => c.name === 'Expires');
    assert.ok(a.status?.credentials?.expiresAt);
    assert.equal(t.rows[0]!.cells[i], a.status.credentials.expiresAt);
  });

  it('`tcr-access sync` re-runs the cloud step at once and records the value in status.lastForceSync', async () => {
    await ready('d2-rotate');
    // converged: the next cloud look is minutes away
    const before = emu.callCount('DescribeInstances');
    const r = await cli('sync', 'd2-rotate', '--wait', '--timeout', '60s');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const value = /force-sync=(\S+)/.exec(r.stdout)?.[1];
    assert.ok(value, r.stdout);
    const a = await getAccess(f.admin, 'd2-rotate');
    assert.equal(a.metadata.annotations?.['tcr.tke.dev/force-sync'], value);
    assert.equal(a.status?.lastForceSync, value);
    assert.ok(emu.callCount('DescribeInstances') > before, 'the instance was described again');
  });

  it('`tcr-access rotate` mints a new token, rolls it out, then revokes the old one; never more than one extra', async () => {
    const a1 = await ready('d2-rotate');
    const first = a1.status!.credentials!.tokenId!;
    assert.deepEqual(tokens().map((t) => t.id), [first]);
    const mintsBefore = emu.callCount('CreateInstanceToken');
    const r = await cli('rotate', 'd2-rotate');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const second = await eventually(async () => {
      const a = await getAccess(f.admin, 'd2-rotate');
      assert.ok(a.status?.credentials?.tokenId && a.status.credentials.tokenId !== first, 'rotated');
      return a.status.credentials.tokenId;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    await eventually(async () => {
      assert.deepEqual(tokens().map((t) => t.id), [second], 'old token revoked once the new one is everywhere');
      const auth = await pulledPassword();
      assert.ok(emu.checkRegistryLogin(REGISTRY, auth.username, auth.password), 'the namespace holds the new token');
    }, { timeoutMs: 60_000, intervalMs: 250 });
    assert.equal(emu.callCount('CreateInstanceToken'), mintsBefore + 1, 'exactly one token minted for the request');
  });

  it('a handled rotate request survives a restart: no further token is minted', async () => {
    const mints = emu.callCount('CreateInstanceToken');
    const tokenId = (await getAccess(f.admin, 'd2-rotate')).status!.credentials!.tokenId;
    await op.stop();
    op = start();
    // a new force-sync value makes the restarted operator run the cloud step (token included) and say so in status
    const r = await cli('sync', 'd2-rotate', '--wait', '--timeout', '60s');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const a: TcrAccess = await ready('d2-rotate');
    assert.equal(a.status?.credentials?.tokenId, tokenId);
    assert.equal(emu.callCount('CreateInstanceToken'), mints);
  });

  it('`tcr-access rotate` refuses a TcrAccess without instance tokens', async () => {
    await putSourceSecret(f.admin, OPERATOR_NS, 'd2-plain', { username: 'u', password: 'p' });
    await createAccess(f.admin, 'd2-plain', { registry: { server: 'plain.example.com' }, credentials: { secretRef: { namespace: OPERATOR_NS, name: 'd2-plain' } }, imagePullSecret: { name: 'p', namespaces: { names: ['d2-rot'] } } });
    const r = await cli('rotate', 'd2-plain');
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /instanceToken/);
    assert.equal((await getAccess(f.admin, 'd2-plain')).metadata.annotations?.['tcr.tke.dev/rotate'], undefined);
    await f.admin.delete(accessPath('d2-plain'));
  });
});
