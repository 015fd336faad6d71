// Real Tencent Cloud fidelity (issue 10): the operator's cloud steps (network.ts, tokens.ts, the SDK adapter)
// driven against the emulator, whose undocumented behaviours are switched through every plausible variant.
// Each `describe` is one item of the issue; each variant is its own test, so a variant runs as a targeted test:
//   npx mocha --no-config --require test/support/root-hooks.ts --extension ts --timeout 60000 --exit \
//     test/unit/cloud-fidelity.test.ts --grep 'link readiness'
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import winston from 'winston';
import { Reason } from '../../src/api/v1alpha1/conditions.ts';
import type { TcrAccess } from '../../src/api/v1alpha1/types.ts';
import { classifyCode, CloudError } from '../../src/cloud/tencent/errors.ts';
import { SdkCloudFactory } from '../../src/cloud/tencent/factory.ts';
import { PerActionRateLimiter } from '../../src/cloud/tencent/ratelimit.ts';
import { SdkCloud } from '../../src/cloud/tencent/sdk.ts';
import { cloudFailure, cloudMarker, revokeOtherTokens } from '../../src/controllers/tcraccess/cloud.ts';
import { CLOUD_CREATED_ANNOTATION, CLOUD_OWNER_ANNOTATION, CLOUD_TAG_KEY, createdRecord, isOurMarker, knownNetwork, legacyCloudMarker, markerOwner, markerPredicate, networkFromRecord } from '../../src/controllers/tcraccess/marker.ts';
import { checkInstance, cleanupPrivate, cleanupPublic, ensurePrivate, ensurePublic, type NetworkContext, type NetworkOutcome, type NetworkStatus } from '../../src/controllers/tcraccess/network.ts';
import { ensureToken } from '../../src/controllers/tcraccess/tokens.ts';
import { DEFAULT_UIN, defaultSeed, type Behaviour, type Seed, type TencentCloudEmulator } from '../../emulator/index.ts';
import { useEmulator } from './emulator/helpers.ts';
import { makeAccess } from './fixtures.ts';

const silent = winston.createLogger({ silent: true });
const REGISTRY = 'tcr-emu00001';
const REGION = 'ap-guangzhou';
const VPC = 'vpc-emu00001';
const SUBNET = 'subnet-emu00001';
const CLUSTER = 'fidelity-cluster';

function cloudFor(emu: TencentCloudEmulator, region = REGION): SdkCloud {
  const { secretId, secretKey } = emu.defaultCredentials;
  return new SdkCloud({
    region,
    credential: { secretId, secretKey },
    endpoint: { host: emu.endpoint, protocol: 'http://' },
    timeoutSeconds: 2,
    logger: silent,
    rateLimiter: new PerActionRateLimiter({ defaultQps: 10_000, limits: { ManageInternalEndpoint: 10_000 } }),
    retry: { minTimeoutMs: 5, maxTimeoutMs: 20, maxRetryTimeMs: 500 },
  });
}

type NetworkSpec = NonNullable<TcrAccess['spec']['network']>;

function accessWith(network: NetworkSpec, name = 'fidelity', uid = 'a1b2c3d4-0000-4000-8000-000000000001'): TcrAccess {
  return makeAccess({ name, uid, spec: { registry: { instanceId: REGISTRY, region: REGION }, network } });
}

const publicSpec = (over: Partial<NonNullable<NetworkSpec['public']>> = {}, create: Record<string, unknown> = {}): NetworkSpec => ({
  mode: 'Public',
  public: { natGateway: { create: { vpcId: VPC, subnetId: SUBNET, ...create } }, ...over } as NonNullable<NetworkSpec['public']>,
});
const privateSpec: NetworkSpec = { mode: 'Private', private: { vpcId: VPC, subnetId: SUBNET } };

