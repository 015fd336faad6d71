// Standalone emulator: `npm run emulator -- --port 9000 --seed world.yaml`.
// Prints the endpoint and the default account's API key, then serves until SIGINT/SIGTERM.

import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { parse as parseYaml } from 'yaml';
import { checkSeed, startEmulator, type TencentCloudEmulator } from './server.ts';
import type { Seed } from './seed.ts';
import type { Delays } from './world.ts';

function intArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function delaysArg(v: string, prev: Partial<Delays> = {}): Partial<Delays> {
  const out: Record<string, number> = { ...prev };
  for (const part of v.split(',')) {
    const [k, ms] = part.split('=');
    if (!k || ms === undefined || !/^\d+$/.test(ms)) throw new InvalidArgumentError('expected name=ms[,name=ms...]');
    out[k] = Number(ms);
  }
  return out as Partial<Delays>;
}

async function loadSeed(file: string): Promise<Seed> {
  const text = await readFile(file, 'utf8');
  return checkSeed(file.endsWith('.json') ? JSON.parse(text) : parseYaml(text));
}

async function main(): Promise<void> {
  const program = new Command()
    .name('tcr-access-operator-emulator')
    .description('Local emulator of the Tencent Cloud API (TCR, VPC, STS) for tencentcloud-sdk-nodejs')
    .option('-p, --port <port>', 'port on the host (0 = any free port)', intArg, 9000)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('-s, --seed <file>', 'world to load (YAML or JSON, see emulator/seed.ts)')
    .option('--delays <name=ms,...>', 'override asynchronous delays (link, nat, eipAllocate, ...)', delaysArg)
    .option('--no-rate-limits', 'disable per-action rate limits')
    .option('--lenient', 'accept unknown request parameters (no UnknownParameter)')
    .option('-q, --quiet', 'do not log each call')
    .parse();
  const opts = program.opts<{ port: number; host: string; seed?: string; delays?: Partial<Delays>; rateLimits: boolean; lenient?: boolean; quiet?: boolean }>();
  const seed = opts.seed ? await loadSeed(opts.seed) : undefined;
  const emu: TencentCloudEmulator = await startEmulator({
    port: opts.port,
    host: opts.host,
    seed,
    delays: opts.delays,
    rateLimits: { enabled: opts.rateLimits },
    behaviour: { strictUnknownParameters: !opts.lenient },
    log: opts.quiet ? undefined : (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
  });
  const cred = emu.defaultCredentials;
  process.stdout.write(
    [
      `Tencent Cloud API emulator listening on ${emu.url}`,
      `  httpProfile: { endpoint: "${emu.endpoint}", protocol: "http://" }`,
      `  account ${cred.uin}`,
      `  TENCENTCLOUD_SECRET_ID=${cred.secretId}`,
      `  TENCENTCLOUD_SECRET_KEY=${cred.secretKey}`,
      `  admin API: ${emu.url}_emulator/world`,
      '',
    ].join('\n'),
  );
  const shutdown = (): void => {
    void emu.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
