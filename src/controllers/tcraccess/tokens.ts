// TCR instance tokens (credentials.instanceToken): minted through the TCR API and stored FIRST in a
// Secret in the operator's namespace — the single source the rollout copies, so a crash never loses a
// minted token. Temporary tokens (1 h) are refreshed well before expiry; long-term tokens are rotated
// every rotationPeriod: the new token is rolled out everywhere before the old one is deleted. Tokens are
// found by their Desc marker, so orphans (minted, then a crash before the Secret was written) are deleted.
// Token values never reach logs, status, Events or metrics.
import { Reason } from '../../api/v1alpha1/conditions.ts';
import type { TcrAccess, TcrAccessStatus } from '../../api/v1alpha1/types.ts';
import type { TencentCloud } from '../../cloud/tencent/port.ts';
import type { ConditionInput } from '../../k8s/conditions.ts';
import { parseDuration } from '../../k8s/duration.ts';
import type { SourceSecret } from './credentials.ts';
import { managedLabels, ownerReferenceTo, type SecretBody } from './desired.ts';

export const TOKEN_ROLE_LABEL = 'tcr.tke.dev/role';
export const TOKEN_ROLE = 'token-source';
export const ANN_TOKEN_ID = 'tcr.tke.dev/token-id';
export const ANN_EXPIRES_AT = 'tcr.tke.dev/expires-at';
export const ANN_ISSUED_AT = 'tcr.tke.dev/issued-at';
export const ANN_TOKEN_TYPE = 'tcr.tke.dev/token-type';

/** Temporary tokens are refreshed this long before they expire. */
export const TEMP_REFRESH_BEFORE_MS = 20 * 60_000;
export const DEFAULT_ROTATION = '720h';

export const tokenSecretName = (accessName: string): string => `tcra-token-${accessName}`;

export type CredentialsStatus = NonNullable<TcrAccessStatus['credentials']>;

export interface TokenOutcome {
  /** Set when the token is not usable (the caller's CredentialsReady). */
  condition?: ConditionInput;
  status: CredentialsStatus;
  requeueAfterMs?: number;
}

export interface TokenContext {
  cloud: TencentCloud;
  access: TcrAccess;
  marker: string;
  /** The token Secret as cached (may be stale by one write; writes are idempotent by content). */
  current: SourceSecret | undefined;
  /** Writes (create or replace) the token Secret; returns when stored. */
  store: (body: TokenSecretBody) => Promise<void>;
  /** True when every selected namespace already carries the current token (safe to delete old ones). */
  rolledOut: boolean;
  /** A rotation was asked for (annotation tcr.tke.dev/rotate): treated exactly like a rotation that is due. */
  rotateNow?: boolean;
  now: Date;
}

export type TokenSecretBody = SecretBody;

export function tokenSecretBody(access: TcrAccess, namespace: string, t: { username: string; token: string; expiresAtMs: number; tokenId?: string; type: string }, now: Date): TokenSecretBody {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: tokenSecretName(access.metadata.name),
      namespace,
      labels: { ...managedLabels(access), [TOKEN_ROLE_LABEL]: TOKEN_ROLE },
      annotations: {
        [ANN_TOKEN_TYPE]: t.type,
        [ANN_EXPIRES_AT]: new Date(t.expiresAtMs).toISOString(),
        [ANN_ISSUED_AT]: now.toISOString(),
        ...(t.tokenId ? { [ANN_TOKEN_ID]: t.tokenId } : {}),
      },
      ownerReferences: [ownerReferenceTo(access)],
    },
    type: 'Opaque',
    data: { username: Buffer.from(t.username).toString('base64'), password: Buffer.from(t.token).toString('base64') },
  };
}

const ann = (s: SourceSecret | undefined, k: string): string | undefined => (s as { metadata: { annotations?: Record<string, string> } } | undefined)?.metadata.annotations?.[k];