function contextFor(cloud: SdkCloud, access: TcrAccess, warnings: string[] = []): NetworkContext {
  return {
    cloud,
    access,
    // what the operator passes: status.network as it stands before each step
    get prev() {
      return access.status?.network ?? {};
    },
    marker: cloudMarker(CLUSTER, access),
    ours: markerPredicate(CLUSTER, access),
    tagKey: CLOUD_TAG_KEY,
    persist: async (n: NetworkStatus) => {
      access.status = { ...access.status, network: n };
    },
    warn: (reason: string, message: string) => warnings.push(`${reason}: ${message}`),
  } as NetworkContext;
}

/** What the controller does with a cloud error: transient ones retry soon; anything else stalls (5 min). */
function retriesSoon(e: unknown): boolean {
  return e instanceof CloudError && (e.kind === 'transient' || e.kind === 'throttled');
}

/** Reconciles the network step until NetworkReady=True (or gives up), moving the emulator clock meanwhile. */
async function converge(emu: TencentCloudEmulator, cloud: SdkCloud, access: TcrAccess, max = 40): Promise<NetworkOutcome> {
  let last: NetworkOutcome | undefined;
  let lastError: unknown;
  for (let i = 0; i < max; i++) {
    try {
      const { instance, outcome } = await checkInstance(cloud, access);
      if (outcome) return outcome;
      const ctx = contextFor(cloud, access);
      last = access.spec.network!.mode === 'Private' ? await ensurePrivate(ctx, instance!) : await ensurePublic(ctx, instance!);
      access.status = { ...access.status, network: last.status };
      if (last.condition.status === 'True') return last;
    } catch (e) {
      if (!retriesSoon(e)) throw e;
      lastError = e;
    }
    emu.advance(2_000);
  }
  assert.fail(`did not converge in ${max} steps: ${last ? `${last.condition.reason}: ${last.condition.message}` : String(lastError)}`);
}

/** Runs the clean-up of the mode in status until it reports done. */
async function cleanUp(emu: TencentCloudEmulator, cloud: SdkCloud, access: TcrAccess, max = 40): Promise<void> {
  const n = access.status!.network!;
  let lastError: unknown;
  for (let i = 0; i < max; i++) {
    try {
      const done = n.mode === 'Private' ? await cleanupPrivate(cloud, REGISTRY, REGION, n) : await cleanupPublic(cloud, REGISTRY, n, markerPredicate(CLUSTER, access));
      if (done) return;
    } catch (e) {
      if (!retriesSoon(e)) throw e;
      lastError = e;
    }
    emu.advance(2_000);
  }
  assert.fail(`clean-up did not finish in ${max} steps${lastError ? `: ${String(lastError)}` : ''}`);
}

/** The default world, but subnet-emu00001 has a route table of its own (manageRoute may change it). */
function ownTableSeed(): Seed {
  const s = defaultSeed();
  const vpc = s.accounts[0]!.vpcs![0]!;
  vpc.routeTables!.push({ id: 'rtb-emu00002', name: 'own' });
  vpc.subnets![0]!.routeTableId = 'rtb-emu00002';
  return s;
}

/** One test per value of an emulator switch (each runs alone with --grep). */
function variants<K extends keyof Behaviour>(
  emu: () => TencentCloudEmulator,
  key: K,
  values: ReadonlyArray<Behaviour[K]>,
  title: (v: Behaviour[K]) => string,
  body: (v: Behaviour[K]) => Promise<void>,
  opts: { seed?: Seed; also?: Partial<Behaviour> } = {},
): void {
  for (const v of values) {
    it(title(v), async () => {
      if (opts.seed) emu().reset(opts.seed);
      emu().setBehaviour({ ...opts.also, [key]: v } as Partial<Behaviour>);
      await body(v);
    });
  }
}

