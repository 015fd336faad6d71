// The cloud half end to end: a real kube-apiserver, the operator as its own process, the real
// tencentcloud-sdk-nodejs inside it talking to the local Tencent Cloud API emulator. Each mode from an
// empty world to Ready, deletion under both policies, instance tokens, wrong credentials, throttling and
// 5xx storms, and crashes right after create calls. Assertions are on the final state of the cluster and
// of the emulator's world, and on its call counts.
import assert from 'node:assert/strict';
import type { TcrAccess, TcrAccessSpec } from '../../src/api/v1alpha1/types.ts';
import { startEmulator, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, type TencentCloudEmulator, type Seed } from '../../emulator/index.ts';
import { isOurMarker } from '../../src/controllers/tcraccess/marker.ts';
import { eventually } from '../support/wait.ts';
import { startOperator, type OperatorProcess } from '../support/operator.ts';
import { unb64 } from '../support/kube.ts';
import { accessPath, condition, createAccess, createNamespace, getAccess, getFixture, getOrUndefined, OPERATOR_NS, putSourceSecret, type Fixture, type SecretObj } from '../support/fixture.ts';

for (const k of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY']) delete process.env[k];

const REGISTRY = 'tcr-emu00001';
const VPC = 'vpc-emu00001';
const SUBNET_A = 'subnet-emu00001';
const SUBNET_B = 'subnet-emu00002';

function seed(): Seed {
  return {
    region: 'ap-guangzhou',
    accounts: [
      {
        uin: '100012345678',
        credentials: [{ secretId: DEFAULT_SECRET_ID, secretKey: DEFAULT_SECRET_KEY }],
        privateDnsActivated: true,
        roles: ['tcr-operator'],
        oidcProviders: ['cls-test-oidc'],
        webIdentityTokens: ['projected-sa-token-for-tests'],
        registries: [
          { id: REGISTRY, name: 'emulator', type: 'premium', customDomains: ['tcr.corp.example'] },
          { id: 'tcr-basic001', name: 'small', type: 'basic' },
        ],
        vpcs: [
          {
            id: VPC,
            cidrBlock: '10.0.0.0/16',
            routeTables: [
              { id: 'rtb-emu00001', main: true },
              { id: 'rtb-emu00002', name: 'egress' },
            ],
            subnets: [
              { id: SUBNET_A, zone: 'ap-guangzhou-3', cidrBlock: '10.0.1.0/24' },
              { id: SUBNET_B, zone: 'ap-guangzhou-4', cidrBlock: '10.0.2.0/24', routeTableId: 'rtb-emu00002' },
              { id: 'subnet-emu00003', zone: 'ap-guangzhou-3', cidrBlock: '10.0.3.0/24' },
            ],
          },
        ],
      },
    ],
  };
}

const cloudCreds = { namespace: OPERATOR_NS, name: 'tencentcloud' };

describe('Tencent Cloud (real API server, operator process, SDK against the emulator)', function () {
  this.timeout(240_000);
  let f: Fixture;
  let emu: TencentCloudEmulator;
  let op: OperatorProcess;
  const start = (extra: string[] = [], env: Record<string, string> = {}) =>
    startOperator({
      kubeconfig: f.operatorKubeconfig,
      namespace: OPERATOR_NS,
      // the minimum rotation period is lowered so that rotations happen within a test
      args: [`--tencentcloud-endpoint=${emu.endpoint}`, '--tencentcloud-protocol=http://', '--tencentcloud-timeout=3s', '--cluster-id=cls-test', '--min-token-rotation-period=15s', ...extra],
      env,
    });
  const world = () => emu.snapshot().accounts[0]!;
  const registry = (id = REGISTRY) => world().registries.find((r) => r.registryId === id)!;
  const base = (name: string, ns: string): TcrAccessSpec => ({
    registry: { instanceId: REGISTRY, region: 'ap-guangzhou' },
    credentials: { secretRef: { namespace: OPERATOR_NS, name: 'robot-cloud' } },
    imagePullSecret: { name, namespaces: { names: [ns] } },
    cloudCredentials: { secretRef: cloudCreds },
  });
  const ready = async (name: string, timeoutMs = 60_000) =>
    eventually(async () => {
      const a = await getAccess(f.admin, name);
      assert.equal(condition(a, 'Ready')?.status, 'True', JSON.stringify(a.status?.conditions?.map((c) => [c.type, c.reason, c.message])));
      assert.equal(a.status?.observedGeneration, a.metadata.generation);
      return a;
    }, { timeoutMs, intervalMs: 250 });
  const gone = (name: string) => eventually(async () => assert.equal(await getOrUndefined(f.admin, accessPath(name)), undefined), { timeoutMs: 60_000, intervalMs: 250 });

  before(async function () {
    this.timeout(300_000);
    f = await getFixture();
    emu = await startEmulator({ seed: seed(), delays: { link: 1500, externalEndpoint: 800, nat: 1000 } });
    await putSourceSecret(f.admin, OPERATOR_NS, 'robot-cloud', { username: 'robot', password: 'cloud-test-pass' });
    await putSourceSecret(f.admin, OPERATOR_NS, 'tencentcloud', { SecretId: DEFAULT_SECRET_ID, SecretKey: DEFAULT_SECRET_KEY });
    for (const ns of ['c-private', 'c-token', 'c-public', 'c-auth', 'c-storm', 'c-long', 'c-basic', 'c-crash', 'c-rotate', 'c-switch', 'c-domain']) await createNamespace(f.admin, ns, {}, ['default']);
    op = start();
  });

  after(async () => {
    await op?.stop();
    await emu?.stop();
  });

  it('Private: creates the link, waits for its IP, enables DNS, derives registry.server; Delete policy removes both', async () => {
    await createAccess(f.admin, 'private', {
      ...base('p-pull', 'c-private'),
      network: { mode: 'Private', private: { vpcId: VPC, subnetId: SUBNET_A, dns: { usePublicDomain: true } } },
      deletionPolicy: 'Delete',
    });
    // progress is visible while the link provisions
    await eventually(async () => assert.equal(condition(await getAccess(f.admin, 'private'), 'NetworkReady')?.reason, 'LinkProvisioning'), { timeoutMs: 20_000, intervalMs: 100 });
    const a = await ready('private');
    assert.equal(condition(a, 'NetworkReady')?.reason, 'PrivateLinkReady');
    assert.equal(a.status?.server, 'emulator.tencentcloudcr.com');
    assert.equal(a.status?.network?.privateLink?.createdByOperator, true);
    assert.match(a.status?.network?.privateLink?.accessIp ?? '', /^10\.0\.1\.\d+$/);
    const r = registry();
    assert.equal(r.links.length, 1);
    assert.equal(r.links[0]!.status, 'Running');
    assert.deepEqual(r.dns.map((d) => [d.vpcId, d.usePublicDomain, d.enabled]), [[VPC, true, true]]);
    const s = await getOrUndefined<SecretObj>(f.admin, '/api/v1/namespaces/c-private/secrets/p-pull');
    assert.ok(unb64(s!.data['.dockerconfigjson']!).includes('"emulator.tencentcloudcr.com"'));

    // converged: no mutating cloud call in a window (the operator only describes, on schedule)
    const before = emu.callCount(undefined, { mutatingOnly: true });
    await new Promise((res) => setTimeout(res, 3_000));
    assert.equal(emu.callCount(undefined, { mutatingOnly: true }), before, 'no mutating call once converged');

    await f.admin.delete(accessPath('private'));
    await gone('private');
    assert.equal(registry().links.length, 0, 'link deleted (DNS first, as the API requires)');
    assert.equal(registry().dns.length, 0);
  });

  it('Retain policy leaves the link and DNS behind', async () => {
    await createAccess(f.admin, 'retained', { ...base('r-pull', 'c-private'), network: { mode: 'Private', private: { vpcId: VPC, subnetId: SUBNET_B } } });
    await ready('retained');
    await f.admin.delete(accessPath('retained'));
    await gone('retained');
    assert.equal(registry().links.filter((l) => l.subnetId === SUBNET_B).length, 1);
    assert.equal(registry().dns.length, 1);
  });

  it('a mode change cleans the old mode up by deletionPolicy', async () => {
    await createAccess(f.admin, 'switch', { ...base('sw-pull', 'c-private'), network: { mode: 'Private', private: { vpcId: VPC, subnetId: SUBNET_A } }, deletionPolicy: 'Delete' });
    await ready('switch');
    assert.equal(registry().links.filter((l) => l.subnetId === SUBNET_A).length, 1);
    await f.admin.mergePatch(accessPath('switch'), { spec: { network: { mode: 'None', private: null } } });
    await eventually(async () => {
      const a = await getAccess(f.admin, 'switch');
      assert.equal(condition(a, 'NetworkReady')?.reason, 'NetworkNotManaged');
      assert.equal(condition(a, 'Ready')?.status, 'True');
      assert.equal(registry().links.filter((l) => l.subnetId === SUBNET_A).length, 0, 'link removed');
    }, { timeoutMs: 60_000, intervalMs: 250 });
    await f.admin.delete(accessPath('switch'));
    await gone('switch');
  });

  it('instance tokens: a temporary token is minted, stored, and distributed; it logs in; never logged', async () => {
    await createAccess(f.admin, 'token', { ...base('t-pull', 'c-token'), credentials: { instanceToken: { type: 'Temporary' } } });
    const a = await ready('token');
    assert.equal(condition(a, 'CredentialsReady')?.reason, 'TokenIssued');
    assert.equal(a.status?.credentials?.source, 'TemporaryToken');
    assert.ok(a.status?.credentials?.expiresAt);
    const s = await getOrUndefined<SecretObj>(f.admin, '/api/v1/namespaces/c-token/secrets/t-pull');
    const auth = JSON.parse(unb64(s!.data['.dockerconfigjson']!)).auths['emulator.tencentcloudcr.com'] as { username: string; password: string };
    assert.ok(emu.checkRegistryLogin(REGISTRY, auth.username, auth.password), 'the distributed token logs in');
    const stored = await f.admin.get<SecretObj>(`/api/v1/namespaces/${OPERATOR_NS}/secrets/tcra-token-token`);
    assert.equal(unb64(stored.data['password']!), auth.password, 'the token Secret is the single source');
    assert.ok(!JSON.stringify(a.status).includes(auth.password), 'no token in status');
    assert.ok(!op.logs.join('\n').includes(auth.password), 'no token in logs');
    await f.admin.delete(accessPath('token'));
    await gone('token');
    assert.equal(await getOrUndefined(f.admin, `/api/v1/namespaces/${OPERATOR_NS}/secrets/tcra-token-token`), undefined);
  });

  it('long-term tokens rotate: the new one is rolled out before the old one is deleted; deletion revokes', async function () {
    this.timeout(200_000);
    await createAccess(f.admin, 'longterm', { ...base('l-pull', 'c-long'), credentials: { instanceToken: { type: 'LongTerm', rotationPeriod: '1m' } } });
    const a1 = await ready('longterm');
    const mine = (desc: string) => isOurMarker(desc, 'cls-test', a1);
    const first = a1.status!.credentials!.tokenId!;
    assert.ok(first);
    assert.deepEqual(registry().tokens.filter((t) => mine(t.desc)).map((t) => t.id), [first]);
    const a2 = await eventually(async () => {
      const a = await getAccess(f.admin, 'longterm');
      assert.notEqual(a.status?.credentials?.tokenId, first, 'rotated');
      return a;
    }, { timeoutMs: 120_000, intervalMs: 500 });
    const second = a2.status!.credentials!.tokenId!;
    await eventually(async () => {
      assert.deepEqual(registry().tokens.filter((t) => mine(t.desc)).map((t) => t.id), [second], 'old token deleted after rollout');
      const s = await getOrUndefined<SecretObj>(f.admin, '/api/v1/namespaces/c-long/secrets/l-pull');
      const auth = JSON.parse(unb64(s!.data['.dockerconfigjson']!)).auths['emulator.tencentcloudcr.com'] as { username: string; password: string };
      assert.ok(emu.checkRegistryLogin(REGISTRY, auth.username, auth.password), 'the namespace holds the new token');
    }, { timeoutMs: 30_000 });
    await f.admin.delete(accessPath('longterm'));
    await gone('longterm');
    assert.equal(registry().tokens.filter((t) => mine(t.desc)).length, 0, 'revoked on deletion');
  });

  it('a rotationPeriod below the minimum never piles tokens up: the minimum is used, RotationPeriodTooShort says so', async function () {
    this.timeout(150_000);
    const ours = () => registry().tokens.filter((t) => t.desc.startsWith('tcr-access-operator:rotate/'));
    let most = 0;
    const sample = () => (most = Math.max(most, ours().length));
    await createAccess(f.admin, 'rotate', { ...base('r-pull', 'c-rotate'), credentials: { instanceToken: { type: 'LongTerm', rotationPeriod: '0m' } } });
    const a1 = await eventually(async () => {
      sample();
      const a = await getAccess(f.admin, 'rotate');
      assert.equal(condition(a, 'CredentialsReady')?.reason, 'RotationPeriodTooShort', JSON.stringify(condition(a, 'CredentialsReady')));
      assert.equal(condition(a, 'CredentialsReady')?.status, 'True');
      assert.match(condition(a, 'CredentialsReady')!.message, /below the minimum/);
      assert.equal(condition(a, 'Ready')?.status, 'True');
      assert.ok(a.status?.credentials?.tokenId);
      return a;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    const first = a1.status!.credentials!;
    // the next rotation comes after the minimum (15 s), not on every cloud step
    const a2 = await eventually(async () => {
      sample();
      const a = await getAccess(f.admin, 'rotate');
      assert.notEqual(a.status?.credentials?.tokenId, first.tokenId, 'rotated');
      return a;
    }, { timeoutMs: 60_000, intervalMs: 200 });
    const second = a2.status!.credentials!;
    assert.ok(Date.parse(second.rotatedAt!) - Date.parse(first.rotatedAt!) >= 14_000, `rotated after ${Date.parse(second.rotatedAt!) - Date.parse(first.rotatedAt!)} ms`);
    // once the new token is rolled out every other token of ours is revoked
    await eventually(async () => {
      sample();
      const a = await getAccess(f.admin, 'rotate');
      assert.deepEqual(ours().map((t) => t.id), [a.status!.credentials!.tokenId]);
    }, { timeoutMs: 30_000, intervalMs: 200 });
    assert.ok(most <= 2, `at most one token not yet rolled out besides the current one (saw ${most})`);
    await f.admin.delete(accessPath('rotate'));
    await gone('rotate');
    assert.equal(ours().length, 0, 'revoked on deletion');
  });

  it('long-term tokens are revoked after a switch to Temporary or secretRef, and on deletion whatever the spec says', async function () {
    this.timeout(150_000);
    const ours = () => registry().tokens.filter((t) => t.desc.startsWith('tcr-access-operator:switch/'));
    const longTerm: TcrAccessSpec = { ...base('sw-pull', 'c-switch'), credentials: { instanceToken: { type: 'LongTerm' } } };
    await createAccess(f.admin, 'switch', longTerm);
    await ready('switch');
    assert.equal(ours().length, 1);
    // LongTerm → Temporary: the long-term token is revoked once the temporary one is everywhere
    await f.admin.mergePatch(accessPath('switch'), { spec: { credentials: { instanceToken: { type: 'Temporary' } } } });
    await eventually(async () => {
      const a = await getAccess(f.admin, 'switch');
      assert.equal(a.status?.credentials?.source, 'TemporaryToken');
      assert.equal(ours().length, 0, 'long-term token revoked');
    }, { timeoutMs: 30_000, intervalMs: 250 });
    // back to LongTerm, then → secretRef without any instance in the spec: found through the annotation
    await f.admin.mergePatch(accessPath('switch'), { spec: { credentials: { instanceToken: { type: 'LongTerm' } } } });
    await eventually(async () => assert.equal(ours().length, 1), { timeoutMs: 30_000, intervalMs: 250 });
    await ready('switch');
    const a = await getAccess(f.admin, 'switch');
    assert.equal(a.metadata.annotations?.['tcr.tke.dev/cloud-instance'], `ap-guangzhou/${REGISTRY}`);
    await f.admin.mergePatch(accessPath('switch'), {
      spec: { registry: { instanceId: null, region: null, server: 'emulator.tencentcloudcr.com' }, credentials: { instanceToken: null, secretRef: { namespace: OPERATOR_NS, name: 'robot-cloud' } } },
    });
    await eventually(async () => {
      const b = await getAccess(f.admin, 'switch');
      assert.equal(b.status?.credentials?.source, 'SecretRef');
      assert.equal(ours().length, 0, 'long-term token revoked after the switch to secretRef');
    }, { timeoutMs: 30_000, intervalMs: 250 });
    // deletion: a token is revoked whatever the spec and status say (here: a long-term token the spec no longer names)
    await f.admin.mergePatch(accessPath('switch'), { spec: { registry: { instanceId: REGISTRY, region: 'ap-guangzhou' }, credentials: { secretRef: null, instanceToken: { type: 'LongTerm' } } } });
    await eventually(async () => assert.equal(ours().length, 1), { timeoutMs: 30_000, intervalMs: 250 });
    await f.admin.mergePatch(accessPath('switch'), { spec: { registry: { instanceId: null, region: null }, credentials: { instanceToken: null, secretRef: { namespace: OPERATOR_NS, name: 'robot-cloud' } } } });
    await f.admin.delete(accessPath('switch'));
    await gone('switch');
    assert.equal(ours().length, 0, 'revoked on deletion');
  });

  it("an instance token is only rendered for the instance's own domains (public, -vpc, custom)", async () => {
    const at = () => getOrUndefined<SecretObj>(f.admin, '/api/v1/namespaces/c-domain/secrets/d-pull');
    await createAccess(f.admin, 'domain', {
      ...base('d-pull', 'c-domain'),
      registry: { instanceId: REGISTRY, region: 'ap-guangzhou', server: 'evil.example.com' },
      credentials: { instanceToken: { type: 'Temporary' } },
      diagnostics: { probe: { enabled: true } },
    });
    await eventually(async () => {
      const a = await getAccess(f.admin, 'domain');
      assert.equal(condition(a, 'CredentialsReady')?.reason, 'ServerNotInstanceDomain', JSON.stringify(condition(a, 'CredentialsReady')));
      assert.match(condition(a, 'CredentialsReady')!.message, /emulator-vpc\.tencentcloudcr\.com/);
      assert.equal(condition(a, 'Ready')?.status, 'False');
      assert.notEqual(condition(a, 'CredentialsAccepted')?.reason, 'CredentialsAccepted');
    }, { timeoutMs: 30_000, intervalMs: 250 });
    assert.equal(await at(), undefined, 'no Secret with the token for another host');
    // a custom domain of the instance is one of its own
    await f.admin.mergePatch(accessPath('domain'), { spec: { registry: { server: 'tcr.corp.example' }, diagnostics: null } });
    await ready('domain');
    const s = await at();
    assert.ok(JSON.parse(unb64(s!.data['.dockerconfigjson']!)).auths['tcr.corp.example']);
    await f.admin.delete(accessPath('domain'));
    await gone('domain');
  });

  it('Public: opens the endpoint, creates a tagged NAT gateway with an EIP, routes the subnet, whitelists; Delete tears down in order', async () => {
    await createAccess(f.admin, 'public', {
      ...base('pub-pull', 'c-public'),
      network: { mode: 'Public', public: { natGateway: { create: { vpcId: VPC, subnetId: SUBNET_B } }, manageRoute: true, whitelist: { cidrs: ['203.0.113.7/32', '0.0.0.0/0'] } } },
      deletionPolicy: 'Delete',
    });
    const a = await ready('public', 90_000);
    const events = await f.admin.get<{ items: Array<{ type: string; reason: string }> }>('/api/v1/namespaces/default/events', { fieldSelector: 'involvedObject.name=public' });
    assert.ok(events.items.some((e) => e.type === 'Warning' && e.reason === 'WhitelistOpenToAll'), '0.0.0.0/0 raises a Warning Event');
    assert.equal(condition(a, 'NetworkReady')?.reason, 'PublicAccessReady');
    const w = world();
    assert.equal(w.natGateways.length, 1);
    const nat = w.natGateways[0]!;
    assert.equal(nat.state, 'AVAILABLE');
    assert.ok(nat.tags.some((t) => t.key === 'tcr-access-operator' && isOurMarker(t.value, 'cls-test', a)));
    assert.equal(nat.publicIps.length, 1);
    const eip = nat.publicIps[0]!.ip;
    const rt = w.routeTables.find((t) => t.routeTableId === 'rtb-emu00002')!;
    assert.ok(rt.routes.some((r) => r.destinationCidrBlock === '0.0.0.0/0' && r.gatewayId === nat.natGatewayId));
    const r = registry();
    assert.equal(r.externalEndpoint, 'Opened');
    assert.deepEqual(r.securityPolicies.map((p) => p.cidrBlock).sort(), [`${eip}/32`, '203.0.113.7/32', '0.0.0.0/0'].sort());
    assert.ok(r.securityPolicies.every((p) => isOurMarker(p.description, 'cls-test', a)), 'entries marked in Description');
    assert.deepEqual(a.status?.network?.whitelist, [`${eip}/32`, '203.0.113.7/32', '0.0.0.0/0'].sort());

    await f.admin.delete(accessPath('public'));
    await gone('public');
    const after = world();
    assert.equal(after.natGateways.length, 0, 'NAT deleted');
    assert.equal(after.addresses.filter((x) => x.status !== 'OFFLINING').length, 0, 'EIP released');
    assert.ok(!after.routeTables.find((t) => t.routeTableId === 'rtb-emu00002')!.routes.some((x) => x.destinationCidrBlock === '0.0.0.0/0'), 'route removed');
    assert.equal(registry().externalEndpoint, 'Closed', 'endpoint closed: this TcrAccess opened it');
  });

  const publicSpec = (name: string): TcrAccessSpec => ({
    ...base(`${name}-pull`, 'c-public'),
    network: { mode: 'Public', public: { natGateway: { create: { vpcId: VPC, subnetId: SUBNET_B } }, manageRoute: true, whitelist: { cidrs: ['0.0.0.0/0'] } } },
    deletionPolicy: 'Delete',
  });
  const nothingPublicLeft = () => {
    const w = world();
    assert.deepEqual(w.natGateways.map((g) => g.natGatewayId), [], 'NAT gateway deleted');
    assert.equal(w.addresses.filter((x) => x.status !== 'OFFLINING').length, 0, 'EIP released');
    assert.ok(!w.routeTables.find((t) => t.routeTableId === 'rtb-emu00002')!.routes.some((x) => x.destinationCidrBlock === '0.0.0.0/0'), 'route removed');
    assert.deepEqual(registry().securityPolicies.filter((p) => p.description.startsWith('tcr-access-operator:')).map((p) => p.cidrBlock), [], 'whitelist entries removed');
  };

  it('a spec change that drops the cloud part (Public → plain server) cleans up first, by deletionPolicy', async () => {
    await createAccess(f.admin, 'dropcloud', publicSpec('dropcloud'));
    const a = await ready('dropcloud', 90_000);
    assert.equal(a.metadata.annotations?.['tcr.tke.dev/cloud-instance'], `ap-guangzhou/${REGISTRY}`, 'instance and region recorded in metadata');
    assert.equal(world().natGateways.length, 1);
    // a plain server + secretRef TcrAccess: no instanceId, no network
    await f.admin.mergePatch(accessPath('dropcloud'), { spec: { registry: { instanceId: null, region: null, server: 'emulator.tencentcloudcr.com' }, network: null } });
    await eventually(async () => {
      nothingPublicLeft();
      assert.equal(registry().externalEndpoint, 'Closed', 'endpoint closed: this TcrAccess opened it');
      const x = await getAccess(f.admin, 'dropcloud');
      assert.equal(x.metadata.annotations?.['tcr.tke.dev/cloud-instance'], undefined, 'ownership forgotten once cleaned up');
      assert.equal(condition(x, 'Ready')?.status, 'True');
    }, { timeoutMs: 60_000, intervalMs: 250 });
    await f.admin.delete(accessPath('dropcloud'));
    await gone('dropcloud');
  });

  it('deletion finds what Public created by marker and tag when status is gone', async () => {
    await createAccess(f.admin, 'nostatus', publicSpec('nostatus'));
    await ready('nostatus', 90_000);
    assert.equal(world().natGateways.length, 1);
    // status lost while the operator is down (as after a restore of the object's spec and metadata)
    await op.stop();
    const cur = await getAccess(f.admin, 'nostatus');
    await f.admin.replace(`${accessPath('nostatus')}/status`, { ...cur, status: {} });
    await f.admin.delete(accessPath('nostatus'));
    op = start();
    await gone('nostatus');
    nothingPublicLeft();
  });

  /**
   * A backup restore as Velero or `kubectl apply` of a saved manifest does it: the object is released without
   * cleanup, then created again from its spec and annotations: a new UID, no status, no finalizer.
   */
  const restore = async (name: string): Promise<string> => {
    const saved = await getAccess(f.admin, name);
    const manifest = { apiVersion: 'tcr.tke.dev/v1alpha1', kind: 'TcrAccess', metadata: { name, annotations: saved.metadata.annotations }, spec: saved.spec };
    await f.admin.mergePatch(accessPath(name), { metadata: { annotations: { 'tcr.tke.dev/skip-cleanup': 'true' } } });
    await f.admin.delete(accessPath(name));
    await gone(name);
    const restored = await f.admin.create<TcrAccess>('/apis/tcr.tke.dev/v1alpha1/tcraccesses', manifest);
    assert.notEqual(restored.metadata.uid, saved.metadata.uid, 'a restore makes a new object');
    assert.equal(restored.status, undefined, 'and drops status');
    return saved.metadata.uid;
  };
  // The restored object's network converges; its Secrets stay in conflict here, because the pull Secret the
  // original left names the original as owner and no garbage collector (kube-controller-manager) removes it.
  const networkReady = (name: string) =>
    eventually(async () => {
      const x = await getAccess(f.admin, name);
      assert.equal(condition(x, 'NetworkReady')?.status, 'True', JSON.stringify(condition(x, 'NetworkReady')));
      return x;
    }, { timeoutMs: 90_000, intervalMs: 250 });

  it('after a backup restore (new UID, no status) the restored Public TcrAccess re-uses and, on deletion, removes everything its original created', async () => {
    await createAccess(f.admin, 'restored', publicSpec('restored'));
    const a = await ready('restored', 90_000);
    assert.equal(a.status?.network?.publicEndpoint?.openedByOperator, true);
    const nat = world().natGateways.map((g) => g.natGatewayId);
    assert.equal(nat.length, 1);
    const originalUid = await restore('restored');
    const b = await networkReady('restored');
    assert.deepEqual(world().natGateways.map((g) => g.natGatewayId), nat, 'the restored object re-uses the NAT gateway (found by the recorded owner\'s marker), never makes a second one');
    assert.equal(b.metadata.annotations?.['tcr.tke.dev/cloud-owner'], originalUid);
    assert.equal(b.status?.network?.publicEndpoint?.openedByOperator, true, 'the endpoint opened by the original is still known as opened by the operator');
    await f.admin.delete(accessPath('restored'));
    await gone('restored');
    nothingPublicLeft();
    assert.equal(registry().externalEndpoint, 'Closed', 'endpoint closed: the original opened it');
  });

  it('after a backup restore the restored Private TcrAccess removes the link and DNS its original created', async () => {
    const subnet = 'subnet-emu00003';
    const mine = () => ({ links: registry().links.filter((l) => l.subnetId === subnet).length, dns: registry().dns.filter((x) => x.vpcId === VPC && !x.usePublicDomain).length });
    await createAccess(f.admin, 'restoredp', { ...base('rp-pull', 'c-private'), network: { mode: 'Private', private: { vpcId: VPC, subnetId: subnet, dns: { usePublicDomain: false } } }, deletionPolicy: 'Delete' });
    const a = await ready('restoredp');
    assert.equal(a.status?.network?.dns?.createdByOperator, true);
    assert.deepEqual(mine(), { links: 1, dns: 1 });
    await restore('restoredp');
    const b = await networkReady('restoredp');
    assert.equal(b.status?.network?.privateLink?.createdByOperator, true, 'the link is still known as created by the operator');
    assert.equal(b.status?.network?.dns?.createdByOperator, true);
    await f.admin.delete(accessPath('restoredp'));
    await gone('restoredp');
    assert.deepEqual(mine(), { links: 0, dns: 0 }, 'link and DNS removed');
  });

  it('a copied ownership record never claims the resources of a TcrAccess that still exists', async () => {
    // the first 23 characters of the names are the same, so the markers differ by the UID hash only
    const victim = 'longnamed-tcraccess-abc-1';
    const copy = 'longnamed-tcraccess-abc-2';
    await createAccess(f.admin, victim, publicSpec(victim));
    const v = await ready(victim, 90_000);
    const nat = world().natGateways.map((g) => g.natGatewayId);
    assert.equal(nat.length, 1);
    const { manageRoute: _, ...noRoute } = publicSpec(copy).network!.public!;
    await f.admin.create('/apis/tcr.tke.dev/v1alpha1/tcraccesses', {
      apiVersion: 'tcr.tke.dev/v1alpha1',
      kind: 'TcrAccess',
      metadata: { name: copy, annotations: v.metadata.annotations },
      spec: { ...publicSpec(copy), network: { mode: 'Public', public: noRoute } },
    });
    const c = await ready(copy, 90_000);
    assert.equal(c.metadata.annotations?.['tcr.tke.dev/cloud-owner'], c.metadata.uid, 'the copied record is replaced by its own UID');
    assert.equal(world().natGateways.length, 2, 'the copy made its own NAT gateway, it did not take the other one');
    await f.admin.delete(accessPath(copy));
    await gone(copy);
    assert.deepEqual(world().natGateways.map((g) => g.natGatewayId), nat, "the other TcrAccess's NAT gateway is untouched");
    assert.equal(registry().externalEndpoint, 'Opened', "the other TcrAccess's endpoint stays open");
    assert.ok(registry().securityPolicies.some((p) => isOurMarker(p.description, 'cls-test', v)), "the other TcrAccess's whitelist entries stay");
    await f.admin.delete(accessPath(victim));
    await gone(victim);
    nothingPublicLeft();
  });

  it('changing the Private link\'s subnet (same mode) removes the old link by deletionPolicy', async () => {
    await createAccess(f.admin, 'movelink', { ...base('ml-pull', 'c-private'), network: { mode: 'Private', private: { vpcId: VPC, subnetId: SUBNET_A, dns: { enabled: false } } }, deletionPolicy: 'Delete' });
    await ready('movelink');
    // (the Retain test above left its link in SUBNET_B)
    const links = () => registry().links.map((l) => l.subnetId).filter((s) => s !== SUBNET_B);
    assert.deepEqual(links(), [SUBNET_A]);
    await f.admin.mergePatch(accessPath('movelink'), { spec: { network: { private: { subnetId: 'subnet-emu00003' } } } });
    await eventually(async () => {
      const x = await getAccess(f.admin, 'movelink');
      assert.equal(condition(x, 'Ready')?.status, 'True');
      assert.equal(x.status?.observedGeneration, x.metadata.generation);
      assert.deepEqual(links(), ['subnet-emu00003'], 'old link removed, new one made');
    }, { timeoutMs: 60_000, intervalMs: 250 });
    await f.admin.delete(accessPath('movelink'));
    await gone('movelink');
    assert.deepEqual(links(), []);
  });

  it('a shared route table is never changed; a basic edition is refused', async () => {
    await createAccess(f.admin, 'shared-rt', {
      ...base('s-pull', 'c-basic'),
      network: { mode: 'Public', public: { natGateway: { create: { vpcId: VPC, subnetId: SUBNET_A } }, manageRoute: true } },
    });
    await createAccess(f.admin, 'basic', { ...base('b-pull', 'c-basic'), registry: { instanceId: 'tcr-basic001', region: 'ap-guangzhou' }, network: { mode: 'Public', public: { natGateway: { id: 'nat-00000000' } } } });
    await eventually(async () => {
      assert.equal(condition(await getAccess(f.admin, 'basic'), 'NetworkReady')?.reason, 'EditionUnsupported');
    }, { timeoutMs: 30_000 });
    // rtb-emu00001 is the main table: it serves subnet A and subnet-emu00003
    await eventually(async () => {
      const c = condition(await getAccess(f.admin, 'shared-rt'), 'NetworkReady');
      assert.equal(c?.reason, 'SharedRouteTable', c?.message);
      assert.match(c?.message ?? '', /subnet-emu00003/);
    }, { timeoutMs: 60_000, intervalMs: 250 });
    assert.ok(!world().routeTables.find((t) => t.routeTableId === 'rtb-emu00001')!.routes.some((r) => r.destinationCidrBlock === '0.0.0.0/0'), 'shared table untouched');
    for (const n of ['basic', 'shared-rt']) await f.admin.delete(accessPath(n));
    for (const n of ['basic', 'shared-rt']) await gone(n);
  });

  it('a wrong instance ID is a clear permanent condition', async () => {
    await createAccess(f.admin, 'noinstance', { ...base('ni-pull', 'c-auth'), registry: { instanceId: 'tcr-doesnotexist', region: 'ap-guangzhou' }, network: { mode: 'Private', private: { vpcId: VPC, subnetId: SUBNET_A } } });
    await eventually(async () => {
      const a = await getAccess(f.admin, 'noinstance');
      assert.equal(condition(a, 'NetworkReady')?.reason, 'InstanceNotFound');
      assert.equal(condition(a, 'Ready')?.reason, 'InstanceNotFound');
    }, { timeoutMs: 30_000 });
    await f.admin.delete(accessPath('noinstance'));
    await gone('noinstance');
  });

  it('TKE pod identity: without cloudCredentials the operator assumes its role through STS (web identity)', async () => {
    await op.stop();
    const dir = f.cp.dir;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${dir}/web-identity-token`, 'projected-sa-token-for-tests');
    op = start([], { TKE_ROLE_ARN: 'qcs::cam::uin/100012345678:roleName/tcr-operator', TKE_WEB_IDENTITY_TOKEN_FILE: `${dir}/web-identity-token`, TKE_PROVIDER_ID: 'cls-test-oidc', TKE_REGION: 'ap-guangzhou' });
    const stsBefore = emu.callCount('AssumeRoleWithWebIdentity');
    const spec = base('pi-pull', 'c-auth');
    delete spec.cloudCredentials;
    await createAccess(f.admin, 'podidentity', { ...spec, credentials: { instanceToken: { type: 'Temporary' } } });
    const a = await ready('podidentity');
    assert.equal(condition(a, 'CredentialsReady')?.reason, 'TokenIssued');
    assert.ok(emu.callCount('AssumeRoleWithWebIdentity') > stsBefore, 'the role was assumed through STS');
    assert.ok(emu.calls({ action: 'CreateInstanceToken' }).some((c) => c.token), 'TCR calls carry the temporary session token');
    await f.admin.delete(accessPath('podidentity'));
    await gone('podidentity');
    await op.stop();
    op = start();
  });

  it('wrong cloud credentials give CloudAuthFailed, not success', async () => {
    await putSourceSecret(f.admin, OPERATOR_NS, 'wrong-cloud', { SecretId: DEFAULT_SECRET_ID, SecretKey: 'not-the-key' });
    await createAccess(f.admin, 'auth', { ...base('a-pull', 'c-auth'), cloudCredentials: { secretRef: { namespace: OPERATOR_NS, name: 'wrong-cloud' } }, network: { mode: 'Private', private: { vpcId: VPC, subnetId: SUBNET_A } } });
    await eventually(async () => {
      const a = await getAccess(f.admin, 'auth');
      assert.equal(condition(a, 'NetworkReady')?.reason, 'CloudAuthFailed', JSON.stringify(condition(a, 'NetworkReady')));
      assert.equal(condition(a, 'Ready')?.status, 'False');
      assert.ok(!JSON.stringify(a.status).includes('not-the-key'));
    }, { timeoutMs: 30_000 });
    await f.admin.delete(accessPath('auth'));
    await gone('auth');
  });

  it('converges through a throttling storm and 5xx faults', async () => {
    emu.injectFault({ action: 'DescribeInternalEndpoints', fault: { kind: 'throttle' }, times: 6 });
    emu.injectFault({ action: 'ManageInternalEndpoint', fault: { kind: 'http', status: 502 }, times: 2 });
    emu.injectFault({ action: 'CreateInternalEndpointDns', fault: { kind: 'error', code: 'InternalError.DbError', message: 'db' }, times: 2 });
    await createAccess(f.admin, 'storm', {
      ...base('st-pull', 'c-storm'),
      network: { mode: 'Private', private: { vpcId: VPC, subnetId: SUBNET_A } },
      deletionPolicy: 'Delete',
    });
    await ready('storm', 120_000);
    assert.equal(registry().links.filter((l) => l.subnetId === SUBNET_A).length, 1, 'exactly one link despite the failures');
    emu.clearFaults();
    await f.admin.delete(accessPath('storm'));
    await gone('storm');
  });

  it('a crash right after each create call leaves exactly one of each resource', async function () {
    this.timeout(240_000);
    const creates = ['CreateInstanceToken', 'ManageExternalEndpoint', 'AllocateAddresses', 'CreateNatGateway', 'CreateRoutes', 'CreateSecurityPolicy'];
    await op.stop('SIGKILL');
    emu.reset(seed()); // an empty world: every create below happens
    let killed = 0;
    for (const action of creates) {
      const before = emu.callCount(action);
      op = start();
      if (killed === 0) {
        await createAccess(f.admin, 'crashy', {
          ...base('cr-pull', 'c-crash'),
          credentials: { instanceToken: { type: 'LongTerm' } },
          network: { mode: 'Public', public: { natGateway: { create: { vpcId: VPC, subnetId: SUBNET_B } }, manageRoute: true } },
          deletionPolicy: 'Delete',
        });
      }
      // kill the operator the moment the create call has been made
      await eventually(async () => assert.ok(emu.callCount(action) > before, `${action} called`), { timeoutMs: 60_000, intervalMs: 5 });
      await op.stop('SIGKILL');
      killed++;
    }
    op = start();
    const a = await ready('crashy', 120_000);
    const mine = (desc: string) => isOurMarker(desc, 'cls-test', a);
    const w = world();
    assert.equal(w.natGateways.length, 1, 'one NAT gateway');
    assert.equal(w.addresses.filter((x) => x.status !== 'OFFLINING').length, 1, 'one EIP');
    assert.equal(w.routeTables.find((t) => t.routeTableId === 'rtb-emu00002')!.routes.filter((r) => r.destinationCidrBlock === '0.0.0.0/0').length, 1, 'one route');
    assert.equal(registry().securityPolicies.length, 1, 'one whitelist entry');
    // a token minted just before a kill is an orphan: found by its Desc marker and deleted once the current one is everywhere
    await eventually(async () => {
      assert.deepEqual(registry().tokens.filter((t) => mine(t.desc)).map((t) => t.id), [a.status!.credentials!.tokenId], 'one token (orphans deleted)');
    }, { timeoutMs: 20_000 });
    await f.admin.delete(accessPath('crashy'));
    await gone('crashy');
    assert.equal(world().natGateways.length, 0);
    assert.equal(registry().tokens.filter((t) => mine(t.desc)).length, 0);
  });
});
