// probeRegistry against real registries on loopback: Debian's `docker-registry` (distribution v2.8)
// started from generated configs — TLS with a test CA and htpasswd (Basic) auth, plain HTTP, and Bearer
// token auth backed by a token server written here (it signs RS256 JWTs that the registry verifies
// against its rootcertbundle). Images are pushed through the Registry HTTP API v2. Every result is
// checked to contain no credential and no token.
//
// Skips only when `docker-registry` is missing and cannot be installed (never with CI=true).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { probeRegistry } from '../../src/diagnostics/probe.ts';
import type { ProbeOptions, ProbeResult } from '../../src/diagnostics/probe/types.ts';
import { ensureRegistryBinary, freePort, INSTALL, startRegistry, which, type Registry } from '../support/registry.ts';

for (const k of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY']) delete process.env[k];

const USER = 'probe-robot';
const PASSWORD = 'S3cret-pass-9f2c';
const WRONG = 'Wrong-pass-77ab';
// bcrypt of PASSWORD, used when `htpasswd` (apache2-utils) is not installed.
const HTPASSWD_FALLBACK = 'probe-robot:$2y$05$hq4locYexKIdvz6RC8cyI.cZR.iLbKb8IDt2JLbYzX6ECBEyufWry';

// ---------------------------------------------------------------------------------------------------
// Helpers

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

interface Pki {
  caPem: string;
  serverCert: string;
  serverKey: string;
  tokenCert: string;
  tokenKeyPem: string;
  otherKeyPem: string;
  otherCertDer: Buffer;
  tokenCertDer: Buffer;
}

function makePki(dir: string): Pki {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=probe-test-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
  fs.writeFileSync(path.join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext'], dir);
  // JWT signing certificates: the trusted one (the registry's rootcertbundle) and an untrusted one.
  for (const n of ['token', 'other']) {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${n}.key`, '-out', `${n}.crt`, '-days', '2', '-subj', `/CN=probe-${n}-signer`], dir);
  }
  const der = (f: string) => new crypto.X509Certificate(fs.readFileSync(path.join(dir, f))).raw;
  return {
    caPem: fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'),
    serverCert: path.join(dir, 'server.crt'),
    serverKey: path.join(dir, 'server.key'),
    tokenCert: path.join(dir, 'token.crt'),
    tokenKeyPem: fs.readFileSync(path.join(dir, 'token.key'), 'utf8'),
    otherKeyPem: fs.readFileSync(path.join(dir, 'other.key'), 'utf8'),
    tokenCertDer: der('token.crt'),
    otherCertDer: der('other.crt'),
  };
}

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(url: string, method: string, headers: Record<string, string>, body?: Buffer | string, ca?: string): Promise<Res> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const opts: https.RequestOptions = { method, headers, agent: false, ...(ca ? { ca } : {}) };
    const req = (u.protocol === 'https:' ? https : http).request(u, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const sha256 = (b: Buffer | string) => 'sha256:' + crypto.createHash('sha256').update(b).digest('hex');

/** Pushes a minimal Docker schema2 image (one config blob, no layers); returns the manifest digest. */
async function pushImage(base: string, repo: string, tag: string, authorization: string, ca?: string): Promise<string> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } }));
  const cdigest = sha256(config);
  const start = await request(`${base}/v2/${repo}/blobs/uploads/`, 'POST', { Authorization: authorization, 'Content-Length': '0' }, undefined, ca);
  assert.equal(start.status, 202, `blob upload start: ${start.status} ${start.body}`);
  const loc = new URL(String(start.headers.location), base);
  loc.searchParams.set('digest', cdigest);
  const put = await request(loc.toString(), 'PUT', { Authorization: authorization, 'Content-Type': 'application/octet-stream', 'Content-Length': String(config.length) }, config, ca);
  assert.equal(put.status, 201, `blob upload: ${put.status} ${put.body}`);
  const mt = 'application/vnd.docker.distribution.manifest.v2+json';
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: mt, config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: cdigest }, layers: [] }));
  const m = await request(`${base}/v2/${repo}/manifests/${tag}`, 'PUT', { Authorization: authorization, 'Content-Type': mt, 'Content-Length': String(manifest.length) }, manifest, ca);
  assert.equal(m.status, 201, `manifest put: ${m.status} ${m.body}`);
  return sha256(manifest);
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** An RS256 JWT in the shape distribution's token auth verifies (x5c chain checked against rootcertbundle). */
function signJwt(keyPem: string, certDer: Buffer, claims: Record<string, unknown>): string {
  const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [certDer.toString('base64')] }));
  const payload = b64url(JSON.stringify(claims));
  const sig = crypto.sign('sha256', Buffer.from(`${header}.${payload}`), keyPem);
  return `${header}.${payload}.${b64url(sig)}`;
}

const SERVICE = 'probe-test-registry';
const ISSUER = 'probe-test-issuer';

interface TokenServer {
  url: string;
  /** Requests seen: the service, the scopes, and whether the Basic credentials were right. */
  seen: Array<{ service: string | null; scopes: string[]; user: string | undefined; ok: boolean }>;
  issued: string[];
  /** `untrusted`: sign with a key the registry does not trust. */
  mode: 'trusted' | 'untrusted';
  close(): Promise<void>;
}

async function startTokenServer(pki: Pki): Promise<TokenServer> {
  const ts: Omit<TokenServer, 'url' | 'close'> = { seen: [], issued: [], mode: 'trusted' };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    const auth = req.headers.authorization ?? '';
    const [user, ...rest] = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':') : [];
    const ok = user === USER && rest.join(':') === PASSWORD;
    const scopes = u.searchParams.getAll('scope');
    ts.seen.push({ service: u.searchParams.get('service'), scopes, user, ok });
    if (!ok) {
      res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Basic realm="probe-token"' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }));
      return;
    }
    const access = scopes.flatMap((s) => {
      const [type, name, actions] = s.split(':');
      if (type !== 'repository' || !name || !actions) return [];
      // Repositories under forbidden/ exist for nobody: no actions granted.
      return [{ type, name, actions: name.startsWith('forbidden/') ? [] : actions.split(',').filter((a) => a === 'pull' || a === 'push') }];
    });
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: ISSUER, sub: USER, aud: SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: crypto.randomUUID(), access };
    const token = ts.mode === 'trusted' ? signJwt(pki.tokenKeyPem, pki.tokenCertDer, claims) : signJwt(pki.otherKeyPem, pki.otherCertDer, claims);
    ts.issued.push(token);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('no address');
  return Object.assign(ts as TokenServer, {
    url: `http://127.0.0.1:${addr.port}/token`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

// Every probe result is checked for leaked secrets.
let tokenServer: TokenServer | undefined;
const forbidden = () => [
  PASSWORD,
  WRONG,
  USER,
  Buffer.from(`${USER}:${PASSWORD}`).toString('base64'),
  Buffer.from(`${USER}:${WRONG}`).toString('base64'),
  ...(tokenServer?.issued ?? []),
  // the signature part alone must not appear either
  ...(tokenServer?.issued ?? []).map((t) => t.split('.')[2] ?? t),
];

async function probe(opts: ProbeOptions): Promise<ProbeResult> {
  const r = await probeRegistry({ timeoutMs: 5000, ...opts });
  const text = JSON.stringify(r);
  for (const s of forbidden()) assert.ok(!text.includes(s), `probe result leaks a secret: ${text}`);
  return r;
}

const stepsOf = (r: ProbeResult) => r.steps.map((s) => `${s.step}:${s.ok ? 'ok' : 'fail'}`);

// ---------------------------------------------------------------------------------------------------

describe('probeRegistry against docker-registry (distribution v2.8) on loopback', function () {
  this.timeout(120_000);
  let dir = '';
  let pki: Pki;
  let bin = '';
  const registries: Registry[] = [];
  let tlsBasic: Registry;
  let plain: Registry;
  let tlsToken: Registry;
  let helloDigest = '';

  before(async function () {
    this.timeout(900_000);
    const found = ensureRegistryBinary();
    if (!found.bin) {
      if (process.env.CI === 'true') throw new Error(`CI=true but ${found.why ?? 'docker-registry unavailable'}`);
      console.log(`      SKIPPING registry probe tests: ${found.why ?? 'docker-registry unavailable'} (install with: ${INSTALL})`);
      this.skip();
    }
    bin = found.bin ?? '';
    if (!which('openssl')) throw new Error('openssl is required to generate test certificates');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcra-probe-'));
    pki = makePki(dir);

    const htpasswdBin = which('htpasswd');
    const line = htpasswdBin ? execFileSync(htpasswdBin, ['-Bbn', USER, PASSWORD], { encoding: 'utf8' }).trim() : HTPASSWD_FALLBACK;
    fs.writeFileSync(path.join(dir, 'htpasswd'), line + '\n');

    tokenServer = await startTokenServer(pki);
    const tlsCfg = { certificate: pki.serverCert, key: pki.serverKey };
    tlsBasic = await startRegistry(bin, dir, 'tls-basic', { tls: tlsCfg, auth: { htpasswd: { realm: 'probe-realm', path: path.join(dir, 'htpasswd') } } });
    registries.push(tlsBasic);
    plain = await startRegistry(bin, dir, 'plain', {});
    registries.push(plain);
    tlsToken = await startRegistry(bin, dir, 'tls-token', {
      tls: tlsCfg,
      auth: { token: { realm: tokenServer.url, service: SERVICE, issuer: ISSUER, rootcertbundle: pki.tokenCert } },
    });
    registries.push(tlsToken);

    const basic = 'Basic ' + Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    helloDigest = await pushImage(`https://${tlsBasic.server}`, 'probe/hello', 'v1', basic, pki.caPem);
    // Push to the token registry with a token minted here for push+pull.
    const now = Math.floor(Date.now() / 1000);
    const pushToken = signJwt(pki.tokenKeyPem, pki.tokenCertDer, {
      iss: ISSUER, sub: USER, aud: SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: crypto.randomUUID(),
      access: [{ type: 'repository', name: 'probe/hello', actions: ['pull', 'push'] }],
    });
    await pushImage(`https://${tlsToken.server}`, 'probe/hello', 'v1', `Bearer ${pushToken}`, pki.caPem);
  });

  after(async () => {
    for (const r of registries) await r.stop();
    await tokenServer?.close();
    tokenServer = undefined;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('TLS with a test CA and htpasswd (Basic) auth', () => {
    it('right password → CredentialsAccepted; missing image → ImageNotFound; every step reported', async () => {
      const r = await probe({ server: tlsBasic.server, ca: pki.caPem, username: USER, password: PASSWORD, image: 'probe/missing:v1' });
      assert.equal(r.reachable.status, true, r.reachable.message);
      assert.equal(r.reachable.reason, 'Reachable');
      assert.deepEqual(r.addresses, [{ ip: '127.0.0.1', private: true }]);
      assert.equal(r.credentials.status, true, r.credentials.message);
      assert.equal(r.credentials.reason, 'CredentialsAccepted');
      assert.equal(r.image?.status, false);
      assert.equal(r.image?.reason, 'ImageNotFound', r.image?.message);
      assert.match(r.image?.message ?? '', /probe\/missing:v1 not found/);
      assert.deepEqual(stepsOf(r), ['dns:ok', 'tcp:ok', 'tls:ok', 'http:ok', 'auth:ok', 'manifest:fail']);
      const tlsStep = r.steps.find((s) => s.step === 'tls');
      assert.match(tlsStep?.detail ?? '', /verified/);
      assert.match(tlsStep?.detail ?? '', /issuer CN=probe-test-ca/);
      assert.match(r.steps.find((s) => s.step === 'http')?.detail ?? '', /HTTP 401.*registry\/2\.0.*Basic realm="probe-realm"/);
      for (const s of r.steps) assert.ok(s.ms >= 0 && Number.isFinite(s.ms));
    });

    it('existing image by tag and by digest → ImageFound with its digest', async () => {
      const r = await probe({ server: tlsBasic.server, ca: pki.caPem, username: USER, password: PASSWORD, image: 'probe/hello:v1' });
      assert.equal(r.image?.reason, 'ImageFound', r.image?.message);
      assert.equal(r.image?.status, true);
      assert.ok(r.image?.message.includes(helloDigest), r.image?.message);
      const d = await probe({ server: tlsBasic.server, ca: pki.caPem, username: USER, password: PASSWORD, image: `${tlsBasic.server}/probe/hello@${helloDigest}` });
      assert.equal(d.image?.reason, 'ImageFound', d.image?.message);
    });

    it('wrong password → CredentialsRejected (image not checked)', async () => {
      const r = await probe({ server: tlsBasic.server, ca: pki.caPem, username: USER, password: WRONG, image: 'probe/hello:v1' });
      assert.equal(r.reachable.status, true);
      assert.equal(r.credentials.status, false);
      assert.equal(r.credentials.reason, 'CredentialsRejected', r.credentials.message);
      assert.match(r.credentials.message, /HTTP 401/);
      assert.equal(r.image?.reason, 'NotChecked');
      assert.equal(r.image?.status, undefined);
    });

    it('no credentials → NoCredentials', async () => {
      const r = await probe({ server: tlsBasic.server, ca: pki.caPem });
      assert.equal(r.credentials.reason, 'NoCredentials');
      assert.equal(r.credentials.status, false);
      assert.match(r.credentials.message, /requires authentication/);
    });

    it('without the CA → UntrustedCertificate with the precise x509 error', async () => {
      const r = await probe({ server: tlsBasic.server, username: USER, password: PASSWORD, image: 'probe/hello:v1' });
      assert.equal(r.reachable.status, false);
      assert.equal(r.reachable.reason, 'UntrustedCertificate');
      assert.match(r.reachable.message, /x509 UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
      assert.match(r.reachable.message, /issuer CN=probe-test-ca/);
      assert.match(r.reachable.message, /insecureSkipVerify/);
      assert.equal(r.credentials.reason, 'NotChecked');
      assert.equal(r.credentials.status, undefined);
      assert.equal(r.image?.reason, 'NotChecked');
      assert.deepEqual(stepsOf(r), ['dns:ok', 'tcp:ok', 'tls:fail']);
    });

    it('a host name the certificate does not cover → UntrustedCertificate (ERR_TLS_CERT_ALTNAME_INVALID); localhost is covered', async () => {
      const resolver = async (h: string) => (h === 'registry.probe.test' || h === 'localhost' ? ['127.0.0.1'] : []);
      const r = await probe({ server: `registry.probe.test:${tlsBasic.port}`, ca: pki.caPem, resolver });
      assert.equal(r.reachable.reason, 'UntrustedCertificate');
      assert.match(r.reachable.message, /ERR_TLS_CERT_ALTNAME_INVALID: the certificate is not valid for registry\.probe\.test \(it names IP Address:127\.0\.0\.1, DNS:localhost\)/);
      const ok = await probe({ server: `localhost:${tlsBasic.port}`, ca: pki.caPem, username: USER, password: PASSWORD, resolver });
      assert.equal(ok.reachable.reason, 'Reachable', ok.reachable.message);
      assert.equal(ok.credentials.reason, 'CredentialsAccepted', ok.credentials.message);
      assert.match(ok.steps[0]?.detail ?? '', /localhost → 127\.0\.0\.1 \(private\)/);
    });

    it('insecureSkipVerify → reachable, and the certificate error is still reported in the TLS step', async () => {
      const r = await probe({ server: tlsBasic.server, insecureSkipVerify: true, username: USER, password: PASSWORD, image: 'probe/hello:v1' });
      assert.equal(r.reachable.reason, 'Reachable', r.reachable.message);
      assert.equal(r.credentials.reason, 'CredentialsAccepted', r.credentials.message);
      assert.equal(r.image?.reason, 'ImageFound', r.image?.message);
      assert.match(r.steps.find((s) => s.step === 'tls')?.detail ?? '', /NOT verified \(insecureSkipVerify\): x509 UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    });

    it('plainHTTP against an HTTPS registry → PlainHttpMismatch (unset plainHTTP)', async () => {
      const r = await probe({ server: tlsBasic.server, plainHTTP: true, username: USER, password: PASSWORD });
      assert.equal(r.reachable.reason, 'PlainHttpMismatch', r.reachable.message);
      assert.match(r.reachable.message, /serves HTTPS.*unset registry\.plainHTTP/);
    });
  });

  describe('plain HTTP', () => {
    it('plainHTTP: true → reachable; anonymous registry → NoCredentials (allowed)', async () => {
      const r = await probe({ server: plain.server, plainHTTP: true, image: 'nothing/here' });
      assert.equal(r.reachable.reason, 'Reachable', r.reachable.message);
      assert.equal(r.reachable.status, true);
      assert.equal(r.credentials.reason, 'NoCredentials');
      assert.equal(r.credentials.status, true);
      assert.equal(r.image?.reason, 'ImageNotFound', r.image?.message);
      assert.deepEqual(stepsOf(r), ['dns:ok', 'tcp:ok', 'http:ok', 'manifest:fail']);
    });

    it('plainHTTP: false → PlainHttpMismatch telling the user to set registry.plainHTTP', async () => {
      const r = await probe({ server: plain.server, username: USER, password: PASSWORD });
      assert.equal(r.reachable.status, false);
      assert.equal(r.reachable.reason, 'PlainHttpMismatch', r.reachable.message);
      assert.match(r.reachable.message, /server gave HTTP response to HTTPS client/);
      assert.match(r.reachable.message, /set registry\.plainHTTP: true/);
      assert.equal(r.credentials.reason, 'NotChecked');
    });
  });

  describe('Bearer token auth (token server on loopback, RS256 JWTs verified by the registry)', () => {
    beforeEach(() => {
      if (tokenServer) {
        tokenServer.seen.length = 0;
        tokenServer.mode = 'trusted';
      }
    });

    it('right credentials → challenge → realm → token → retry → CredentialsAccepted', async () => {
      const r = await probe({ server: tlsToken.server, ca: pki.caPem, username: USER, password: PASSWORD });
      assert.equal(r.reachable.reason, 'Reachable', r.reachable.message);
      assert.equal(r.credentials.reason, 'CredentialsAccepted', r.credentials.message);
      assert.equal(r.credentials.status, true);
      assert.deepEqual(stepsOf(r), ['dns:ok', 'tcp:ok', 'tls:ok', 'http:ok', 'token:ok', 'auth:ok']);
      assert.match(r.steps.find((s) => s.step === 'http')?.detail ?? '', new RegExp(`Bearer realm="${tokenServer?.url}",service="${SERVICE}"`));
      assert.match(r.steps.find((s) => s.step === 'auth')?.detail ?? '', /Bearer → HTTP 200/);
      assert.deepEqual(tokenServer?.seen, [{ service: SERVICE, scopes: [], user: USER, ok: true }]);
    });

    it('a realm on another host never gets the credentials (registry.server host only)', async () => {
      // the registry is reached as localhost, its realm names 127.0.0.1: another host
      const resolver = async (h: string) => (h === 'localhost' ? ['127.0.0.1'] : []);
      const r = await probe({ server: `localhost:${tlsToken.port}`, ca: pki.caPem, username: USER, password: PASSWORD, resolver });
      assert.equal(r.reachable.reason, 'Reachable', r.reachable.message);
      assert.notEqual(r.credentials.reason, 'CredentialsAccepted');
      assert.match(r.credentials.message, /not on the registry host localhost: .*not sent/);
      assert.deepEqual(tokenServer?.seen, [], 'the token service saw no request');
    });

    it('wrong password → CredentialsRejected by the token service', async () => {
      const r = await probe({ server: tlsToken.server, ca: pki.caPem, username: USER, password: WRONG, image: 'probe/hello:v1' });
      assert.equal(r.credentials.reason, 'CredentialsRejected', r.credentials.message);
      assert.equal(r.credentials.status, false);
      assert.match(r.credentials.message, /rejected the credentials \(HTTP 401\)/);
      assert.equal(r.image?.reason, 'NotChecked');
      assert.equal(tokenServer?.seen[0]?.ok, false);
    });

    it('a token the registry cannot verify (untrusted signing key) → AuthServiceFailed', async () => {
      if (tokenServer) tokenServer.mode = 'untrusted';
      const r = await probe({ server: tlsToken.server, ca: pki.caPem, username: USER, password: PASSWORD });
      assert.equal(r.credentials.reason, 'AuthServiceFailed', r.credentials.message);
      assert.match(r.credentials.message, /rejected its token with HTTP 401/);
      assert.deepEqual(stepsOf(r), ['dns:ok', 'tcp:ok', 'tls:ok', 'http:ok', 'token:ok', 'auth:fail']);
    });

    it('image with a repository-scoped token → ImageFound; missing → ImageNotFound', async () => {
      const r = await probe({ server: tlsToken.server, ca: pki.caPem, username: USER, password: PASSWORD, image: 'probe/hello:v1' });
      assert.equal(r.image?.reason, 'ImageFound', r.image?.message);
      assert.ok(tokenServer?.seen.some((s) => s.scopes.includes('repository:probe/hello:pull')), JSON.stringify(tokenServer?.seen));
      const m = await probe({ server: tlsToken.server, ca: pki.caPem, username: USER, password: PASSWORD, image: 'probe/hello:nope' });
      assert.equal(m.image?.reason, 'ImageNotFound', m.image?.message);
    });

    it('a repository the credentials may not pull → ImageAccessDenied (insufficient_scope)', async () => {
      const r = await probe({ server: tlsToken.server, ca: pki.caPem, username: USER, password: PASSWORD, image: 'forbidden/app:v1' });
      assert.equal(r.credentials.reason, 'CredentialsAccepted');
      assert.equal(r.image?.reason, 'ImageAccessDenied', r.image?.message);
      assert.equal(r.image?.status, false);
      assert.match(r.image?.message ?? '', /HTTP 401 insufficient_scope/);
    });
  });
});

describe('probeRegistry: failures before HTTP (loopback only)', function () {
  this.timeout(30_000);

  it('DNS failure → DnsFailed', async () => {
    const resolver = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.probe.test'), { code: 'ENOTFOUND' });
    };
    const r = await probe({ server: 'nowhere.probe.test', resolver, username: USER, password: PASSWORD });
    assert.equal(r.reachable.reason, 'DnsFailed');
    assert.match(r.reachable.message, /nowhere\.probe\.test does not resolve/);
    assert.deepEqual(stepsOf(r), ['dns:fail']);
  });

  it('DNS that hangs → DnsFailed after the step timeout', async () => {
    const r = await probe({ server: 'slow.probe.test', resolver: () => new Promise<string[]>(() => undefined), timeoutMs: 200 });
    assert.equal(r.reachable.reason, 'DnsFailed');
    assert.match(r.reachable.message, /timed out after 200 ms/);
  });

  it('closed port → ConnectFailed naming the private address', async () => {
    const port = await freePort();
    const r = await probe({ server: `127.0.0.1:${port}` });
    assert.equal(r.reachable.reason, 'ConnectFailed');
    assert.match(r.reachable.message, /127\.0\.0\.1 \(private\): connection refused/);
  });

  it('a server that accepts TCP but never answers the TLS handshake → Timeout', async () => {
    const sockets: net.Socket[] = [];
    const srv = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const addr = srv.address();
    try {
      assert.ok(addr && typeof addr === 'object');
      const r = await probe({ server: `127.0.0.1:${addr.port}`, timeoutMs: 300 });
      assert.equal(r.reachable.reason, 'Timeout', r.reachable.message);
      assert.match(r.reachable.message, /TLS handshake .* timed out after 300 ms/);
      assert.deepEqual(stepsOf(r), ['dns:ok', 'tcp:ok', 'tls:fail']);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    }
  });

  it('an invalid server throws without echoing it', async () => {
    await assert.rejects(probeRegistry({ server: `${USER}:${PASSWORD}@127.0.0.1`, username: USER, password: PASSWORD }), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.ok(!e.message.includes(PASSWORD) && !e.message.includes(USER), e.message);
      return true;
    });
  });
});
