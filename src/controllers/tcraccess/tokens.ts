// TCR instance tokens (credentials.instanceToken): minted through the TCR API and stored FIRST in a
// Secret in the operator's namespace — the single source the rollout copies, so a crash never loses a
// minted token. Temporary tokens (1 h) are refreshed well before expiry; long-term tokens are rotated
// every rotationPeriod (never more often than the operator's minimum, --min-token-rotation-period), and
// only once the current token is rolled out: at most one token is ever not yet rolled out. Revoking the
// others (by their Desc marker, whatever the spec says now) is cloud.ts's job (revokeOtherTokens).
// Token values never reach logs, status, Events or metrics.
import { ConditionType, Reason } from '../../api/v1alpha1/conditions.ts';
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
/** Default of --min-token-rotation-period: a shorter rotationPeriod is raised to it (RotationPeriodTooShort). */
export const DEFAULT_MIN_ROTATION_MS = 3_600_000;

export const tokenSecretName = (accessName: string): string => `tcra-token-${accessName}`;

export type CredentialsStatus = NonNullable<TcrAccessStatus['credentials']>;

export interface TokenOutcome {
  /** Set when the token is not usable, or usable with a remark (the caller's CredentialsReady). */
  condition?: ConditionInput;
  status: CredentialsStatus;
  requeueAfterMs?: number;
  /** The long-term token in use now (after a mint: the new one). */
  currentId?: string;
}

export interface TokenContext {
  cloud: TencentCloud;
  access: TcrAccess;
  /** Desc of the tokens minted (≤ 60 characters). */
  marker: string;
  /** The token Secret as cached (may be stale by one write; writes are idempotent by content). */
  current: SourceSecret | undefined;
  /** Writes (create or replace) the token Secret; returns when stored. */
  store: (body: TokenSecretBody) => Promise<void>;
  /** True when every selected namespace already carries the current token (a rotation may start). */
  rolledOut: boolean;
  /** The smallest rotation period the operator uses. */
  minRotationMs: number;
  /** IDs of the long-term tokens that exist in the cloud now (a stored token not among them was revoked). */
  liveTokenIds?: ReadonlySet<string>;
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

export interface TokenPlan {
  mint: boolean;
  /** A rotation of a usable token: it waits until the current token is rolled out (the others are then revoked). */
  rotation?: boolean;
  reason: string;
  nextCheckMs: number;
  /** Set when rotationPeriod is below the minimum: the minimum is used. */
  tooShort?: string;
}

/** The rotation period used: rotationPeriod, raised to the minimum (with the explanation). */
export function rotationPeriod(access: TcrAccess, minRotationMs: number): { ms: number; tooShort?: string } {
  const asked = access.spec.credentials.instanceToken?.rotationPeriod ?? DEFAULT_ROTATION;
  const ms = parseDuration(asked);
  if (ms >= minRotationMs) return { ms };
  return { ms: minRotationMs, tooShort: `rotationPeriod ${asked} is below the minimum of ${minRotationMs / 60_000} minutes (--min-token-rotation-period); the token is rotated every ${minRotationMs / 60_000} minutes` };
}

/** Pure: does the stored token need replacing now, and when to look again? */
export function tokenPlan(access: TcrAccess, current: SourceSecret | undefined, now: Date, minRotationMs = DEFAULT_MIN_ROTATION_MS, rotateNow = false): TokenPlan {
  const spec = access.spec.credentials.instanceToken!;
  const type = spec.type === 'LongTerm' ? 'longterm' : 'temp';
  const hasValue = !!current?.data?.['username'] && !!current.data['password'];
  if (!current || !hasValue || ann(current, ANN_TOKEN_TYPE) !== type) return { mint: true, reason: 'no token stored yet', nextCheckMs: 0 };
  // asked for by annotation: exactly a rotation that is due, so the same guard applies (it waits for the rollout)
  if (rotateNow) return { mint: true, rotation: true, reason: 'rotation requested', nextCheckMs: 0 };
  const expiresAt = Date.parse(ann(current, ANN_EXPIRES_AT) ?? '');
  const issuedAt = Date.parse(ann(current, ANN_ISSUED_AT) ?? '');
  if (type === 'temp') {
    const refreshAt = expiresAt - TEMP_REFRESH_BEFORE_MS;
    if (!Number.isFinite(refreshAt) || now.getTime() >= refreshAt) return { mint: true, reason: 'temporary token expires soon', nextCheckMs: 0 };
    return { mint: false, reason: '', nextCheckMs: refreshAt - now.getTime() };
  }
  const period = rotationPeriod(access, minRotationMs);
  const tooShort = period.tooShort ? { tooShort: period.tooShort } : {};
  const rotateAt = issuedAt + period.ms;
  // the token's own expiry always wins over waiting for a rollout
  const hardStop = Number.isFinite(expiresAt) ? expiresAt - TEMP_REFRESH_BEFORE_MS : Infinity;
  if (!Number.isFinite(rotateAt) || now.getTime() >= hardStop) return { mint: true, reason: 'long-term token expires soon', nextCheckMs: 0, ...tooShort };
  if (now.getTime() >= rotateAt) return { mint: true, rotation: true, reason: 'long-term token rotation is due', nextCheckMs: 0, ...tooShort };
  return { mint: false, reason: '', nextCheckMs: Math.min(rotateAt, hardStop) - now.getTime(), ...tooShort };
}

export async function ensureToken(ctx: TokenContext): Promise<TokenOutcome> {
  const { cloud, access, now } = ctx;
  const registryId = access.spec.registry.instanceId!;
  const type = access.spec.credentials.instanceToken!.type === 'LongTerm' ? 'longterm' : 'temp';
  const storedId = ann(ctx.current, ANN_TOKEN_ID);
  // a stored long-term token that no longer exists in the cloud (revoked after a switch, by hand) is no token
  const revoked = type === 'longterm' && !!storedId && !!ctx.liveTokenIds && !ctx.liveTokenIds.has(storedId);
  const plan = revoked ? { mint: true, reason: 'the stored token was revoked', nextCheckMs: 0 } : tokenPlan(access, ctx.current, now, ctx.minRotationMs, ctx.rotateNow);
  let currentId = storedId;
  let expiresAtMs = Date.parse(ann(ctx.current, ANN_EXPIRES_AT) ?? '');
  let issuedAt = ann(ctx.current, ANN_ISSUED_AT);
  let next = plan.nextCheckMs;
  // at most one token not yet rolled out: a due rotation waits for the current token to be everywhere
  const waitForRollout = plan.mint && plan.rotation === true && !ctx.rolledOut;
  if (waitForRollout) next = 5_000;
  if (plan.mint && !waitForRollout) {
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
    next = type === 'temp' ? Math.max(60_000, t.expiresAtMs - TEMP_REFRESH_BEFORE_MS - now.getTime()) : 5_000;
  }
  const status: CredentialsStatus = {
    source: type === 'temp' ? 'TemporaryToken' : 'LongTermToken',
    ...(currentId ? { tokenId: currentId } : {}),
    ...(Number.isFinite(expiresAtMs) ? { expiresAt: new Date(expiresAtMs).toISOString() } : {}),
    ...(issuedAt ? { rotatedAt: issuedAt } : {}),
  };
  const condition: ConditionInput | undefined = 'tooShort' in plan && plan.tooShort
    ? { type: ConditionType.CredentialsReady, status: 'True', reason: Reason.RotationPeriodTooShort, message: plan.tooShort }
    : undefined;
  return { status, ...(condition ? { condition } : {}), requeueAfterMs: next > 0 ? next : undefined, ...(currentId ? { currentId } : {}) };
}
