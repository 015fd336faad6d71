// Resolving registry credentials from their source (pure). Never puts secret material in a message.
import { Reason, type ReasonName } from '../../api/v1alpha1/conditions.ts';
import { Kind, type TcrAccess } from '../../api/v1alpha1/types.ts';
import { DOCKERCONFIG_KEY, MANAGED_BY_LABEL, MANAGED_BY_VALUE, registryKeys, type RegistryAuth } from './desired.ts';

export interface SourceSecret {
  metadata: { name: string; namespace: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: Array<{ kind: string }> };
  type?: string;
  data?: Record<string, string>;
}

export type CredentialsResult =
  | { ok: true; auth: RegistryAuth; message: string }
  | { ok: false; reason: ReasonName; message: string };

/**
 * Secrets the operator made itself (token Secrets, the webhook serving certificate, image-pull copies) are
 * never credential sources: otherwise one TcrAccess could send another's token wherever it likes.
 */
export function operatorMade(s: SourceSecret): boolean {
  const l = s.metadata.labels ?? {};
  return ROLE_LABEL in l || l[MANAGED_BY_LABEL] === MANAGED_BY_VALUE || (s.metadata.ownerReferences ?? []).some((o) => o.kind === Kind);
}
/** The label of the operator's own Secrets (token Secrets: token-source; webhook certificate: webhook-serving-cert). */
const ROLE_LABEL = 'tcr.tke.dev/role';

const decode = (b64: string | undefined): string | undefined => (b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8'));

/**
 * Registry credentials from their source: the `secretRef` Secret, or — for `instanceToken` — the token
 * Secret the operator keeps in its own namespace. `server` is registry.server, or the domain derived
 * from the TCR instance (undefined while it is not known yet). `instanceDomains`: the registry domains of
 * the TCR instance once checked — an instance token is only ever rendered for one of them.
 */
export function resolveCredentials(
  access: TcrAccess,
  source: SourceSecret | undefined,
  allowedNamespaces: ReadonlySet<string>,
  server: string | undefined,
  instanceDomains?: readonly string[],
): CredentialsResult {
  const spec = access.spec;
  if (spec.credentials.instanceToken) {
    if (!server) return { ok: false, reason: Reason.WaitingForInstance, message: `Waiting for TCR instance ${spec.registry.instanceId} to be checked` };
    if (spec.registry.server) {
      if (!instanceDomains) return { ok: false, reason: Reason.WaitingForInstance, message: `Waiting for TCR instance ${spec.registry.instanceId} to be checked to learn its domains` };
      if (!instanceDomains.includes(server)) {
        return {
          ok: false,
          reason: Reason.ServerNotInstanceDomain,
          message: `registry.server ${server} is not a domain of TCR instance ${spec.registry.instanceId} (${instanceDomains.join(', ')}): its token is only ever sent to the instance itself; remove registry.server or set one of those`,
        };
      }
    }
    const user = decode(source?.data?.['username']);
    const token = decode(source?.data?.['password']);
    if (!user || !token) return { ok: false, reason: Reason.TokenProvisioning, message: 'Waiting for an instance token to be minted' };
    const exp = (source as { metadata: { annotations?: Record<string, string> } }).metadata.annotations?.['tcr.tke.dev/expires-at'];
    const kind = spec.credentials.instanceToken.type === 'LongTerm' ? 'Long-term' : 'Temporary';
    return { ok: true, auth: { username: user, password: token }, message: `${kind} instance token${exp ? ` valid until ${exp}` : ''}` };
  }
  const ref = spec.credentials.secretRef;
  if (!ref) return { ok: false, reason: Reason.SourceSecretInvalid, message: 'no credentials source is set' };
  if (!allowedNamespaces.has(ref.namespace)) {
    return {
      ok: false,
      reason: Reason.SourceNotAllowed,
      message: `credentials.secretRef must be in the operator's namespace or one of --source-namespaces (${[...allowedNamespaces].sort().join(', ')}); "${ref.namespace}" is not allowed`,
    };
  }
  if (!source) return { ok: false, reason: Reason.SourceSecretNotFound, message: `Secret ${ref.namespace}/${ref.name} not found` };
  if (operatorMade(source)) {
    return { ok: false, reason: Reason.SourceNotAllowed, message: `Secret ${ref.namespace}/${ref.name} was made by the operator (a token Secret, the webhook certificate or an image-pull copy): it is never a credentials source` };
  }
  if (!server) return { ok: false, reason: Reason.WaitingForInstance, message: `Waiting for TCR instance ${spec.registry.instanceId} to be checked to learn the registry domain` };
  const data = source.data ?? {};
  const username = decode(data['username']);
  const password = decode(data['password']);
  if (username !== undefined && password !== undefined) {
    if (!username || !password) return { ok: false, reason: Reason.SourceSecretInvalid, message: `Secret ${ref.namespace}/${ref.name} has an empty username or password` };
    return { ok: true, auth: { username, password }, message: `Using username/password from Secret ${ref.namespace}/${ref.name}` };
  }
  const dcj = decode(data[DOCKERCONFIG_KEY]);
  if (dcj !== undefined) {
    let auths: Record<string, { username?: string; password?: string; auth?: string }>;
    try {
      const parsed = JSON.parse(dcj) as { auths?: typeof auths };
      auths = parsed.auths ?? {};
    } catch {
      return { ok: false, reason: Reason.SourceSecretInvalid, message: `Secret ${ref.namespace}/${ref.name}: ${DOCKERCONFIG_KEY} is not valid JSON` };
    }
    const key = registryKeys(server).find((k) => auths[k]);
    if (!key) {
      const hosts = Object.keys(auths).sort().slice(0, 5).join(', ') || 'none';
      return { ok: false, reason: Reason.SourceSecretInvalid, message: `Secret ${ref.namespace}/${ref.name} has no ${DOCKERCONFIG_KEY} entry for ${server} (entries: ${hosts})` };
    }
    // Fields of a hand-written config may have any JSON type: anything but a string counts as absent
    // (Buffer.from of a number would throw, with the value in the error message).
    const e = auths[key]! as Record<string, unknown>;
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    let u = str(e.username);
    let p = str(e.password);
    const auth = str(e.auth);
    if ((!u || !p) && auth) {
      const s = decode(auth) ?? '';
      const i = s.indexOf(':');
      if (i > 0) {
        u = s.slice(0, i);
        p = s.slice(i + 1);
      }
    }
    if (!u || !p) return { ok: false, reason: Reason.SourceSecretInvalid, message: `Secret ${ref.namespace}/${ref.name}: the entry for ${server} has no username and password` };
    return { ok: true, auth: { username: u, password: p }, message: `Using the ${server} entry of ${DOCKERCONFIG_KEY} in Secret ${ref.namespace}/${ref.name}` };
  }
  return {
    ok: false,
    reason: Reason.SourceSecretInvalid,
    message: `Secret ${ref.namespace}/${ref.name} must hold "username" and "password", or "${DOCKERCONFIG_KEY}"`,
  };
}
