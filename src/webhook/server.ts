// The mutating admission webhook: POST /mutate-pods (AdmissionReview admission.k8s.io/v1) adds the Serverless
// registry annotations a pod needs; GET /healthz. HTTPS only (node:https); the certificate is swapped in
// place with reload() (setSecureContext) when the Secret behind it changes.
//
// It never denies: every answer is `allowed: true`, with a JSONPatch only when annotations are missing.
// A review it cannot read is answered allowed-unchanged (uid echoed when readable) and counted.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonPatchFor, wantedAnnotations, type PodLike, type RegistryRule } from './annotations.ts';

export const MUTATE_PODS_PATH = '/mutate-pods';
export const HEALTHZ_PATH = '/healthz';
const DEFAULT_MAX_BODY = 8 * 1024 * 1024;

export type ReviewResult = 'patched' | 'unchanged' | 'malformed' | 'error';

export interface AdmissionOutcome {
  /** The AdmissionReview to send back. */
  review: {
    apiVersion: 'admission.k8s.io/v1';
    kind: 'AdmissionReview';
    response: { uid: string; allowed: true; patchType?: 'JSONPatch'; patch?: string };
  };
  result: ReviewResult;
  /** Why the review was malformed or failed (for logs and the counter). */
  reason?: string;
  namespace?: string;
}

/** Registries (with the annotation they need) that pods of a namespace pull from. */
export type RegistryLookup = (namespace: string) => readonly RegistryRule[];

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function outcome(uid: string, result: ReviewResult, extra: { patch?: unknown[]; reason?: string; namespace?: string } = {}): AdmissionOutcome {
  const response: AdmissionOutcome['review']['response'] = { uid, allowed: true };
  if (extra.patch && extra.patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(extra.patch)).toString('base64');
  }
  return {
    review: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response },
    result,
    ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
    ...(extra.namespace !== undefined ? { namespace: extra.namespace } : {}),
  };
}

/** Answers one AdmissionReview body (pure apart from calling lookup). */
export function reviewPod(body: string, lookup: RegistryLookup): AdmissionOutcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return outcome('', 'malformed', { reason: 'body is not JSON' });
  }
  const request = isObj(parsed) ? parsed['request'] : undefined;
  const uid = isObj(request) && typeof request['uid'] === 'string' ? request['uid'] : '';
  if (!isObj(parsed) || parsed['apiVersion'] !== 'admission.k8s.io/v1' || parsed['kind'] !== 'AdmissionReview') {
    return outcome(uid, 'malformed', { reason: 'not an admission.k8s.io/v1 AdmissionReview' });
  }
  if (!isObj(request) || !uid) return outcome(uid, 'malformed', { reason: 'no request or no request.uid' });
  const kind = isObj(request['kind']) ? request['kind'] : {};
  if (kind['kind'] !== 'Pod' || request['operation'] !== 'CREATE' || (request['subResource'] ?? '') !== '') {
    return outcome(uid, 'unchanged', { reason: 'not a pod creation' });
  }
  const pod = request['object'];
  if (!isObj(pod) || (pod['metadata'] !== undefined && !isObj(pod['metadata'])) || !isObj(pod['spec'])) {
    return outcome(uid, 'malformed', { reason: 'request.object is not a Pod' });
  }
  const meta = isObj(pod['metadata']) ? pod['metadata'] : {};
  const namespace = typeof request['namespace'] === 'string' && request['namespace'] ? request['namespace'] : typeof meta['namespace'] === 'string' ? meta['namespace'] : '';
  if (!namespace) return outcome(uid, 'unchanged', { reason: 'no namespace' });
  let rules: readonly RegistryRule[];
  try {
    rules = lookup(namespace);
  } catch (e) {
    return outcome(uid, 'error', { reason: `lookup failed: ${(e as Error).message}`, namespace });
  }
  let patch: unknown[];
  try {
    patch = jsonPatchFor(pod as PodLike, wantedAnnotations(pod as PodLike, rules));
  } catch (e) {
    return outcome(uid, 'malformed', { reason: `cannot read the pod: ${(e as Error).message}`, namespace });
  }
  return outcome(uid, patch.length > 0 ? 'patched' : 'unchanged', { patch, namespace });
}

export interface WebhookServerOptions {
  cert: string;
  key: string;
  /** Default 0.0.0.0 (all interfaces); tests use 127.0.0.1. */
  host?: string;
  /** Default 9443; 0 picks a free port (see WebhookServer.port). */
  port?: number;
  lookup: RegistryLookup;
  /** Called for each review that could not be read (increment a counter). */
  onMalformed?: (reason: string) => void;
  /** Called for every review answered, with its duration. */
  onReview?: (result: ReviewResult, seconds: number) => void;
  log?: (level: 'debug' | 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
  maxBodyBytes?: number;
}

export interface WebhookServer {
  readonly port: number;
  readonly server: https.Server;
  /** Swaps the serving certificate for new connections; false when it is the same as before. */
  reload(tls: { cert: string; key: string }): boolean;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, contentType = 'application/json'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startWebhookServer(opts: WebhookServerOptions): Promise<WebhookServer> {
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  let current = { cert: opts.cert, key: opts.key };

  const handleReview = (req: IncomingMessage, res: ServerResponse): void => {
    const started = process.hrtime.bigint();
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBody) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const out = tooLarge
        ? outcome('', 'malformed', { reason: `body larger than ${maxBody} bytes` })
        : reviewPod(Buffer.concat(chunks).toString('utf8'), opts.lookup);
      if (out.result === 'malformed') opts.onMalformed?.(out.reason ?? 'malformed');
      if (out.result === 'malformed' || out.result === 'error') {
        opts.log?.('warn', 'Admission review answered unchanged', { reason: out.reason, uid: out.review.response.uid, namespace: out.namespace });
      } else {
        opts.log?.('debug', 'Admission review answered', { result: out.result, uid: out.review.response.uid, namespace: out.namespace });
      }
      send(res, 200, JSON.stringify(out.review));
      opts.onReview?.(out.result, Number(process.hrtime.bigint() - started) / 1e9);
    });
  };

  const server = https.createServer({ cert: opts.cert, key: opts.key, minVersion: 'TLSv1.2' }, (req, res) => {
    const pathname = new URL(req.url ?? '/', 'https://webhook').pathname;
    if (pathname === MUTATE_PODS_PATH) {
      if (req.method !== 'POST') return send(res, 405, JSON.stringify({ error: 'use POST' }));
      return handleReview(req, res);
    }
    if (pathname === HEALTHZ_PATH && (req.method === 'GET' || req.method === 'HEAD')) return send(res, 200, 'ok', 'text/plain');
    send(res, 404, JSON.stringify({ error: 'not found' }));
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 60_000;
  server.on('tlsClientError', (e) => opts.log?.('debug', 'TLS handshake failed', { error: e.message }));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 9443, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  opts.log?.('info', 'Webhook server listening', { host: opts.host ?? '0.0.0.0', port });

  return {
    port,
    server,
    reload(tls) {
      if (tls.cert === current.cert && tls.key === current.key) return false;
      server.setSecureContext({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' });
      current = { cert: tls.cert, key: tls.key };
      opts.log?.('info', 'Webhook serving certificate reloaded');
      return true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
