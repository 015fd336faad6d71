import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { InstalledFault, WorldSnapshot } from '../../../emulator/index.ts';
import { expectCode, TcrClient, useEmulator, VpcClient } from './helpers.ts';

describe('emulator: admin HTTP API', () => {
  const t = useEmulator();

  async function admin<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${t.emu.url}_emulator/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  it('seeds, reads the world back and resets', async () => {
    assert.deepEqual((await admin('GET', 'health')).body, { ok: true, endpoint: t.emu.endpoint });
    const seeded = await admin<WorldSnapshot>('POST', 'seed', {
      accounts: [{ uin: '100000000002', credentials: [{ secretId: 'AKIDsecond', secretKey: 'k2' }], registries: [{ id: 'tcr-second01', name: 'second' }] }],
    });
    assert.equal(seeded.status, 200);
    assert.deepEqual(seeded.body.accounts.map((a) => a.uin), ['100000000001', '100000000002']);
    const other = new TcrClient(t.emu.clientConfig({ credential: { secretId: 'AKIDsecond', secretKey: 'k2' } }));
    assert.deepEqual((await other.DescribeInstances({})).Registries?.map((r) => r.RegistryId), ['tcr-second01'], 'accounts are isolated');

    const world = await admin<WorldSnapshot>('GET', 'world');
    assert.equal(world.body.accounts[0]?.registries[0]?.publicDomain, 'emulator.tencentcloudcr.com');
    const reset = await admin<WorldSnapshot>('POST', 'reset');
    assert.equal(reset.body.accounts.length, 1);
    await expectCode(other.DescribeInstances({}), 'AuthFailure.SecretIdNotFound');
    assert.equal((await admin<{ error: string }>('POST', 'seed', { nope: true })).status, 400);
    assert.equal((await admin<{ error: string }>('GET', 'nothing')).status, 404);
  });

  it('injects and clears faults, reports calls and counts', async () => {
    const added = await admin<{ ids: string[] }>('POST', 'faults', { action: 'DescribeInstances', times: 1, fault: { kind: 'error', code: 'InternalError', message: 'boom' } });
    assert.equal(added.body.ids.length, 1);
    assert.equal((await admin<InstalledFault[]>('GET', 'faults')).body[0]?.fault.kind, 'error');
    await expectCode(t.clients.tcr.DescribeInstances({}), 'InternalError');
    await t.clients.tcr.DescribeInstances({});
    assert.equal((await admin<{ error: string }>('POST', 'faults', { fault: { kind: 'explode' } })).status, 400);
    assert.deepEqual((await admin('DELETE', `faults/${added.body.ids[0] ?? ''}`)).body, { removed: true });

    const counts = await admin<Record<string, { calls: number; errors: number }>>('GET', 'calls/counts');
    assert.deepEqual(counts.body.DescribeInstances, { calls: 2, ok: 1, errors: 1, mutating: false });
    const calls = await admin<Array<{ action: string; outcome: string }>>('GET', 'calls?action=DescribeInstances');
    assert.deepEqual(calls.body.map((c) => c.outcome), ['fault', 'ok']);
    await admin('DELETE', 'calls');
    assert.deepEqual((await admin('GET', 'calls')).body, []);
  });

  it('sets delays, behaviour and rate limits, and advances the clock', async () => {
    const delays = await admin<{ link: number }>('POST', 'delays', { link: 5000 });
    assert.equal(delays.body.link, 5000);
    assert.equal((await admin('POST', 'delays', { warp: 1 })).status, 400);
    const { tcr } = t.clients;
    await tcr.ManageInternalEndpoint({ RegistryId: 'tcr-emu00001', Operation: 'Create', VpcId: 'vpc-emu00001', SubnetId: 'subnet-emu00001' });
    const before = await admin<{ now: number }>('GET', 'clock');
    const after = await admin<{ now: number; offsetMs: number }>('POST', 'clock/advance', { ms: 4999 });
    assert.equal(after.body.now - before.body.now, 4999);
    assert.equal((await tcr.DescribeInternalEndpoints({ RegistryId: 'tcr-emu00001' })).AccessVpcSet[0]?.Status, 'Creating');
    await admin('POST', 'clock/advance', { ms: 1 });
    assert.equal((await tcr.DescribeInternalEndpoints({ RegistryId: 'tcr-emu00001' })).AccessVpcSet[0]?.Status, 'Running');

    assert.equal((await admin<{ nullLists: boolean }>('POST', 'behaviour', { nullLists: true })).body.nullLists, true);
    assert.equal((await tcr.DescribeSecurityPolicies({ RegistryId: 'tcr-emu00001' }).catch((e: { code?: string }) => e.code)), 'ResourceNotFound');
    const rl = await admin<{ enabled: boolean; overridePerSecond: number }>('POST', 'rate-limits', { enabled: true, overridePerSecond: 1 });
    assert.deepEqual([rl.body.enabled, rl.body.overridePerSecond], [true, 1]);
    const vpc = new VpcClient(t.emu.clientConfig());
    await vpc.DescribeSubnets({});
    await expectCode(vpc.DescribeSubnets({}), 'RequestLimitExceeded');
  });
});

describe('emulator: standalone (npm run emulator)', () => {
  it('starts from a YAML seed and prints the endpoint and the default key', async function () {
    this.timeout(20_000);
    const dir = mkdtempSync(join(tmpdir(), 'emu-main-'));
    const seedFile = join(dir, 'world.yaml');
    writeFileSync(
      seedFile,
      [
        'region: ap-shanghai',
        'accounts:',
        '  - uin: "200000000001"',
        '    credentials: [{ secretId: AKIDyaml, secretKey: yamlkey }]',
        '    registries: [{ id: tcr-yaml0001, name: fromyaml, type: standard }]',
        '    vpcs:',
        '      - id: vpc-yaml0001',
        '        cidrBlock: 172.16.0.0/16',
        '        subnets: [{ id: subnet-yaml0001, zone: ap-shanghai-2, cidrBlock: 172.16.1.0/24 }]',
        '',
      ].join('\n'),
    );
    const child = spawn(process.execPath, ['emulator/main.ts', '--port', '0', '--seed', seedFile, '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      while (!/SECRET_KEY=\S+\n/.test(out)) {
        const [chunk] = (await once(child.stdout, 'data')) as [string];
        out += chunk;
      }
      const endpoint = /endpoint: "([^"]+)"/.exec(out)?.[1] ?? '';
      assert.match(out, /TENCENTCLOUD_SECRET_ID=AKIDyaml\n/);
      assert.match(out, /TENCENTCLOUD_SECRET_KEY=yamlkey\n/);
      const cfg = { credential: { secretId: 'AKIDyaml', secretKey: 'yamlkey' }, region: 'ap-shanghai', profile: { httpProfile: { endpoint, protocol: 'http://', reqTimeout: 5 } } };
      const res = await new TcrClient(cfg).DescribeInstances({});
      assert.equal(res.Registries?.[0]?.PublicDomain, 'fromyaml.tencentcloudcr.com');
      const subnets = await new VpcClient(cfg).DescribeSubnets({ SubnetIds: ['subnet-yaml0001'] });
      assert.equal(subnets.SubnetSet?.[0]?.Zone, 'ap-shanghai-2');
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
