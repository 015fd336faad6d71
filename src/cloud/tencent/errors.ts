// Tencent Cloud API errors, classified once at the edge (pure). Follows the reference's §7.2 table:
// exact codes first, then the prefix before the first dot as a fallback (as Terraform's IsExpectError does).
//
//  kind       | codes                                                                  | what the caller does
//  throttled  | RequestLimitExceeded(.*)                                               | back off with jitter (retried in-call)
//  transient  | no code (network, timeout), HTTP 5xx, ResourceUnavailable*, ServiceUnavailable*, ResourceInUse*,
//             | InternalServerError*, *.Mutex*TaskRunning, UnsupportedOperation.InvalidState,
//             | ResourceInsufficient.ErrorInstanceNotRunning / .ErrorVpcDnsStatus, FailedOperation.DependenceError,
//             | InternalError.DbError / .ModuleError, AuthFailure.SignatureExpire (clock skew),
//             | EIP states during binds, unbinds and releases: InvalidAddressState, InvalidAddressIdStatus.NotPermit,
//             | UnsupportedOperation.AddressStatusNotPermit (per action: ReleaseAddresses' InvalidAddressId.NotFound
//             | means released, in sdk.ts)
//             | ambiguous: plain InternalError, InternalError.*, FailedOperation(.*) — long backoff hint
//  notFound   | ResourceNotFound(.*)                                                   | caller decides (eventual consistency)
//  auth       | AuthFailure.* (but SignatureExpire), UnauthorizedOperation*, credentials unavailable
//  permanent  | InvalidParameter*, InvalidParameterValue*, MissingParameter*, UnknownParameter*, InvalidAction,
//             | NoSuchVersion, UnsupportedRegion, UnsupportedOperation*, InvalidVpcId.*, InvalidAddressId.*, unknown codes
//  quota      | LimitExceeded*, AddressQuotaLimitExceeded*, InternalError.ErrorOverLimit, OperationDenied.QuotaOverLimit,
//             | FailedOperation.BalanceInsufficient, UnsupportedOperation.InsufficientFunds
//  conflict   | InternalError.ErrorConflict / .ErrConflict / .ErrorTcrResourceConflict, InvalidParameterValue.Duplicate,
//             | UnsupportedOperation.Ecmp*, InvalidParameter.ErrNamespaceExist         | re-describe and adopt, or report

export type CloudErrorKind = 'throttled' | 'transient' | 'permanent' | 'quota' | 'conflict' | 'notFound' | 'auth';

/** Backoff hints (ms) the controller may use for requeueAfter. */
export const BACKOFF = {
  throttled: 1_000,
  /** Network, timeout, HTTP 5xx. */
  short: 2_000,
  /** A resource in a transitional state (mutex task running, NAT not AVAILABLE, ...). */
  state: 5_000,
  /** Ambiguous server errors (plain InternalError, FailedOperation): retry a few times, slowly. */
  long: 30_000,
  /** Clock skew: the signature timestamp is off by more than 5 minutes. */
  clockSkew: 60_000,
  notFound: 5_000,
  conflict: 1_000,
  /** Needs a person: bad input, missing permission. */
  permanent: 5 * 60_000,
  auth: 5 * 60_000,
  quota: 10 * 60_000,
} as const;

export interface CloudErrorInit {
  message: string;
  action: string;
  kind: CloudErrorKind;
  code?: string;
  httpCode?: number;
  requestId?: string;
  traceId?: string;
  retryable?: boolean;
  backoffHintMs?: number;
  aborted?: boolean;
  notSent?: boolean;
  cause?: unknown;
}

export class CloudError extends Error {
  override name = 'CloudError';
  /** Tencent error code (Response.Error.Code), when the API answered. */
  code?: string;
  /** HTTP status when the gateway answered with something other than 200. */
  httpCode?: number;
  requestId?: string;
  traceId?: string;
  action: string;
  kind: CloudErrorKind;
  /** A short in-call retry may help (throttled, network, HTTP 5xx). */
  retryable: boolean;
  /** Suggested minimum delay before trying again (ms). */
  backoffHintMs: number;
  /** Cancelled by the operator itself (shutdown, leadership lost): never retried. */
  aborted: boolean;
  /** The request certainly did not reach the API (connection refused, DNS): safe to replay even if not idempotent. */
  notSent: boolean;

