import { describe, expect, it } from 'vitest';
import { endpointFor, parseChallenge, RegistryClient } from './client.js';
import { normalizeServer } from './index.js';

describe('registry client', () => {
  it('speaks plain HTTP to loopback only', () => {
    expect(endpointFor('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(endpointFor('localhost:5000')).toBe('http://localhost:5000');
    expect(endpointFor('docker.io')).toBe('https://registry-1.docker.io');
    expect(endpointFor('ghcr.io')).toBe('https://ghcr.io');
    expect(endpointFor('reg.lan:5000', ['reg.lan:5000'])).toBe('http://reg.lan:5000');
  });
  it('parses challenges', () => {
    expect(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
    });
    expect(parseChallenge('Basic realm="x"')).toEqual({ scheme: 'basic', params: { realm: 'x' } });
  });
  it('normalizes login servers', () => {
    expect(normalizeServer('https://index.docker.io/v1/')).toBe('docker.io');
    expect(normalizeServer('http://127.0.0.1:5000/')).toBe('127.0.0.1:5000');
  });
  it('gets a bearer token once, without leaking Authorization to a redirect target', async () => {
    const calls: { url: string; auth?: string }[] = [];
    const fake = (async (input: string | URL, init?: RequestInit) => {
      const url = String(input);
      const auth = (init?.headers as Record<string, string> | undefined)?.authorization;
      calls.push({ url, auth });
      if (url.startsWith('https://auth.example/token')) return new Response(JSON.stringify({ token: 'T' }), { status: 200 });
      if (url.startsWith('https://cdn.example/')) return new Response('blob', { status: 200 });
      if (auth !== 'Bearer T') return new Response('', { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://auth.example/token",service="reg"' } });
      if (url.includes('/blobs/')) return new Response(null, { status: 307, headers: { location: 'https://cdn.example/data' } });
      return new Response('{}', { status: 200 });
    }) as typeof fetch;
    const c = new RegistryClient('reg.example', { username: 'u', password: 'p' }, [], fake);
    const res = await c.request('/v2/x/blobs/sha256:abc', { scope: 'repository:x:pull' });
    expect(await res.text()).toBe('blob');
    const tokenCall = calls.find((x) => x.url.startsWith('https://auth.example/token'))!;
    expect(tokenCall.url).toContain('scope=repository%3Ax%3Apull');
    expect(tokenCall.auth).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(calls.find((x) => x.url.startsWith('https://cdn.example/'))!.auth).toBeUndefined();
    await c.request('/v2/x/manifests/1', { scope: 'repository:x:pull' });
    expect(calls.filter((x) => x.url.startsWith('https://auth.example/token')).length).toBe(1);
  });
});
