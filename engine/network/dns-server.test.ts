/**
 * The DNS server's sockets under overlapping calls: listenOn is last-call-wins, close() is
 * final, and an address that cannot be bound yet is retried. Uses 127.0.0.x addresses (all
 * of 127/8 is local) on a random high port, so it needs no root and no bridge.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DnsServer } from './dns-server.js';

const port = 20000 + Math.floor(Math.random() * 20000);
const servers: DnsServer[] = [];
const holders: dgram.Socket[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const h of holders.splice(0)) await new Promise<void>((r) => h.close(() => r()));
});

function server(): DnsServer {
  const s = new DnsServer({ port, resolvConf: '/nonexistent' });
  servers.push(s);
  return s;
}

/** Whether a UDP socket can bind address:port now (false while someone holds it). */
async function free(address: string): Promise<boolean> {
  const s = dgram.createSocket('udp4');
  const ok = await new Promise<boolean>((resolve) => {
    s.once('error', () => resolve(false));
    s.bind({ address, port, exclusive: true }, () => resolve(true));
  });
  await new Promise<void>((r) => {
    try {
      s.close(() => r());
    } catch {
      r();
    }
  });
  return ok;
}

async function until(fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('DNS server listeners', () => {
  it('applies overlapping listenOn calls in order, the last one winning', async () => {
    const s = server();
    // not awaited one by one: the engine's callers may overlap (a sync per operation)
    await Promise.all([
      s.listenOn(['127.0.0.21', '127.0.0.22']),
      s.listenOn(['127.0.0.22']),
      s.listenOn(['127.0.0.22', '127.0.0.23']),
      s.listenOn(['127.0.0.21']),
      s.listenOn(['127.0.0.22', '127.0.0.23']),
    ]);
    expect(s.listening().sort()).toEqual(['127.0.0.22', '127.0.0.23']);
    expect(await free('127.0.0.21')).toBe(true);
    expect(await free('127.0.0.22')).toBe(false);
  });

  it('close() releases every socket, also when a listenOn is in flight, and later calls bind nothing', async () => {
    const s = server();
    await s.listenOn(['127.0.0.31']);
    // a TCP client that stays connected must not hold close() up
    const client = net.connect({ host: '127.0.0.31', port });
    await new Promise<void>((r) => client.once('connect', () => r()));
    const t0 = Date.now();
    await Promise.all([s.listenOn(['127.0.0.31', '127.0.0.32']), s.close(), s.listenOn(['127.0.0.33'])]);
    expect(Date.now() - t0).toBeLessThan(2000);
    await s.listenOn(['127.0.0.34']);
    expect(s.listening()).toEqual([]);
    for (const a of ['127.0.0.31', '127.0.0.32', '127.0.0.33', '127.0.0.34']) expect(await free(a)).toBe(true);
    client.destroy();
  });

  it('retries an address that was busy until it can bind it', async () => {
    const holder = dgram.createSocket('udp4');
    await new Promise<void>((r) => holder.bind({ address: '127.0.0.41', port, exclusive: true }, () => r()));
    const s = server();
    await s.listenOn(['127.0.0.41', '127.0.0.42']);
    expect(s.listening()).toEqual(['127.0.0.42']);
    await new Promise<void>((r) => holder.close(() => r()));
    await until(() => s.listening().includes('127.0.0.41'));
    expect(await free('127.0.0.41')).toBe(false);
  });
});
