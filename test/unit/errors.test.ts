import assert from 'node:assert/strict';
import { ApiError } from '../../src/k8s/client.ts';
import { classify, type ErrorClass } from '../../src/k8s/errors.ts';

describe('errors: classify', () => {
  const cases: Array<[string, unknown, ErrorClass]> = [
    ['409 Conflict (stale resourceVersion)', new ApiError(409, 'Conflict', 'the object has been modified'), { kind: 'conflict' }],
    ['409 AlreadyExists is not a conflict', new ApiError(409, 'AlreadyExists', 'secrets "x" already exists'), { kind: 'transient', reason: 'AlreadyExists' }],
    ['429 with Retry-After', new ApiError(429, 'TooManyRequests', 'slow down', 7), { kind: 'throttled', retryAfterMs: 7000 }],
    ['429 without Retry-After defaults to 1s', new ApiError(429, 'TooManyRequests', 'slow down'), { kind: 'throttled', retryAfterMs: 1000 }],
    ['400 BadRequest', new ApiError(400, 'BadRequest', 'bad'), { kind: 'permanent', reason: 'BadRequest' }],
    ['401 Unauthorized', new ApiError(401, 'Unauthorized', 'who are you'), { kind: 'permanent', reason: 'Unauthorized' }],
    ['403 Forbidden', new ApiError(403, 'Forbidden', 'rbac'), { kind: 'permanent', reason: 'Forbidden' }],
    ['422 Invalid', new ApiError(422, 'Invalid', 'spec.x: invalid'), { kind: 'permanent', reason: 'Invalid' }],
    ['404 NotFound', new ApiError(404, 'NotFound', 'gone'), { kind: 'transient', reason: 'NotFound' }],
    ['500 InternalError', new ApiError(500, 'InternalError', 'etcd'), { kind: 'transient', reason: 'InternalError' }],
    ['503 ServiceUnavailable', new ApiError(503, 'ServiceUnavailable', 'down'), { kind: 'transient', reason: 'ServiceUnavailable' }],
    ['504 Timeout', new ApiError(504, 'Timeout', 'slow'), { kind: 'transient', reason: 'Timeout' }],
    ['network Error', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }), { kind: 'transient', reason: 'Error' }],
    ['TypeError (fetch failed)', new TypeError('fetch failed'), { kind: 'transient', reason: 'TypeError' }],
    ['AbortError', new DOMException('aborted', 'AbortError'), { kind: 'transient', reason: 'AbortError' }],
    ['a thrown string', 'boom', { kind: 'transient', reason: 'Error' }],
    ['undefined', undefined, { kind: 'transient', reason: 'Error' }],
  ];
  for (const [name, e, want] of cases) it(name, () => assert.deepEqual(classify(e), want));
});
