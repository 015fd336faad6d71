// A loopback DNS server that answers every question with NXDOMAIN: the node's resolv.conf points here, so a
// name that /etc/hosts does not hold fails fast ("no such host") and no DNS packet ever leaves 127.0.0.0/8.
import dgram from 'node:dgram';

export interface NxDns {
  /** `nameserver` line for resolv.conf. */
  address: string;
  close(): Promise<void>;
}

/** The reply to one query: its header with QR, RCODE=3 (NXDOMAIN) and RD copied, then its question. */
function nxdomain(query: Buffer): Buffer | undefined {
  if (query.length < 12) return undefined;
  let i = 12;
  while (i < query.length && query[i] !== 0) i += query[i]! + 1;
  const questionEnd = i + 5; // the terminating zero label, QTYPE, QCLASS
  if (questionEnd > query.length) return undefined;
  const header = Buffer.from([query[0]!, query[1]!, 0x80 | (query[2]! & 0x01), 0x83, 0, 1, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([header, query.subarray(12, questionEnd)]);
}

/** Listens on `address`:53 (UDP; needs root). */
export async function startNxDns(address: string): Promise<NxDns> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (query, peer) => {
    const reply = nxdomain(query);
    if (reply) socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(53, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', () => undefined);
  return { address, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}
