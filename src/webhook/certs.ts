// The webhook's serving certificate: a self-signed CA and a serving certificate it signs, kept in one
// `kubernetes.io/tls` Secret that every replica reads (only the leader writes it). No shelling out: keys come
// from node:crypto, certificates are built and signed with node-forge, and parsed back with node:crypto's
// X509Certificate.
//
// Secret layout:
//   tls.crt  the serving certificate          tls.key  its key
//   ca.crt   the CA bundle (newest CA first)  ca.key   the key of the newest CA (the one that signs)
//
// Rotation (each ensureServingCert call on the leader; call it at least hourly):
// * the serving certificate is re-issued when fewer than 30 days are left, its names or IPs differ, or it does
//   not match its key or any CA of the bundle;
// * a new CA is made when the signing CA has fewer than 60 days left; it goes into the bundle first, and a
//   still-usable serving certificate is re-issued under it only once it has been published for an hour (so the
//   API server's caBundle trusts it before any replica serves a certificate it signed);
// * an older CA stays in the bundle until it expires: the serving certificates it signed never outlive it.
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';
import { isAlreadyExists, isConflict, isNotFound, type KubeClient } from '../k8s/client.ts';

const DAY_MS = 24 * 3600 * 1000;
const HOUR_MS = 3600 * 1000;
/** notBefore is set this far in the past (clock skew between replicas and the API server). */
const BACKDATE_MS = 5 * 60 * 1000;
export const CA_VALIDITY_DAYS = 365;
export const LEAF_VALIDITY_DAYS = 90;
export const CA_RENEW_BEFORE_DAYS = 60;
export const LEAF_RENEW_BEFORE_DAYS = 30;
/** How long a new CA is in the bundle before a still-usable serving certificate is moved onto it. */
export const CA_PUBLISH_DELAY_MS = HOUR_MS;
/** At most this many CAs in the bundle (the newest ones). */
const MAX_BUNDLE = 4;

export const SERVING_CERT_ROLE_LABEL = 'tcr.tke.dev/role';
export const SERVING_CERT_ROLE = 'webhook-serving-cert';

export interface ServingCert {
  /** PEM of the serving certificate. */
  cert: string;
  /** PEM of its private key. */
  key: string;
  /** PEM CA bundle to put into the webhook configuration's caBundle (base64 it there). */
  caBundle: string;
  notAfter: Date;
}

export interface ServingCertOptions {
  namespace: string;
  secretName: string;
  /** Name of the Service in front of the webhook: SANs `<svc>`, `<svc>.<ns>`, `<svc>.<ns>.svc`, `<svc>.<ns>.svc.cluster.local`. */
  service: string;
  /** Extra IP SANs (tests: 127.0.0.1). */
  ips?: string[];
  now?: Date;
  /** false on followers: only read the Secret (throws ServingCertNotReady while it is missing or unusable). Default true. */
  write?: boolean;
}

export class ServingCertNotReady extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServingCertNotReady';
  }
}

export const dnsNames = (service: string, namespace: string): string[] => [
  service,
  `${service}.${namespace}`,
  `${service}.${namespace}.svc`,
  `${service}.${namespace}.svc.cluster.local`,
];

// ---------------------------------------------------------------------------------------------------------
// Certificates

interface KeyPair {
  publicPem: string;
  privatePem: string;
}

function newKeyPair(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { publicPem: publicKey, privatePem: privateKey };
}

/** A positive serial of minimal DER encoding (Go rejects negative or non-minimal serials). */
function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b.toString('hex');
}

function subjectKeyId(publicPem: string): string {
  const c = forge.pki.createCertificate();
  c.publicKey = forge.pki.publicKeyFromPem(publicPem);
  return c.generateSubjectKeyIdentifier().getBytes();
}

/** Names as UTF8String: forge defaults to PrintableString, which Go's strict parser rejects for e.g. '@' or '_'. */
const UTF8 = forge.asn1.Type.UTF8 as unknown as forge.asn1.Class;

/** forge writes CRLF line ends; everything else here (and kubectl) uses LF. */
const toPem = (cert: forge.pki.Certificate): string => forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n');

interface Issued {
  certPem: string;
  keyPem: string;
}

function makeCa(now: Date, commonName: string): Issued {
  const kp = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(kp.publicPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS);
  const name = [{ name: 'commonName', value: commonName, valueTagClass: UTF8 }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(kp.privatePem), forge.md.sha256.create());
  return { certPem: toPem(cert), keyPem: kp.privatePem };
}

function makeLeaf(now: Date, ca: Issued, names: string[], ips: string[]): Issued {
  const kp = newKeyPair();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(kp.publicPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  // Never outlive the CA: an older CA can then be dropped once it expires.
  cert.validity.notAfter = new Date(Math.min(now.getTime() + LEAF_VALIDITY_DAYS * DAY_MS, caCert.validity.notAfter.getTime()));
  cert.setSubject([{ name: 'commonName', value: names[0] ?? ips[0] ?? 'webhook', valueTagClass: UTF8 }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...names.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))] },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: subjectKeyId(forge.pki.publicKeyToPem(caCert.publicKey)) },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certPem: toPem(cert), keyPem: kp.privatePem };
}

