import { describe, expect, it } from 'vitest';
import { parsePortShort, parseVolumeShort } from '../../src/load/shortsyntax.js';
import { splitShellWords } from '../../src/load/shellwords.js';

describe('ports short syntax', () => {
  it.each([
    ['80', [{ mode: 'ingress', target: 80, protocol: 'tcp' }]],
    ['8080:80', [{ mode: 'ingress', target: 80, protocol: 'tcp', published: '8080' }]],
    ['127.0.0.1:8080:80/udp', [{ mode: 'ingress', target: 80, protocol: 'udp', host_ip: '127.0.0.1', published: '8080' }]],
    ['127.0.0.1::80', [{ mode: 'ingress', target: 80, protocol: 'tcp', host_ip: '127.0.0.1' }]],
    ['[::1]:53:53/udp', [{ mode: 'ingress', target: 53, protocol: 'udp', host_ip: '::1', published: '53' }]],
    ['9000-9001:80-81', [
      { mode: 'ingress', target: 80, protocol: 'tcp', published: '9000' },
      { mode: 'ingress', target: 81, protocol: 'tcp', published: '9001' },
    ]],
    ['9000-9010:80', [{ mode: 'ingress', target: 80, protocol: 'tcp', published: '9000-9010' }]],
  ])('%s', (spec, want) => {
    expect(parsePortShort(spec)).toEqual(want);
  });
  it.each(['1:2:3:4', 'x:80', '80/icmp', '70000', '9000-9001:80-82', '5-3'])('rejects %s', (spec) => {
    expect(typeof parsePortShort(spec)).toBe('string');
  });
});

describe('volumes short syntax', () => {
  it('tells binds from named and anonymous volumes, with modes', () => {
    expect(parseVolumeShort('/data')).toEqual({ type: 'volume', target: '/data', volume: {} });
    expect(parseVolumeShort('db:/var/lib/db:ro')).toEqual({ type: 'volume', source: 'db', target: '/var/lib/db', read_only: true, volume: {} });
    expect(parseVolumeShort('./src:/src:rw,z')).toEqual({ type: 'bind', source: './src', target: '/src', bind: { create_host_path: true, selinux: 'z' } });
    expect(parseVolumeShort('~/x:/x:rshared')).toEqual({ type: 'bind', source: '~/x', target: '/x', bind: { create_host_path: true, propagation: 'rshared' } });
    expect(parseVolumeShort('vol:/v:nocopy')).toEqual({ type: 'volume', source: 'vol', target: '/v', volume: { nocopy: true } });
    // Like compose-go, one letter before ':' and a slash is a Windows drive (C:/x), not a volume name.
    expect(parseVolumeShort('C:/x:/y')).toMatchObject({ type: 'bind', source: 'C:/x', target: '/y' });
  });
  it('reads options as compose-go does: bind options on a volume, nocopy on a bind, unknown words ignored', () => {
    expect(parseVolumeShort('vol:/v:ro,z')).toEqual({ type: 'volume', source: 'vol', target: '/v', read_only: true, volume: {}, bind: { selinux: 'z' } });
    expect(parseVolumeShort('/a:/b:nocopy')).toEqual({ type: 'bind', source: '/a', target: '/b', bind: { create_host_path: true }, volume: { nocopy: true } });
    expect(parseVolumeShort('/a:/b:cached')).toEqual({ type: 'bind', source: '/a', target: '/b', bind: { create_host_path: true } });
  });
  it.each(['a:b:c:d', 'v:relative', ''])('rejects %s', (spec) => {
    expect(typeof parseVolumeShort(spec)).toBe('string');
  });
});

describe('command strings', () => {
  it('split like a shell, without expansion', () => {
    expect(splitShellWords(`sh -c 'echo "$HOME" x'`)).toEqual(['sh', '-c', 'echo "$HOME" x']);
    expect(splitShellWords('a "b c" d\\ e "q\\"x"')).toEqual(['a', 'b c', 'd e', 'q"x']);
    expect(splitShellWords('  ')).toEqual([]);
    expect(splitShellWords('"open')).toBeUndefined();
  });
});
