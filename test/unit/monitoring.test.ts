// The monitoring objects (manifests/monitoring/): the PrometheusRule's rules pass `promtool check rules` and
// the unit tests of tests/alerts.test.yaml (`promtool test rules`), every metric the alerts use is one the
// operator serves, and the ServiceMonitor selects the metrics Service of the base. promtool comes from
// Debian's `prometheus` package (.ci/run installs it); without it this test fails and says so.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { createMetrics } from '../../src/k8s/metrics.ts';
import { which } from '../support/registry.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DIR = path.join(ROOT, 'manifests', 'monitoring');
const run = promisify(execFile);

type Obj = { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec: Record<string, unknown> };
const load = (file: string) => YAML.parse(readFileSync(path.join(DIR, file), 'utf8')) as Obj;

interface Rule {
  alert: string;
  expr: string;
}

describe('monitoring: ServiceMonitor and PrometheusRule (promtool)', function () {
  this.timeout(60_000);
  let work: string;
  let promtool: string;

  before(function () {
    const found = which('promtool');
    assert.ok(found, 'promtool is not installed: it comes with the Debian package `prometheus` (apt-get install prometheus; .ci/run does this). The alert rules are not checked without it.');
    promtool = found;
    work = mkdtempSync(path.join(os.tmpdir(), 'tcra-promtool-'));
    writeFileSync(path.join(work, 'rules.yaml'), YAML.stringify(load('prometheusrule.yaml').spec));
    copyFileSync(path.join(DIR, 'tests', 'alerts.test.yaml'), path.join(work, 'alerts.test.yaml'));
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('promtool check rules accepts the rules', async () => {
    const { stdout } = await run(promtool, ['check', 'rules', 'rules.yaml'], { cwd: work });
    assert.match(stdout, /SUCCESS: 6 rules found/);
  });

  it('promtool test rules: each alert fires when it should and only then', async () => {
    const res = await run(promtool, ['test', 'rules', 'alerts.test.yaml'], { cwd: work }).catch((e: { stdout?: string; stderr?: string }) => {
      throw new Error(`promtool test rules failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    });
    assert.match(res.stdout, /SUCCESS/);
    const tested = new Set([...readFileSync(path.join(DIR, 'tests', 'alerts.test.yaml'), 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]));
    const rules = (load('prometheusrule.yaml').spec['groups'] as Array<{ rules: Rule[] }>).flatMap((g) => g.rules);
    for (const r of rules) assert.ok(tested.has(r.alert), `${r.alert} has a promtool test`);
  });

  it('alerts use only metrics the operator serves', async () => {
    const served = new Set((await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name));
    const rules = (load('prometheusrule.yaml').spec['groups'] as Array<{ rules: Rule[] }>).flatMap((g) => g.rules);
    for (const r of rules) {
      const used = [...r.expr.matchAll(/\b((?:tcra|leader_election|workqueue|controller_runtime|rest_client)_[a-z_]+)\b/g)].map((m) => m[1]!);
      assert.ok(used.length > 0, r.alert);
      for (const m of used) assert.ok(served.has(m), `${r.alert} uses ${m}, which the operator does not serve`);
    }
  });

  it('the ServiceMonitor selects the metrics Service of the base, by its port name', () => {
    const sm = load('servicemonitor.yaml');
    const svc = YAML.parse(readFileSync(path.join(ROOT, 'manifests', 'service.yaml'), 'utf8')) as Obj & { spec: { ports: Array<{ name: string }> } };
    const base = YAML.parse(readFileSync(path.join(ROOT, 'manifests', 'kustomization.yaml'), 'utf8')) as { labels: Array<{ pairs: Record<string, string> }> };
    const labels = { ...svc.metadata.labels, ...Object.assign({}, ...base.labels.map((l) => l.pairs)) } as Record<string, string>;
    const selector = (sm.spec['selector'] as { matchLabels: Record<string, string> }).matchLabels;
    for (const [k, v] of Object.entries(selector)) assert.equal(labels[k], v, `Service label ${k}`);
    const ports = (sm.spec['endpoints'] as Array<{ port: string }>).map((e) => e.port);
    assert.deepEqual(ports, svc.spec.ports.map((p) => p.name));
  });
});
