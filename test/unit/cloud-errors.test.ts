import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { BACKOFF, CloudError, type CloudErrorKind, classifyCloudError, classifyCode, CredentialUnavailableError } from '../../src/cloud/tencent/errors.ts';

const require = createRequire(import.meta.url);
const { default: SdkException } = require('tencentcloud-sdk-nodejs/tencentcloud/common/exception/tencent_cloud_sdk_exception.js') as {
  default: new (message: string, requestId?: string, traceId?: string) => Error & { code?: string; httpCode?: number; requestId: string; traceId: string };
};

function apiError(code: string, message = 'msg', requestId = 'req-1'): Error {
  const e = new SdkException(message, requestId, 'trace-1');
  e.code = code;
  return e;
}

// Every code named in the reference's §7.2, with the class it must get. `retry` = retried in-call.
const ROWS: Array<{ code: string; kind: CloudErrorKind; retry?: boolean; hint?: number; row: string }> = [
  // throttle
  { row: 'throttle', code: 'RequestLimitExceeded', kind: 'throttled', retry: true },
  { row: 'throttle', code: 'RequestLimitExceeded.UinLimitExceeded', kind: 'throttled', retry: true },
  { row: 'throttle', code: 'RequestLimitExceeded.IPLimitExceeded', kind: 'throttled', retry: true },
  { row: 'throttle', code: 'RequestLimitExceeded.GlobalRegionUinLimitExceeded', kind: 'throttled', retry: true },
  // transient
  { row: 'transient', code: 'ResourceUnavailable', kind: 'transient' },
  { row: 'transient', code: 'ResourceUnavailable.Foo', kind: 'transient' },
  { row: 'transient', code: 'ServiceUnavailable', kind: 'transient', retry: true },
  { row: 'transient', code: 'ResourceInUse', kind: 'transient' },
  { row: 'transient', code: 'ResourceInUse.Address', kind: 'transient' },
  { row: 'transient', code: 'ResourceInUse.NatUsedByCFW', kind: 'transient' },
  { row: 'transient', code: 'UnsupportedOperation.MutexOperationTaskRunning', kind: 'transient' },
  { row: 'transient', code: 'OperationDenied.MutexTaskRunning', kind: 'transient' },
  { row: 'transient', code: 'UnsupportedOperation.InvalidState', kind: 'transient' },
  { row: 'transient', code: 'ResourceInsufficient.ErrorInstanceNotRunning', kind: 'transient' },
  { row: 'transient', code: 'ResourceInsufficient.ErrorVpcDnsStatus', kind: 'transient' },
  { row: 'transient', code: 'FailedOperation.DependenceError', kind: 'transient' },
  { row: 'transient', code: 'InternalError.DbError', kind: 'transient', hint: BACKOFF.state },
  { row: 'transient', code: 'InternalError.ModuleError', kind: 'transient', hint: BACKOFF.state },
  { row: 'transient', code: 'InternalServerError', kind: 'transient', retry: true },
  // ambiguous: transient with a long backoff hint, not retried in-call
  { row: 'ambiguous', code: 'InternalError', kind: 'transient', hint: BACKOFF.long },
  { row: 'ambiguous', code: 'InternalError.CreatePrivateZone', kind: 'transient', hint: BACKOFF.long },
  { row: 'ambiguous', code: 'InternalError.ErrorTcrInternal', kind: 'transient', hint: BACKOFF.long },
  { row: 'ambiguous', code: 'InternalError.Unknown', kind: 'transient', hint: BACKOFF.long },
  { row: 'ambiguous', code: 'FailedOperation', kind: 'transient', hint: BACKOFF.long },
  { row: 'ambiguous', code: 'FailedOperation.TaskFailed', kind: 'transient', hint: BACKOFF.long },
  // eventual consistency
  { row: 'notFound', code: 'ResourceNotFound', kind: 'notFound' },
  { row: 'notFound', code: 'ResourceNotFound.TcrResourceNotFound', kind: 'notFound' },
  // permanent / config
  { row: 'permanent', code: 'AuthFailure.SignatureFailure', kind: 'auth' },
  { row: 'permanent', code: 'AuthFailure.SecretIdNotFound', kind: 'auth' },
  { row: 'permanent', code: 'AuthFailure.TokenFailure', kind: 'auth' },
  { row: 'permanent', code: 'AuthFailure.InvalidSecretId', kind: 'auth' },
  { row: 'permanent', code: 'AuthFailure.InvalidAuthorization', kind: 'auth' },
  { row: 'permanent', code: 'AuthFailure.MFAFailure', kind: 'auth' },
  { row: 'permanent', code: 'AuthFailure.UnauthorizedOperation', kind: 'auth' },
  { row: 'permanent', code: 'AuthFailure.SignatureExpire', kind: 'transient', hint: BACKOFF.clockSkew },
  { row: 'permanent', code: 'UnauthorizedOperation', kind: 'auth' },
  { row: 'permanent', code: 'UnauthorizedOperation.ErrorTcrUnauthorized', kind: 'auth' },
  { row: 'permanent', code: 'InvalidParameter', kind: 'permanent' },
  { row: 'permanent', code: 'InvalidParameter.Coexist', kind: 'permanent' },
  { row: 'permanent', code: 'InvalidParameterValue', kind: 'permanent' },
  { row: 'permanent', code: 'InvalidParameterValue.Malformed', kind: 'permanent' },
  { row: 'permanent', code: 'MissingParameter', kind: 'permanent' },
  { row: 'permanent', code: 'UnknownParameter', kind: 'permanent' },
  { row: 'permanent', code: 'UnknownParameter.WithGuess', kind: 'permanent' },
  { row: 'permanent', code: 'InvalidAction', kind: 'permanent' },
  { row: 'permanent', code: 'NoSuchVersion', kind: 'permanent' },
  { row: 'permanent', code: 'UnsupportedRegion', kind: 'permanent' },
  { row: 'permanent', code: 'UnsupportedOperation', kind: 'permanent' },
  { row: 'permanent', code: 'UnsupportedOperation.SystemRoute', kind: 'permanent' },
  { row: 'permanent', code: 'UnsupportedOperation.CreatePrivateZone', kind: 'permanent' },
  { row: 'permanent', code: 'InvalidVpcId.NotFound', kind: 'permanent' },
  { row: 'permanent', code: 'InvalidVpcId.Malformed', kind: 'permanent' },
  { row: 'permanent', code: 'InvalidAddressId.NotFound', kind: 'permanent' },
  // quota
  { row: 'quota', code: 'LimitExceeded', kind: 'quota' },
  { row: 'quota', code: 'LimitExceeded.NatGatewayPerVpcLimitExceeded', kind: 'quota' },
  { row: 'quota', code: 'AddressQuotaLimitExceeded', kind: 'quota' },
  { row: 'quota', code: 'AddressQuotaLimitExceeded.DailyAllocate', kind: 'quota' },
  { row: 'quota', code: 'InternalError.ErrorOverLimit', kind: 'quota' },
  { row: 'quota', code: 'OperationDenied.QuotaOverLimit', kind: 'quota' },
  { row: 'quota', code: 'FailedOperation.BalanceInsufficient', kind: 'quota' },
  { row: 'quota', code: 'UnsupportedOperation.InsufficientFunds', kind: 'quota' },
  // already exists
  { row: 'conflict', code: 'InternalError.ErrorConflict', kind: 'conflict' },
  { row: 'conflict', code: 'InternalError.ErrConflict', kind: 'conflict' },
  { row: 'conflict', code: 'InternalError.ErrorTcrResourceConflict', kind: 'conflict' },
  { row: 'conflict', code: 'InvalidParameterValue.Duplicate', kind: 'conflict' },
  { row: 'conflict', code: 'UnsupportedOperation.Ecmp', kind: 'conflict' },
  { row: 'conflict', code: 'UnsupportedOperation.EcmpWithUserRoute', kind: 'conflict' },
  { row: 'conflict', code: 'UnsupportedOperation.EcmpWithCcnRoute', kind: 'conflict' },
  { row: 'conflict', code: 'InvalidParameter.ErrNamespaceExist', kind: 'conflict' },
  // not in the table: permanent by default
  { row: 'unknown', code: 'SomethingNew', kind: 'permanent' },
  { row: 'unknown', code: 'OperationDenied', kind: 'permanent' },
];

