import { describe, expect, it } from 'vitest';
import { dockerTime, makePrinter } from './printer.js';

describe('log timestamps as Docker prints them', () => {
  it('UTC with Z and nine fractional digits', () => {
    expect(dockerTime('2026-11-28T07:12:04.161146303+00:00')).toBe('2026-11-28T07:12:04.161146303Z');
    expect(dockerTime('2026-11-28T07:12:04.1611Z')).toBe('2026-11-28T07:12:04.161100000Z');
    expect(dockerTime('2026-11-28T07:12:04Z')).toBe('2026-11-28T07:12:04.000000000Z');
    expect(dockerTime('2026-11-28T09:12:04.5+02:00')).toBe('2026-11-28T07:12:04.500000000Z');
    expect(dockerTime('not a time')).toBe('not a time');
  });

  it('the printer uses that form after the prefix', () => {
    const out: string[] = [];
    const p = makePrinter((s) => out.push(s), { project: 'demo', color: false, prefix: true, timestamps: true });
    p({ container: 'demo-web-1', service: 'web', number: 1, stream: 'stdout', line: 'hi', time: '2026-11-28T07:12:04.161146303+00:00' });
    expect(out).toEqual(['web-1  | 2026-11-28T07:12:04.161146303Z hi\n']);
  });
});
