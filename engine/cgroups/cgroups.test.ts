import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allDirs, detectCgroups, limitWrites, oomKillCount, readStats, removeParentIfEmpty, sharesToWeight, writeLimits } from './index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A folder laid out like a cgroup2 mount with one container cgroup. */
function fakeV2(): { root: string; cg: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cg2-'));
  dirs.push(root);
  fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
  const cg = path.join(root, 'berth-abc123', 'c1');
  fs.mkdirSync(cg, { recursive: true });
  for (const f of ['memory.max', 'memory.swap.max', 'memory.low', 'cpu.max', 'cpu.weight', 'cpuset.cpus', 'pids.max']) fs.writeFileSync(path.join(cg, f), 'max\n');
  return { root, cg };
}

function fakeHybrid(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cg1-'));
  dirs.push(root);
  for (const h of ['memory', 'cpu', 'pids']) {
    fs.mkdirSync(path.join(root, h), { recursive: true });
    fs.writeFileSync(path.join(root, h, 'cgroup.procs'), '');
  }
  fs.mkdirSync(path.join(root, 'unified'));
  fs.writeFileSync(path.join(root, 'unified', 'cgroup.controllers'), 'hugetlb\n');
  return root;
}

describe('cgroup v2 (a folder laid out like a cgroup2 mount)', () => {
  it('is detected as v2', () => {
    const { root } = fakeV2();
    const l = detectCgroups(root);
    expect(l.version).toBe(2);
    expect(allDirs(l, '/berth-abc123/c1')).toEqual([path.join(root, 'berth-abc123/c1')]);
  });

  it('writes memory.max, swap alone, cpu.max, cpu.weight, cpuset, pids.max', () => {
    const { root, cg } = fakeV2();
    writeLimits(detectCgroups(root), '/berth-abc123/c1', { memory: 64 << 20, memorySwap: 96 << 20, nanoCpus: 0.5e9, cpuShares: 1024, cpusetCpus: '0-1', pidsLimit: 30 });
    const r = (f: string) => fs.readFileSync(path.join(cg, f), 'utf8');
    expect(r('memory.max')).toBe(String(64 << 20));
    expect(r('memory.swap.max')).toBe(String(32 << 20));
    expect(r('cpu.max')).toBe('50000 100000');
    expect(r('cpu.weight')).toBe(String(sharesToWeight(1024)));
    expect(r('cpuset.cpus')).toBe('0-1');
    expect(r('pids.max')).toBe('30');
  });

  it('reads stats and the OOM kill counter from v2 files', () => {
    const { root, cg } = fakeV2();
    fs.writeFileSync(path.join(cg, 'memory.current'), '1048576\n');
    fs.writeFileSync(path.join(cg, 'memory.max'), '67108864\n');
    fs.writeFileSync(path.join(cg, 'cpu.stat'), 'usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n');
    fs.writeFileSync(path.join(cg, 'pids.current'), '4\n');
    fs.writeFileSync(path.join(cg, 'pids.max'), 'max\n');
    fs.writeFileSync(path.join(cg, 'io.stat'), '8:0 rbytes=100 wbytes=200 rios=1 wios=2\n8:16 rbytes=1 wbytes=2\n');
    fs.writeFileSync(path.join(cg, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    const l = detectCgroups(root);
    expect(readStats(l, '/berth-abc123/c1')).toEqual({ cpuUsageNs: 2_500_000, memoryUsage: 1048576, memoryLimit: 67108864, pids: 4, pidsLimit: 0, blockRead: 101, blockWrite: 202 });
    expect(oomKillCount(l, '/berth-abc123/c1')).toBe(1);
  });

  it('v1 and v2 file names for the same request', () => {
    const res = { memory: 100, nanoCpus: 2e9, pidsLimit: -1 };
    expect(limitWrites(1, res).map((w) => `${w.file}=${w.value}`)).toEqual(['memory.limit_in_bytes=100', 'memory.memsw.limit_in_bytes=200', 'cpu.cfs_period_us=100000', 'cpu.cfs_quota_us=200000', 'pids.max=max']);
    expect(limitWrites(2, res).map((w) => `${w.file}=${w.value}`)).toEqual(['memory.max=100', 'memory.swap.max=100', 'cpu.max=200000 100000', 'pids.max=max']);
  });
});

describe('cgroup v1 / hybrid layout', () => {
  it('lists every hierarchy plus unified, and flags controllers on the cgroup2 mount', () => {
    const root = fakeHybrid();
    const l = detectCgroups(root);
    expect(l.version).toBe(1);
    expect(l.v1).toEqual(['cpu', 'memory', 'pids']);
    expect(l.hybridWithControllers).toBe(true);
    expect(allDirs(l, '/p/c')).toEqual(['cpu', 'memory', 'pids', 'unified'].map((h) => path.join(root, h, 'p/c')));
  });
  it('removes the parent only where it has no child left', () => {
    const root = fakeHybrid();
    const l = detectCgroups(root);
    fs.mkdirSync(path.join(root, 'memory', 'berth-x', 'busy'), { recursive: true });
    fs.mkdirSync(path.join(root, 'cpu', 'berth-x'), { recursive: true });
    removeParentIfEmpty(l, '/berth-x');
    expect(fs.existsSync(path.join(root, 'cpu', 'berth-x'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'memory', 'berth-x', 'busy'))).toBe(true);
  });
});