/** The PEM blocks of a bundle, in order. */
export function splitPemBundle(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((b) => b + '\n') ?? [];
}

function parseCert(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

const notAfter = (c: X509Certificate): number => new Date(c.validTo).getTime();
const notBefore = (c: X509Certificate): number => new Date(c.validFrom).getTime();

function keyMatches(cert: X509Certificate, keyPem: string | undefined): boolean {
  if (!keyPem) return false;
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

function signedBy(leaf: X509Certificate, ca: X509Certificate): boolean {
  try {
    return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** SANs of a certificate as `DNS:x` / `IP:y` strings, sorted. */
function sans(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => (s.startsWith('IP Address:') ? `IP:${s.slice('IP Address:'.length)}` : s))
    .sort();
}

const wantedSans = (names: string[], ips: string[]): string[] => [...names.map((n) => `DNS:${n}`), ...ips.map((ip) => `IP:${ip}`)].sort();

// ---------------------------------------------------------------------------------------------------------
// The plan (pure apart from key generation): what the Secret's data should be now.

/** Secret data as PEM strings (not base64). */
export type ServingSecretData = Partial<Record<'tls.crt' | 'tls.key' | 'ca.crt' | 'ca.key', string>>;

export interface ServingPlan {
  data: Required<ServingSecretData>;
  changed: boolean;
  /** Why it changed (for logs): e.g. ['new CA', 'serving certificate re-issued: expires soon']. */
  reasons: string[];
}

export function planServingSecret(current: ServingSecretData | undefined, opts: { namespace: string; service: string; ips?: string[]; now: Date }): ServingPlan {
  const now = opts.now.getTime();
  const names = dnsNames(opts.service, opts.namespace);
  const ips = (opts.ips ?? []).filter((ip) => isIP(ip) !== 0);
  const reasons: string[] = [];

  // The bundle, minus CAs that expired or do not parse.
  let bundle: Array<{ pem: string; x: X509Certificate }> = [];
  for (const pem of splitPemBundle(current?.['ca.crt'] ?? '')) {
    const x = parseCert(pem);
    if (x && x.ca && notAfter(x) > now) bundle.push({ pem, x });
    else reasons.push('expired or unreadable CA dropped');
  }

  // The signing CA: the first of the bundle, with its key, valid for long enough.
  let signer: Issued | undefined;
  let signerX: X509Certificate | undefined;
  const first = bundle[0];
  if (first && keyMatches(first.x, current?.['ca.key']) && notAfter(first.x) - now > CA_RENEW_BEFORE_DAYS * DAY_MS) {
    signer = { certPem: first.pem, keyPem: current!['ca.key']! };
    signerX = first.x;
  } else {
    signer = makeCa(opts.now, `tcr-access-operator-webhook-ca-${Math.floor(now / 1000)}`);
    signerX = new X509Certificate(signer.certPem);
    bundle = [{ pem: signer.certPem, x: signerX }, ...bundle];
    reasons.push(first ? 'new CA (the signing CA expires soon or its key is missing)' : 'new CA');
  }
  bundle = bundle.slice(0, MAX_BUNDLE);

  // The serving certificate.
  const leafX = current?.['tls.crt'] ? parseCert(current['tls.crt']) : undefined;
  const leafUsable =
    !!leafX &&
    keyMatches(leafX, current?.['tls.key']) &&
    notBefore(leafX) <= now &&
    notAfter(leafX) > now + HOUR_MS &&
    JSON.stringify(sans(leafX)) === JSON.stringify(wantedSans(names, ips)) &&
    bundle.some((b) => signedBy(leafX, b.x));
  let leaf: Issued | undefined;
  if (!leafUsable) {
    leaf = makeLeaf(opts.now, signer, names, ips);
    reasons.push(leafX ? 'serving certificate re-issued: names, key, CA or validity no longer right' : 'serving certificate issued');
  } else if (notAfter(leafX) - now < LEAF_RENEW_BEFORE_DAYS * DAY_MS) {
    const published = notBefore(signerX) + BACKDATE_MS + CA_PUBLISH_DELAY_MS <= now;
    if (published || signedBy(leafX, signerX)) {
      leaf = makeLeaf(opts.now, signer, names, ips);
      reasons.push('serving certificate re-issued: expires soon');
    }
    // else: the new CA is not published long enough yet; the current certificate is still good for a while.
  }

  const data: Required<ServingSecretData> = {
    'tls.crt': leaf ? leaf.certPem : current!['tls.crt']!,
    'tls.key': leaf ? leaf.keyPem : current!['tls.key']!,
    'ca.crt': bundle.map((b) => b.pem).join(''),
    'ca.key': signer.keyPem,
  };
  const changed = (['tls.crt', 'tls.key', 'ca.crt', 'ca.key'] as const).some((k) => data[k] !== current?.[k]);
  return { data, changed, reasons: changed ? reasons : [] };
}

/** Reads the serving certificate out of Secret data; undefined when incomplete or not usable now. */
export function servingCertFrom(data: ServingSecretData | undefined, now: Date): ServingCert | undefined {
  const cert = data?.['tls.crt'];
  const key = data?.['tls.key'];
  const caBundle = data?.['ca.crt'];
  if (!cert || !key || !caBundle) return undefined;
  const x = parseCert(cert);
  if (!x || !keyMatches(x, key) || notAfter(x) <= now.getTime()) return undefined;
  return { cert, key, caBundle, notAfter: new Date(notAfter(x)) };
}

// ---------------------------------------------------------------------------------------------------------
// The Secret

interface SecretObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string; labels?: Record<string, string>; [k: string]: unknown };
  type?: string;
  data?: Record<string, string>;
}

const decode = (data: Record<string, string> | undefined): ServingSecretData => {
  const out: ServingSecretData = {};
  for (const k of ['tls.crt', 'tls.key', 'ca.crt', 'ca.key'] as const) {
    const v = data?.[k];
    if (v !== undefined) out[k] = Buffer.from(v, 'base64').toString('utf8');
  }
  return out;
};
const encode = (data: Required<ServingSecretData>): Record<string, string> =>
  Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));

