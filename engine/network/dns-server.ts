/**
 * The embedded DNS server: one UDP and one TCP socket on each network's gateway address,
 * port 53 (aardvark-dns style: no rules inside the containers' namespaces). Answers come
 * from dns-answer.ts; everything else is relayed as is to the upstream servers.
 */
import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import net from 'node:net';
import { decide, failure, NameIndex, RCODE } from './dns-answer.js';
import { parseResolvConf } from './files.js';

export interface DnsServerOptions {
  port?: number;
  /** Where the host's upstream resolvers are read from. */
  resolvConf?: string;
  log?: (msg: string) => void;
  /** Per-upstream timeout (ms). */
  timeoutMs?: number;
}

interface Listener {
  udp: dgram.Socket;
  tcp: net.Server;
  /** Open TCP connections: server.close() waits for them, so close() ends them itself. */
  conns: Set<net.Socket>;
}

/** Retry delays for an address that could not be bound (EADDRINUSE from a stale holder, a late address). */
const RETRY_MS = [250, 1000, 2000, 5000, 10_000];

export class DnsServer {
  private index = new NameIndex([], []);
  private readonly listeners = new Map<string, Listener>();
  private rotation = 0;
  private hostServers: string[] | undefined;
  private readonly port: number;
  /** The addresses asked for by the latest listenOn (the only state the sockets follow). */
  private wanted = new Set<string>();
  private closed = false;
  /** Socket changes run one at a time, each computed from `wanted` when it starts. */
  private work: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private retries = 0;
  /** Addresses whose bind failed (logged once until they succeed). */
  private readonly failing = new Set<string>();

  constructor(private readonly opts: DnsServerOptions = {}) {
    this.port = opts.port ?? 53;
  }

  setIndex(index: NameIndex): void {
    this.index = index;
  }

  /** The addresses a socket is bound on now. */
  listening(): string[] {
    return [...this.listeners.keys()];
  }

  /**
   * Listens on exactly these addresses (opens new ones, closes the others). Idempotent and
   * last-call-wins: overlapping calls are applied one after the other, each from the latest
   * set, so an older call finishing late can neither close a socket a newer one wants nor
   * leave one open it dropped. An address that cannot be bound is retried in the background.
   * After close() it does nothing.
   */
  listenOn(addresses: string[]): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.wanted = new Set(addresses);
    return this.reconcile();
  }

  /** Closes every socket, now and for good (later listenOn calls are ignored). */
  async close(): Promise<void> {
    this.closed = true;
    this.wanted = new Set();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.reconcile();
  }

  private reconcile(): Promise<void> {
    const next = this.work.then(() => this.reconcileOnce());
    this.work = next.catch((e) => this.opts.log?.(`dns: ${(e as Error).message}`));
    return this.work;
  }

  private async reconcileOnce(): Promise<void> {
    const want = this.closed ? new Set<string>() : this.wanted;
    for (const [a, l] of [...this.listeners]) {
      if (want.has(a)) continue;
      this.listeners.delete(a);
      await closeListener(l);
    }
    let failed = false;
    for (const a of want) {
      if (this.listeners.has(a)) continue;
      try {
        this.listeners.set(a, await this.open(a));
        if (this.failing.delete(a)) this.opts.log?.(`dns: listening on ${a}:${this.port} again`);
      } catch (e) {
        failed = true;
        // once per address, not at every retry
        if (!this.failing.has(a)) this.opts.log?.(`dns: cannot listen on ${a}:${this.port} (retrying): ${(e as Error).message}`);
        this.failing.add(a);
      }
    }
    for (const a of this.failing) if (!want.has(a)) this.failing.delete(a);
    if (!failed) this.retries = 0;
    else if (!this.closed && !this.retryTimer) {
      const delay = RETRY_MS[Math.min(this.retries++, RETRY_MS.length - 1)]!;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        if (!this.closed) void this.reconcile();
      }, delay);
      this.retryTimer.unref();
    }
  }

  private async open(address: string): Promise<Listener> {
    const udp = dgram.createSocket({ type: 'udp4' });
    udp.on('message', (msg, rinfo) => {
      this.handle(msg, rinfo.address).then((res) => {
        // the socket may have closed while an upstream was being asked
        if (res) {
          try {
            udp.send(res, rinfo.port, rinfo.address, () => undefined);
          } catch {
            // closed meanwhile
          }
        }
      }, (e) => this.opts.log?.(`dns: query from ${rinfo.address}: ${(e as Error).message}`));
    });
    udp.on('error', (e) => this.opts.log?.(`dns udp ${address}: ${e.message}`));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address, port: this.port, exclusive: true }, () => {
        udp.off('error', reject);
        resolve();
      });
    }).catch((e: unknown) => {
      try {
        udp.close(); // the fd, not bound
      } catch {
        // already closed
      }
      throw e;
    });
    const conns = new Set<net.Socket>();
    const tcp = net.createServer((sock) => {
      conns.add(sock);
      sock.once('close', () => conns.delete(sock));
      this.serveTcp(sock);
    });
    tcp.on('error', (e) => this.opts.log?.(`dns tcp ${address}: ${e.message}`));
    await new Promise<void>((resolve) => {
      tcp.once('error', () => resolve()); // TCP is a bonus: UDP alone is enough
      tcp.listen({ host: address, port: this.port }, () => resolve());
    });
    return { udp, tcp, conns };
  }

  private serveTcp(sock: net.Socket): void {
    let buf = Buffer.alloc(0);
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        this.handle(msg, sock.remoteAddress?.replace(/^::ffff:/, '') ?? '', true).then((res) => {
          if (!res || sock.destroyed) return;
          const head = Buffer.alloc(2);
          head.writeUInt16BE(res.length);
          sock.write(Buffer.concat([head, res]));
        }, () => sock.destroy());
      }
    });
  }

  /** One query in, one response out (undefined: drop). */
  async handle(msg: Buffer, askerIp: string, tcp = false): Promise<Buffer | undefined> {
    const d = decide(msg, askerIp, this.index, await this.upstreamsOfHost(), this.rotation++);
    if (!d) return undefined;
    if (d.kind === 'answer') return d.response;
    for (const up of d.upstreams) {
      const res = await (tcp ? forwardTcp : forwardUdp)(msg, up, this.opts.timeoutMs ?? 2000).catch(() => undefined);
      if (res) return res;
    }
    return failure(msg, RCODE.SERVFAIL);
  }

  private async upstreamsOfHost(): Promise<string[]> {
    if (!this.hostServers) {
      const text = await fs.readFile(this.opts.resolvConf ?? '/etc/resolv.conf', 'utf8').catch(() => '');
      this.hostServers = parseResolvConf(text).nameservers.filter((s) => !s.includes(':') || s.startsWith('::ffff:'));
      // re-read now and then: the host's resolv.conf may change (DHCP, VPN)
      setTimeout(() => (this.hostServers = undefined), 30_000).unref();
    }
    return this.hostServers;
  }
}

