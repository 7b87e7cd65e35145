/**
 * Address management, pure: which subnet a new network gets, and which address a new
 * endpoint gets. The manager feeds it the taken subnets (other networks and the host's
 * routes) and the used addresses (read from the store under its lock), so two operations
 * can never hand out the same address.
 */
import { EngineError, type IpamConfig } from '../api/types.js';
import { type Cidr, contains, formatCidr, formatIp, last, overlaps, parseCidr, parseIp, within } from './cidr.js';
import { contains6, formatCidr6, formatIp6, last6, overlaps6, parseCidr6, parseIp6 } from './cidr6.js';

/** Default pool: /24s out of 10.213.0.0/16, far from Docker's and podman's defaults. */
export const DEFAULT_POOL = '10.213.0.0/16';
export const DEFAULT_SUBNET_PREFIX = 24;
/** Never handed out by the default pool: Docker (172.17/16), podman (10.88/16, 10.89/16), documentation net. */
export const RESERVED = ['172.17.0.0/16', '10.88.0.0/16', '10.89.0.0/16', '192.0.2.0/24'];

/** First /prefix block of the pool that overlaps nothing taken (nor the reserved ranges). */
export function chooseSubnet(pool: string, prefix: number, taken: string[]): string | undefined {
  const p = parseCidr(pool);
  const busy = [...taken, ...RESERVED].map(parseCidr);
  const step = 2 ** (32 - prefix);
  for (let base = p.base; base + step - 1 <= last(p); base += step) {
    const c: Cidr = { base, prefix };
    if (!busy.some((b) => overlaps(b, c))) return formatCidr(c);
  }
  return undefined;
}

export interface NetworkIpam {
  subnet: string;
  gateway: string;
  ipRange?: string;
  auxAddresses?: Record<string, string>;
  /** Set on networks with IPv6 enabled. */
  subnet6?: string;
  gateway6?: string;
}

/**
 * Completes a network's IPAM config: a subnet from the pool when none is given, the first
 * host address as gateway when none is given; validates that gateway, ip_range and aux
 * addresses sit inside the subnet and that the subnet overlaps no other network.
 */
export function planNetworkIpam(req: IpamConfig | undefined, otherSubnets: string[], hostRoutes: string[], pool = DEFAULT_POOL): NetworkIpam {
  let subnet = req?.subnet;
  if (subnet) {
    const c = parseCidr(subnet);
    if (c.prefix > 30) throw new EngineError('INVALID', `subnet ${subnet} is too small (need /30 or larger)`);
    subnet = formatCidr(c);
    const clash = otherSubnets.find((o) => overlaps(parseCidr(o), c));
    if (clash) throw new EngineError('CONFLICT', `subnet ${subnet} overlaps the subnet ${clash} of another network`);
  } else {
    subnet = chooseSubnet(pool, DEFAULT_SUBNET_PREFIX, [...otherSubnets, ...hostRoutes]);
    if (!subnet) throw new EngineError('CONFLICT', `no free /${DEFAULT_SUBNET_PREFIX} left in the address pool ${pool}`);
  }
  const c = parseCidr(subnet);
  const inside = (what: string, ip: string): void => {
    if (!contains(c, parseIp(ip))) throw new EngineError('INVALID', `${what} ${ip} is not inside the subnet ${subnet}`);
  };
  const gateway = req?.gateway ?? formatIp(c.base + 1);
  inside('gateway', gateway);
  const out: NetworkIpam = { subnet, gateway };
  if (req?.ipRange) {
    const r = parseCidr(req.ipRange);
    if (!within(c, r)) throw new EngineError('INVALID', `ip range ${req.ipRange} is not inside the subnet ${subnet}`);
    out.ipRange = formatCidr(r);
  }
  if (req?.auxAddresses && Object.keys(req.auxAddresses).length) {
    for (const [k, v] of Object.entries(req.auxAddresses)) inside(`aux address ${k}`, v);
    out.auxAddresses = { ...req.auxAddresses };
  }
  return out;
}

/**
 * An address for a new endpoint: the requested one (checked) or the first free one of the
 * ip_range (or subnet), skipping the network and broadcast addresses, the gateway, aux
 * addresses and the used ones.
 */