/** Pure: does the stored token need replacing now, and when to look again? */
export function tokenPlan(access: TcrAccess, current: SourceSecret | undefined, now: Date, rotateNow = false): { mint: boolean; reason: string; nextCheckMs: number } {
  const spec = access.spec.credentials.instanceToken!;
  const type = spec.type === 'LongTerm' ? 'longterm' : 'temp';
  const hasValue = !!current?.data?.['username'] && !!current.data['password'];
  if (!current || !hasValue || ann(current, ANN_TOKEN_TYPE) !== type) return { mint: true, reason: 'no token stored yet', nextCheckMs: 0 };
  if (rotateNow) return { mint: true, reason: 'rotation requested', nextCheckMs: 0 };
  const expiresAt = Date.parse(ann(current, ANN_EXPIRES_AT) ?? '');
  const issuedAt = Date.parse(ann(current, ANN_ISSUED_AT) ?? '');
  if (type === 'temp') {
    const refreshAt = expiresAt - TEMP_REFRESH_BEFORE_MS;
    if (!Number.isFinite(refreshAt) || now.getTime() >= refreshAt) return { mint: true, reason: 'temporary token expires soon', nextCheckMs: 0 };
    return { mint: false, reason: '', nextCheckMs: refreshAt - now.getTime() };
  }
  const period = parseDuration(spec.rotationPeriod ?? DEFAULT_ROTATION);
  const rotateAt = issuedAt + period;
  const hardStop = Number.isFinite(expiresAt) ? expiresAt - TEMP_REFRESH_BEFORE_MS : Infinity;
  const due = Math.min(rotateAt, hardStop);
  if (!Number.isFinite(due) || now.getTime() >= due) return { mint: true, reason: 'long-term token rotation is due', nextCheckMs: 0 };
  return { mint: false, reason: '', nextCheckMs: due - now.getTime() };
}

export async function ensureToken(ctx: TokenContext): Promise<TokenOutcome> {
  const { cloud, access, now } = ctx;
  const registryId = access.spec.registry.instanceId!;
  const type = access.spec.credentials.instanceToken!.type === 'LongTerm' ? 'longterm' : 'temp';
  const plan = tokenPlan(access, ctx.current, now, ctx.rotateNow);
  let currentId = ann(ctx.current, ANN_TOKEN_ID);
  let expiresAtMs = Date.parse(ann(ctx.current, ANN_EXPIRES_AT) ?? '');
  let issuedAt = ann(ctx.current, ANN_ISSUED_AT);
  let next = plan.nextCheckMs;
  if (plan.mint) {
    const t = await cloud.createInstanceToken(registryId, type, ctx.marker);
    // stored before anything else happens: the Secret is the single source of the rollout
    try {
      await ctx.store(tokenSecretBody(access, '', { ...t, type }, now));
    } catch (e) {
      // a token nobody can read is revoked at once (long-term ones would otherwise pile up on every retry)
      if (t.tokenId) await cloud.deleteInstanceToken(registryId, t.tokenId).catch(() => undefined);
      throw e;
    }
    currentId = t.tokenId;
    expiresAtMs = t.expiresAtMs;
    issuedAt = now.toISOString();
    next = type === 'temp' ? Math.max(60_000, t.expiresAtMs - TEMP_REFRESH_BEFORE_MS - now.getTime()) : 60_000;
  }
  // Long-term tokens of ours that are not the current one: the previous one (deleted once the new token
  // is everywhere) and orphans of a crash between mint and store.
  if (type === 'longterm') {
    const stale = (await cloud.describeInstanceTokens(registryId)).filter((t) => t.desc === ctx.marker && t.id !== currentId);
    if (stale.length > 0) {
      if (ctx.rolledOut && !plan.mint) {
        for (const t of stale) await cloud.deleteInstanceToken(registryId, t.id);
      } else next = Math.min(next || 5_000, 5_000);
    }
  }
  const status: CredentialsStatus = {
    source: type === 'temp' ? 'TemporaryToken' : 'LongTermToken',
    ...(currentId ? { tokenId: currentId } : {}),
    ...(Number.isFinite(expiresAtMs) ? { expiresAt: new Date(expiresAtMs).toISOString() } : {}),
    ...(issuedAt ? { rotatedAt: issuedAt } : {}),
  };
  return { status, requeueAfterMs: next > 0 ? next : undefined };
}

/** Deletes every long-term token carrying our marker (on TcrAccess deletion). True when none is left. */
export async function revokeTokens(cloud: TencentCloud, registryId: string, marker: string): Promise<boolean> {
  const ours = (await cloud.describeInstanceTokens(registryId)).filter((t) => t.desc === marker);
  for (const t of ours) await cloud.deleteInstanceToken(registryId, t.id);
  return true;
}

export const tokenReason = Reason.TokenIssued;
