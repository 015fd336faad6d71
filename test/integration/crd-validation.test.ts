// The API server itself rejects bad TcrAccess specs, with messages a user understands.
// Every rule in the schema is exercised here (dry-run creates, so nothing is stored).
import assert from 'node:assert/strict';
import type { TcrAccessSpec } from '../../src/api/v1alpha1/types.ts';
import { ApiError, type KubeClient } from '../../src/k8s/client.ts';
import { getFixture } from '../support/fixture.ts';

const valid: TcrAccessSpec = {
  registry: { server: 'prod.tencentcloudcr.com' },
  credentials: { secretRef: { namespace: 'tcr-system', name: 'robot' } },
  imagePullSecret: { name: 'tcr-pull', namespaces: { selector: {} } },
};

type Mutate = (s: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

const cases: Array<[string, Mutate, RegExp]> = [
  ['server with a scheme', (s) => (s.registry.server = 'https://prod.tencentcloudcr.com'), /must not contain a scheme/],
  ['server with a path', (s) => (s.registry.server = 'prod.tencentcloudcr.com/team'), /must not contain a path/],
  ['server with port 0', (s) => (s.registry.server = 'registry.example.com:0'), /port must be a number between 1 and 65535/],
  ['server with port 70000', (s) => (s.registry.server = 'registry.example.com:70000'), /port must be a number between 1 and 65535/],
  ['server with a non-numeric port', (s) => (s.registry.server = 'registry.example.com:http'), /host\[:port\]/],
  ['server in upper case', (s) => (s.registry.server = 'Registry.Example.com'), /host\[:port\] in lowercase/],
  ['no server and no instance', (s) => delete s.registry.server, /set registry.server \(host\[:port\]\) or registry.instanceId/],
  ['instanceId without region', (s) => (s.registry.instanceId = 'tcr-abc123'), /registry.region is required/],
  ['malformed instanceId', (s) => Object.assign(s.registry, { instanceId: 'abc', region: 'ap-guangzhou' }), /TCR instance ID/],
  ['insecureSkipVerify and plainHTTP', (s) => Object.assign(s.registry, { insecureSkipVerify: true, plainHTTP: true }), /at most one of registry.insecureSkipVerify and registry.plainHTTP/],
  ['two credentials sources', (s) => (s.credentials.instanceToken = { type: 'Temporary' }), /exactly one of credentials.secretRef and credentials.instanceToken/],
  ['no credentials source', (s) => (s.credentials = {}), /exactly one of credentials.secretRef and credentials.instanceToken/],
  ['instanceToken without instanceId', (s) => (s.credentials = { instanceToken: { type: 'LongTerm' } }), /credentials.instanceToken needs registry.instanceId/],
  ['source namespace not a DNS label', (s) => (s.credentials.secretRef.namespace = 'Tcr_System'), /DNS-1123 label/],
  ['Secret name not a DNS subdomain', (s) => (s.imagePullSecret.name = 'TCR pull'), /DNS-1123 subdomain/],
  ['no namespace selection', (s) => (s.imagePullSecret.namespaces = { exclude: ['a'] }), /select namespaces with names, selector or selectors/],
  ['namespace name invalid', (s) => (s.imagePullSecret.namespaces = { names: ['Team_A'] }), /DNS-1123 label/],
  ['"*" with other ServiceAccounts', (s) => (s.imagePullSecret.serviceAccounts = ['*', 'default']), /cannot be combined/],
  ['ServiceAccount name invalid', (s) => (s.imagePullSecret.serviceAccounts = ['Bad Name']), /ServiceAccount name or "\*"/],
  ['unknown network mode', (s) => (s.network = { mode: 'VPN' }), /Unsupported value: "VPN"/],
  ['Private without private', (s) => (s.network = { mode: 'Private' }), /network.private is required/],
  ['Public without public', (s) => (s.network = { mode: 'Public' }), /network.public is required/],
  ['private settings with mode None', (s) => (s.network = { mode: 'None', private: { vpcId: 'vpc-1', subnetId: 'subnet-1' } }), /only allowed when network.mode is Private/],
  ['malformed VPC ID', (s) => (s.network = { mode: 'Private', private: { vpcId: 'vpc_1', subnetId: 'subnet-1' } }), /such as "vpc-abc123"/],
  ['NAT gateway id and create', (s) => (s.network = { mode: 'Public', public: { natGateway: { id: 'nat-1', create: { vpcId: 'vpc-1', subnetId: 'subnet-1' } } } }), /exactly one of natGateway.id and natGateway.create/],
  ['bad whitelist CIDR', (s) => (s.network = { mode: 'Public', public: { natGateway: { id: 'nat-1' }, whitelist: { cidrs: ['10.0.0.0'] } } }), /IPv4 CIDR/],
  ['unknown deletionPolicy', (s) => (s.deletionPolicy = 'Orphan'), /Unsupported value: "Orphan"/],
  ['too many namespace names', (s) => (s.imagePullSecret.namespaces = { names: Array.from({ length: 513 }, (_, i) => `n${i}`) }), /must have at most 512 items|Too many/],
  ['template label with the operator\'s managed-by key', (s) => (s.imagePullSecret.template = { metadata: { labels: { 'app.kubernetes.io/managed-by': 'me' } } }), /operator's own keys .* cannot be set in the template/],
  ['template annotation under tcr.tke.dev/', (s) => (s.imagePullSecret.template = { metadata: { annotations: { 'tcr.tke.dev/server': 'x' } } }), /operator's own keys .* cannot be set in the template/],
  ['unknown creationPolicy', (s) => (s.imagePullSecret.creationPolicy = 'Merge'), /Unsupported value: "Merge"/],
  ['string too long', (s) => (s.imagePullSecret.name = 'a'.repeat(254)), /may not be more than 253|Too long/],
];

async function dryRunCreate(admin: KubeClient, name: string, spec: unknown, fieldValidation = 'Strict') {
  return admin.create('/apis/tcr.tke.dev/v1alpha1/tcraccesses', { apiVersion: 'tcr.tke.dev/v1alpha1', kind: 'TcrAccess', metadata: { name }, spec }, { dryRun: 'All', fieldValidation });
}

describe('TcrAccess schema (real API server)', function () {
  this.timeout(300_000);
  let admin: KubeClient;
  before(async () => {
    admin = (await getFixture()).admin;
  });

  it('accepts a minimal valid spec and the full shape', async () => {
    await dryRunCreate(admin, 'valid', valid);
    await dryRunCreate(admin, 'full', {
      registry: { server: 'registry.example.com:5000', insecureSkipVerify: true, annotationMode: 'ClusterDefault' },
      credentials: { secretRef: { namespace: 'tcr-system', name: 'robot' } },
      imagePullSecret: {
        name: 'tcr-pull',
        namespaces: { names: ['team-a'], selector: { matchLabels: { 'tcr-access': 'enabled' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] }, selectors: [{ matchLabels: { team: 'x' } }], exclude: ['kube-system'] },
        serviceAccounts: ['default', 'builder'],
        creationPolicy: 'Adopt',
        template: { metadata: { labels: { 'velero.io/exclude-from-backup': 'true' }, annotations: { 'argocd.argoproj.io/compare-options': 'IgnoreExtraneous' } } },
      },
      network: { mode: 'Public', public: { natGateway: { create: { vpcId: 'vpc-abc', subnetId: 'subnet-abc' } }, manageRoute: true, whitelist: { includeNatEips: true, cidrs: ['203.0.113.7/32'] } } },
      cloudCredentials: { secretRef: { namespace: 'tcr-system', name: 'tencentcloud' } },
      deletionPolicy: 'Delete',
    });
  });

  for (const [what, mutate, message] of cases) {
    it(`rejects ${what}`, async () => {
      const s = structuredClone(valid) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      mutate(s);
      await assert.rejects(dryRunCreate(admin, 'bad', s), (e: unknown) => {
        assert.ok(e instanceof ApiError, String(e));
        assert.equal(e.status, 422, e.message);
        assert.match(e.message, message);
        return true;
      });
    });
  }

  it('rejects unknown fields under strict field validation (kubectl default)', async () => {
    await assert.rejects(dryRunCreate(admin, 'bad', { ...valid, registy: {} }), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.match(e.message, /unknown field "spec.registy"/);
      return true;
    });
  });

  it('rejects a name longer than a label value', async () => {
    await assert.rejects(dryRunCreate(admin, 'a'.repeat(64), valid), /at most 63 characters/);
  });
});
