// /healthz, /readyz and /metrics endpoints (plain node:http).
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export function parseBindAddress(addr: string): { host: string; port: number } | undefined {
  if (addr === '0' || addr === '') return undefined;
  const i = addr.lastIndexOf(':');
  const host = i > 0 ? addr.slice(0, i) : '0.0.0.0';
  const port = Number(addr.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid bind address "${addr}": want [host]:port or 0 to disable`);
  return { host: host.replace(/^\[|\]$/g, ''), port };
}

export async function listen(addr: string, handler: Parameters<typeof createServer>[1]): Promise<Server | undefined> {
  const a = parseBindAddress(addr);
  if (!a) return undefined;
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(a.port, a.host, () => resolve());
  });
  return server;
}

export function probeServer(addr: string, checks: { healthy: () => boolean; ready: () => boolean }): Promise<Server | undefined> {
  return listen(addr, (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const ok = path === '/healthz' || path === '/livez' ? checks.healthy() : path === '/readyz' ? checks.ready() : undefined;
    if (ok === undefined) {
      res.writeHead(404).end('not found\n');
      return;
    }
    res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain' }).end(ok ? 'ok\n' : 'not ready\n');
  });
}

export function metricsServer(addr: string, registry: Registry): Promise<Server | undefined> {
  return listen(addr, (req, res) => {
    if ((req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end('not found\n');
      return;
    }
    registry
      .metrics()
      .then((body) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(body))
      .catch((e: unknown) => res.writeHead(500).end(String(e)));
  });
}
