// KubeClient's own HTTP behaviour against a local HTTP server standing in for one endpoint (not for the
// API server's semantics, which the integration tests cover): 429 Retry-After, error mapping, the client-side
// rate limit, content types, TLS with the kubeconfig's CA and client certificate.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';
import { ApiError, isAlreadyExists, isConflict, KubeClient, MERGE_PATCH } from '../../src/k8s/client.ts';
import { openssl } from '../support/controlplane.ts';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ server: Server; kc: KubeConfig }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'test-token' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return { server, kc };
}

const status = (res: ServerResponse, code: number, reason: string, message: string, headers: Record<string, string> = {}) =>
  res.writeHead(code, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify({ kind: 'Status', status: 'Failure', reason, message, code }));

describe('KubeClient', () => {
  const servers: Server[] = [];
  afterEach(() => servers.splice(0).forEach((s) => s.close()));

  it('a plain request that gets no answer fails after requestTimeoutMs', async () => {
    const { server, kc } = await serve(() => {}); // never answers
    servers.push(server);
    const c = new KubeClient(kc, { qps: 100, burst: 100, requestTimeoutMs: 300 });
    const t0 = Date.now();
    await assert.rejects(c.get('/api/v1/namespaces'), /abort|timeout/i);
    assert.ok(Date.now() - t0 < 5_000);
    await c.close();
    server.closeAllConnections();
  });

  it('a watch is not cut by the request timeout while events flow, and a stalled one is detected by its idle timeout', async () => {
    let sent = 0;
    const { server, kc } = await serve((_req, _body, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      // an event every 100 ms for 600 ms (longer than the request timeout), then silence: a dead stream
      const t = setInterval(() => {
        if (sent++ < 6) res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(sent) } } })}\n`);
        else clearInterval(t);
      }, 100);
    });
    servers.push(server);
    const c = new KubeClient(kc, { qps: 100, burst: 100, requestTimeoutMs: 300 });
    const seen: string[] = [];
    await assert.rejects(
      c.watch<{ metadata: { resourceVersion: string } }>('/api/v1/pods', {}, (e) => seen.push(e.object.metadata.resourceVersion), { idleTimeoutMs: 400 }),
      (e: unknown) => e instanceof ApiError && e.reason === 'WatchIdle',
    );
    assert.equal(seen.length, 6, 'every event arrived although the watch outlived the request timeout');
    await c.close();
    server.closeAllConnections();
  });

  it('waits for Retry-After on 429 and then succeeds', async function () {
    this.timeout(10_000);
    const times: number[] = [];
    const { server, kc } = await serve((_req, _b, res) => {
      times.push(performance.now());
      if (times.length === 1) return status(res, 429, 'TooManyRequests', 'slow down', { 'Retry-After': '1' });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    });
    servers.push(server);
    const c = new KubeClient(kc, { qps: 100, burst: 100 });
    assert.deepEqual(await c.get('/api/v1/namespaces'), { ok: true });
    assert.equal(times.length, 2);
    assert.ok(times[1]! - times[0]! >= 950, `retried after ${times[1]! - times[0]!} ms`);
    await c.close();
  });

  it('gives up after maxThrottleRetries and surfaces the 429', async function () {
    this.timeout(10_000);
    let n = 0;
    const { server, kc } = await serve((_req, _b, res) => {
      n++;
      status(res, 429, 'TooManyRequests', 'slow down', { 'Retry-After': '1' });
    });
    servers.push(server);
    const c = new KubeClient(kc, { qps: 100, burst: 100, maxThrottleRetries: 2 });
    await assert.rejects(c.get('/x'), (e: unknown) => e instanceof ApiError && e.status === 429);
    assert.equal(n, 3);
    await c.close();
  });

  it('maps Status bodies to ApiError and tells Conflict from AlreadyExists', async () => {
    const { server, kc } = await serve((req, _b, res) => (req.method === 'POST' ? status(res, 409, 'AlreadyExists', 'exists') : status(res, 409, 'Conflict', 'stale')));
    servers.push(server);
    const c = new KubeClient(kc, { qps: 100, burst: 100 });
    await assert.rejects(c.create('/x', {}), (e: unknown) => isAlreadyExists(e) && !isConflict(e));
    await assert.rejects(c.replace('/x', {}), (e: unknown) => isConflict(e) && (e as ApiError).message === 'stale');
    await c.close();
  });

  it('sends the bearer token, JSON and merge-patch content types', async () => {
    const seen: Array<{ method?: string; ct?: string; auth?: string; body: string }> = [];
    const { server, kc } = await serve((req, body, res) => {
      seen.push({ method: req.method, ct: req.headers['content-type'], auth: req.headers['authorization'], body });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
    servers.push(server);
    const c = new KubeClient(kc, { qps: 100, burst: 100 });
    await c.mergePatch('/x', { a: 1 });
    await c.create('/x', { b: 2 });
    assert.deepEqual(seen.map((s) => [s.method, s.ct, s.auth, s.body]), [
      ['PATCH', MERGE_PATCH, 'Bearer test-token', '{"a":1}'],
      ['POST', 'application/json', 'Bearer test-token', '{"b":2}'],
    ]);
    await c.close();
  });

  it('paces requests at the client-side QPS after the burst', async () => {
    const times: number[] = [];
    const { server, kc } = await serve((_req, _b, res) => {
      times.push(performance.now());
      res.writeHead(200).end('{}');
    });
    servers.push(server);
    const c = new KubeClient(kc, { qps: 20, burst: 2 });
    await Promise.all(Array.from({ length: 6 }, () => c.get('/x')));
    // 2 at once, then 4 more at 20/s: at least ~200 ms in all
    assert.ok(times[5]! - times[0]! >= 180, `6 requests took ${times[5]! - times[0]!} ms`);
    await c.close();
  });
  it('over https, trusts the kubeconfig CA and presents its client certificate (plain requests and watches)', async function () {
    this.timeout(20_000);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tcra-client-tls-'));
    try {
      const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
      await openssl(dir, ['req', '-x509', ...ec, '-days', '1', '-subj', '/CN=test-ca', '-keyout', 'ca.key', '-out', 'ca.crt', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
      for (const [name, ext] of [['server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'], ['client', 'extendedKeyUsage=clientAuth\n']] as const) {
        await openssl(dir, ['req', ...ec, '-subj', `/CN=${name}-cn`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
        writeFileSync(path.join(dir, `${name}.ext`), ext);
        await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
      }
      const pem = (f: string) => readFileSync(path.join(dir, f));
      const seen: string[] = [];
      const server = createHttpsServer({ key: pem('server.key'), cert: pem('server.crt'), ca: pem('ca.crt'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
        seen.push(`${req.url?.includes('watch=1') ? 'watch' : 'get'} by ${(req.socket as TLSSocket).getPeerCertificate().subject?.CN}`);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        if (req.url?.includes('watch=1')) res.end(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } })}\n`);
        else res.end(JSON.stringify({ kind: 'NamespaceList', items: [] }));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      servers.push(server as unknown as Server);
      const b64 = (f: string) => pem(f).toString('base64');
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'c', server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, caData: b64('ca.crt'), skipTLSVerify: false }],
        users: [{ name: 'u', certData: b64('client.crt'), keyData: b64('client.key') }],
        contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
        currentContext: 'c',
      });
      const c = new KubeClient(kc, { qps: 100, burst: 100 });
      assert.deepEqual(await c.get('/api/v1/namespaces'), { kind: 'NamespaceList', items: [] });
      const events: string[] = [];
      await c.watch<{ metadata: { name: string } }>('/api/v1/namespaces', {}, (e) => events.push(`${e.type} ${e.object.metadata.name}`), {});
      assert.deepEqual(events, ['ADDED a']);
      assert.deepEqual(seen, ['get by client-cn', 'watch by client-cn']);
      await c.close();
      // a kubeconfig without the CA does not trust the server
      const untrusting = new KubeConfig();
      untrusting.loadFromOptions({ ...JSON.parse(JSON.stringify({ clusters: kc.clusters, users: kc.users, contexts: kc.contexts })), currentContext: 'c' });
      untrusting.clusters[0] = { ...untrusting.clusters[0]!, caData: undefined };
      const u = new KubeClient(untrusting, { qps: 100, burst: 100 });
      await assert.rejects(u.get('/api/v1/namespaces'), /certificate/i);
      await u.close();
      server.closeAllConnections();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
