/**
 * A small OCI Distribution client on Node's built-in fetch: endpoint choice (plain HTTP for
 * loopback, as Docker does), the 401 challenge (Basic, or a Bearer token from the realm the
 * registry names, anonymous or with credentials), token reuse per scope, and redirects
 * followed by hand so Authorization never leaks to a blob CDN.
 */
import { EngineError } from '../../api/types.js';
import type { Credentials } from './credentials.js';

export function isInsecureHost(domain: string, insecure: string[] = []): boolean {
  const host = domain.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || /^127\./.test(host) || host === '::1' || insecure.includes(domain);
}

export function endpointFor(domain: string, insecure: string[] = []): string {
  const host = domain === 'docker.io' ? 'registry-1.docker.io' : domain;
  return `${isInsecureHost(domain, insecure) ? 'http' : 'https'}://${host}`;
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

export function parseChallenge(h: string): Challenge | undefined {
  const m = /^\s*(\w+)\s*(.*)$/.exec(h);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2]!.matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) params[p[1]!.toLowerCase()] = p[2] ?? p[3] ?? '';
  return { scheme: m[1]!.toLowerCase(), params };
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: RequestInit['body'];
  /** "repository:<name>:pull,push" etc.; what a token is asked for. */
  scope?: string;
  /** Status codes that are not errors for this call. */
  ok?: number[];
  signal?: AbortSignal;
}

export class RegistryClient {
  readonly base: string;
  private tokens = new Map<string, string>();
  private basic = false;

  constructor(
    readonly domain: string,
    private creds: Credentials | undefined,
    insecure: string[] = [],
    private fetchFn: typeof fetch = fetch,
  ) {
    this.base = endpointFor(domain, insecure);
  }

  private authHeader(scope: string | undefined): string | undefined {
    const t = this.tokens.get(scope ?? '');
    if (t) return `Bearer ${t}`;
    if (this.basic && this.creds) return `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password}`).toString('base64')}`;
    return undefined;
  }

  /** Handles a 401: fetches a token or switches to Basic. False when it cannot help. */
  private async answer(res: Response, scope: string | undefined): Promise<boolean> {
    const ch = parseChallenge(res.headers.get('www-authenticate') ?? '');
    if (!ch) return false;
    if (ch.scheme === 'basic') {
      if (!this.creds || this.basic) return false;
      this.basic = true;
      return true;
    }
    if (ch.scheme !== 'bearer' || !ch.params.realm) return false;
    if (this.tokens.has(scope ?? '')) {
      this.tokens.delete(scope ?? '');
      if (!this.creds) return false;
    }
    const u = new URL(ch.params.realm);
    if (ch.params.service) u.searchParams.set('service', ch.params.service);
    const sc = scope ?? ch.params.scope;
    if (sc) for (const s of sc.split(' ')) u.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    if (this.creds) headers.authorization = `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password}`).toString('base64')}`;
    let tr: Response;
    try {
      tr = await this.fetchFn(u, { headers });
    } catch (e) {
      throw new EngineError('REGISTRY', `cannot reach the token service ${u.origin}: ${(e as Error).message}`);
    }
    if (tr.status === 401 || tr.status === 403) throw new EngineError('REGISTRY', `${this.domain}: unauthorized: ${this.creds ? 'credentials refused' : 'authentication required'}`);
    if (!tr.ok) throw new EngineError('REGISTRY', `token service ${u.origin} answered ${tr.status}`);
    const body = (await tr.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new EngineError('REGISTRY', `token service ${u.origin} returned no token`);
    this.tokens.set(scope ?? '', token);
    return true;
  }

  async request(pathOrUrl: string, o: RequestOptions = {}): Promise<Response> {
    let url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.base}${pathOrUrl}`;
    for (let attempt = 0, redirects = 0; ; ) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      const sameOrigin = new URL(url).origin === new URL(this.base).origin;
      const auth = sameOrigin ? this.authHeader(o.scope) : undefined;
      if (auth) headers.authorization = auth;
      let res: Response;
      try {
        res = await this.fetchFn(url, { method: o.method ?? 'GET', headers, body: o.body ?? null, redirect: 'manual', signal: o.signal, ...(o.body ? { duplex: 'half' } : {}) } as RequestInit);
      } catch (e) {
        throw new EngineError('REGISTRY', `cannot reach ${this.domain} (${url}): ${(e as Error).cause ? String((e as Error & { cause: Error }).cause.message) : (e as Error).message}`);
      }
      if (res.status === 401 && sameOrigin && attempt++ < 2 && (await this.answer(res, o.scope))) {
        await res.body?.cancel();
        continue;
      }
      if ([301, 302, 303, 307, 308].includes(res.status) && res.headers.get('location') && redirects++ < 5) {
        url = new URL(res.headers.get('location')!, url).toString();
        await res.body?.cancel();
        continue;
      }
      if (res.ok || o.ok?.includes(res.status)) return res;
      const text = await res.text().catch(() => '');
      let detail = text.slice(0, 300);
      try {
        const j = JSON.parse(text) as { errors?: { code: string; message: string }[] };
        if (j.errors?.length) detail = j.errors.map((e) => `${e.code}: ${e.message}`).join('; ');
      } catch {
        // not JSON
      }
      const code = res.status === 404 ? 'NOT_FOUND' : 'REGISTRY';
      throw new EngineError(code, `${this.domain}: ${o.method ?? 'GET'} ${new URL(url).pathname} failed: ${res.status} ${detail || res.statusText}`, { status: res.status });
    }
  }
}
