// Observation of one TcrAccess from the caches (no writes): the credentials and the Secret it wants, which
// Secrets of a namespace are its own, and whether a namespace is already in sync.
import { Reason } from '../../api/v1alpha1/conditions.ts';
import type { TcrAccess } from '../../api/v1alpha1/types.ts';
import { specProblem } from '../../api/v1alpha1/validate.ts';
import { resolveCredentials, type CredentialsResult } from './credentials.ts';
import type { Deps } from './deps.ts';
import { instanceDomains } from './network.ts';
import { desiredSecret, dockerConfigJson, ownerUid, saTarget, secretUpToDate, serviceAccountUpToDate, type CachedSecret, type SecretBody } from './desired.ts';
import { TOKEN_ROLE, TOKEN_ROLE_LABEL, tokenSecretName } from './tokens.ts';

export interface Desired {
  credentials: CredentialsResult;
  server: string | undefined;
  /** The Secret to write (namespace filled in per namespace); undefined while credentials are not ready. */
  secret: SecretBody | undefined;
}

export function desiredFor(access: TcrAccess, d: Deps): Desired {
  const problem = specProblem(access.spec);
  if (problem) return { credentials: { ok: false, reason: Reason.InvalidSpec, message: `The spec fails the TcrAccess schema: ${problem}` }, server: undefined, secret: undefined };
  const ref = access.spec.credentials.secretRef;
  const opNs = d.opts.sourceNamespaces[0]!;
  const source = access.spec.credentials.instanceToken
    ? d.caches.sources.get(opNs)?.get(`${opNs}/${tokenSecretName(access.metadata.name)}`)
    : ref
      ? d.caches.sources.get(ref.namespace)?.get(`${ref.namespace}/${ref.name}`)
      : undefined;
  const cloud = d.state.cloud.get(access.metadata.name);
  const server = access.spec.registry.server ?? cloud?.server;
  const credentials = resolveCredentials(access, source, new Set(d.opts.sourceNamespaces), server, cloud?.instance ? [...instanceDomains(cloud.instance), ...(cloud.customDomains ?? [])] : undefined);
  const secret = credentials.ok && server ? desiredSecret(access, '', server, dockerConfigJson(server, credentials.auth)) : undefined;
  return { credentials, server, secret };
}

/** Image-pull Secrets of this TcrAccess in one namespace (any name; not its token Secret). */
export const ownedSecrets = (access: TcrAccess, ns: string, d: Deps): CachedSecret[] =>
  d.caches.secrets.inNamespace(ns).filter((s) => ownerUid(s) === access.metadata.uid && s.metadata.labels?.[TOKEN_ROLE_LABEL] !== TOKEN_ROLE);

/**
 * Without credentials (`want` undefined) a selected namespace keeps the Secret of ours it already has and
 * the ServiceAccount entries pointing at it; everything else of ours there is removed all the same.
 */
export const keepsExistingSecret = (access: TcrAccess, ns: string, selected: boolean, d: Deps): boolean =>
  selected && ownedSecrets(access, ns, d).some((s) => s.metadata.name === access.spec.imagePullSecret.name);

/** True when the namespace needs no write for this TcrAccess (`want` undefined: no removal is due). */
export function namespaceInSync(access: TcrAccess, ns: string, selected: boolean, want: SecretBody | undefined, d: Deps): boolean {
  const name = access.spec.imagePullSecret.name;
  const owned = ownedSecrets(access, ns, d);
  if (owned.some((s) => s.metadata.name !== name || !selected)) return false;
  let secretOk = false;
  if (selected && want) {
    const cur = d.caches.secrets.get(`${ns}/${name}`);
    if (!cur || !secretUpToDate(cur, want, d.state.adopted.get(`${ns}/${name}`))) return false;
    secretOk = true;
  } else if (!want) secretOk = keepsExistingSecret(access, ns, selected, d);
  return d.caches.serviceAccounts.inNamespace(ns).every((sa) => serviceAccountUpToDate(sa, access.metadata.name, saTarget(access, sa, secretOk)));
}
