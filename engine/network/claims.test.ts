import { describe, expect, it } from 'vitest';
import { claimStarting, pidAlive, START_GRACE_MS } from './claims.js';

describe('claimStarting', () => {
  const alive = (pid: number) => pid === 42;
  it('holds an unseen claim of a live claimer within the grace time', () => {
    expect(claimStarting({ pid: 42, at: 1000 }, 1000 + 500, alive)).toBe(true);
  });
  it('does not hold once a process was seen (then only a live process holds)', () => {
    expect(claimStarting({ pid: 42, at: 1000, running: true }, 1500, alive)).toBe(false);
  });
  it('does not hold past the grace time, for a dead claimer, or without a claim', () => {
    expect(claimStarting({ pid: 42, at: 1000 }, 1000 + START_GRACE_MS + 1, alive)).toBe(false);
    expect(claimStarting({ pid: 7, at: 1000 }, 1500, alive)).toBe(false);
    expect(claimStarting(undefined, 1500, alive)).toBe(false);
  });
  it('a claim from far in the future (clock jump) does not hold', () => {
    expect(claimStarting({ pid: 42, at: 100_000 }, 1000, alive)).toBe(false);
  });
  it('pidAlive: own pid alive, an unused pid not', () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(2 ** 22 + 12345)).toBe(false);
  });
});
