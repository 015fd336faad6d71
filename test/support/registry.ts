// Real registries for tests: Debian's `docker-registry` (distribution v2.8), installed on demand
// (root or passwordless sudo; never skipped under CI=true by its callers), started from generated configs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';

export const INSTALL = 'apt-get update && apt-get install -y --no-install-recommends docker-registry apache2-utils openssl';

export function which(cmd: string): string | undefined {
  const r = spawnSync('bash', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  if (r.status === 0 && p) return p;
  for (const dir of ['/usr/bin', '/usr/sbin', '/usr/local/bin']) if (fs.existsSync(path.join(dir, cmd))) return path.join(dir, cmd);
  return undefined;
}

export /** Finds docker-registry, installing the Debian packages if it is missing and we may (root or sudo -n). */
function ensureRegistryBinary(): { bin?: string; why?: string } {
  const found = which('docker-registry');
  if (found) return { bin: found };
  const isRoot = process.getuid?.() === 0;
  const sudo = !isRoot && spawnSync('sudo', ['-n', 'true']).status === 0;
  if (!isRoot && !sudo) return { why: 'docker-registry is not installed and neither root nor passwordless sudo is available to install it' };
  if (!which('apt-get')) return { why: 'docker-registry is not installed and apt-get is not available' };
  console.log(`      installing docker-registry: ${sudo ? 'sudo ' : ''}${INSTALL}`);
  const cmd = sudo ? `sudo -n env DEBIAN_FRONTEND=noninteractive bash -c '${INSTALL}'` : INSTALL;
  const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 });
  const bin = which('docker-registry');
  if (bin) return { bin };
  return { why: `docker-registry is not installed and installing it failed: ${(r.stderr || r.stdout || String(r.error)).trim().split('\n').slice(-3).join(' | ')}` };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export interface Registry {
  port: number;
  server: string;
  stop(): Promise<void>;
}

export async function startRegistry(bin: string, dir: string, name: string, extra: { tls?: { certificate: string; key: string }; auth?: unknown; port?: number }): Promise<Registry> {
  const port = extra.port ?? (await freePort());
  const root = path.join(dir, `${name}-storage`);
  fs.mkdirSync(root, { recursive: true });
  const cfg = {
    version: 0.1,
    log: { level: 'warn', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: root }, delete: { enabled: true }, maintenance: { uploadpurging: { enabled: false } } },
    http: { addr: `127.0.0.1:${port}`, secret: crypto.randomBytes(16).toString('hex'), ...(extra.tls ? { tls: extra.tls } : {}) },
    ...(extra.auth ? { auth: extra.auth } : {}),
  };
  const cfgPath = path.join(dir, `${name}.yml`);
  fs.writeFileSync(cfgPath, YAML.stringify(cfg));
  const child: ChildProcess = spawn(bin, ['serve', cfgPath], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  let log = '';
  child.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry (${name}) exited with ${child.exitCode}: ${log}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry (${name}) did not listen on ${port}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    server: `127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

