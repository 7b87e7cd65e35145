/**
 * Published ports: who holds a host port (another berth container or a host process), and
 * a free port when the request leaves the host port open.
 */
import { EngineError, type PortBinding, type PublishedPort } from '../api/types.js';
import type { Exec } from './kernel.js';

export interface HostListener {
  protocol: 'tcp' | 'udp';
  address: string;
  port: number;
  pid?: number;
  command?: string;
  /** Set when the holder is another engine's DNAT rule (Docker without its proxy, podman, another berth root). */
  chain?: string;
  /** Last port of a DNAT'd range. */
  portEnd?: number;
}

/**
 * DNAT rules of other engines in the nat table (`iptables -t nat -S`): they take a port
 * without any socket, so `ss` does not see them. Rules of `ownChain` are skipped.
 */
export function parseNatRules(out: string, ownChain: string): HostListener[] {
  const res: HostListener[] = [];
  for (const line of out.split('\n')) {
    if (!line.startsWith('-A ') || !/ -j DNAT\b/.test(line)) continue;
    const chain = line.split(' ')[1]!;
    if (chain === ownChain) continue;
    const proto = / -p (tcp|udp)\b/.exec(line)?.[1] as 'tcp' | 'udp' | undefined;
    const dport = / --dport (\d+)(?::(\d+))?/.exec(line);
    if (!proto || !dport) continue;
    const dst = / -d ([0-9.]+)(?:\/32)?\b/.exec(line)?.[1];
    const port = Number(dport[1]);
    res.push({ protocol: proto, address: dst ?? '0.0.0.0', port, portEnd: dport[2] ? Number(dport[2]) : port, chain });
  }
  return res;
}

/** Parses `ss -H -{t,u}lpn` lines: `LISTEN 0 511 0.0.0.0:8080 0.0.0.0:* users:(("node",pid=12,fd=20))`. */
export function parseSs(out: string, protocol: 'tcp' | 'udp'): HostListener[] {
  const res: HostListener[] = [];
  for (const line of out.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5) continue;
    const local = cols[3]!;
    const i = local.lastIndexOf(':');
    if (i < 0) continue;
    const port = Number(local.slice(i + 1));
    if (!Number.isInteger(port)) continue;
    let address = local.slice(0, i).replace(/^\[|\]$/g, '');
    address = address.replace(/%.*$/, '');
    if (address === '*') address = '0.0.0.0';
    const m = /users:\(\("([^"]*)",pid=(\d+)/.exec(line);
    res.push({ protocol, address, port, pid: m ? Number(m[2]) : undefined, command: m ? m[1] : undefined });
  }
  return res;
}

const ANY = new Set(['', '0.0.0.0', '::']);

/** Two host addresses clash when they are equal or either is "all addresses". */
export function addressesClash(a: string | undefined, b: string | undefined): boolean {
  const x = a ?? '';
  const y = b ?? '';
  if (ANY.has(x) || ANY.has(y)) return true;
  // an IPv6 listener on :: covers v4 too; "::ffff:1.2.3.4" is 1.2.3.4
  return x.replace(/^::ffff:/, '') === y.replace(/^::ffff:/, '');
}

export async function hostListeners(exec: Exec, ownDnatChain?: string): Promise<HostListener[]> {
  const [t, u, nat] = await Promise.all([
    exec('ss', ['-Htlpn'], { allowFail: true }),
    exec('ss', ['-Hulpn'], { allowFail: true }),
    ownDnatChain ? exec('iptables', ['-w', '-t', 'nat', '-S'], { allowFail: true }) : Promise.resolve({ code: 0, stdout: '', stderr: '' }),
  ]);
  return [...parseSs(t.stdout, 'tcp'), ...parseSs(u.stdout, 'udp'), ...(ownDnatChain ? parseNatRules(nat.stdout, ownDnatChain) : [])];
}

export interface BerthHolder {
  containerId: string;
  name: string;
  port: PublishedPort;
}

/** Throws PORT_IN_USE naming the first holder of any explicitly requested host port. */
export function findConflict(wanted: PortBinding[], berth: BerthHolder[], host: HostListener[]): void {
  for (const w of wanted) {
    if (!w.hostPort) continue;
    const b = berth.find((h) => h.port.protocol === w.protocol && h.port.hostPort === w.hostPort && addressesClash(h.port.hostIp, w.hostIp));
    if (b) {
      throw new EngineError('PORT_IN_USE', `host port ${describe(w)} is already published by container ${b.name} (${b.containerId.slice(0, 12)})`, {
        port: w.hostPort,
        protocol: w.protocol,
        container: b.name,
        containerId: b.containerId,
      });
    }
    const h = host.find((l) => l.protocol === w.protocol && w.hostPort! >= l.port && w.hostPort! <= (l.portEnd ?? l.port) && addressesClash(l.address, w.hostIp));
    if (h) {
      const who = h.chain ? `a DNAT rule of another engine (iptables nat chain ${h.chain})` : h.pid ? `process ${h.pid} (${h.command ?? '?'})` : 'a host process';
      throw new EngineError('PORT_IN_USE', `host port ${describe(w)} is already in use by ${who}`, {
        port: w.hostPort,
        protocol: w.protocol,
        pid: h.pid,
        command: h.command,
        chain: h.chain,
      });
    }
  }
  // the same request twice in one container
  const seen = new Set<string>();
  for (const w of wanted) {
    if (!w.hostPort) continue;
    const k = `${w.protocol}/${w.hostPort}/${w.hostIp ?? ''}`;
    if (seen.has(k)) throw new EngineError('PORT_IN_USE', `host port ${describe(w)} is requested twice`);
    seen.add(k);
  }
}

function describe(w: PortBinding): string {
  return `${w.hostIp && !ANY.has(w.hostIp) ? `${w.hostIp}:` : ''}${w.hostPort}/${w.protocol}`;
}

/** Random ports come from here (Docker's ephemeral range, below Linux's default local port range start is not required). */
export const RANDOM_RANGE: [number, number] = [49153, 60999];

/** Resolves hostPort 0/undefined to a free port; keeps explicit ones. */
export function assignPorts(wanted: PortBinding[], berth: BerthHolder[], host: HostListener[], random: () => number = Math.random): PublishedPort[] {
  const taken = new Set<string>();
  for (const b of berth) taken.add(`${b.port.protocol}/${b.port.hostPort}`);
  for (const h of host) for (let p = h.port; p <= (h.portEnd ?? h.port) && p - h.port < 65536; p++) taken.add(`${h.protocol}/${p}`);
  for (const w of wanted) if (w.hostPort) taken.add(`${w.protocol}/${w.hostPort}`);
  const out: PublishedPort[] = [];
  for (const w of wanted) {
    let hostPort = w.hostPort ?? 0;
    if (!hostPort) {
      const [lo, hi] = RANDOM_RANGE;
      for (let i = 0; i < 1000 && !hostPort; i++) {
        const p = lo + Math.floor(random() * (hi - lo + 1));
        if (!taken.has(`${w.protocol}/${p}`)) hostPort = p;
      }
      if (!hostPort) throw new EngineError('PORT_IN_USE', `no free host port for ${w.containerPort}/${w.protocol}`);
      taken.add(`${w.protocol}/${hostPort}`);
    }
    out.push({ containerPort: w.containerPort, protocol: w.protocol, hostIp: w.hostIp && !ANY.has(w.hostIp) ? w.hostIp : '0.0.0.0', hostPort });
  }
  return out;
}
