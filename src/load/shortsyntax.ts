/**
 * Parsers for the short syntaxes of ports and volumes, into their long forms. Return a
 * string error message when the text is malformed; the canonical pass turns it into a
 * diagnostic at the right line.
 */
import type { PortConfig, ServiceVolume } from '../model/types.js';

const PROTOCOLS = ['tcp', 'udp', 'sctp'];

/** "[[ip:]published:]target[/proto]" with ranges → one entry per container port. */
export function parsePortShort(spec: string): PortConfig[] | string {
  let s = spec.trim();
  let protocol = 'tcp';
  const slash = s.lastIndexOf('/');
  if (slash >= 0) {
    protocol = s.slice(slash + 1).toLowerCase();
    s = s.slice(0, slash);
    if (!PROTOCOLS.includes(protocol)) return `invalid protocol "${protocol}" in port "${spec}" (use tcp, udp or sctp)`;
  }
  let hostIp: string | undefined;
  let published: string | undefined;
  let target: string;
  // An IPv6 host address is written in brackets: [::1]:8080:80
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(s);
  if (v6) {
    hostIp = v6[1];
    const rest = v6[2]!.split(':');
    if (rest.length !== 2) return `invalid port "${spec}"`;
    [published, target] = rest as [string, string];
  } else {
    const parts = s.split(':');
    if (parts.length === 1) target = parts[0]!;
    else if (parts.length === 2) [published, target] = parts as [string, string];
    else if (parts.length === 3) [hostIp, published, target] = parts as [string, string, string];
    else return `invalid port "${spec}": too many colons (expected [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL])`;
  }
  if (hostIp !== undefined && hostIp !== '' && !/^[0-9.]+$|^[0-9a-fA-F:]+$/.test(hostIp)) return `invalid host IP "${hostIp}" in port "${spec}"`;
  const tr = range(target!);
  if (!tr) return `invalid container port "${target!}" in port "${spec}"`;
  let pr: [number, number] | undefined;
  if (published !== undefined && published !== '') {
    pr = range(published);
    if (!pr) return `invalid host port "${published}" in port "${spec}"`;
  }
  const out: PortConfig[] = [];
  const count = tr[1] - tr[0] + 1;
  if (pr && pr[1] - pr[0] + 1 !== count && count !== 1) return `port ranges in "${spec}" do not have the same length`;
  for (let i = 0; i < count; i++) {
    const p: PortConfig = { mode: 'ingress', target: tr[0] + i, protocol: protocol as PortConfig['protocol'] };
    if (hostIp) p.host_ip = hostIp;
    if (pr) p.published = count === 1 && pr[0] !== pr[1] ? `${pr[0]}-${pr[1]}` : String(pr[0] + i);
    out.push(reorder(p));
  }
  return out;
}

function reorder(p: PortConfig): PortConfig {
  const o: PortConfig = { mode: p.mode, target: p.target, protocol: p.protocol };
  if (p.host_ip !== undefined) o.host_ip = p.host_ip;
  if (p.published !== undefined) o.published = p.published;
  return o;
}

function range(s: string): [number, number] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s.trim());
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = m[2] !== undefined ? Number(m[2]) : a;
  if (a < 0 || b > 65535 || b < a) return undefined;
  return [a, b];
}

const PROPAGATION = ['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate'];

export function isBindSource(src: string): boolean {
  return src.startsWith('.') || src.startsWith('/') || src.startsWith('~') || /^[A-Za-z]:[\\/]/.test(src) || src.startsWith('\\\\');
}

/** "[SOURCE:]TARGET[:MODE]" → long form. */
export function parseVolumeShort(spec: string): ServiceVolume | string {
  const parts = splitVolume(spec);
  if (parts.length === 0 || parts.length > 3 || parts.some((p) => p === '')) return `invalid volume "${spec}" (expected [SOURCE:]TARGET[:MODE])`;
  if (parts.length === 1) {
    return { type: 'volume', target: parts[0]!, volume: {} };
  }
  const [source, rawTarget, mode] = parts as [string, string, string | undefined];
  // The container path stays as written ("/media/"): compose-go's ParseVolume keeps it, and
  // docker compose cleans it only when it creates the mount.
  const target = rawTarget;
  const v: ServiceVolume = isBindSource(source)
    ? { type: 'bind', source, target, bind: { create_host_path: true } }
    : { type: 'volume', source, target, volume: {} };
  if (mode !== undefined) {
    // As compose-go's ParseVolume: ro/rw, nocopy and the bind options (SELinux label,
    // propagation) are read whatever the volume's type (the option adds the `bind` or
    // `volume` block); any other word, such as the old `cached`/`delegated`, is ignored.
    for (const opt of mode.split(',')) {
      if (opt === 'ro') v.read_only = true;
      else if (opt === 'rw') delete v.read_only;
      else if (opt === 'z' || opt === 'Z') (v.bind ??= {}).selinux = opt;
      else if (opt === 'nocopy') v.volume = { ...v.volume, nocopy: true };
      else if (PROPAGATION.includes(opt)) (v.bind ??= {}).propagation = opt;
    }
  }
  if (!target.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(target)) return `invalid volume "${spec}": the container path "${target}" must be absolute`;
  return v;
}


/** Splits on ':' but keeps a Windows drive letter ("C:\x") in one piece. */
function splitVolume(spec: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!;
    if (c === ':' && !(cur.length === 1 && /[A-Za-z]/.test(cur) && (spec[i + 1] === '\\' || spec[i + 1] === '/'))) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}
