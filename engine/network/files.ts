/** The container's /etc/hosts and /etc/resolv.conf, rendered from its sandbox. */

export function renderHosts(o: { hostname: string; addresses: string[]; extraHosts?: string[]; gateway?: string }): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
  ];
  for (const a of o.addresses) lines.push(`${a}\t${o.hostname}`);
  for (const e of o.extraHosts ?? []) {
    const parsed = parseExtraHost(e);
    if (!parsed) continue;
    const ip = parsed.ip === 'host-gateway' ? o.gateway : parsed.ip;
    if (ip) lines.push(`${ip}\t${parsed.host}`);
  }
  return lines.join('\n') + '\n';
}

/** "host:ip" (Docker) or "host=ip" (Compose); IPv6 addresses contain colons, so split at the first separator. */
export function parseExtraHost(e: string): { host: string; ip: string } | undefined {
  const eq = e.indexOf('=');
  const colon = e.indexOf(':');
  const i = eq >= 0 && (colon < 0 || eq < colon) ? eq : colon;
  if (i <= 0) return undefined;
  const host = e.slice(0, i).trim();
  const ip = e.slice(i + 1).trim().replace(/^\[|\]$/g, '');
  return host && ip ? { host, ip } : undefined;
}

export function renderResolvConf(o: { nameserver?: string; search?: string[]; options?: string[]; fallback?: string[] }): string {
  const lines: string[] = [];
  // the embedded server answers container names and forwards the rest; without a network
  // (none) the container gets the upstreams directly
  const servers = o.nameserver ? [o.nameserver] : (o.fallback ?? []);
  for (const s of servers) lines.push(`nameserver ${s}`);
  if (o.search?.length) lines.push(`search ${o.search.join(' ')}`);
  if (o.options?.length) lines.push(`options ${o.options.join(' ')}`);
  return lines.join('\n') + '\n';
}

/** Nameservers, search and options lines of a resolv.conf. */
export function parseResolvConf(text: string): { nameservers: string[]; search: string[]; options: string[] } {
  const out = { nameservers: [] as string[], search: [] as string[], options: [] as string[] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [k, ...rest] = line.split(/\s+/);
    if (k === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (k === 'search' || k === 'domain') out.search = rest;
    else if (k === 'options') out.options.push(...rest);
  }
  return out;
}
