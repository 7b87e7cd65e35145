import { describe, expect, it } from 'vitest';
import { parseDotenv } from '../../src/load/dotenv.js';

describe('.env syntax', () => {
  it('reads the forms Compose reads', () => {
    const text = [
      '# comment',
      'PLAIN=value',
      'SPACED =  padded  ',
      'export EXPORTED=yes',
      "SINGLE='literal $PLAIN \\n'",
      'DOUBLE="line1\\nline2 \\"q\\" $PLAIN"',
      'INLINE=abc # a comment',
      'HASH=abc#not-a-comment',
      'MULTI="first',
      'second"',
      'REF=${PLAIN}-x',
      'DEFAULT=${NOPE:-dflt}',
      'EMPTY=',
      'FROMSHELL',
      'DOLLAR="a\\$b"',
      '',
    ].join('\n');
    const r = parseDotenv(text, (n) => ({ FROMSHELL: 'sh', PLAIN: undefined })[n as 'FROMSHELL']);
    expect(r.errors).toEqual([]);
    expect(r.values).toEqual({
      PLAIN: 'value',
      SPACED: 'padded',
      EXPORTED: 'yes',
      SINGLE: 'literal $PLAIN \\n',
      DOUBLE: 'line1\nline2 "q" value',
      INLINE: 'abc',
      HASH: 'abc#not-a-comment',
      MULTI: 'first\nsecond',
      REF: 'value-x',
      DEFAULT: 'dflt',
      EMPTY: '',
      FROMSHELL: 'sh',
      DOLLAR: 'a$b',
    });
    expect(r.lines.MULTI).toBe(9);
  });

  it('lets the shell win when interpolating', () => {
    const r = parseDotenv('A=file\nB=$A', (n) => (n === 'A' ? 'shell' : undefined));
    expect(r.values.B).toBe('shell');
  });

  it('reports bad lines with their number', () => {
    const r = parseDotenv('OK=1\nBAD KEY=2\nQ="unterminated\n');
    expect(r.errors.map((e) => e.line)).toEqual([2, 3]);
  });

  it('raw format keeps values as written', () => {
    const r = parseDotenv('A="x $B" # c\n', () => 'b', true);
    expect(r.values.A).toBe('"x $B" # c');
  });
});
