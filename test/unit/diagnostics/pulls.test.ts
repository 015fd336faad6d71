// pullFailures (the operator's PullHealthy input) over the kubelet's real Event sequence, as recorded on a real
// node (test/node): `Failed to pull image "…": <error>`, then the repeats `Error: ErrImagePull`, `Back-off
// pulling image`, `Error: ImagePullBackOff` — the cause is read from the first, never from the repeats.
import assert from 'node:assert/strict';
import type { TcrAccess } from '../../../src/api/v1alpha1/types.ts';
import { pullFailures, type PendingPod, type PullEvent } from '../../../src/controllers/tcraccess/pulls.ts';

const SERVER = '127.0.0.1:5443';
const IMG = `${SERVER}/demo/hello:v1`;
const ERR = `failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": pulling from host ${SERVER} failed with status code [manifests v1]: 401 Unauthorized`;
const access = { metadata: { name: 'a' }, spec: { registry: { server: SERVER }, imagePullSecret: { name: 'tcr-pull', namespaces: { names: ['ns'] } } } } as unknown as TcrAccess;

const pod = (pullSecrets: string[], reason = 'ImagePullBackOff', message = `Back-off pulling image "${IMG}": ErrImagePull: ${ERR}`): PendingPod => ({
  metadata: { name: 'app', namespace: 'ns', uid: 'u1', resourceVersion: '1' },
  waiting: [{ container: 'app', image: IMG, reason, message }],
  pullSecrets,
});
let n = 0;
const ev = (reason: string, message: string): PullEvent => ({ metadata: { name: `e${++n}`, namespace: 'ns', resourceVersion: '1' }, podName: 'app', podUid: 'u1', reason, message });
const REAL_SEQUENCE = [ev('Failed', `Failed to pull image "${IMG}": ${ERR}`), ev('Failed', 'Error: ErrImagePull'), ev('Failed', 'Error: ImagePullBackOff')];
const causeOf = (p: PendingPod, events: PullEvent[]) => pullFailures(access, SERVER, new Set(['ns']), [p], new Map([['ns/app', events]]))[0]!;

describe('pullFailures over the kubelet\'s real Event sequence', () => {
  it('reads the "Failed to pull image" error, not the "Error: ImagePullBackOff" that comes last', () => {
    const f = causeOf(pod(['tcr-pull']), REAL_SEQUENCE);
    assert.equal(f.diagnosis.cause, 'CredentialsRejected');
    assert.match(f.message, /401 Unauthorized/);
  });

  it('a 401 for a Pod without the TcrAccess\'s Secret is NoPullSecret', () => {
    assert.equal(causeOf(pod([]), REAL_SEQUENCE).diagnosis.cause, 'NoPullSecret');
    assert.equal(causeOf(pod(['other']), REAL_SEQUENCE).diagnosis.cause, 'NoPullSecret');
  });

  it('a 401 after FailedToRetrieveImagePullSecret is PullSecretMissing', () => {
    const events = [ev('FailedToRetrieveImagePullSecret', 'Unable to retrieve some image pull secrets (regcred); attempting to pull the image may not succeed.'), ...REAL_SEQUENCE];
    const f = causeOf(pod(['regcred']), events);
    assert.equal(f.diagnosis.cause, 'PullSecretMissing');
    assert.match(f.diagnosis.fix, /\(regcred\)/);
  });

  it('without Events, the waiting message behind "Back-off pulling image" still gives the cause; InvalidImageName is watched', () => {
    assert.equal(causeOf(pod(['tcr-pull']), []).diagnosis.cause, 'CredentialsRejected');
    const bad = `${SERVER}/Demo/Hello:v1`;
    const invalid = pod(['tcr-pull'], 'InvalidImageName', `Failed to apply default image tag "${bad}": couldn't parse image reference "${bad}": invalid reference format: repository name (Demo/Hello) must be lowercase`);
    assert.equal(causeOf(invalid, []).diagnosis.cause, 'InvalidImageName');
  });
});