  constructor(init: CloudErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.action = init.action;
    this.kind = init.kind;
    if (init.code !== undefined) this.code = init.code;
    if (init.httpCode !== undefined) this.httpCode = init.httpCode;
    if (init.requestId) this.requestId = init.requestId;
    if (init.traceId) this.traceId = init.traceId;
    this.retryable = init.retryable ?? false;
    this.backoffHintMs = init.backoffHintMs ?? BACKOFF[init.kind === 'transient' ? 'short' : init.kind];
    this.aborted = init.aborted ?? false;
    this.notSent = init.notSent ?? false;
  }
}

/** Thrown by the credential providers of credentials.ts; classified as `auth`. */
export class CredentialUnavailableError extends Error {
  override name = 'CredentialUnavailableError';
}

interface Rule {
  kind: CloudErrorKind;
  hint: number;
  retryable?: boolean;
}

const throttled: Rule = { kind: 'throttled', hint: BACKOFF.throttled, retryable: true };
const serverError: Rule = { kind: 'transient', hint: BACKOFF.short, retryable: true };
const state: Rule = { kind: 'transient', hint: BACKOFF.state };
const ambiguous: Rule = { kind: 'transient', hint: BACKOFF.long };
const notFound: Rule = { kind: 'notFound', hint: BACKOFF.notFound };
const auth: Rule = { kind: 'auth', hint: BACKOFF.auth };
const permanent: Rule = { kind: 'permanent', hint: BACKOFF.permanent };
const quota: Rule = { kind: 'quota', hint: BACKOFF.quota };
const conflict: Rule = { kind: 'conflict', hint: BACKOFF.conflict };

const EXACT: Readonly<Record<string, Rule>> = {
  'AuthFailure.SignatureExpire': { kind: 'transient', hint: BACKOFF.clockSkew },
  'AuthFailure.UnauthorizedOperation': auth,
  'UnsupportedOperation.MutexOperationTaskRunning': state,
  'OperationDenied.MutexTaskRunning': state,
  'UnsupportedOperation.InvalidState': state,
  'ResourceInsufficient.ErrorInstanceNotRunning': state,
  'ResourceInsufficient.ErrorVpcDnsStatus': state,
  'FailedOperation.DependenceError': state,
  'InternalError.DbError': state,
  'InternalError.ModuleError': state,
  InvalidAddressState: state,
  'InvalidAddressIdStatus.NotPermit': state,
  'UnsupportedOperation.AddressStatusNotPermit': state,
  'InternalError.ErrorOverLimit': quota,
  'OperationDenied.QuotaOverLimit': quota,
  'FailedOperation.BalanceInsufficient': quota,
  'UnsupportedOperation.InsufficientFunds': quota,
  'InternalError.ErrorConflict': conflict,
  'InternalError.ErrConflict': conflict,
  'InternalError.ErrorTcrResourceConflict': conflict,
  'InvalidParameterValue.Duplicate': conflict,
  'InvalidParameter.ErrNamespaceExist': conflict,
};

const PREFIX: Readonly<Record<string, Rule>> = {
  RequestLimitExceeded: throttled,
  ServiceUnavailable: serverError,
  InternalServerError: serverError,
  ResourceUnavailable: state,
  ResourceInUse: state,
  InternalError: ambiguous,
  FailedOperation: ambiguous,
  ResourceNotFound: notFound,
  AuthFailure: auth,
  UnauthorizedOperation: auth,
  InvalidParameter: permanent,
  InvalidParameterValue: permanent,
  MissingParameter: permanent,
  UnknownParameter: permanent,
  InvalidAction: permanent,
  NoSuchVersion: permanent,
  UnsupportedRegion: permanent,
  UnsupportedOperation: permanent,
  InvalidVpcId: permanent,
  InvalidAddressId: permanent,
  LimitExceeded: quota,
  AddressQuotaLimitExceeded: quota,
};

