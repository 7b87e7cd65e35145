/**
 * IPv4 address and prefix arithmetic. Addresses are unsigned 32-bit numbers so ranges are
 * plain integer comparisons.
 */
import { EngineError } from '../api/types.js';

export interface Cidr {
  /** Network address (host bits zero). */
  base: number;
  prefix: number;
}

export function parseIp(s: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
  if (!m) throw new EngineError('INVALID', `not an IPv4 address: ${JSON.stringify(s)}`);
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) throw new EngineError('INVALID', `not an IPv4 address: ${JSON.stringify(s)}`);
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export function isIpv4(s: string): boolean {
  try {
    parseIp(s);
    return true;
  } catch {
    return false;
  }
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses "a.b.c.d/n" (host bits are cleared: "10.1.2.3/24" is 10.1.2.0/24). */
export function parseCidr(s: string): Cidr {
  const [ip, p, extra] = s.trim().split('/');
  const prefix = Number(p);
  if (extra !== undefined || p === undefined || !/^\d+$/.test(p) || prefix > 32) {
    throw new EngineError('INVALID', `not an IPv4 CIDR: ${JSON.stringify(s)}`);
  }
  return { base: (parseIp(ip!) & mask(prefix)) >>> 0, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function last(c: Cidr): number {
  return c.base + size(c) - 1;
}

export function contains(c: Cidr, ip: number): boolean {
  return ip >= c.base && ip <= last(c);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base <= last(b) && b.base <= last(a);
}

/** The address ip.b.c.d in dotted form and the number of an address within a CIDR, for messages. */
export function within(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && contains(outer, inner.base);
}