describe('cloud errors: classifyCloudError (reference §7.2)', () => {
  for (const r of ROWS) {
    it(`${r.row}: ${r.code} → ${r.kind}${r.retry ? ' (retried in-call)' : ''}`, () => {
      const e = classifyCloudError(apiError(r.code, 'the message', 'rid-42'), 'SomeAction');
      assert.ok(e instanceof CloudError);
      assert.equal(e.kind, r.kind);
      assert.equal(e.code, r.code);
      assert.equal(e.requestId, 'rid-42');
      assert.equal(e.action, 'SomeAction');
      assert.equal(e.retryable, r.retry ?? false);
      if (r.hint !== undefined) assert.equal(e.backoffHintMs, r.hint);
      assert.match(e.message, /^SomeAction: .*the message.*rid-42/);
      assert.deepEqual(classifyCode(r.code).kind, r.kind);
    });
  }

  it('HTTP status (no code): 5xx transient and retried, 429 throttled, other 4xx transient with a long hint', () => {
    const mk = (status: number, text: string) => Object.assign(new SdkException(text, '', 'trace'), { httpCode: status });
    const e500 = classifyCloudError(mk(500, 'Internal Server Error'), 'A');
    assert.deepEqual([e500.kind, e500.retryable, e500.httpCode, e500.code], ['transient', true, 500, undefined]);
    assert.match(e500.message, /HTTP 500 Internal Server Error/);
    const e502 = classifyCloudError(mk(502, 'Bad Gateway'), 'A');
    assert.deepEqual([e502.kind, e502.retryable], ['transient', true]);
    const e429 = classifyCloudError(mk(429, 'Too Many Requests'), 'A');
    assert.deepEqual([e429.kind, e429.retryable], ['throttled', true]);
    const e404 = classifyCloudError(mk(404, 'Not Found'), 'A');
    assert.deepEqual([e404.kind, e404.retryable, e404.backoffHintMs], ['transient', false, BACKOFF.long]);
  });

  it('transport errors (neither code nor httpCode): transient and retried; connection refused is marked not sent', () => {
    const timeout = classifyCloudError(new SdkException('network timeout at: http://127.0.0.1:1234/', '', 't'), 'A');
    assert.deepEqual([timeout.kind, timeout.retryable, timeout.notSent, timeout.aborted], ['transient', true, false, false]);
    const refused = classifyCloudError(new SdkException('request to http://127.0.0.1:1/ failed, reason: connect ECONNREFUSED 127.0.0.1:1', '', 't'), 'A');
    assert.deepEqual([refused.kind, refused.retryable, refused.notSent], ['transient', true, true]);
    const dns = classifyCloudError(new SdkException('request to https://tcr.tencentcloudapi.com/ failed, reason: getaddrinfo ENOTFOUND tcr.tencentcloudapi.com', '', 't'), 'A');
    assert.equal(dns.notSent, true);
  });

  it('abort: not retried, marked aborted', () => {
    const e = classifyCloudError(new SdkException('The user aborted a request.', '', 't'), 'A');
    assert.deepEqual([e.kind, e.retryable, e.aborted], ['transient', false, true]);
    const dom = classifyCloudError(new DOMException('This operation was aborted', 'AbortError'), 'A');
    assert.deepEqual([dom.aborted, dom.retryable], [true, false]);
  });

  it('credential provider failures are auth errors', () => {
    const wrapped = classifyCloudError(new SdkException('Get STS AssumeRoleWithWebIdentity failed: boom', '', 't'), 'A');
    assert.equal(wrapped.kind, 'auth');
    const own = classifyCloudError(new CredentialUnavailableError('CVM role (instance metadata): connect ETIMEDOUT'), 'A');
    assert.deepEqual([own.kind, own.retryable], ['auth', false]);
    assert.match(own.message, /credentials unavailable: CVM role/);
  });

  it('unwrapped node-fetch errors and other errors', () => {
    const invalidJson = Object.assign(new Error('invalid json response body at http://x/ reason: Unexpected token'), { name: 'FetchError', type: 'invalid-json' });
    const j = classifyCloudError(invalidJson, 'A');
    assert.deepEqual([j.kind, j.retryable], ['transient', true]);
    const te = classifyCloudError(new TypeError("Cannot read properties of undefined (reading 'Error')"), 'A');
    assert.deepEqual([te.kind, te.retryable, te.backoffHintMs], ['transient', false, BACKOFF.long]);
    const s = classifyCloudError('weird', 'A');
    assert.equal(s.kind, 'transient');
  });

  it('a CloudError passes through unchanged', () => {
    const e = new CloudError({ message: 'x', action: 'A', kind: 'quota' });
    assert.equal(classifyCloudError(e, 'B'), e);
  });
});