/**
 * Makes sure the Secret holds a usable serving certificate and CA bundle, creating or rotating them (leader),
 * or only reads them (`write: false`, followers). Conflicts with a concurrent writer are retried from fresh data.
 */
export async function ensureServingCert(client: KubeClient, opts: ServingCertOptions): Promise<ServingCert> {
  const now = opts.now ?? new Date();
  const path = `/api/v1/namespaces/${opts.namespace}/secrets`;
  for (let attempt = 0; ; attempt++) {
    let existing: SecretObject | undefined;
    try {
      existing = await client.get<SecretObject>(`${path}/${opts.secretName}`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const current = existing ? decode(existing.data) : undefined;
    if (opts.write === false) {
      const sc = servingCertFrom(current, now);
      if (!sc) throw new ServingCertNotReady(`Secret ${opts.namespace}/${opts.secretName} has no usable serving certificate yet`);
      return sc;
    }
    const plan = planServingSecret(current, { namespace: opts.namespace, service: opts.service, ips: opts.ips, now });
    const result = servingCertFrom(plan.data, now);
    if (!result) throw new Error('internal error: the planned serving certificate is not usable');
    if (!plan.changed) return result;
    try {
      if (!existing) {
        await client.create(path, {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: opts.secretName, namespace: opts.namespace, labels: { [SERVING_CERT_ROLE_LABEL]: SERVING_CERT_ROLE } },
          type: 'kubernetes.io/tls',
          data: encode(plan.data),
        });
      } else {
        // type is immutable: a Secret of another type is an error the caller must see.
        await client.replace(`${path}/${opts.secretName}`, { ...existing, data: { ...existing.data, ...encode(plan.data) } });
      }
      return result;
    } catch (e) {
      if ((isConflict(e) || isAlreadyExists(e)) && attempt < 5) continue;
      throw e;
    }
  }
}

export interface ServingCertLoopOptions extends Omit<ServingCertOptions, 'write' | 'now'> {
  /** Whether this replica holds the leader lease (asked on every round). */
  isLeader: () => boolean;
  /** Called with the first certificate and whenever it changes (hand it to WebhookServer.reload and the config sync). */
  onChange: (sc: ServingCert) => void | Promise<void>;
  onError?: (e: unknown) => void;
  /** Default 30 s. */
  intervalMs?: number;
  signal: AbortSignal;
  clock?: () => Date;
}

/**
 * Keeps the serving certificate current on every replica: the leader ensures (creates/rotates) it, followers
 * read it; onChange fires when the certificate or the CA bundle differ from the last one seen. Resolves when
 * the signal aborts.
 */
export async function runServingCertLoop(client: KubeClient, opts: ServingCertLoopOptions): Promise<void> {
  let last = '';
  const interval = opts.intervalMs ?? 30_000;
  while (!opts.signal.aborted) {
    try {
      const sc = await ensureServingCert(client, { ...opts, write: opts.isLeader(), now: (opts.clock ?? (() => new Date()))() });
      const fingerprint = sc.cert + sc.key + sc.caBundle;
      if (fingerprint !== last) {
        await opts.onChange(sc);
        last = fingerprint;
      }
    } catch (e) {
      if (!(e instanceof ServingCertNotReady)) opts.onError?.(e);
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, last ? interval : Math.min(interval, 2_000));
      function done() {
        clearTimeout(t);
        opts.signal.removeEventListener('abort', done);
        resolve();
      }
      opts.signal.addEventListener('abort', done);
    });
  }
}
