import { describe, expect, it } from 'vitest';
import { parseLog, parseRecord, parseTimeOpt, selectLines } from './logparse.js';

const LOG = [
  '2026-11-28T05:32:54.628452613+00:00 stdout F out-1',
  '2026-11-28T05:32:54.700000000+00:00 stderr P err-',
  '2026-11-28T05:32:55.100000000+00:00 stdout F out-2',
  '2026-11-28T05:32:55.200000000+00:00 stderr F joined',
  '2026-11-28T05:33:10.000000000+00:00 stdout F  leading space kept',
  '2026-11-28T05:33:11.000000000+00:00 stdout F ',
].join('\n') + '\n';

describe('k8s-file logs', () => {
  it('parses records', () => {
    expect(parseRecord('2026-11-28T05:32:54.628452613+00:00 stdout F hello world')).toEqual({ time: '2026-11-28T05:32:54.628452613+00:00', stream: 'stdout', partial: false, text: 'hello world' });
    expect(parseRecord('garbage')).toBeUndefined();
  });
  it('joins partial lines per stream, keeps empty lines and spaces', () => {
    const lines = parseLog(LOG);
    expect(lines.map((l) => `${l.stream}:${l.line}`)).toEqual(['stdout:out-1', 'stdout:out-2', 'stderr:err-joined', 'stdout: leading space kept', 'stdout:']);
    expect(lines[2]!.time).toBe('2026-11-28T05:32:54.700000000+00:00');
  });
  it('tail, since, until, streams', () => {
    const all = parseLog(LOG);
    const now = Date.parse('2026-11-28T05:34:00Z');
    expect(selectLines(all, { tail: 2 }, now).map((l) => l.line)).toEqual([' leading space kept', '']);
    expect(selectLines(all, { tail: 0 }, now)).toEqual([]);
    expect(selectLines(all, { since: '2026-11-28T05:33:00Z' }, now).length).toBe(2);
    expect(selectLines(all, { until: '2026-11-28T05:32:55Z' }, now).map((l) => l.line)).toEqual(['out-1', 'err-joined']);
    expect(selectLines(all, { since: '60s' }, now).length).toBe(2);
    expect(selectLines(all, { stderr: false }, now).every((l) => l.stream === 'stdout')).toBe(true);
  });
  it('time options: unix seconds, durations, ISO', () => {
    expect(parseTimeOpt('1764307974', 0)).toBe(1764307974000);
    expect(parseTimeOpt('10m', 600_000)).toBe(0);
    expect(parseTimeOpt('2026-11-28T05:32:54Z', 0)).toBe(Date.parse('2026-11-28T05:32:54Z'));
    expect(parseTimeOpt(undefined, 0)).toBeUndefined();
  });
});
