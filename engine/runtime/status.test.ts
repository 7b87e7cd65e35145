import { describe, expect, it } from 'vitest';
import type { ContainerState } from '../api/types.js';
import { humanDuration, statusString } from './status.js';

const base: ContainerState = { status: 'running', running: true, paused: false, restarting: false, oomKilled: false, dead: false, pid: 1, exitCode: 0, error: '', startedAt: '2026-01-01T00:00:00Z', finishedAt: '0001-01-01T00:00:00Z' };
const T = Date.parse('2026-01-01T00:00:00Z');

describe('status strings', () => {
  it('human durations as Docker prints them', () => {
    expect(humanDuration(500)).toBe('Less than a second');
    expect(humanDuration(1000)).toBe('1 second');
    expect(humanDuration(3000)).toBe('3 seconds');
    expect(humanDuration(60_000)).toBe('About a minute');
    expect(humanDuration(120_000)).toBe('2 minutes');
    expect(humanDuration(3_600_000)).toBe('About an hour');
    expect(humanDuration(5 * 3_600_000)).toBe('5 hours');
    expect(humanDuration(3 * 86_400_000)).toBe('3 days');
  });
  it('running, paused, health', () => {
    expect(statusString(base, T + 3000)).toBe('Up 3 seconds');
    expect(statusString({ ...base, status: 'paused', paused: true }, T + 3000)).toBe('Up 3 seconds (Paused)');
    expect(statusString({ ...base, health: { status: 'healthy', failingStreak: 0, log: [] } }, T + 3000)).toBe('Up 3 seconds (healthy)');
    expect(statusString({ ...base, health: { status: 'starting', failingStreak: 0, log: [] } }, T + 3000)).toBe('Up 3 seconds (health: starting)');
  });
  it('exited, restarting, created', () => {
    const ended = { ...base, status: 'exited' as const, running: false, exitCode: 137, finishedAt: '2026-01-01T00:00:00Z' };
    expect(statusString(ended, T + 120_000)).toBe('Exited (137) 2 minutes ago');
    expect(statusString({ ...ended, status: 'restarting', exitCode: 1 }, T + 1500)).toBe('Restarting (1) 1 second ago');
    expect(statusString({ ...base, status: 'created' }, T)).toBe('Created');
  });
});