export function allocateAddress(ipam: NetworkIpam, used: Iterable<string>, requested?: string): string {
  const c = parseCidr(ipam.subnet);
  const busy = new Set<number>([parseIp(ipam.gateway), ...Object.values(ipam.auxAddresses ?? {}).map(parseIp)]);
  for (const u of used) busy.add(parseIp(u));
  const lo = c.base + 1;
  const hi = last(c) - 1;
  if (requested) {
    const n = parseIp(requested);
    if (!contains(c, n)) throw new EngineError('INVALID', `address ${requested} is not inside the subnet ${ipam.subnet}`);
    if (n < lo || n > hi) throw new EngineError('INVALID', `address ${requested} is the network or broadcast address of ${ipam.subnet}`);
    if (busy.has(n)) throw new EngineError('CONFLICT', `address ${requested} is already in use on ${ipam.subnet}`);
    return formatIp(n);
  }
  const range = ipam.ipRange ? parseCidr(ipam.ipRange) : c;
  for (let n = Math.max(range.base, lo); n <= Math.min(last(range), hi); n++) {
    if (!busy.has(n)) return formatIp(n);
  }
  throw new EngineError('CONFLICT', `no free address left in ${ipam.ipRange ?? ipam.subnet}`);
}

/** Docker's MAC rule: 02:42 followed by the four bytes of the IPv4 address (stable across restarts). */
export function macFor(ip: string): string {
  const n = parseIp(ip);
  return ['02', '42', ...[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

export function prefixLen(subnet: string): number {
  return parseCidr(subnet).prefix;
}

// ------------------------------------------------------------------ IPv6

/**
 * An IPv6 subnet for a network with IPv6 enabled: the request's (an ipam entry whose subnet
 * has a colon) or a /64 of a unique local prefix derived from the root id
 * (fdXX:XXXX:<n>::/64), clear of other networks and the host's IPv6 routes.
 */
export function planIpv6(req: IpamConfig | undefined, otherSubnets6: string[], hostRoutes6: string[], rootId: string): { subnet6: string; gateway6: string } {
  const busy = [...otherSubnets6, ...hostRoutes6].map(parseCidr6);
  let subnet6: string | undefined;
  if (req?.subnet) {
    const c = parseCidr6(req.subnet);
    if (c.prefix > 124) throw new EngineError('INVALID', `IPv6 subnet ${req.subnet} is too small`);
    subnet6 = formatCidr6(c);
    const clash = otherSubnets6.find((o) => overlaps6(parseCidr6(o), c));
    if (clash) throw new EngineError('CONFLICT', `IPv6 subnet ${subnet6} overlaps the subnet ${clash} of another network`);
  } else {
    const stem = `fd${rootId.slice(0, 2)}:${rootId.slice(2, 6)}`;
    for (let n = 0; n < 0x10000 && !subnet6; n++) {
      const c = parseCidr6(`${stem}:${n.toString(16)}::/64`);
      if (!busy.some((b) => overlaps6(b, c))) subnet6 = formatCidr6(c);
    }
    if (!subnet6) throw new EngineError('CONFLICT', 'no free IPv6 /64 left');
  }
  const c = parseCidr6(subnet6);
  const gateway6 = req?.gateway ? formatIp6(parseIp6(req.gateway)) : formatIp6(c.base + 1n);
  if (!contains6(c, parseIp6(gateway6))) throw new EngineError('INVALID', `IPv6 gateway ${gateway6} is not inside the subnet ${subnet6}`);
  return { subnet6, gateway6 };
}

/** The lowest free IPv6 host address (after the gateway), or the requested one (checked). */
export function allocateAddress6(subnet6: string, gateway6: string, used: Iterable<string>, requested?: string): string {
  const c = parseCidr6(subnet6);
  const busy = new Set<bigint>([parseIp6(gateway6), c.base]);
  for (const u of used) busy.add(parseIp6(u));
  if (requested) {
    const n = parseIp6(requested);
    if (!contains6(c, n)) throw new EngineError('INVALID', `address ${requested} is not inside the subnet ${subnet6}`);
    if (busy.has(n)) throw new EngineError('CONFLICT', `address ${requested} is already in use on ${subnet6}`);
    return formatIp6(n);
  }
  const end = last6(c);
  for (let n = c.base + 1n, i = 0; n <= end && i < 1 << 20; n++, i++) if (!busy.has(n)) return formatIp6(n);
  throw new EngineError('CONFLICT', `no free address left in ${subnet6}`);
}
