import { describe, expect, it } from 'vitest';
import { applyChanges, parseHealthcheck } from './config.js';
import { parseKeyValues, splitWords } from './words.js';

describe('--change and run-config instructions', () => {
  it('applies CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL', () => {
    const c = applyChanges({}, [
      'CMD ["sh"]',
      'ENTRYPOINT /bin/echo hi',
      'ENV PATH=/bin:/usr/bin A="x y"',
      'ENV B c d',
      'WORKDIR /app',
      'WORKDIR sub',
      'USER nobody',
      'EXPOSE 80 53/udp',
      'LABEL a=1 "b c"=2',
    ]);
    expect(c.Cmd).toEqual(['sh']);
    expect(c.Entrypoint).toEqual(['/bin/sh', '-c', '/bin/echo hi']);
    expect(c.Env).toEqual(['PATH=/bin:/usr/bin', 'A=x y', 'B=c d']);
    expect(c.WorkingDir).toBe('/app/sub');
    expect(c.User).toBe('nobody');
    expect(c.ExposedPorts).toEqual({ '80/tcp': {}, '53/udp': {} });
    expect(c.Labels).toEqual({ a: '1', 'b c': '2' });
  });
  it('refuses instructions docker import refuses', () => {
    expect(() => applyChanges({}, ['RUN echo'])).toThrow(/not supported/);
  });
  it('parses HEALTHCHECK', () => {
    expect(parseHealthcheck('--interval=5s --retries=2 CMD wget -q localhost')).toEqual({
      Test: ['CMD-SHELL', 'wget -q localhost'],
      Interval: 5e9,
      Retries: 2,
    });
    expect(parseHealthcheck('NONE')).toEqual({ Test: ['NONE'] });
  });
  it('splits words with quotes and escapes', () => {
    expect(splitWords(`a "b c" 'd e' f\\ g`)).toEqual(['a', 'b c', 'd e', 'f g']);
    expect(parseKeyValues('K=V')).toEqual([['K', 'V']]);
  });
});
