// The pull doctor on the kubelet's REAL errors: for each way a pull fails on a real node (containerd, real
// registries), the operator's PullHealthy condition and `tcr-access doctor pod` name the right cause and fix.
// Every case is a namespace with its own TcrAccess and one Pod, all started at once (the slowest, a dropped
// connection, takes about 60 s: the kubelet's two 30 s dials).
import assert from 'node:assert/strict';
import type { Report } from '../../src/cli/doctor/report.ts';
import { condition, createAccess, createNamespace, getAccess, OPERATOR_NS, putSourceSecret } from '../support/fixture.ts';
import { runCli } from '../support/cli.ts';
import { HELLO_REPO, REGISTRY_USER, type Registries } from '../support/node/node.ts';
import { createPod, SOURCE_SECRET, useNode, waitDefaultServiceAccount } from '../support/node/suite.ts';
import { eventually } from '../support/wait.ts';

interface Case {
  name: string;
  server: (r: Registries) => string;
  /** Image path after the server. */
  path?: string;
  cause: string;
  fix: RegExp;
  /** What the Pod has for this registry (default: the operator's Secret through its ServiceAccount). */
  secret?: 'wrong-password' | 'none' | 'missing';
  slow?: boolean;
}

const V1 = `${HELLO_REPO}:v1`;
const CASES: Case[] = [
  { name: 'wrong-password', server: (r) => r.private, secret: 'wrong-password', cause: 'CredentialsRejected', fix: /refused the credentials/ },
  { name: 'no-secret', server: (r) => r.private, secret: 'none', cause: 'NoPullSecret', fix: /has no imagePullSecrets/ },
  { name: 'missing-secret', server: (r) => r.private, secret: 'missing', cause: 'PullSecretMissing', fix: /\(regcred\) that does not exist/ },
  { name: 'missing-tag', server: (r) => r.private, path: `${HELLO_REPO}:nosuchtag`, cause: 'ImageNotFound', fix: /does not exist/ },
  { name: 'missing-repo', server: (r) => r.private, path: 'nosuch/repo:v1', cause: 'ImageNotFound', fix: /does not exist/ },
  { name: 'platform', server: (r) => r.private, path: `${HELLO_REPO}:arm64`, cause: 'PlatformMismatch', fix: /platform/ },
  { name: 'invalid-name', server: (r) => r.private, path: 'Demo/Hello:v1', cause: 'InvalidImageName', fix: /malformed/ },
  { name: 'plain-http', server: (r) => r.plainByName, cause: 'PlainHttpRegistry', fix: /plainHTTP/ },
  { name: 'untrusted-ca', server: (r) => r.untrusted, cause: 'UntrustedCertificate', fix: /not trusted/ },
  { name: 'unresolvable', server: (r) => r.unresolvable, cause: 'DnsFailure', fix: /could not resolve/ },
  { name: 'refused', server: (r) => r.refused, cause: 'NoNetworkPath', fix: /connection refused/ },
  { name: 'timeout', server: (r) => r.blackholed, cause: 'NoNetworkPath', fix: /got no answer|No network path/, slow: true },
];

describe('node: the doctor on the kubelet\'s real pull errors (PullHealthy and `tcr-access doctor pod`)', function () {
  this.timeout(150_000);
  const s = useNode();

  before(async function () {
    this.timeout(120_000);
    await s.node.blackhole();
    await putSourceSecret(s.f.admin, OPERATOR_NS, 'robot-wrong', { username: REGISTRY_USER, password: 'not-the-password' });
    for (const c of CASES) {
      const ns = `d-${c.name}`;
      await createNamespace(s.f.admin, ns, {}, []);
      await createAccess(s.f.admin, ns, {
        registry: { server: c.server(s.node.registries) },
        credentials: { secretRef: { namespace: OPERATOR_NS, name: c.secret === 'wrong-password' ? 'robot-wrong' : SOURCE_SECRET } },
        // 'none' and 'missing': the Secret is written but no ServiceAccount lists it
        imagePullSecret: { name: `pull-${c.name}`, namespaces: { names: [ns] }, serviceAccounts: c.secret === 'none' || c.secret === 'missing' ? [] : ['default'] },
      });
    }
    for (const c of CASES) {
      const ns = `d-${c.name}`;
      await waitDefaultServiceAccount(s.node, ns);
      if (c.secret === 'missing') {
        await s.node.admin.request({ method: 'PATCH', path: `/api/v1/namespaces/${ns}/serviceaccounts/default`, body: { imagePullSecrets: [{ name: 'regcred' }] }, contentType: 'application/merge-patch+json' });
      } else if (c.secret !== 'none') {
        await eventually(async () => {
          const sa = await s.node.admin.get<{ imagePullSecrets?: Array<{ name: string }> }>(`/api/v1/namespaces/${ns}/serviceaccounts/default`);
          assert.ok(sa.imagePullSecrets?.some((r) => r.name === `pull-${c.name}`));
        }, { timeoutMs: 30_000 });
      }
      await createPod(s.node, ns, 'app', `${c.server(s.node.registries)}/${c.path ?? V1}`);
    }
  });

  for (const c of CASES) {
    it(`${c.name}: PullHealthy and doctor pod say ${c.cause}${c.slow ? ' (slow: about 60 s)' : ''}`, async function () {
      const ns = `d-${c.name}`;
      const cond = await eventually(async () => {
        const got = condition(await getAccess(s.f.admin, ns), 'PullHealthy');
        assert.equal(got?.status, 'False', JSON.stringify(got));
        return got!;
      }, { timeoutMs: c.slow ? 140_000 : 100_000, intervalMs: 500 });
      assert.equal(cond.reason, c.cause, cond.message);
      assert.match(cond.message, c.fix);

      const r = await runCli(['doctor', 'pod', 'app', '-n', ns, '-o', 'json', '--kubeconfig', s.node.cp.kubeconfigPath]);
      const report = JSON.parse(r.stdout) as Report;
      assert.equal(r.code, 1, r.stderr);
      assert.equal(report.findings[0]?.diagnosis.cause, c.cause, JSON.stringify(report.findings));
      assert.match(report.findings[0]!.diagnosis.fix, c.fix);
    });
  }
});
