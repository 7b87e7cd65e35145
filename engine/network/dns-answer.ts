/**
 * The embedded DNS server's decisions, pure: given a query and who asked, answer from the
 * container records or say "forward". Names are scoped by the asker's source address: a
 * container sees the containers that share at least one network with it, and only their
 * addresses on those shared networks.
 */
import dnsPacket from 'dns-packet';
import type { NetworkRecord, SandboxRecord } from './store.js';

export const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
export const TTL = 600;

interface Entry {
  sandbox: SandboxRecord;
  networkId: string;
  ip: string;
  ip6?: string;
}

export class NameIndex {
  private readonly byIp = new Map<string, SandboxRecord>();
  private readonly internal = new Set<string>();
  private readonly entries: Entry[] = [];

  constructor(networks: NetworkRecord[], sandboxes: SandboxRecord[]) {
    for (const n of networks) if (n.internal) this.internal.add(n.id);
    for (const sb of sandboxes) {
      for (const ep of sb.endpoints) {
        this.byIp.set(ep.ipAddress, sb);
        if (ep.ipv6Address) this.byIp.set(ep.ipv6Address, sb);
        this.entries.push({ sandbox: sb, networkId: ep.networkId, ip: ep.ipAddress, ip6: ep.ipv6Address });
      }
    }
  }

  asker(ip: string): SandboxRecord | undefined {
    return this.byIp.get(ip);
  }

  /** IPv4 addresses of `name` visible to the asker, or undefined when the name is not a container's. */
  lookup(askerIp: string, name: string): string[] | undefined {
    const found = this.matches(askerIp, name);
    return found.length ? unique(found.map((e) => e.ip)) : undefined;
  }

  /** IPv6 addresses of a name the asker can see (empty for containers without IPv6). */
  lookup6(askerIp: string, name: string): string[] {
    return unique(this.matches(askerIp, name).flatMap((e) => (e.ip6 ? [e.ip6] : [])));
  }

  private matches(askerIp: string, name: string): Entry[] {
    const asker = this.byIp.get(askerIp);
    if (!asker) return [];
    const scope = new Set(asker.endpoints.map((e) => e.networkId));
    const q = normalize(name);
    return this.entries.filter((e) => {
      if (!scope.has(e.networkId)) return false;
      const ep = e.sandbox.endpoints.find((x) => x.networkId === e.networkId);
      const names = [e.sandbox.name, e.sandbox.hostname, e.sandbox.containerId.slice(0, 12), ...(ep?.aliases ?? [])];
      return names.some((n) => n && normalize(n) === q);
    });
  }

  /** Container name for a PTR query about an address the asker can see. */
  reverse(askerIp: string, ip: string): string | undefined {
    const asker = this.byIp.get(askerIp);
    if (!asker) return undefined;
    const scope = new Set(asker.endpoints.map((e) => e.networkId));
    const e = this.entries.find((x) => x.ip === ip && scope.has(x.networkId));
    return e?.sandbox.name;
  }

  /** Upstreams for the asker: its own dns servers, else the host's; none when it sits on internal networks only. */
  upstreams(askerIp: string, hostServers: string[]): string[] {
    const asker = this.byIp.get(askerIp);
    if (asker && asker.endpoints.length && asker.endpoints.every((e) => this.internal.has(e.networkId))) return [];
    return asker?.dns?.length ? asker.dns : hostServers;
  }
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function normalize(n: string): string {
  return n.toLowerCase().replace(/\.$/, '');
}

export type Decision = { kind: 'answer'; response: Buffer } | { kind: 'forward'; upstreams: string[] };

/**
 * Decides what to do with one query packet. `rotation` varies the order of several
 * addresses behind one name (round robin).
 */
export function decide(query: Buffer, askerIp: string, index: NameIndex, hostServers: string[], rotation: number): Decision | undefined {
  let q: dnsPacket.DecodedPacket;
  try {
    q = dnsPacket.decode(query);
  } catch {
    return undefined; // not DNS: drop
  }
  if (q.type !== 'query' || !q.questions?.length) return undefined;
  const question = q.questions[0]!;
  const reply = (rcode: number, answers: dnsPacket.Answer[] = []): Decision => ({
    kind: 'answer',
    response: dnsPacket.encode({
      type: 'response',
      id: q.id,
      flags: (q.flags ?? 0) & dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode,
      questions: q.questions,
      answers,
    }),
  });
  if (question.type === 'PTR') {
    const ip = ptrToIp(question.name);
    const name = ip ? index.reverse(askerIp, ip) : undefined;
    if (name) return reply(RCODE.NOERROR, [{ type: 'PTR', name: question.name, ttl: TTL, data: name }]);
  } else {
    const addrs = index.lookup(askerIp, question.name);
    if (addrs) {
      // a known name: A gets every address, AAAA the IPv6 ones (none without IPv6),
      // anything else (MX...) an empty NOERROR, so resolvers do not conclude the name does
      // not exist
      const list = question.type === 'A' ? addrs : question.type === 'AAAA' ? index.lookup6(askerIp, question.name) : [];
      if (!list.length) return reply(RCODE.NOERROR);
      const r = rotation % list.length;
      const ordered = [...list.slice(r), ...list.slice(0, r)];
      return reply(
        RCODE.NOERROR,
        ordered.map((a) => ({ type: question.type as 'A' | 'AAAA', name: question.name, ttl: TTL, data: a })),
      );
    }
  }
  const upstreams = index.upstreams(askerIp, hostServers);
  if (!upstreams.length) return reply(index.asker(askerIp) ? RCODE.REFUSED : RCODE.SERVFAIL);
  return { kind: 'forward', upstreams };
}

/** A failure reply for a query (when forwarding failed). */
export function failure(query: Buffer, rcode: number): Buffer | undefined {
  try {
    const q = dnsPacket.decode(query);
    return dnsPacket.encode({ type: 'response', id: q.id, flags: ((q.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | dnsPacket.RECURSION_AVAILABLE | rcode, questions: q.questions });
  } catch {
    return undefined;
  }
}

function ptrToIp(name: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa\.?$/i.exec(name);
  return m ? `${m[4]}.${m[3]}.${m[2]}.${m[1]}` : undefined;
}
