import { describe, expect, it } from 'vitest';
import { substitute } from '../../src/load/template.js';

const env: Record<string, string> = { A: 'a', EMPTY: '', B: 'b' };
const look = (n: string) => env[n];
const sub = (s: string) => {
  const r = substitute(s, look);
  return r.ok ? r.value : `ERR(${r.error}): ${r.message}`;
};

describe('interpolation syntax', () => {
  it.each([
    ['$A', 'a'],
    ['${A}', 'a'],
    ['x${A}y$B', 'xayb'],
    ['${UNSET}', ''],
    ['${UNSET:-d}', 'd'],
    ['${EMPTY:-d}', 'd'],
    ['${EMPTY-d}', ''],
    ['${UNSET-d}', 'd'],
    ['${A:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${UNSET+alt}', ''],
    ['${UNSET:-${B:-c}}', 'b'],
    ['${UNSET:-${NOPE:-c}}', 'c'],
    ['${UNSET:-x $A y}', 'x a y'],
    ['$$A', '$A'],
    ['$${A}', '${A}'],
    ['cost $ 5', 'cost $ 5'],
    ['100$', '100$'],
    ['${A:?msg}', 'a'],
  ])('%s → %s', (input, out) => {
    expect(sub(input)).toBe(out);
  });

  it('fails on a required variable, naming it and the message', () => {
    const r = substitute('${NOPE:?please set NOPE}', look);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toBe('required');
    expect(!r.ok && r.message).toBe('required variable NOPE is missing a value: please set NOPE');
    expect(substitute('${EMPTY?x}', look).ok).toBe(true);
    expect(substitute('${EMPTY:?x}', look).ok).toBe(false);
  });

  it('reports syntax errors', () => {
    for (const bad of ['${A', '${}', '${A/x/y}', '${1A}']) {
      const r = substitute(bad, look);
      expect(r.ok, bad).toBe(false);
      expect(!r.ok && r.error, bad).toBe('syntax');
    }
  });

  it('lists unset variables and refs with defaults', () => {
    const r = substitute('${X:-1} $Y ${A:?m}', look);
    expect(r.ok && r.unset).toEqual(['Y']);
    expect(r.refs).toContainEqual({ name: 'X', required: false, defaultValue: '1' });
    expect(r.refs).toContainEqual({ name: 'A', required: true });
  });

  it('does not count variables of an unused default as unset', () => {
    const r = substitute('${A:-$NOPE}', look);
    expect(r.ok && r.unset).toEqual([]);
  });
});
