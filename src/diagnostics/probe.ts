// Live registry probe: DNS → TCP → TLS → Registry HTTP API v2 handshake (`GET /v2/`, Basic or Bearer
// token auth) → optionally `HEAD /v2/<repo>/manifests/<ref>`. Every step is timed and reported; the
// outcome is summarised as three verdicts (reachable, credentials, image) that become status conditions.
// This file runs the steps in order and assembles the result; the steps live in probe/ (transport.ts: DNS,
// TCP, TLS; registry-api.ts: the v2 handshake and auth; address.ts and challenge.ts: pure parsing;
// types.ts: the result types).
//
// Secret hygiene: the username, the password, their Basic encoding and every token fetched are scrubbed
// from every message and step detail before the result is returned (and from any error this throws).
import net from 'node:net';
import { parseServer } from './probe/address.ts';
import { basicHeader, checkCredentials, checkImage, handshakeV2, type RegistryApiContext } from './probe/registry-api.ts';
import { defaultResolver, errText, reachRegistry, trustFor, withTimeout } from './probe/transport.ts';
import { DEFAULT_PROBE_TIMEOUT_MS, type ProbeAddress, type ProbeOptions, type ProbeResult, type ProbeStep, type StepRecorder } from './probe/types.ts';

/**
 * Probes a registry step by step. Never throws for anything the registry or the network does; throws
 * only for an invalid `server`.
 */
export async function probeRegistry(opts: ProbeOptions): Promise<ProbeResult> {
  const plainHTTP = opts.plainHTTP === true;
  const srv = parseServer(opts.server, plainHTTP);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const resolver = opts.resolver ?? defaultResolver;
  const trust = trustFor(opts);
  const creds = opts.username !== undefined && opts.username !== '' && opts.password !== undefined ? { username: opts.username, password: opts.password } : undefined;
  const secrets: string[] = [];
  if (opts.password) secrets.push(opts.password);
  if (opts.username && opts.username.length >= 3) secrets.push(opts.username);
  if (creds) secrets.push(basicHeader(creds.username, creds.password).slice('Basic '.length));

  const steps: ProbeStep[] = [];
  const addresses: ProbeAddress[] = [];
  const result: ProbeResult = {
    reachable: { status: false, reason: 'ConnectFailed', message: '' },
    credentials: { status: undefined, reason: 'NotChecked', message: 'not checked: the registry is not reachable' },
    steps,
    addresses,
  };
  if (opts.image !== undefined) result.image = { status: undefined, reason: 'NotChecked', message: 'not checked: the registry is not reachable' };
  const record: StepRecorder = (step, ok, ms, detail) => steps.push({ step, ok, ms, detail });

  try {
    await run();
  } catch (e) {
    // Defensive: a bug here must not lose the steps gathered so far, nor leak anything.
    result.reachable = { status: false, reason: 'ConnectFailed', message: `probe failed unexpectedly: ${errText(e)}` };
  }
  return scrubResult(result, secrets);

  async function run(): Promise<void> {
    // 1–3. DNS, TCP, TLS
    const reached = await reachRegistry({ srv, plainHTTP, trust, timeoutMs, resolver, record, addresses });
    if (!('ep' in reached)) {
      result.reachable = reached.reachable;
      return;
    }
    const dialled = reached.ep.address; // the registry address that accepted the TCP connection
    const ctx: RegistryApiContext = {
      ep: reached.ep,
      srv,
      plainHTTP,
      where: `${plainHTTP ? 'http' : 'https'}://${srv.hostHeader}`,
      trust,
      timeoutMs,
      creds,
      record,
      onSecret: (s) => secrets.push(s),
      resolve: async (host) => {
        if (net.isIP(host)) return host;
        if (host === srv.host) return dialled;
        const ips = await withTimeout(resolver(host), timeoutMs, `DNS lookup of ${host}`);
        const first = ips[0];
        if (first === undefined) throw new Error(`${host} resolved to no addresses`);
        return first;
      },
    };

    // 4. GET /v2/ (anonymous first, like docker/containerd)
    const hs = await handshakeV2(ctx);
    result.reachable = hs.reachable;
    if (!hs.v2) return;

    // 5. Credentials
    const { credentials, auth } = await checkCredentials(ctx, hs.v2, hs.challenges);
    result.credentials = credentials;

    // 6. Image
    if (opts.image !== undefined && result.image) result.image = await checkImage(ctx, opts.image, auth);
  }
}

/** Replaces every secret (longest first) in every message and step detail. */
function scrubResult(r: ProbeResult, secrets: readonly string[]): ProbeResult {
  const list = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  const scrub = (s: string) => list.reduce((acc, sec) => acc.split(sec).join('[redacted]'), s);
  r.reachable.message = scrub(r.reachable.message);
  r.credentials.message = scrub(r.credentials.message);
  if (r.image) r.image.message = scrub(r.image.message);
  for (const s of r.steps) s.detail = scrub(s.detail);
  return r;
}