/** The rule for a Tencent error code (exported for tests and for callers that only have a code). */
export function classifyCode(code: string): { kind: CloudErrorKind; backoffHintMs: number; retryable: boolean } {
  const rule = EXACT[code] ?? (code.startsWith('UnsupportedOperation.Ecmp') ? conflict : undefined) ?? PREFIX[code.split('.')[0] ?? code] ?? permanent;
  return { kind: rule.kind, backoffHintMs: rule.hint, retryable: rule.retryable ?? false };
}

interface SdkExceptionLike {
  message: string;
  requestId?: string;
  traceId?: string;
  code?: unknown;
  httpCode?: unknown;
}

/** TencentCloudSDKHttpException, recognised by shape (the class is not exported at the package top level, and no `name`). */
function isSdkException(e: unknown): e is SdkExceptionLike {
  return e instanceof Error && 'requestId' in e && 'traceId' in e;
}

const NOT_SENT = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/;
const CREDENTIAL_FAILURE = /^(Get STS |Get cvm role|Get credential from metadata server|env TKE_)/;

function transport(message: string, action: string, base: Partial<CloudErrorInit>): CloudError {
  if (message === 'The user aborted a request.' || (base.cause instanceof Error && base.cause.name === 'AbortError')) {
    return new CloudError({ ...base, message: `${action}: aborted`, action, kind: 'transient', aborted: true, retryable: false, backoffHintMs: 0 });
  }
  if (CREDENTIAL_FAILURE.test(message)) {
    return new CloudError({ ...base, message: `${action}: credentials unavailable: ${message}`, action, kind: 'auth', backoffHintMs: BACKOFF.long });
  }
  return new CloudError({ ...base, message: `${action}: ${message}`, action, kind: 'transient', retryable: true, backoffHintMs: BACKOFF.short, notSent: NOT_SENT.test(message) });
}

/** Turns anything a Tencent SDK call may throw into a CloudError. */
export function classifyCloudError(err: unknown, action: string): CloudError {
  if (err instanceof CloudError) return err;
  if (err instanceof CredentialUnavailableError) {
    return new CloudError({ message: `${action}: credentials unavailable: ${err.message}`, action, kind: 'auth', backoffHintMs: BACKOFF.long, notSent: true, cause: err });
  }
  if (isSdkException(err)) {
    const requestId = err.requestId || undefined;
    const traceId = err.traceId || undefined;
    const base = { requestId, traceId, cause: err };
    if (typeof err.code === 'string' && err.code !== '') {
      const c = classifyCode(err.code);
      const rid = requestId ? ` (RequestId ${requestId})` : '';
      return new CloudError({ ...base, message: `${action}: ${err.code}: ${err.message}${rid}`, action, code: err.code, ...c });
    }
    if (typeof err.httpCode === 'number') {
      const httpCode = err.httpCode;
      const message = `${action}: HTTP ${httpCode} ${err.message}`;
      if (httpCode === 429) return new CloudError({ ...base, message, action, httpCode, kind: 'throttled', retryable: true, backoffHintMs: BACKOFF.throttled });
      if (httpCode >= 500) return new CloudError({ ...base, message, action, httpCode, kind: 'transient', retryable: true, backoffHintMs: BACKOFF.short });
      // Another 4xx from a gateway or proxy in between (wrong endpoint?): not worth an immediate retry.
      return new CloudError({ ...base, message, action, httpCode, kind: 'transient', backoffHintMs: BACKOFF.long });
    }
    return transport(err.message, action, base);
  }
  if (err instanceof Error) {
    // node-fetch errors the SDK does not wrap: a 200 with a non-JSON body ("invalid-json"), or system errors.
    if (err.name === 'FetchError' || err.name === 'AbortError') return transport(err.message, action, { cause: err });
    // Anything else (a body without "Response", a bug): not retried in-call; the controller backs off.
    return new CloudError({ message: `${action}: ${err.message}`, action, kind: 'transient', backoffHintMs: BACKOFF.long, cause: err });
  }
  return new CloudError({ message: `${action}: ${String(err)}`, action, kind: 'transient', backoffHintMs: BACKOFF.long });
}

export const isCloudError = (e: unknown): e is CloudError => e instanceof CloudError;
export const isNotFound = (e: unknown): boolean => e instanceof CloudError && e.kind === 'notFound';
