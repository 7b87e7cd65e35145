/**
 * Limits: the request's Resources → OCI `linux.resources` (the runtime writes them at
 * create), and a writer for live updates that knows v1 and v2 file names.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Resources } from '../api/types.js';
import { controllerDir, type CgroupLayout } from './detect.js';

export const DEFAULT_CPU_PERIOD = 100_000;

export interface OciResources {
  devices?: { allow: boolean; type?: string; major?: number; minor?: number; access?: string }[];
  memory?: { limit?: number; reservation?: number; swap?: number; disableOOMKiller?: boolean };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  pids?: { limit: number };
}

/** Effective CPU quota/period from --cpus (nanoCpus) or explicit quota/period. */
export function cpuQuota(res: Resources): { quota?: number; period?: number } {
  if (res.nanoCpus && res.nanoCpus > 0) {
    const period = res.cpuPeriod || DEFAULT_CPU_PERIOD;
    return { quota: Math.round((res.nanoCpus * period) / 1e9), period };
  }
  const out: { quota?: number; period?: number } = {};
  if (res.cpuQuota) out.quota = res.cpuQuota;
  if (res.cpuPeriod) out.period = res.cpuPeriod;
  return out;
}

/**
 * Memory+swap as OCI wants it (the total, -1 = unlimited). Like Docker, a memory limit
 * without a swap setting allows as much swap as memory (total = 2 × memory); without swap
 * accounting on the host the field is left out, or the runtime would fail to write it.
 */
export function memorySwapTotal(res: Resources, swapAccounting: boolean): number | undefined {
  if (!swapAccounting || !res.memory) return undefined;
  if (res.memorySwap === -1) return -1;
  if (res.memorySwap && res.memorySwap > 0) return Math.max(res.memorySwap, res.memory);
  return res.memory * 2;
}

export function ociResources(res: Resources | undefined, opts: { swapAccounting: boolean }): OciResources {
  const out: OciResources = {};
  if (!res) return out;
  const memory: NonNullable<OciResources['memory']> = {};
  if (res.memory) memory.limit = res.memory;
  if (res.memoryReservation) memory.reservation = res.memoryReservation;
  const swap = memorySwapTotal(res, opts.swapAccounting);
  if (swap !== undefined) memory.swap = swap;
  if (Object.keys(memory).length) out.memory = memory;
  const cpu: NonNullable<OciResources['cpu']> = { ...cpuQuota(res) };
  if (res.cpuShares) cpu.shares = res.cpuShares;
  if (res.cpusetCpus) cpu.cpus = res.cpusetCpus;
  if (res.cpusetMems) cpu.mems = res.cpusetMems;
  if (Object.keys(cpu).length) out.cpu = cpu;
  if (res.pidsLimit !== undefined && res.pidsLimit !== 0) out.pids = { limit: res.pidsLimit < 0 ? -1 : res.pidsLimit };
  return out;
}

/** cgroup v2 cpu.weight from v1 cpu.shares, the conversion runc and crun use. */
export function sharesToWeight(shares: number): number {
  if (shares <= 0) return 100;
  return Math.max(1, Math.min(10000, 1 + Math.floor(((shares - 2) * 9999) / 262142)));
}

/** The (file, value) writes a Resources asks for, per cgroup version. File paths are relative to the controller's folder. */
export function limitWrites(version: 1 | 2, res: Resources, swapAccounting = true): { controller: string; file: string; value: string }[] {
  const w: { controller: string; file: string; value: string }[] = [];
  const q = cpuQuota(res);
  if (version === 1) {
    if (res.memory) w.push({ controller: 'memory', file: 'memory.limit_in_bytes', value: String(res.memory) });
    const swap = memorySwapTotal(res, swapAccounting);
    if (swap !== undefined) w.push({ controller: 'memory', file: 'memory.memsw.limit_in_bytes', value: String(swap) });
    if (res.memoryReservation) w.push({ controller: 'memory', file: 'memory.soft_limit_in_bytes', value: String(res.memoryReservation) });
    if (q.period) w.push({ controller: 'cpu', file: 'cpu.cfs_period_us', value: String(q.period) });
    if (q.quota) w.push({ controller: 'cpu', file: 'cpu.cfs_quota_us', value: String(q.quota) });
    if (res.cpuShares) w.push({ controller: 'cpu', file: 'cpu.shares', value: String(res.cpuShares) });
    if (res.cpusetCpus) w.push({ controller: 'cpuset', file: 'cpuset.cpus', value: res.cpusetCpus });
    if (res.cpusetMems) w.push({ controller: 'cpuset', file: 'cpuset.mems', value: res.cpusetMems });
    if (res.pidsLimit) w.push({ controller: 'pids', file: 'pids.max', value: res.pidsLimit < 0 ? 'max' : String(res.pidsLimit) });
    return w;
  }
  if (res.memory) w.push({ controller: 'memory', file: 'memory.max', value: String(res.memory) });
  const swap = memorySwapTotal(res, swapAccounting);
  // v2 limits swap alone, not memory+swap.
  if (swap !== undefined && res.memory) w.push({ controller: 'memory', file: 'memory.swap.max', value: swap < 0 ? 'max' : String(swap - res.memory) });
  if (res.memoryReservation) w.push({ controller: 'memory', file: 'memory.low', value: String(res.memoryReservation) });
  if (q.quota || q.period) w.push({ controller: 'cpu', file: 'cpu.max', value: `${q.quota ?? 'max'} ${q.period ?? DEFAULT_CPU_PERIOD}` });
  if (res.cpuShares) w.push({ controller: 'cpu', file: 'cpu.weight', value: String(sharesToWeight(res.cpuShares)) });
  if (res.cpusetCpus) w.push({ controller: 'cpuset', file: 'cpuset.cpus', value: res.cpusetCpus });
  if (res.cpusetMems) w.push({ controller: 'cpuset', file: 'cpuset.mems', value: res.cpusetMems });
  if (res.pidsLimit) w.push({ controller: 'pids', file: 'pids.max', value: res.pidsLimit < 0 ? 'max' : String(res.pidsLimit) });
  return w;
}

/** Writes limits into an existing cgroup (live update). */
export function writeLimits(layout: CgroupLayout, cgroupPath: string, res: Resources): void {
  const swapAccounting = layout.version === 2 || fs.existsSync(path.join(controllerDir(layout, 'memory', '/'), 'memory.memsw.limit_in_bytes'));
  for (const { controller, file, value } of limitWrites(layout.version, res, swapAccounting)) {
    fs.writeFileSync(path.join(controllerDir(layout, controller, cgroupPath), file), value);
  }
}

/** Whether the host accounts swap (v1 memsw files exist; v2 always has memory.swap.max). */
export function hasSwapAccounting(layout: CgroupLayout): boolean {
  if (layout.version === 2) return true;
  return fs.existsSync(path.join(controllerDir(layout, 'memory', '/'), 'memory.memsw.limit_in_bytes'));
}
