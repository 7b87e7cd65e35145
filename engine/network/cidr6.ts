/** IPv6 address and prefix arithmetic on BigInt (128-bit). */
import { EngineError } from '../api/types.js';

export interface Cidr6 {
  base: bigint;
  prefix: number;
}

const ALL = (1n << 128n) - 1n;

export function parseIp6(s: string): bigint {
  const str = s.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const bad = (): never => {
    throw new EngineError('INVALID', `not an IPv6 address: ${JSON.stringify(s)}`);
  };
  if (!str.includes(':')) bad();
  const halves = str.split('::');
  if (halves.length > 2) bad();
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  let head = groups(halves[0]!);
  let tail = halves.length === 2 ? groups(halves[1]!) : [];
  // an embedded IPv4 tail (::ffff:1.2.3.4)
  const lastPart = (tail.length ? tail : head).at(-1);
  if (lastPart && lastPart.includes('.')) {
    const v4 = lastPart.split('.').map(Number);
    if (v4.length !== 4 || v4.some((x) => !(x >= 0 && x <= 255))) bad();
    const extra = [((v4[0]! << 8) | v4[1]!).toString(16), ((v4[2]! << 8) | v4[3]!).toString(16)];
    if (tail.length) tail = [...tail.slice(0, -1), ...extra];
    else head = [...head.slice(0, -1), ...extra];
  }
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) bad();
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let n = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) bad();
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

export function isIpv6(s: string): boolean {
  try {
    parseIp6(s);
    return true;
  } catch {
    return false;
  }
}

/** RFC 5952 text: lower case, the longest run of zero groups (2+) as "::". */
export function formatIp6(n: bigint): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export function mask6(prefix: number): bigint {
  return prefix === 0 ? 0n : (ALL << BigInt(128 - prefix)) & ALL;
}

export function parseCidr6(s: string): Cidr6 {
  const [ip, p, extra] = s.trim().split('/');
  const prefix = Number(p);
  if (extra !== undefined || p === undefined || !/^\d+$/.test(p) || prefix > 128) throw new EngineError('INVALID', `not an IPv6 CIDR: ${JSON.stringify(s)}`);
  return { base: parseIp6(ip!) & mask6(prefix), prefix };
}

export function formatCidr6(c: Cidr6): string {
  return `${formatIp6(c.base)}/${c.prefix}`;
}

export function last6(c: Cidr6): bigint {
  return c.base | (~mask6(c.prefix) & ALL);
}

export function contains6(c: Cidr6, ip: bigint): boolean {
  return ip >= c.base && ip <= last6(c);
}

export function overlaps6(a: Cidr6, b: Cidr6): boolean {
  return a.base <= last6(b) && b.base <= last6(a);
}
