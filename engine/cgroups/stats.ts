/** Stats and OOM counters read from cgroup files, v1 and v2. */
import fs from 'node:fs';
import path from 'node:path';
import { controllerDir, type CgroupLayout } from './detect.js';

export interface CgroupStats {
  cpuUsageNs: number;
  memoryUsage: number;
  /** 0 when unlimited. */
  memoryLimit: number;
  pids: number;
  /** 0 when unlimited. */
  pidsLimit: number;
  blockRead: number;
  blockWrite: number;
}

function read(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function num(s: string | undefined): number {
  if (s === undefined || s === 'max') return 0;
  const n = Number(s);
  return Number.isFinite(n) ? n : 0;
}

/** "key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control). */
export function parseKeyValues(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out[k] = Number(v);
  }
  return out;
}

/** v1's limit_in_bytes reads a huge number when unlimited. */
function v1Limit(s: string | undefined): number {
  const n = num(s);
  return n >= 2 ** 62 ? 0 : n;
}

export function readStats(layout: CgroupLayout, cgroupPath: string): CgroupStats {
  const d = (c: string) => controllerDir(layout, c, cgroupPath);
  if (layout.version === 2) {
    const dir = d('memory');
    const cpu = parseKeyValues(read(path.join(dir, 'cpu.stat')));
    let rd = 0;
    let wr = 0;
    for (const line of (read(path.join(dir, 'io.stat')) ?? '').split('\n')) {
      for (const kv of line.split(/\s+/).slice(1)) {
        const [k, v] = kv.split('=');
        if (k === 'rbytes') rd += Number(v);
        if (k === 'wbytes') wr += Number(v);
      }
    }
    return {
      cpuUsageNs: (cpu.usage_usec ?? 0) * 1000,
      memoryUsage: num(read(path.join(dir, 'memory.current'))),
      memoryLimit: num(read(path.join(dir, 'memory.max'))),
      pids: num(read(path.join(dir, 'pids.current'))),
      pidsLimit: num(read(path.join(dir, 'pids.max'))),
      blockRead: rd,
      blockWrite: wr,
    };
  }
  let rd = 0;
  let wr = 0;
  for (const line of (read(path.join(d('blkio'), 'blkio.throttle.io_service_bytes')) ?? '').split('\n')) {
    const [, op, v] = line.split(/\s+/);
    if (op === 'Read') rd += Number(v);
    if (op === 'Write') wr += Number(v);
  }
  return {
    cpuUsageNs: num(read(path.join(d('cpuacct'), 'cpuacct.usage'))),
    memoryUsage: num(read(path.join(d('memory'), 'memory.usage_in_bytes'))),
    memoryLimit: v1Limit(read(path.join(d('memory'), 'memory.limit_in_bytes'))),
    pids: num(read(path.join(d('pids'), 'pids.current'))),
    pidsLimit: num(read(path.join(d('pids'), 'pids.max'))),
    blockRead: rd,
    blockWrite: wr,
  };
}

/** How many processes the kernel's OOM killer killed in this cgroup (read it before the runtime deletes the cgroup). */
export function oomKillCount(layout: CgroupLayout, cgroupPath: string): number {
  const dir = controllerDir(layout, 'memory', cgroupPath);
  if (layout.version === 2) return parseKeyValues(read(path.join(dir, 'memory.events'))).oom_kill ?? 0;
  return parseKeyValues(read(path.join(dir, 'memory.oom_control'))).oom_kill ?? 0;
}
