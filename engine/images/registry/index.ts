/** Registry operations wired to the store: a client per call with the stored credentials. */
import type { ProgressFn } from '../../api/types.js';
import { EngineError } from '../../api/types.js';
import type { ImageCore } from '../core.js';
import { parseReference } from '../reference.js';
import { RegistryClient } from './client.js';
import { CredentialStore } from './credentials.js';
import { pullImage } from './pull.js';
import { pushImage } from './push.js';

export class Registries {
  readonly creds: CredentialStore;
  constructor(
    private core: ImageCore,
    private insecure: string[] = (process.env.BERTH_INSECURE_REGISTRIES ?? '').split(',').filter(Boolean),
  ) {
    this.creds = new CredentialStore(core.p.auth);
  }

  async client(domain: string): Promise<RegistryClient> {
    return new RegistryClient(domain, await this.creds.get(domain), this.insecure);
  }

  async pull(ref: string, onProgress?: ProgressFn): Promise<string> {
    return pullImage(this.core, await this.client(parseReference(ref).domain), ref, onProgress);
  }

  async push(ref: string, onProgress?: ProgressFn): Promise<string> {
    return pushImage(this.core, await this.client(parseReference(ref).domain), ref, onProgress);
  }

  /** Checks the credentials against the registry, then stores them (0600). */
  async login(server: string, username: string, password: string): Promise<void> {
    const domain = normalizeServer(server);
    const c = new RegistryClient(domain, { username, password }, this.insecure);
    const res = await c.request('/v2/', { ok: [401] });
    if (res.status === 401) throw new EngineError('REGISTRY', `login to ${domain} failed: unauthorized`);
    await this.creds.set(domain, { username, password });
  }

  /** Repository names in a registry's catalog containing `term`. */
  async search(term: string, registry?: string): Promise<string[]> {
    const domain = normalizeServer(registry ?? 'docker.io');
    const c = await this.client(domain);
    if (domain === 'docker.io') {
      // Docker Hub has no catalog; its search API is the v1 index's
      const res = await c.request(`https://index.docker.io/v1/search?q=${encodeURIComponent(term)}&n=25`);
      const body = (await res.json()) as { results?: { name: string }[] };
      return (body.results ?? []).map((r) => r.name);
    }
    const out: string[] = [];
    let url: string | undefined = '/v2/_catalog?n=1000';
    for (let pages = 0; url && pages < 50; pages++) {
      const res = await c.request(url, { scope: 'registry:catalog:*' });
      const body = (await res.json()) as { repositories?: string[] };
      for (const r of body.repositories ?? []) if (r.includes(term)) out.push(domain === 'docker.io' ? r : `${domain}/${r}`);
      const link = res.headers.get('link');
      url = link ? /<([^>]+)>/.exec(link)?.[1] : undefined;
    }
    return out.sort();
  }
}

export function normalizeServer(server: string): string {
  let s = server.trim().replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (!s || s === 'index.docker.io' || s === 'registry-1.docker.io') s = 'docker.io';
  return s;
}
