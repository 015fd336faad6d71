// Shared helpers for the emulator tests: the REAL SDK clients (CJS, imported from ESM via their default
// export) pointed at a running emulator.

import assert from 'node:assert/strict';
import commonClientModule from 'tencentcloud-sdk-nodejs/tencentcloud/common/common_client.js';
import credentialModule from 'tencentcloud-sdk-nodejs/tencentcloud/common/credential.js';
import exceptionModule from 'tencentcloud-sdk-nodejs/tencentcloud/common/exception/tencent_cloud_sdk_exception.js';
import stsModule from 'tencentcloud-sdk-nodejs/tencentcloud/services/sts/v20180813/sts_client.js';
import tcrModule from 'tencentcloud-sdk-nodejs/tencentcloud/services/tcr/v20190924/tcr_client.js';
import vpcModule from 'tencentcloud-sdk-nodejs/tencentcloud/services/vpc/v20170312/vpc_client.js';
import { startEmulator, type EmulatorOptions, type TencentCloudEmulator } from '../../../emulator/index.ts';

// The SDK sends every request through process.env.http_proxy when set (NO_PROXY is ignored).
for (const k of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY']) delete process.env[k];

export const TcrClient = tcrModule.Client;
export const VpcClient = vpcModule.Client;
export const StsClient = stsModule.Client;
export const CommonClient = commonClientModule.CommonClient;
export const { OIDCRoleArnCredential } = credentialModule;
export const SdkException = exceptionModule.default;
export type SdkException = InstanceType<typeof exceptionModule.default>;
export type TcrClient = InstanceType<typeof tcrModule.Client>;
export type VpcClient = InstanceType<typeof vpcModule.Client>;

export interface Clients {
  tcr: TcrClient;
  vpc: VpcClient;
}

export function clientsFor(emu: TencentCloudEmulator, opts: Parameters<TencentCloudEmulator['clientConfig']>[0] = {}): Clients {
  return { tcr: new TcrClient(emu.clientConfig(opts)), vpc: new VpcClient(emu.clientConfig(opts)) };
}

/** A clock that moves only when the test calls advance(): asynchronous states never race the test. */
export function frozenNow(): () => number {
  const t0 = Date.now();
  return () => t0;
}

/**
 * Start an emulator for a `describe` block (frozen clock, rate limits off unless asked for), reset it before
 * each test and stop it afterwards.
 */
export function useEmulator(opts: EmulatorOptions = {}): { emu: TencentCloudEmulator; clients: Clients } {
  const ctx = {} as { emu: TencentCloudEmulator; clients: Clients };
  before(async () => {
    ctx.emu = await startEmulator({ rateLimits: { enabled: false }, now: frozenNow(), ...opts });
    ctx.clients = clientsFor(ctx.emu);
  });
  beforeEach(() => {
    ctx.emu.reset(opts.seed);
  });
  after(async () => {
    await ctx.emu.stop();
  });
  return ctx;
}

/** Await a promise that must reject with the SDK's exception, and return it. */
export async function sdkError(p: Promise<unknown>): Promise<SdkException> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof SdkException, `expected TencentCloudSDKHttpException, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

/** Assert that a call fails with this API error code; returns the exception. */
export async function expectCode(p: Promise<unknown>, code: string): Promise<SdkException> {
  const e = await sdkError(p);
  assert.equal(e.code, code, `expected ${code}, got ${String(e.code)}: ${e.message}`);
  return e;
}
