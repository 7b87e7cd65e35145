import { describe, expect, it } from 'vitest';
import { familiarName, formatReference, normalizeTagged, parseReference, withDefaultTag } from './reference.js';

const norm = (s: string): string => formatReference(withDefaultTag(parseReference(s)));

describe('image references', () => {
  it('normalizes Docker Hub names', () => {
    expect(norm('busybox')).toBe('docker.io/library/busybox:latest');
    expect(norm('redis:7')).toBe('docker.io/library/redis:7');
    expect(norm('user/app')).toBe('docker.io/user/app:latest');
    expect(norm('docker.io/busybox')).toBe('docker.io/library/busybox:latest');
    expect(norm('index.docker.io/library/busybox:1')).toBe('docker.io/library/busybox:1');
  });
  it('recognizes registries by dot, port or localhost', () => {
    expect(norm('localhost:5000/x:y')).toBe('localhost:5000/x:y');
    expect(norm('localhost/x')).toBe('localhost/x:latest');
    expect(norm('ghcr.io/a/b/c:v1.2')).toBe('ghcr.io/a/b/c:v1.2');
    expect(norm('127.0.0.1:5000/lab/busybox')).toBe('127.0.0.1:5000/lab/busybox:latest');
    const r = parseReference('127.0.0.1:5000/lab/busybox:1');
    expect(r).toMatchObject({ domain: '127.0.0.1:5000', path: 'lab/busybox', tag: '1' });
  });
  it('keeps digests and does not invent a tag for them', () => {
    const d = 'sha256:' + 'a'.repeat(64);
    expect(norm(`busybox@${d}`)).toBe(`docker.io/library/busybox@${d}`);
    expect(parseReference(`x:1@${d}`)).toMatchObject({ tag: '1', digest: d });
  });
  it('refuses bad references', () => {
    expect(() => parseReference('Busybox')).toThrow(/lowercase/);
    expect(() => parseReference('a@sha256:zz')).toThrow(/digest/);
    expect(() => parseReference('')).toThrow();
    expect(() => parseReference('a:b:c')).toThrow();
    expect(() => parseReference('a/-b')).toThrow();
  });
  it('prints the familiar form', () => {
    expect(familiarName('docker.io/library/busybox:latest')).toBe('busybox:latest');
    expect(familiarName('docker.io/user/app:1')).toBe('user/app:1');
    expect(familiarName('localhost:5000/x:y')).toBe('localhost:5000/x:y');
    expect(normalizeTagged('busybox')).toBe('docker.io/library/busybox:latest');
  });
});
