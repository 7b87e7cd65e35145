import { describe, expect, it } from 'vitest';
import { expand, parseDockerfile } from './dockerfile.js';

describe('Dockerfile parser', () => {
  it('parses stages, ARG before FROM, continuations, comments and flags', () => {
    const df = parseDockerfile(
      [
        '# syntax=docker/dockerfile:1',
        'ARG BASE=busybox',
        '',
        'FROM ${BASE} AS build',
        '# a comment',
        'RUN echo one \\',
        '  # comment inside a continuation',
        '  && echo two',
        'COPY --chown=1:2 --from=other a b /dst/',
        'from scratch',
        'copy --from=build /x /y',
      ].join('\n'),
    );
    expect(df.globalArgs.map((a) => a.args)).toEqual(['BASE=busybox']);
    expect(df.stages).toHaveLength(2);
    expect(df.stages[0]!.name).toBe('build');
    expect(df.stages[0]!.base).toBe('${BASE}');
    const [run, copy] = df.stages[0]!.instructions;
    expect(run).toMatchObject({ cmd: 'RUN', args: 'echo one   && echo two', line: 6 });
    expect(copy).toMatchObject({ cmd: 'COPY', flags: { chown: '1:2', from: 'other' }, args: 'a b /dst/', line: 9 });
    expect(df.stages[1]!.instructions[0]).toMatchObject({ cmd: 'COPY', flags: { from: 'build' }, line: 11 });
  });

  it('honours the escape directive', () => {
    const df = parseDockerfile('# escape=`\nFROM scratch\nCOPY a `\n  b\n');
    expect(df.escape).toBe('`');
    expect(df.stages[0]!.instructions[0]!.args).toBe('a   b');
  });

  it('reports errors with the line', () => {
    expect(() => parseDockerfile('FROM a\nFOO bar\n')).toThrow(/Dockerfile:2: unknown instruction: FOO/);
    expect(() => parseDockerfile('RUN x\n')).toThrow(/Dockerfile:1: RUN before the first FROM/);
    expect(() => parseDockerfile('# nothing\n')).toThrow(/no FROM/);
    expect(() => parseDockerfile('FROM a\nCOPY --bogus=1 a b\n')).toThrow(/Dockerfile:2: unknown flag --bogus/);
    expect(() => parseDockerfile('FROM a AS x\nFROM b AS x\n')).toThrow(/duplicate stage/);
    expect(() => parseDockerfile('FROM a\nRUN --mount=type=cache,target=/x true\n')).toThrow(/Dockerfile:2: RUN --mount is not supported/);
    expect(() => parseDockerfile('FROM a\nRUN <<EOF\necho\nEOF\n')).toThrow(/here-documents/);
  });

  it('expands variables like Docker', () => {
    const v = { A: 'x', E: '' };
    expect(expand('$A ${A} ${B:-def} ${A:+alt} ${B:+alt} ${E:-d} ${E-d}', v)).toBe('x x def alt  d ');
    expect(expand('\\$A', v)).toBe('$A');
    expect(expand("'$A' \"$A\"", v)).toBe("'$A' \"x\"");
  });
});
