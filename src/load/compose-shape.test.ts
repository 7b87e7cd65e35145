import { describe, expect, it } from 'vitest';
import { composeShape, goDuration } from './compose-shape.js';

describe('goDuration prints as Go time.Duration.String()', () => {
  it.each([
    [90_000, '1m30s'],
    [60_000, '1m0s'],
    [3_600_000, '1h0m0s'],
    [1500, '1.5s'],
    [500, '500ms'],
    [0.001, '1µs'],
    [0, '0s'],
  ])('%d ms → %s', (ms, s) => expect(goDuration(ms)).toBe(s));
});

describe('composeShape', () => {
  const shaped = (svc: Record<string, unknown>, format: 'json' | 'yaml' = 'json') =>
    (composeShape({ services: { a: svc }, networks: { default: { name: 'p_default', external: false } } }, format) as { services: { a: Record<string, unknown> }; networks: { default: Record<string, unknown> } });

  it('prints what encoding/json prints: null commands, ipam {}, bytes and Go durations', () => {
    const out = shaped({ image: 'x', mem_limit: '512m', shm_size: 1024, stop_grace_period: '90s', healthcheck: { interval: '1m', disable: false } });
    expect(out.services.a).toEqual({ image: 'x', command: null, entrypoint: null, mem_limit: '536870912', shm_size: '1024', stop_grace_period: '1m30s', healthcheck: { interval: '1m0s' } });
    expect(out.networks.default).toEqual({ name: 'p_default', ipam: {} });
  });
  it('drops the empty values of omitempty fields but keeps pointers and the user "0"', () => {
    const out = shaped({ image: 'x', platform: '', privileged: false, cpu_shares: 0, environment: {}, init: false, user: '0', env_file: [{ path: '/a' }], 'x-a': 1 });
    expect(out.services.a).toEqual({ image: 'x', init: false, user: '0', command: null, entrypoint: null });
  });
  it('keeps x- extensions and leaves commands absent in YAML', () => {
    expect(shaped({ image: 'x', 'x-a': 1 }, 'yaml').services.a).toEqual({ image: 'x', 'x-a': 1 });
  });
});
