/**
 * Names of kernel objects berth makes. Every one starts with "berth" or, where Linux allows
 * only 15 characters (interfaces), "bth", followed by a short id derived from BERTH_ROOT,
 * so that two roots on one host never collide and leftovers are easy to find.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';

export const DEFAULT_ROOT = '/var/lib/berth';

export function resolveRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.BERTH_ROOT || DEFAULT_ROOT);
}

/** 6 hex chars from the absolute root path. */
export function rootId(root: string): string {
  return createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 6);
}

export interface Naming {
  root: string;
  rootId: string;
  /** "berth-<rootId>": cgroup parent, iptables chain stem, runtime state dir names. */
  long: string;
  /** "bth<rootId>": stem for interface names (bridges "bth<rootId>b<n>", veths "bth<rootId>v<n>"). */
  short: string;
}

export function naming(root: string): Naming {
  const id = rootId(root);
  return { root: path.resolve(root), rootId: id, long: `berth-${id}`, short: `bth${id}` };
}

/** 64 hex chars, random. */
export function newId(): string {
  return createHash('sha256').update(`${Date.now()}-${Math.random()}-${process.hrtime.bigint()}`).digest('hex');
}
