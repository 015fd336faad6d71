// The probe's Registry HTTP API v2 conversation, after the network layer has reached the registry:
// `GET /v2/` (step http), the credentials check (Basic, or a Bearer token fetched from the challenge's realm:
// steps token and auth) and the manifest `HEAD` (step manifest). Each returns its verdict; tokens fetched are
// handed to the caller to scrub.
import { isPrivateAddress, parseImageReference, type ParsedServer } from './address.ts';
import { challengeText, parseWwwAuthenticate, type AuthChallenge } from './challenge.ts';
import { errText, httpRequest, StepTimeout, timed, tlsHandshake, type Endpoint, type HttpResult, type Trust } from './transport.ts';
import type { CredentialsReason, ImageReason, ProbeVerdict, ReachableReason, StepRecorder } from './types.ts';

/** Accept header of a manifest HEAD: OCI index/manifest and Docker manifest list/manifest v2. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** What the v2 steps need from the probe run. */
export interface RegistryApiContext {
  /** The registry endpoint that `reachRegistry` connected to. */
  ep: Endpoint;
  srv: ParsedServer;
  plainHTTP: boolean;
  /** `scheme://host[:port]`, as messages name the registry. */
  where: string;
  trust: Trust;
  timeoutMs: number;
  /** Present when a non-empty username and a password were given. */
  creds?: { username: string; password: string };
  record: StepRecorder;
  /** The address to dial for a token realm's host. */
  resolve: (host: string) => Promise<string>;
  /** Receives every token fetched (to be scrubbed from the result). */
  onSecret: (secret: string) => void;
}

/** First `errors[].code: message` of a Registry API error body, or a short snippet of any other body. */
function bodySummary(body: string): string {
  const b = body.trim();
  if (b === '') return '';
  try {
    const j = JSON.parse(b) as { errors?: Array<{ code?: unknown; message?: unknown }>; error?: unknown; details?: unknown };
    const e = j.errors?.[0];
    if (e) return [e.code, e.message].filter((x) => typeof x === 'string' && x !== '').join(': ');
    if (typeof j.error === 'string') return j.error + (typeof j.details === 'string' ? `: ${j.details}` : '');
  } catch {
    // not JSON
  }
  const line = b.replace(/\s+/g, ' ');
  return line.length > 160 ? line.slice(0, 160) + '…' : line;
}

function withBody(prefix: string, body: string): string {
  const s = bodySummary(body);
  return s ? `${prefix} (${s})` : prefix;
}