/** Never throws and never waits on clients: a socket already closed (or never listening) counts as closed. */
async function closeListener(l: Listener): Promise<void> {
  await new Promise<void>((resolve) => {
    try {
      l.udp.close(() => resolve());
    } catch {
      resolve(); // not running any more
    }
  });
  for (const c of l.conns) c.destroy();
  await new Promise<void>((resolve) => l.tcp.close(() => resolve()));
}

function splitHostPort(up: string): { host: string; port: number } {
  const m = /^(.+):(\d+)$/.exec(up);
  if (m && !m[1]!.includes(':')) return { host: m[1]!, port: Number(m[2]) };
  return { host: up, port: 53 };
}

export function forwardUdp(msg: Buffer, upstream: string, timeoutMs: number): Promise<Buffer> {
  const { host, port } = splitHostPort(upstream);
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    let done = false;
    const finish = (err: Error | undefined, res?: Buffer): void => {
      if (done) return;
      done = true;
      clearTimeout(t);
      try {
        s.close();
      } catch {
        // already closed
      }
      if (err) reject(err);
      else resolve(res!);
    };
    const t = setTimeout(() => finish(new Error('timeout')), timeoutMs);
    s.on('message', (res) => finish(undefined, res));
    s.on('error', (e) => finish(e));
    // a connected socket hears ICMP "port unreachable" (ECONNREFUSED): a dead upstream fails
    // at once and the next one is asked, instead of waiting out the timeout
    s.connect(port, host, () => s.send(msg, (e) => e && finish(e)));
  });
}

export function forwardTcp(msg: Buffer, upstream: string, timeoutMs: number): Promise<Buffer> {
  const { host, port } = splitHostPort(upstream);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    const t = setTimeout(() => {
      sock.destroy();
      reject(new Error('timeout'));
    }, timeoutMs);
    sock.on('connect', () => {
      const head = Buffer.alloc(2);
      head.writeUInt16BE(msg.length);
      sock.write(Buffer.concat([head, msg]));
    });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(t);
        sock.destroy();
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
    sock.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}
