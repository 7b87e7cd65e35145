import { describe, expect, it } from 'vitest';
import { parseDuration, parseSize } from '../../src/model/units.js';
import { withProfiles, withSelectedServices } from '../../src/model/profiles.js';
import { findCycle } from '../../src/model/deps.js';
import type { Project } from '../../src/model/types.js';

describe('units', () => {
  it('parses durations to milliseconds', () => {
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('10')).toBe(10_000);
    expect(parseDuration(2)).toBe(2000);
    for (const bad of ['', '10 seconds', '5x', 'm', '1m 30s']) expect(parseDuration(bad), bad).toBeUndefined();
  });
  it('parses sizes to bytes', () => {
    expect(parseSize('512m')).toBe(512 * 1024 ** 2);
    expect(parseSize('1g')).toBe(1024 ** 3);
    expect(parseSize('1GB')).toBe(1024 ** 3);
    expect(parseSize('64k')).toBe(65536);
    expect(parseSize('100')).toBe(100);
    expect(parseSize(4096)).toBe(4096);
    for (const bad of ['lots', '64q', '', '-1m']) expect(parseSize(bad), bad).toBeUndefined();
  });
});

const p: Project = {
  name: 'p',
  services: {
    web: { image: 'w', depends_on: { db: { condition: 'service_started', required: true } } },
    db: { image: 'd', profiles: ['db'] },
    dbg: { image: 'x', profiles: ['debug'] },
    all: { image: 'y', profiles: ['a', 'b'] },
  },
};

describe('profiles', () => {
  it('keeps services without profiles and those of active profiles', () => {
    expect(Object.keys(withProfiles(p, []).services).sort()).toEqual(['web']);
    expect(Object.keys(withProfiles(p, ['b']).services).sort()).toEqual(['all', 'web']);
    expect(Object.keys(withProfiles(p, ['*']).services).sort()).toEqual(['all', 'db', 'dbg', 'web']);
  });
  it('enables a service named on the command line and its dependencies', () => {
    expect(Object.keys(withProfiles(p, [], ['dbg']).services).sort()).toEqual(['dbg', 'web']);
    expect(Object.keys(withProfiles(p, [], ['web']).services).sort()).toEqual(['db', 'web']);
  });
  it('selects services with their dependencies', () => {
    expect(Object.keys(withSelectedServices(p, ['web']).services).sort()).toEqual(['db', 'web']);
  });
});

describe('findCycle', () => {
  it('finds none in a DAG and the first sorted one otherwise', () => {
    expect(findCycle(p)).toBeUndefined();
    const c: Project = { name: 'c', services: { b: { image: 'i', links: ['a:alias'] }, a: { image: 'i', network_mode: 'service:b' } } };
    expect(findCycle(c)).toEqual(['a', 'b', 'a']);
  });
});