export function basicHeader(username: string, password: string): string {
  return 'Basic ' + Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

function headerStr(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

type Reachability = ProbeVerdict<ReachableReason, boolean>;

/**
 * Step 4: `GET /v2/`, anonymous first like docker/containerd. The reachability verdict, and on success the
 * response and its authentication challenges.
 */
export async function handshakeV2(ctx: RegistryApiContext): Promise<{ reachable: Reachability; v2?: HttpResult; challenges: AuthChallenge[] }> {
  const { ep, plainHTTP } = ctx;
  const g = await timed(() => httpRequest(ep, 'GET', '/v2/', {}, ctx.trust, ctx.timeoutMs));
  if (!g.v) {
    if (plainHTTP) {
      const hs = await tlsHandshake(undefined, ep, { ca: undefined, insecureSkipVerify: true }, ctx.timeoutMs);
      if (hs.kind === 'ok') return { reachable: plainMismatchTls(ctx, g.ms, `GET /v2/ failed: ${errText(g.e)}`), challenges: [] };
    }
    const to = g.e instanceof StepTimeout;
    ctx.record('http', false, g.ms, `GET ${ctx.where}/v2/ failed: ${errText(g.e)}`);
    return { reachable: { status: false, reason: to ? 'Timeout' : 'ConnectFailed', message: `GET ${ctx.where}/v2/ failed: ${errText(g.e)}` }, challenges: [] };
  }
  const v2 = g.v;
  if (plainHTTP && v2.status === 400 && /HTTPS/i.test(v2.body)) {
    return { reachable: plainMismatchTls(ctx, g.ms, `GET /v2/: HTTP 400 (${bodySummary(v2.body)})`), challenges: [] };
  }
  const apiVersion = headerStr(v2.headers['docker-distribution-api-version']);
  const challenges = parseWwwAuthenticate(v2.headers['www-authenticate']);
  ctx.record(
    'http',
    true,
    g.ms,
    `GET ${ctx.where}/v2/ → HTTP ${v2.status}; Docker-Distribution-Api-Version: ${apiVersion ?? '(none)'}; challenge: ${challenges.map(challengeText).join(' | ') || 'none'}`,
  );
  const address = ep.address;
  const reachable: Reachability = {
    status: true,
    reason: 'Reachable',
    message: `${ctx.where} answered HTTP ${v2.status} to GET /v2/ (via ${isPrivateAddress(address) ? 'private' : 'public'} address ${address}${plainHTTP ? ', plain HTTP' : ''})`,
  };
  return { reachable, v2, challenges };
}

function plainMismatchTls(ctx: RegistryApiContext, ms: number, what: string): Reachability {
  ctx.record('http', false, ms, `${what}; the server speaks TLS`);
  return {
    status: false,
    reason: 'PlainHttpMismatch',
    message: `${ctx.srv.hostHeader} serves HTTPS but registry.plainHTTP is true: unset registry.plainHTTP (and set registry.insecureSkipVerify: true if its certificate is self-signed)`,
  };
}

/** Auth state carried to the image step. */
export type AuthState = { header?: string; bearer?: AuthChallenge; usable: boolean };

type CredentialsVerdict = ProbeVerdict<CredentialsReason, boolean | undefined>;

/** Step 5: are the credentials accepted (Basic, or a Bearer token from the challenge's realm)? */
export async function checkCredentials(
  ctx: RegistryApiContext,
  v2: HttpResult,
  challenges: AuthChallenge[],
): Promise<{ credentials: CredentialsVerdict; auth: AuthState }> {
  const { ep, creds, where } = ctx;
  const verdict = (credentials: CredentialsVerdict, auth: AuthState) => ({ credentials, auth });
  const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
  const basic = challenges.find((c) => c.scheme === 'basic');
  if (v2.status >= 200 && v2.status < 300) {
    return verdict(
      creds
        ? { status: true, reason: 'CredentialsAccepted', message: `${where} allows anonymous access to /v2/: the credentials are not needed there (they are used for the image check)` }
        : { status: true, reason: 'NoCredentials', message: `${where} allows anonymous access to /v2/ and no credentials were given` },
      { header: creds ? basicHeader(creds.username, creds.password) : undefined, usable: true },
    );
  }
  if (v2.status !== 401 && v2.status !== 403) {
    const notV2 = v2.status === 404 ? ': it does not serve the Registry HTTP API v2' : '';
    return verdict({ status: undefined, reason: 'NotChecked', message: withBody(`not checked: GET /v2/ returned HTTP ${v2.status}${notV2}`, v2.body) }, { usable: false });
  }
  if (!creds) {
    return verdict(
      {
        status: false,
        reason: 'NoCredentials',
        message: `${where} requires authentication (${challenges.map(challengeText).join(' | ') || `HTTP ${v2.status}`}) and no credentials were given`,
      },
      { bearer, usable: true },
    );
  }
  if (bearer) {
    const tok = await fetchToken(ctx, bearer, bearer.params.scope);
    if (tok.kind !== 'token') {
      return verdict(
        tok.kind === 'rejected'
          ? { status: false, reason: 'CredentialsRejected', message: tok.message }
          : { status: false, reason: 'AuthServiceFailed', message: tok.message },
        { bearer, usable: false },
      );
    }
    const header = `Bearer ${tok.token}`;
    const r = await timed(() => httpRequest(ep, 'GET', '/v2/', { Authorization: header }, ctx.trust, ctx.timeoutMs));
    if (!r.v) {
      ctx.record('auth', false, r.ms, `GET /v2/ with the token failed: ${errText(r.e)}`);
      return verdict({ status: false, reason: 'AuthServiceFailed', message: `GET /v2/ with the token failed: ${errText(r.e)}` }, { bearer, usable: false });
    }
    const ok = r.v.status >= 200 && r.v.status < 300;
    ctx.record('auth', ok, r.ms, withBody(`GET /v2/ with Authorization: Bearer → HTTP ${r.v.status}`, ok ? '' : r.v.body));
    if (ok) {
      return verdict({ status: true, reason: 'CredentialsAccepted', message: `credentials accepted: token service ${tok.realm} issued a token that ${where} accepts` }, { header, bearer, usable: true });
    }
    return verdict(
      {
        status: false,
        reason: 'AuthServiceFailed',
        message: withBody(`token service ${tok.realm} accepted the credentials, but ${where} rejected its token with HTTP ${r.v.status}: the registry and its token service disagree (issuer, service or signing certificate)`, r.v.body),
      },
      { bearer, usable: false },
    );
  }
  if (!basic && challenges.length > 0) {
    return verdict({ status: undefined, reason: 'AuthServiceFailed', message: `unsupported authentication scheme: ${challenges.map(challengeText).join(' | ')}` }, { usable: false });
  }
  const header = basicHeader(creds.username, creds.password);
  const r = await timed(() => httpRequest(ep, 'GET', '/v2/', { Authorization: header }, ctx.trust, ctx.timeoutMs));
  if (!r.v) {
    ctx.record('auth', false, r.ms, `GET /v2/ with Basic credentials failed: ${errText(r.e)}`);
    return verdict({ status: false, reason: 'AuthServiceFailed', message: `GET /v2/ with Basic credentials failed: ${errText(r.e)}` }, { usable: false });
  }
  const ok = r.v.status >= 200 && r.v.status < 300;
  ctx.record('auth', ok, r.ms, withBody(`GET /v2/ with Authorization: Basic → HTTP ${r.v.status}`, ok ? '' : r.v.body));
  if (ok) return verdict({ status: true, reason: 'CredentialsAccepted', message: `credentials accepted by ${where} (Basic)` }, { header, usable: true });
  if (r.v.status === 401 || r.v.status === 403) {
    return verdict({ status: false, reason: 'CredentialsRejected', message: withBody(`${where} rejected the credentials (Basic, HTTP ${r.v.status})`, r.v.body) }, { usable: false });
  }
  return verdict({ status: false, reason: 'AuthServiceFailed', message: withBody(`${where} answered HTTP ${r.v.status} to GET /v2/ with Basic credentials`, r.v.body) }, { usable: false });
}

type TokenOutcome = { kind: 'token'; token: string; realm: string } | { kind: 'rejected' | 'failed'; message: string };

/** A token from a Bearer challenge's realm (with the credentials, if any): steps token. */
async function fetchToken(ctx: RegistryApiContext, ch: AuthChallenge, scope: string | undefined): Promise<TokenOutcome> {
  const { creds } = ctx;
  const realmRaw = ch.params.realm ?? '';
  let url: URL;
  try {
    url = new URL(realmRaw);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    const message = `the Bearer challenge has an invalid realm "${realmRaw}"`;
    ctx.record('token', false, 0, message);
    return { kind: 'failed', message };
  }
  if (ch.params.service) url.searchParams.set('service', ch.params.service);
  if (scope) for (const s of scope.split(' ').filter(Boolean)) url.searchParams.append('scope', s);
  const realm = `${url.protocol}//${url.host}${url.pathname}`;
  const qs = [ch.params.service ? `service=${ch.params.service}` : '', scope ? `scope=${scope}` : ''].filter(Boolean).join(', ');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  // Credentials go to registry.server's host only: a realm elsewhere (a registry pointing its challenge at a
  // host it does not own) never gets them. TCR's token service is /service/token on the registry's own domain.
  if (creds && host.toLowerCase() !== ctx.srv.host.toLowerCase()) {
    const message = `the Bearer challenge's realm ${realm} is not on the registry host ${ctx.srv.host}: credentials are sent to the registry host only, so they were not sent`;
    ctx.record('token', false, 0, message);
    return { kind: 'failed', message };
  }
  const r = await timed(async () => {
    const address = await ctx.resolve(host);
    const tep: Endpoint = {
      https: url.protocol === 'https:',
      host,
      port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
      hostHeader: url.host,
      address,
    };
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (creds) headers.Authorization = basicHeader(creds.username, creds.password);
    return httpRequest(tep, 'GET', url.pathname + url.search, headers, ctx.trust, ctx.timeoutMs);
  });
  const label = `token from ${realm}${qs ? ` (${qs})` : ''}${creds ? '' : ', anonymous'}`;
  if (!r.v) {
    const message = `token service ${realm} failed: ${errText(r.e)}`;
    ctx.record('token', false, r.ms, `${label}: ${errText(r.e)}`);
    return { kind: 'failed', message };
  }
  const res = r.v;
  if (res.status === 401 || res.status === 403) {
    ctx.record('token', false, r.ms, withBody(`${label}: HTTP ${res.status}`, res.body));
    return { kind: 'rejected', message: withBody(`token service ${realm} rejected the credentials (HTTP ${res.status})`, res.body) };
  }
  if (res.status < 200 || res.status >= 300) {
    ctx.record('token', false, r.ms, withBody(`${label}: HTTP ${res.status}`, res.body));
    return { kind: 'failed', message: withBody(`token service ${realm} answered HTTP ${res.status}`, res.body) };
  }
  let token: string | undefined;
  try {
    const j = JSON.parse(res.body) as { token?: unknown; access_token?: unknown };
    token = typeof j.token === 'string' && j.token ? j.token : typeof j.access_token === 'string' && j.access_token ? j.access_token : undefined;
  } catch {
    token = undefined;
  }
  if (!token) {
    ctx.record('token', false, r.ms, `${label}: HTTP ${res.status} without a token`);
    return { kind: 'failed', message: `token service ${realm} answered HTTP ${res.status} without a token` };
  }
  ctx.onSecret(token);
  ctx.record('token', true, r.ms, `${label}: HTTP ${res.status}, token received${url.protocol === 'http:' ? ' (realm is plain HTTP)' : ''}`);
  return { kind: 'token', token, realm };
}

/** Step 6: does the image's manifest exist, and may these credentials pull it? */
export async function checkImage(ctx: RegistryApiContext, image: string, auth: AuthState): Promise<ProbeVerdict<ImageReason, boolean | undefined>> {
  const { ep } = ctx;
  const ref = parseImageReference(image, ctx.srv.hostHeader);
  if (!ref) return { status: undefined, reason: 'NotChecked', message: 'not checked: invalid image reference (expected repo[:tag|@digest])' };
  const name = `${ref.repository}${ref.kind === 'digest' ? '@' : ':'}${ref.reference}`;
  if (!auth.usable) return { status: undefined, reason: 'NotChecked', message: `not checked (${name}): the credentials were not accepted` };
  const path = `/v2/${ref.repository}/manifests/${ref.reference}`;
  const head = async (authorization: string | undefined, label: string) => {
    const headers: Record<string, string> = { Accept: MANIFEST_ACCEPT };
    if (authorization) headers.Authorization = authorization;
    const r = await timed(() => httpRequest(ep, 'HEAD', path, headers, ctx.trust, ctx.timeoutMs));
    ctx.record('manifest', r.v !== undefined && r.v.status >= 200 && r.v.status < 300, r.ms, r.v ? `HEAD ${path}${label} → HTTP ${r.v.status}` : `HEAD ${path}${label} failed: ${errText(r.e)}`);
    return r;
  };
  let r = await head(auth.header, auth.header ? ` (${auth.header.split(' ')[0]})` : ' (anonymous)');
  if (r.v?.status === 401) {
    const ch = parseWwwAuthenticate(r.v.headers['www-authenticate']).find((c) => c.scheme === 'bearer' && c.params.realm) ?? auth.bearer;
    if (ch) {
      const scope = ch.params.scope ?? `repository:${ref.repository}:pull`;
      const tok = await fetchToken(ctx, ch, scope);
      if (tok.kind !== 'token') {
        return tok.kind === 'rejected'
          ? { status: false, reason: 'ImageAccessDenied', message: `${name}: ${tok.message}` }
          : { status: undefined, reason: 'NotChecked', message: `not checked (${name}): ${tok.message}` };
      }
      r = await head(`Bearer ${tok.token}`, ` (Bearer, scope ${scope})`);
    }
  }
  if (!r.v) {
    return { status: undefined, reason: 'NotChecked', message: `not checked (${name}): HEAD ${path} failed: ${errText(r.e)}` };
  }
  const st = r.v.status;
  if (st >= 200 && st < 300) {
    const digest = headerStr(r.v.headers['docker-content-digest']);
    const type = headerStr(r.v.headers['content-type']);
    const extra = [digest, type].filter(Boolean).join(', ');
    return { status: true, reason: 'ImageFound', message: `${name} found in ${ctx.srv.hostHeader}${extra ? ` (${extra})` : ''}` };
  }
  if (st === 404) return { status: false, reason: 'ImageNotFound', message: `${name} not found in ${ctx.srv.hostHeader}: the repository or the ${ref.kind} does not exist (failed to resolve reference: not found)` };
  if (st === 401 || st === 403) {
    const ch = parseWwwAuthenticate(r.v.headers['www-authenticate']).find((c) => c.params.error);
    const err = ch?.params.error ? ` ${ch.params.error}` : '';
    return {
      status: false,
      reason: 'ImageAccessDenied',
      message: `access to ${ref.repository} denied (HTTP ${st}${err}): the credentials may not pull from this repository — check the namespace/repository permissions (some registries also answer so for a repository that does not exist)`,
    };
  }
  return { status: undefined, reason: 'NotChecked', message: `not checked (${name}): HEAD ${path} answered HTTP ${st}` };
}
