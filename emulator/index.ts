// Public surface of the Tencent Cloud API emulator (TCR 2019-09-24, VPC 2017-03-12, STS 2018-08-13) that the
// real tencentcloud-sdk-nodejs talks to over HTTP.
//
//   const emu = await startEmulator({ seed, delays: { link: 1500 }, now: () => t0 });
//   const tcr = new TcrClient(emu.clientConfig());           // http://127.0.0.1:PORT, default account's key
//   emu.advance(1500);                                       // async states settle lazily on read
//   emu.injectFault({ action: 'DescribeInstances', times: 1, fault: { kind: 'http', status: 503 } });
//   emu.snapshot(); emu.callCounts(); emu.reset(); await emu.stop();
//
// The same controls are served as JSON under http://127.0.0.1:PORT/_emulator/ (see server.ts #adminRoute).

export { TencentCloudEmulator, startEmulator, checkSeed } from './server.ts';
export type { ActionCount, CallFilter, CallRecord, EmulatorOptions } from './server.ts';
export type { Fault, FaultRule, InstalledFault } from './faults.ts';
export type { RateLimitConfig } from './ratelimit.ts';
export { DEFAULT_BEHAVIOUR, DEFAULT_DELAYS, DEFAULT_QUOTAS } from './world.ts';
export type { Behaviour, Delays, Quotas } from './world.ts';
export { DEFAULT_REGION, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, DEFAULT_UIN, defaultSeed } from './seed.ts';
export type { Seed, SeedAccount, SeedRegistry, SeedVpc, SeedSubnet, SeedRouteTable, SeedNatGateway, SeedAddress, WorldSnapshot } from './seed.ts';
export { signRequest } from './signature.ts';
