import { describe, expect, it } from 'vitest';
import { nextBackoff, shouldRestart } from './restart.js';
import { applyProbe, healthConfig } from './health.js';

describe('restart policies', () => {
  it('decides per policy', () => {
    expect(shouldRestart({ name: 'no' }, 1, 0, false)).toBe(false);
    expect(shouldRestart({ name: 'always' }, 0, 9, false)).toBe(true);
    expect(shouldRestart({ name: 'always' }, 0, 0, true)).toBe(false);
    expect(shouldRestart({ name: 'unless-stopped' }, 0, 0, false)).toBe(true);
    expect(shouldRestart({ name: 'on-failure' }, 0, 0, false)).toBe(false);
    expect(shouldRestart({ name: 'on-failure', maximumRetryCount: 2 }, 1, 1, false)).toBe(true);
    expect(shouldRestart({ name: 'on-failure', maximumRetryCount: 2 }, 1, 2, false)).toBe(false);
  });
  it('backs off 100 ms doubling, capped, reset after a long run', () => {
    let d = 0;
    const seen: number[] = [];
    for (let i = 0; i < 12; i++) seen.push((d = nextBackoff(d, 50)));
    expect(seen.slice(0, 4)).toEqual([100, 200, 400, 800]);
    expect(seen.at(-1)).toBe(60_000);
    expect(nextBackoff(6400, 10_000)).toBe(100);
  });
});

describe('healthchecks', () => {
  it('config from the request over the image (image durations in ns)', () => {
    expect(healthConfig({ image: 'x' }, { Healthcheck: { Test: ['CMD', 'true'], Interval: 2e9, Retries: 5 } })).toEqual({ cmd: ['true'], interval: 2000, timeout: 30000, retries: 5, startPeriod: 0, startInterval: 5000 });
    expect(healthConfig({ image: 'x', healthcheck: { test: ['CMD-SHELL', 'curl -f x'] } }, {})!.cmd).toEqual(['/bin/sh', '-c', 'curl -f x']);
    expect(healthConfig({ image: 'x', healthcheck: { test: ['NONE'] } }, { Healthcheck: { Test: ['CMD', 'true'] } })).toBeUndefined();
  });
  it('starting → healthy on success; unhealthy after retries; start period failures do not count', () => {
    const cfg = { cmd: ['x'], interval: 1, timeout: 1, retries: 2, startPeriod: 0, startInterval: 1 };
    const e = (exitCode: number) => ({ start: '', end: '', exitCode, output: String(exitCode) });
    let s = { status: 'starting' as const, failingStreak: 0, log: [] } as Parameters<typeof applyProbe>[0];
    s = applyProbe(s, e(1), cfg, true);
    expect(s).toMatchObject({ status: 'starting', failingStreak: 0 });
    s = applyProbe(s, e(0), cfg, true);
    expect(s.status).toBe('healthy');
    s = applyProbe(s, e(1), cfg, false);
    expect(s).toMatchObject({ status: 'healthy', failingStreak: 1 });
    s = applyProbe(s, e(1), cfg, false);
    expect(s).toMatchObject({ status: 'unhealthy', failingStreak: 2 });
    for (let i = 0; i < 5; i++) s = applyProbe(s, e(3), cfg, false);
    expect(s.log.length).toBe(5);
  });
});
