// The README's first command: `npm run demo` starts its own control plane and a Tencent Cloud emulator,
// converges the secretRef example and the two cloud examples (private, public) and (with --exit) stops.
// Run here end to end so the README's promise is checked on every CI run.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { DEFAULT_SECRET_KEY } from '../../emulator/index.ts';
import { REPO_ROOT } from '../support/controlplane.ts';

describe('npm run demo', function () {
  this.timeout(240_000);
  let out = '';
  it('converges prod-registry on its own control plane and exits cleanly', async () => {
    const started = Date.now();
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'scripts', 'demo.ts'), '--exit'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, out);
    assert.ok(Date.now() - started < 120_000, `the demo took ${Date.now() - started} ms`);
    assert.match(out, /TcrAccess prod-registry is Ready: 3\/3 namespaces/);
    assert.match(out, /team-c\s+tcr-pull \(kubernetes.io\/dockerconfigjson, owner TcrAccess\/prod-registry\)\s+imagePullSecrets: \[tcr-pull\]/);
    assert.match(out, /sandbox\s+none/);
    assert.ok(!out.includes('REPLACE-WITH-TCR-TOKEN'), 'the demo never prints the credentials');
  });

  it('converges the cloud examples against the in-process emulator and shows what was made, never a key or token', () => {
    // the same run: the private and public examples are applied next to prod-registry
    assert.match(out, /TcrAccess private-access is Ready: 1\/1 namespaces, network Private \(PrivateLinkReady\), credentials TokenIssued/);
    assert.match(out, /TcrAccess public-access is Ready: 1\/1 namespaces, network Public \(PublicAccessReady\), credentials TokenIssued/);
    // transitions as they happened, in order
    const at = (re: RegExp) => {
      const i = out.search(re);
      assert.ok(i >= 0, `${re} in the output`);
      return i;
    };
    const link = at(/private-access\s+NetworkReady\s+False\s+LinkProvisioning/);
    const dns = at(/private-access\s+NetworkReady\s+False\s+DnsPending/);
    const privateReady = at(/private-access\s+NetworkReady\s+True\s+PrivateLinkReady/);
    assert.ok(link < dns && dns < privateReady, 'LinkProvisioning → DnsPending → PrivateLinkReady');
    const endpoint = at(/public-access\s+NetworkReady\s+False\s+EndpointOpening/);
    const nat = at(/public-access\s+NetworkReady\s+False\s+NatGatewayPending/);
    const publicReady = at(/public-access\s+NetworkReady\s+True\s+PublicAccessReady/);
    assert.ok(endpoint < nat && nat < publicReady, 'EndpointOpening → NatGatewayPending → PublicAccessReady');
    // the summary table
    assert.match(out, /private-access\s+True\s+emulator\.tencentcloudcr\.com\s+1\/1\s+Private \(PrivateLinkReady\)\s+TemporaryToken/);
    assert.match(out, /public-access\s+True\s+emulator\.tencentcloudcr\.com\s+1\/1\s+Public \(PublicAccessReady\)\s+LongTermToken/);
    assert.match(out, /backend\s+tcr-private-pull \(kubernetes.io\/dockerconfigjson, owner TcrAccess\/private-access\)\s+imagePullSecrets: \[tcr-private-pull\]/);
    assert.match(out, /frontend\s+tcr-public-pull \(kubernetes.io\/dockerconfigjson, owner TcrAccess\/public-access\)\s+imagePullSecrets: \[tcr-public-pull\]/);
    // the emulator's world, read back through the SDK
    assert.match(out, /link\s+vpc-emu00001\/subnet-emu00001\s+Running\s+access IP 10\.0\.1\.\d+/);
    assert.match(out, /DNS\s+emulator\.tencentcloudcr\.com → 10\.0\.1\.\d+ inside vpc-emu00001\s+ENABLED/);
    assert.match(out, /endpoint\s+public endpoint Opened/);
    const natId = /NAT\s+(nat-[0-9a-z]{8}) "tcra-public-access" AVAILABLE in vpc-emu00001, tag tcr-access-operator=tcr-access-operator:public-access\/[0-9a-f]{16}/.exec(out)?.[1];
    assert.ok(natId, 'a NAT gateway tagged by the operator');
    const eip = new RegExp(`EIP\\s+eip-[0-9a-z]{8} (\\d+\\.\\d+\\.\\d+\\.\\d+) BIND → ${natId}`).exec(out)?.[1];
    assert.ok(eip, 'an EIP bound to it');
    assert.match(out, new RegExp(`route\\s+rtb-emu00002 \\(subnet-emu00002\\): 0\\.0\\.0\\.0/0 → NAT ${natId}`));
    assert.match(out, new RegExp(`whitelist\\s+.*${eip.replaceAll('.', '\\.')}/32.*203\\.0\\.113\\.7/32`));
    assert.match(out, /tokens\s+1 long-term: [0-9a-z]+ "tcr-access-operator:public-access\/[0-9a-f]{16}"/);
    // the emulator's API key and registry tokens (JWTs) are never printed
    assert.ok(!out.includes(DEFAULT_SECRET_KEY), 'no API key');
    assert.ok(!/eyJ[A-Za-z0-9_-]{8,}/.test(out), 'no registry token');
  });
});
