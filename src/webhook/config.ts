// Keeps the MutatingWebhookConfiguration `tcr-access-operator` in sync: the caBundle of the serving
// certificate (the shipped manifest leaves it out), and a CEL matchCondition generated from the registry hosts
// so that the API server calls the webhook only for pods whose images come from one of them. Writes only when
// a field the operator owns differs.
import { isConflict, isNotFound, type KubeClient } from '../k8s/client.ts';
import { canonicalHostPort, defaultPort, splitHostPort, type RegistryRule } from './annotations.ts';
import { MUTATE_PODS_PATH } from './server.ts';

export const WEBHOOK_CONFIGURATION_NAME = 'tcr-access-operator';
export const WEBHOOK_NAME = 'serverless-registry-annotations.tcr.tke.dev';
export const WEBHOOK_SERVICE_NAME = 'tcr-access-operator-webhook';
export const MATCH_CONDITION_NAME = 'pulls-from-annotated-registry';
/** Above this size the matchCondition becomes `true` (the webhook then filters by itself). */
const MAX_EXPRESSION_LENGTH = 8 * 1024;
const PATH = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';

export type ClientConfig = { service: { namespace: string; name: string; port?: number; path?: string } } | { url: string };

export interface WebhookConfigOptions {
  /** PEM CA bundle (ServingCert.caBundle). */
  caBundle: string;
  /** Every registry some namespace pulls from through the webhook (duplicates are fine). */
  registries: readonly RegistryRule[];
  /** Namespaces never sent to the webhook besides kube-system: the operator's own. */
  operatorNamespace: string;
  /** Default: the Service `tcr-access-operator-webhook` in operatorNamespace, port 443, /mutate-pods. Tests pass `{url}`. */
  clientConfig?: ClientConfig;
  /** Default `tcr-access-operator`. */
  name?: string;
}

export const serviceClientConfig = (namespace: string): ClientConfig => ({
  service: { namespace, name: WEBHOOK_SERVICE_NAME, port: 443, path: MUTATE_PODS_PATH },
});

const celString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * The image prefixes that mean "pulls from one of these registries": `host:port/`, plus `host/` when the
 * port is the one implied by the registry's kind (an image names `secure.example.com/app` for :443).
 */
export function imagePrefixes(registries: readonly RegistryRule[]): string[] {
  const out = new Set<string>();
  for (const r of registries) {
    const canonical = canonicalHostPort(r.server, r.kind);
    out.add(`${canonical}/`);
    const { host, port } = splitHostPort(canonical);
    if (port === defaultPort(r.kind)) out.add(`${host}/`);
  }
  return [...out].sort();
}

/** The CEL matchCondition: true when a container or init container image starts with one of the prefixes. */
export function matchExpression(registries: readonly RegistryRule[]): string {
  const prefixes = imagePrefixes(registries);
  if (prefixes.length === 0) return 'false';
  const images = (list: string) => `(has(object.spec.${list}) && object.spec.${list}.exists(c, has(c.image) && c.image.startsWith(p)))`;
  const expr = `has(object.spec) && [${prefixes.map(celString).join(', ')}].exists(p, ${images('containers')} || ${images('initContainers')})`;
  return expr.length > MAX_EXPRESSION_LENGTH ? 'true' : expr;
}

export interface MutatingWebhookConfiguration {
  apiVersion: 'admissionregistration.k8s.io/v1';
  kind: 'MutatingWebhookConfiguration';
  metadata: { name: string; resourceVersion?: string; labels?: Record<string, string>; [k: string]: unknown };
  webhooks: Array<Record<string, unknown>>;
}

export function desiredWebhookConfiguration(opts: WebhookConfigOptions): MutatingWebhookConfiguration {
  const clientConfig = opts.clientConfig ?? serviceClientConfig(opts.operatorNamespace);
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: opts.name ?? WEBHOOK_CONFIGURATION_NAME, labels: { 'app.kubernetes.io/name': 'tcr-access-operator' } },
    webhooks: [
      {
        name: WEBHOOK_NAME,
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        timeoutSeconds: 5,
        failurePolicy: 'Ignore',
        matchPolicy: 'Equivalent',
        reinvocationPolicy: 'IfNeeded',
        clientConfig: { ...clientConfig, caBundle: Buffer.from(opts.caBundle).toString('base64') },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
        namespaceSelector: {
          matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [...new Set(['kube-system', opts.operatorNamespace])] }],
        },
        objectSelector: {},
        matchConditions: [{ name: MATCH_CONDITION_NAME, expression: matchExpression(opts.registries) }],
      },
    ],
  };
}

/** True when every field of `want` is in `have` with the same value (arrays: same length, element-wise). */
export function isSubset(want: unknown, have: unknown): boolean {
  if (Array.isArray(want)) return Array.isArray(have) && have.length === want.length && want.every((w, i) => isSubset(w, have[i]));
  if (typeof want === 'object' && want !== null) {
    if (typeof have !== 'object' || have === null || Array.isArray(have)) return false;
    return Object.entries(want).every(([k, v]) => isSubset(v, (have as Record<string, unknown>)[k]));
  }
  return want === have;
}

export type SyncResult = 'created' | 'updated' | 'unchanged' | 'missing';

/**
 * Updates the configuration when what the operator owns (webhooks[], labels) differs. The operator never
 * creates it (manifests/webhook.yaml ships it; its RBAC has no create): a missing one is 'missing', unless
 * `createIfMissing` (tests, tools with wider rights).
 */
export async function syncWebhookConfiguration(client: KubeClient, opts: WebhookConfigOptions, createIfMissing = false): Promise<SyncResult> {
  const desired = desiredWebhookConfiguration(opts);
  const path = `${PATH}/${desired.metadata.name}`;
  for (let attempt = 0; ; attempt++) {
    let existing: MutatingWebhookConfiguration | undefined;
    try {
      existing = await client.get<MutatingWebhookConfiguration>(path);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    try {
      if (!existing) {
        if (!createIfMissing) return 'missing';
        await client.create(PATH, desired);
        return 'created';
      }
      if (isSubset(desired.webhooks, existing.webhooks) && isSubset(desired.metadata.labels, existing.metadata.labels ?? {})) return 'unchanged';
      await client.replace(path, {
        ...existing,
        metadata: { ...existing.metadata, labels: { ...existing.metadata.labels, ...desired.metadata.labels } },
        webhooks: desired.webhooks,
      });
      return 'updated';
    } catch (e) {
      if ((isConflict(e) || (e as { status?: number }).status === 409) && attempt < 5) continue;
      throw e;
    }
  }
}