describe('Tencent Cloud fidelity (issue 10): operator steps against every emulated variant', function () {
  this.timeout(30_000);
  const env = useEmulator();
  const emu = () => env.emu;

  describe('1. EIP ClientToken', () => {
    variants(
      emu,
      'clientTokenMemory',
      ['forever', 'while-addresses-exist'],
      (v) => `Public converges again after its EIP was released (token remembered ${v})`,
      async () => {
        const cloud = cloudFor(emu());
        const access = accessWith(publicSpec());
        await converge(emu(), cloud, access);
        const firstToken = (emu().calls({ action: 'AllocateAddresses' })[0]?.params as { ClientToken?: string }).ClientToken;
        assert.ok(firstToken && firstToken.length <= 64, 'a ClientToken of at most 64 characters was sent');
        await cleanUp(emu(), cloud, access);
        assert.equal([...emu().world.accounts.get(DEFAULT_UIN)!.addresses.values()].length, 0, 'the EIP was released');
        // a restart that lost status: nothing recorded
        access.status = {};
        await converge(emu(), cloud, access);
        await cleanUp(emu(), cloud, access);
        // status still naming the first (released) allocation's token
        access.status = { network: { mode: 'Public', eipClientToken: firstToken } as NetworkStatus };
        const out = await converge(emu(), cloud, access);
        assert.equal(out.condition.reason, Reason.PublicAccessReady);
        const tokens = emu().calls({ action: 'AllocateAddresses' }).map((c) => (c.params as { ClientToken?: string }).ClientToken);
        assert.ok(new Set(tokens).size >= 3, `a new token per allocation: ${tokens.join(', ')}`);
      },
      { also: { natDeleteRisk: 'none' } },
    );
  });

  describe('2. bandwidth of the EIP and the NAT gateway', () => {
    it('defaults to 100 Mbps for both, sends InternetChargeType, and shows the effective values in status', async () => {
      const cloud = cloudFor(emu());
      const access = accessWith(publicSpec());
      const out = await converge(emu(), cloud, access);
      const alloc = emu().calls({ action: 'AllocateAddresses' })[0]!.params as Record<string, unknown>;
      assert.equal(alloc['InternetChargeType'], 'TRAFFIC_POSTPAID_BY_HOUR');
      assert.equal(alloc['InternetMaxBandwidthOut'], 100);
      const nat = (await cloud.describeNatGateways({ vpcId: VPC, tagKey: CLOUD_TAG_KEY }))[0]!;
      const eip = (await cloud.describeAddresses({ ids: [nat.publicIps[0]!.addressId] }))[0]!;
      assert.equal(nat.bandwidthOut, 100, 'NAT gateway InternetMaxBandwidthOut');
      assert.equal(eip.bandwidth, 100, 'EIP bandwidth (the API default is 1 Mbps)');
      assert.equal(out.status.natGateway?.bandwidthMbps, 100);
      assert.equal(out.status.eips?.[0]?.bandwidthMbps, 100);
    });
    it('honours natGateway.create.bandwidthMbps and eipBandwidthMbps', async () => {
      const cloud = cloudFor(emu());
      const access = accessWith(publicSpec({}, { bandwidthMbps: 200, eipBandwidthMbps: 50 }));
      const out = await converge(emu(), cloud, access);
      const create = emu().calls({ action: 'CreateNatGateway' })[0]!.params as Record<string, unknown>;
      assert.equal(create['InternetMaxBandwidthOut'], 200);
      assert.equal(create['StockPublicIpAddressesBandwidthOut'], 50);
      assert.equal(out.status.natGateway?.bandwidthMbps, 200);
      assert.equal(out.status.eips?.[0]?.bandwidthMbps, 50);
    });
  });

  describe('3. private link readiness', () => {
    variants(
      emu,
      'linkRunningStatus',
      ['Running', 'running', 'Normal', 'Available', ''],
      (v) => `the link converges when a provisioned link's Status is "${v}"`,
      async () => {
        const cloud = cloudFor(emu());
        const access = accessWith(privateSpec);
        const out = await converge(emu(), cloud, access);
        assert.equal(out.condition.reason, Reason.PrivateLinkReady);
        await cleanUp(emu(), cloud, access);
        assert.deepEqual(await cloud.describeInternalEndpoints(REGISTRY), []);
      },
    );
    it('a link that is creating, deleting or failed is not ready, whatever the case', async () => {
      const { linkReady } = await import('../../src/controllers/tcraccess/network.ts');
      for (const status of ['Creating', 'CREATING', 'deleting', 'Deleted', 'Failed', 'createFailed', 'ERROR']) {
        assert.ok(!linkReady({ vpcId: 'v', subnetId: 's', status, accessIp: '10.0.0.3' }), status);
      }
    });
  });

  describe('4. NAT gateway deletion after traffic', () => {
    variants(
      emu,
      'natDeleteRisk',
      ['UnsupportedOperation.NatGatewayHaveHighTraffic', 'UnsupportedOperation.NatGatewayHaveRouteAndHighTraffic', 'UnsupportedOperation.TrafficValidationFailed', 'none'],
      (v) => `clean-up deletes the operator's gateway (refusal without IgnoreOperationRisk: ${v})`,
      async () => {
        const cloud = cloudFor(emu());
        const access = accessWith(publicSpec({ manageRoute: true }));
        await converge(emu(), cloud, access);
        await cleanUp(emu(), cloud, access);
        assert.deepEqual(await cloud.describeNatGateways({ vpcId: VPC, tagKey: CLOUD_TAG_KEY }), []);
        const del = emu().calls({ action: 'DeleteNatGateway' }).at(-1)!.params as Record<string, unknown>;
        assert.equal(del['IgnoreOperationRisk'], true);
      },
      { seed: ownTableSeed() },
    );
  });

  describe('5. Private DNS not activated', () => {
    variants(
      emu,
      'privateDnsErrorCode',
      ['UnsupportedOperation.CreatePrivateZone', 'InternalError.CreatePrivateZone', 'InternalError.CreatePrivateZoneRecord', 'UnsupportedOperation.CreatePrivateZoneRecord'],
      (v) => `${v} is DnsFailed, saying to activate Private DNS`,
      async () => {
        emu().world.accounts.get(DEFAULT_UIN)!.privateDnsActivated = false;
        const cloud = cloudFor(emu());
        const access = accessWith(privateSpec);
        let out: NetworkOutcome | undefined;
        for (let i = 0; i < 20 && out?.condition.reason !== Reason.DnsFailed; i++) {
          const { instance } = await checkInstance(cloud, access);
          out = await ensurePrivate(contextFor(cloud, access), instance!);
          access.status = { network: out.status };
          emu().advance(2_000);
        }
        assert.equal(out?.condition.reason, Reason.DnsFailed);
        assert.match(out!.condition.message, /Private DNS/);
        assert.match(out!.condition.message, /activate/i);
      },
    );
  });

  describe('6. EIP state errors', () => {
    it('InvalidAddressState and AddressStatusNotPermit are transient (retried soon), not permanent', () => {
      for (const code of ['InvalidAddressState', 'UnsupportedOperation.AddressStatusNotPermit', 'InvalidAddressIdStatus.NotPermit']) {
        const c = classifyCode(code);
        assert.equal(c.kind, 'transient', code);
        assert.ok(c.backoffHintMs <= 10_000, code);
      }
      assert.equal(cloudFailure(Object.assign(new Error('x'), { kind: classifyCode('InvalidAddressState').kind, code: 'InvalidAddressState' }), 'step').reason, Reason.CloudUnavailable);
    });
    it('ReleaseAddresses answering InvalidAddressId.NotFound means released', async () => {
      const cloud = cloudFor(emu());
      const { addressIds } = await cloud.allocateAddress({ name: 'x', tags: [], clientToken: 'rel-1' });
      emu().advance(1_000);
      await cloud.releaseAddresses(addressIds);
      emu().advance(1_000);
      await cloud.releaseAddresses(addressIds); // gone: no error
      const other = (await cloud.allocateAddress({ name: 'y', tags: [], clientToken: 'rel-2' })).addressIds;
      emu().advance(1_000);
      await cloud.releaseAddresses([...addressIds, ...other]); // one gone, one to release
      emu().advance(1_000);
      assert.deepEqual(await cloud.describeAddresses({ ids: other }), []);
    });
  });

  describe('7. expiring temporary credentials (TKE pod identity)', () => {
    const VARS = ['TKE_ROLE_ARN', 'TKE_WEB_IDENTITY_TOKEN_FILE', 'TKE_PROVIDER_ID', 'TKE_REGION', 'TENCENTCLOUD_SECRET_ID', 'TENCENTCLOUD_SECRET_KEY'];
    const saved: Record<string, string | undefined> = {};
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'fidelity-oidc-'));
      writeFileSync(path.join(dir, 'token'), 'jwt');
      for (const v of VARS) saved[v] = process.env[v];
      delete process.env['TENCENTCLOUD_SECRET_ID'];
      delete process.env['TENCENTCLOUD_SECRET_KEY'];
      process.env['TKE_ROLE_ARN'] = `qcs::cam::uin/${DEFAULT_UIN}:roleName/tcr-operator`;
      process.env['TKE_WEB_IDENTITY_TOKEN_FILE'] = path.join(dir, 'token');
      process.env['TKE_PROVIDER_ID'] = 'cls-fidelity';
      process.env['TKE_REGION'] = REGION;
    });
    after(() => {
      for (const v of VARS) {
        if (saved[v] === undefined) delete process.env[v];
        else process.env[v] = saved[v];
      }
      rmSync(dir, { recursive: true, force: true });
    });
    it('AuthFailure.TokenFailure on expired STS credentials rebuilds the provider and retries once', async () => {
      const endpoint = { host: emu().endpoint, protocol: 'http://' as const };
      const factory = new SdkCloudFactory({ endpoint, stsEndpoint: endpoint, timeoutSeconds: 2, logger: silent, retry: { retries: 0 } });
      const c = factory.client(REGION, { kind: 'default' });
      assert.equal((await c.describeInstance(REGISTRY))?.registryId, REGISTRY);
      // the emulator's clock passes the credentials' expiry; the SDK (real clock) still thinks they are fresh
      emu().advance(3 * 3600_000);
      assert.equal((await c.describeInstance(REGISTRY))?.registryId, REGISTRY);
      assert.equal(emu().calls({ action: 'AssumeRoleWithWebIdentity' }).length, 2, 'credentials fetched again once');
    });
    it('credentials are refreshed ahead of expiry (5 minutes), not 0.6 s before it', async () => {
      const { REFRESH_BEFORE_EXPIRY_MS } = await import('../../src/cloud/tencent/credentials.ts');
      assert.ok(REFRESH_BEFORE_EXPIRY_MS >= 5 * 60_000);
      // A provider whose credentials expire in 4 minutes is asked again on the next use.
      const { ProviderCredential } = await import('../../src/cloud/tencent/credentials.ts');
      let fetches = 0;
      const make = () => ({
        credentialTask: null as unknown,
        expirationReservationTime: 600,
        async getCredential() {
          fetches++;
          return { secretId: `id${fetches}`, secretKey: 'k', token: 't' };
        },
      });
      const p = new ProviderCredential('test', make, 1_000);
      await p.getCredential();
      const inner = (p as unknown as { inner: { expirationReservationTime: number } }).inner;
      assert.ok(inner.expirationReservationTime >= 5 * 60_000, 'the SDK provider is told to renew 5 minutes ahead (it compares milliseconds)');
    });
  });

  describe('8. pagination', () => {
    for (const mode of ['offset', 'page0', 'page1'] as const) {
      it(`lists all 45 long-term tokens with a page cap of 20 (Offset as ${mode})`, async () => {
        emu().setBehaviour({ maxPageSize: 20, tokenPaging: mode });
        const cloud = cloudFor(emu());
        for (let i = 0; i < 45; i++) await cloud.createInstanceToken(REGISTRY, 'longterm', `t${i}`);
        const all = await cloud.describeInstanceTokens(REGISTRY);
        assert.equal(all.length, 45);
        assert.equal(new Set(all.map((t) => t.id)).size, 45);
      });
    }
    it('lists NAT gateways and EIPs past a short page (cap 2)', async () => {
      emu().setBehaviour({ maxPageSize: 2 });
      const cloud = cloudFor(emu());
      for (let i = 0; i < 5; i++) await cloud.allocateAddress({ name: `p${i}`, tags: [{ key: 'k', value: 'v' }], clientToken: `page-${i}` });
      assert.equal((await cloud.describeAddresses({ tag: { key: 'k', value: 'v' } })).length, 5);
    });
  });

  describe('9. DeleteSecurityPolicy', () => {
    variants(
      emu,
      'securityPolicyDelete',
      ['cidr', 'index', 'exclusive'],
      (v) => `stale whitelist entries are removed when the API deletes by ${v}`,
      async () => {
        const cloud = cloudFor(emu());
        const access = accessWith(publicSpec({ whitelist: { cidrs: ['198.18.0.0/16', '198.19.0.0/16'] } }));
        await converge(emu(), cloud, access);
        // someone else's entry before ours, so index and CIDR differ
        access.spec.network!.public!.whitelist = { cidrs: ['198.19.0.0/16'] };
        await converge(emu(), cloud, access);
        const cidrs = (await cloud.describeSecurityPolicies(REGISTRY)).map((p) => p.cidrBlock);
        assert.ok(!cidrs.includes('198.18.0.0/16'), cidrs.join(', '));
        assert.ok(cidrs.includes('198.19.0.0/16'));
        await cleanUp(emu(), cloud, access);
        assert.deepEqual(await cloud.describeSecurityPolicies(REGISTRY).catch(() => []), []);
      },
    );
  });

  describe('10. markers', () => {
    const longName = 'a'.repeat(63) + '.' + 'b'.repeat(100);
    it('are at most 60 characters, unique per UID and cluster, and recognise the earlier format', () => {
      const a = { metadata: { name: longName, uid: '0f1e2d3c-aaaa-4bbb-8ccc-000000000001' } };
      const b = { metadata: { name: longName, uid: '0f1e2d3c-aaaa-4bbb-8ccc-000000000002' } };
      const cluster = 'c'.repeat(63);
      const m = cloudMarker(cluster, a);
      assert.ok(m.length <= 60, `${m.length}: ${m}`);
      assert.ok(m.startsWith(`${CLOUD_TAG_KEY}:`));
      assert.notEqual(m, cloudMarker(cluster, b), 'same name and UID prefix, different UID');
      assert.notEqual(m, cloudMarker('other', a), 'another cluster');
      assert.ok(isOurMarker(m, cluster, a));
      assert.ok(isOurMarker(legacyCloudMarker(cluster, a), cluster, a), "today's format is still ours");
      assert.ok(!isOurMarker(cloudMarker(cluster, b), cluster, a));
      assert.ok(!isOurMarker(legacyCloudMarker(cluster, b).replace(/\/[^/]*$/, '/0f1e2d3d'), cluster, a));
      assert.ok(!isOurMarker('', cluster, a));
    });
    it('the ownership record (annotations) survives a restore, and a copy never claims what a live TcrAccess owns', () => {
      const n: NetworkStatus = {
        mode: 'Private',
        privateLink: { vpcId: 'vpc-1', subnetId: 'subnet-1', status: 'Running', accessIp: '10.0.1.2', createdByOperator: true },
        dns: { domain: 'x-vpc.tencentcloudcr.com', usePublicDomain: false, status: 'ENABLED', eniLbIp: '10.0.1.2', createdByOperator: true },
      };
      const record = createdRecord(n);
      assert.equal(record, 'link:vpc-1/subnet-1;dns:vpc-1/subnet-1/10.0.1.2/vpc');
      assert.ok(record.length < 120, 'compact');
      assert.deepEqual(networkFromRecord(record), {
        mode: 'Private',
        privateLink: { vpcId: 'vpc-1', subnetId: 'subnet-1', createdByOperator: true },
        dns: { usePublicDomain: false, eniLbIp: '10.0.1.2', createdByOperator: true },
      });
      assert.equal(createdRecord(networkFromRecord(record)), record, 'round trip');
      assert.equal(createdRecord({ mode: 'Public', publicEndpoint: { status: 'Opened', openedByOperator: true } }), 'endpoint');
      assert.equal(createdRecord({ mode: 'Private', privateLink: { vpcId: 'v', subnetId: 's', createdByOperator: false } }), '', 'found, not created: nothing to record');
      assert.equal(networkFromRecord('garbage;link:only-one-part'), undefined);

      const original = makeAccess({ name: 'restored', uid: 'uid-original' });
      const restored = makeAccess({ name: 'restored', uid: 'uid-restored' });
      restored.metadata.annotations = { [CLOUD_OWNER_ANNOTATION]: 'uid-original', [CLOUD_CREATED_ANNOTATION]: record };
      // the original is gone: the restored object makes and recognises the original's markers, and knows the link
      assert.equal(markerOwner(restored, [restored]).metadata.uid, 'uid-original');
      assert.ok(markerPredicate(CLUSTER, markerOwner(restored, [restored]))(cloudMarker(CLUSTER, original)));
      assert.deepEqual(knownNetwork(restored, [restored])?.privateLink?.createdByOperator, true);
      // status, once written again, is what counts
      assert.equal(knownNetwork({ ...restored, status: { network: { mode: 'None' } } }, [restored])?.mode, 'None');
      // the original (or any TcrAccess with that UID) still exists: the record is a copy and is ignored
      assert.equal(markerOwner(restored, [restored, original]).metadata.uid, 'uid-restored');
      assert.equal(knownNetwork(restored, [restored, original]), undefined);
    });
    it('after an upgrade, whitelist entries and routes carrying the earlier marker are still cleaned up', async () => {
      emu().reset(ownTableSeed());
      const cloud = cloudFor(emu());
      const access = accessWith(publicSpec({ manageRoute: true }));
      await converge(emu(), cloud, access);
      // rewrite what the cloud holds to the earlier format (as an older operator version wrote it)
      const legacy = legacyCloudMarker(CLUSTER, access);
      const acc = emu().world.accounts.get(DEFAULT_UIN)!;
      for (const p of acc.registries.get(REGISTRY)!.policies) if (isOurMarker(p.description, CLUSTER, access)) p.description = legacy;
      for (const t of acc.routeTables.values()) for (const r of t.routes) if (isOurMarker(r.description, CLUSTER, access)) r.description = legacy;
      for (const n of acc.nats.values()) for (const t of n.tags) if (t.key === CLOUD_TAG_KEY) t.value = legacy;
      for (const a of acc.addresses.values()) for (const t of a.tags) if (t.key === CLOUD_TAG_KEY) t.value = legacy;
      // the upgraded operator adopts them (no second gateway) and cleans them up
      const out = await converge(emu(), cloud, access);
      assert.equal(out.condition.reason, Reason.PublicAccessReady);
      assert.equal(acc.nats.size, 1);
      await cleanUp(emu(), cloud, access);
      assert.deepEqual(await cloud.describeSecurityPolicies(REGISTRY).catch(() => []), []);
      assert.equal([...acc.routeTables.values()].flatMap((t) => t.routes).filter((r) => r.description === legacy).length, 0);
      assert.equal(acc.nats.size, 0);
      assert.equal(acc.addresses.size, 0);
    });
    it('long-term tokens are found by either format', async () => {
      const cloud = cloudFor(emu());
      const access = makeAccess({ name: 'tok', spec: { registry: { instanceId: REGISTRY, region: REGION }, credentials: { secretRef: undefined, instanceToken: { type: 'LongTerm' } } } });
      await cloud.createInstanceToken(REGISTRY, 'longterm', legacyCloudMarker(CLUSTER, access));
      let stored: unknown;
      const out = await ensureToken({ cloud, access, marker: cloudMarker(CLUSTER, access), current: undefined, store: async (b) => void (stored = b), rolledOut: true, minRotationMs: 3_600_000, now: new Date() });
      assert.ok(stored);
      assert.equal(await revokeOtherTokens(cloud, REGISTRY, markerPredicate(CLUSTER, access), out.currentId), 1);
      const left = await cloud.describeInstanceTokens(REGISTRY);
      assert.deepEqual(left.map((t) => t.id), [out.status.tokenId], 'the legacy-marked token was revoked');
      assert.ok(left.every((t) => t.desc.length <= 60));
    });
  });

  describe('11. CIDR normalisation', () => {
    for (const normaliseCidrs of [true, false]) {
      it(`10.1.2.3/24 in the spec converges without re-adding it (API normalises: ${normaliseCidrs})`, async () => {
        emu().setBehaviour({ normaliseCidrs });
        const cloud = cloudFor(emu());
        const access = accessWith(publicSpec({ whitelist: { includeNatEips: false, cidrs: ['10.1.2.3/24'] } }));
        const out = await converge(emu(), cloud, access);
        assert.deepEqual(out.status.whitelist, ['10.1.2.0/24']);
        const again = await converge(emu(), cloud, access);
        assert.equal(again.condition.reason, Reason.PublicAccessReady);
        assert.deepEqual((await cloud.describeSecurityPolicies(REGISTRY)).map((p) => p.cidrBlock), ['10.1.2.0/24']);
        assert.equal(emu().calls({ action: 'CreateSecurityPolicy' }).length, 1);
      });
    }
  });

  describe('12. regions', () => {
    it('financial regions use their own API hosts ({service}.{region}.tencentcloudapi.com)', async () => {
      type Clients = { clients: () => Promise<{ tcr: { endpoint: string }; vpc: { endpoint: string } }> };
      const c = new SdkCloud({ region: 'ap-shanghai-fsi', credential: { secretId: 'a', secretKey: 'b' }, timeoutSeconds: 1, logger: silent, rateLimiter: new PerActionRateLimiter() });
      const hosts = await (c as unknown as Clients).clients();
      assert.equal(hosts.tcr.endpoint, 'tcr.ap-shanghai-fsi.tencentcloudapi.com');
      assert.equal(hosts.vpc.endpoint, 'vpc.ap-shanghai-fsi.tencentcloudapi.com');
      const g = new SdkCloud({ region: 'ap-guangzhou', credential: { secretId: 'a', secretKey: 'b' }, timeoutSeconds: 1, logger: silent, rateLimiter: new PerActionRateLimiter() });
      assert.equal((await (g as unknown as Clients).clients()).tcr.endpoint, 'tcr.tencentcloudapi.com');
    });
    it("a cluster VPC in another region than the registry is a clear VpcNotFound condition", async () => {
      emu().seed({ region: 'ap-shanghai', accounts: [{ uin: DEFAULT_UIN, vpcs: [{ id: 'vpc-shangha1', cidrBlock: '10.9.0.0/16', subnets: [{ id: 'subnet-shangha1', cidrBlock: '10.9.1.0/24' }] }] }] });
      const cloud = cloudFor(emu());
      const access = accessWith({ mode: 'Public', public: { natGateway: { create: { vpcId: 'vpc-shangha1', subnetId: 'subnet-shangha1' } } } });
      let failure: ReturnType<typeof cloudFailure> | undefined;
      for (let i = 0; i < 20 && !failure; i++) {
        try {
          const { instance } = await checkInstance(cloud, access);
          const out = await ensurePublic(contextFor(cloud, access), instance!);
          access.status = { network: out.status };
        } catch (e) {
          if (retriesSoon(e)) continue;
          failure = cloudFailure(e, 'network.mode Public');
        }
        emu().advance(2_000);
      }
      assert.equal(failure?.reason, Reason.VpcNotFound);
      assert.match(failure!.message, /vpc-shangha1/);
      assert.match(failure!.message, /region/);
    });
  });
});
