import { describe, expect, it } from 'vitest';
import type { ContainerStats } from '../../engine/api/types.js';
import { STATS_HEADERS, eventLine, statsRow, topTable } from './info.js';

const GiB = 1024 ** 3;
const s: ContainerStats = {
  id: 'f'.repeat(64),
  name: 'demo-web-1',
  read: '',
  cpuPercent: 0.5,
  cpuUsageNs: 0,
  memoryUsage: 1.5 * 1024 * 1024,
  memoryLimit: 0,
  pids: 3,
  pidsLimit: 0,
  netRx: 1234,
  netTx: 648,
  blockRead: 0,
  blockWrite: 4096,
};

describe('stats as docker stats prints it', () => {
  it("an unlimited container's limit is the host's memory", () => {
    const row = statsRow(s.id, 'demo-web-1', s, 7.5 * GiB);
    expect(STATS_HEADERS).toEqual(['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS']);
    expect(row).toEqual(['ffffffffffff', 'demo-web-1', '0.50%', '1.5MiB / 7.5GiB', '0.02%', '1.23kB / 648B', '0B / 4.1kB', '3']);
    // the cgroup's "max" as a huge number is capped the same way
    expect(statsRow(s.id, 'x', { ...s, memoryLimit: 2 ** 62 }, 7.5 * GiB)[3]).toBe('1.5MiB / 7.5GiB');
  });

  it('a limited container shows its limit', () => {
    expect(statsRow(s.id, 'x', { ...s, memoryLimit: 256 * 1024 * 1024 }, 7.5 * GiB).slice(3, 5)).toEqual(['1.5MiB / 256MiB', '0.59%']);
  });
});

describe('top as compose top prints it', () => {
  it("tabwriter cells: min width 5, padding 3, process cells padded to the end, then an empty line", () => {
    const text = topTable(['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'], [['root', '4242', '4200', '0', '08:00', '?', '00:00:00', 'sleep 3600']]);
    expect(text).toBe(
      'UID    PID    PPID   C    STIME   TTY   TIME       CMD\n' + 'root   4242   4200   0    08:00   ?     00:00:00   sleep 3600   \n' + '\n',
    );
  });
});

describe('events as compose events prints them', () => {
  it('local time with microseconds, container, action, id, attributes, then an empty line', () => {
    const line = eventLine('2026-11-28T08:00:01.123456789Z', 'start', 'abc', { image: 'busybox', name: 'demo-web-1' });
    expect(line).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:01\.123456 container start abc \(image=busybox, name=demo-web-1\)\n\n$/);
  });
});
