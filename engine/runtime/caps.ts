/** Linux capabilities: Docker's default set, cap_add/cap_drop, privileged. */
import { EngineError } from '../api/types.js';

/** Index = capability number (include/uapi/linux/capability.h). */
export const ALL_CAPS = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
] as const;

/** Docker's default capability set. */
export const DEFAULT_CAPS = [
  'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP',
  'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
];

/** "net_admin", "CAP_NET_ADMIN" → "NET_ADMIN". */
export function normalizeCap(c: string): string {
  const up = c.trim().toUpperCase();
  return up.startsWith('CAP_') ? up.slice(4) : up;
}

/** Capability names in a CapBnd/CapEff hex mask (from /proc/self/status). */
export function capsFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim()}`);
  return ALL_CAPS.filter((_, i) => (mask >> BigInt(i)) & 1n);
}

/**
 * The container's capability names (without CAP_). `available` is what the engine itself
 * holds: a container cannot get more (CAP_SYS_RESOURCE is missing on some hosts), so
 * privileged and ALL mean "all available".
 */
export function effectiveCaps(opts: { privileged?: boolean; capAdd?: string[]; capDrop?: string[]; available: string[] }): string[] {
  const avail = new Set(opts.available);
  if (opts.privileged) return [...avail];
  const add = (opts.capAdd ?? []).map(normalizeCap);
  const drop = (opts.capDrop ?? []).map(normalizeCap);
  for (const c of [...add, ...drop]) {
    if (c !== 'ALL' && !(ALL_CAPS as readonly string[]).includes(c)) throw new EngineError('INVALID', `unknown capability: "${c}"`);
  }
  let set = new Set(drop.includes('ALL') ? [] : DEFAULT_CAPS);
  for (const c of drop) set.delete(c);
  if (add.includes('ALL')) set = new Set(avail);
  for (const c of add) if (c !== 'ALL') set.add(c);
  return [...set].filter((c) => avail.has(c)).sort();
}
