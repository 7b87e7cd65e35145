/**
 * `berth container run|create` flags → ContainerCreateRequest. Pure (file reads are
 * injected) so every Docker flag form is unit-tested: -v's three shapes, --mount's key=value
 * list, -p with addresses, ranges and protocols, sizes, Go durations, restart policies.
 */
import path from 'node:path';
import type { ContainerCreateRequest, EndpointSpec, HealthcheckSpec, MountSpec, NetworkModeSpec, PortBinding, Resources, RestartPolicy } from '../../../engine/api/types.js';
import { UserError } from '../../diag/diagnostic.js';

/** The options as commander hands them over (repeatable ones as arrays). */
export interface RunFlags {
  detach?: boolean;
  interactive?: boolean;
  tty?: boolean;
  name?: string;
  env?: string[];
  envFile?: string[];
  label?: string[];
  labelFile?: string[];
  volume?: string[];
  mount?: string[];
  tmpfs?: string[];
  publish?: string[];
  expose?: string[];
  network?: string;
  networkAlias?: string[];
  ip?: string;
  ip6?: string;
  macAddress?: string;
  memory?: string;
  memorySwap?: string;
  memoryReservation?: string;
  cpus?: string;
  cpuShares?: string;
  cpuQuota?: string;
  cpuPeriod?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: string;
  shmSize?: string;
  oomScoreAdj?: string;
  restart?: string;
  healthCmd?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthRetries?: string;
  healthStartPeriod?: string;
  healthStartInterval?: string;
  healthcheck?: boolean; // --no-healthcheck sets false
  user?: string;
  workdir?: string;
  entrypoint?: string;
  readOnly?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  init?: boolean;
  hostname?: string;
  domainname?: string;
  dns?: string[];
  dnsSearch?: string[];
  dnsOption?: string[];
  addHost?: string[];
  ulimit?: string[];
  sysctl?: string[];
  stopSignal?: string;
  stopTimeout?: string;
  rm?: boolean;
  groupAdd?: string[];
  securityOpt?: string[];
  ipc?: string;
  pid?: string;
}

export interface RunDeps {
  /** Reads an --env-file / --label-file. */
  readFile: (file: string) => string;
  /** For `-e NAME` without a value and relative bind sources. */
  env: NodeJS.ProcessEnv;
  cwd: string;
}

// ------------------------------------------------------------------ value parsers

/** Docker's RAMInBytes: "512m", "1g", "1024" (bytes), "1.5GB", binary units. */
export function parseBytes(s: string, what = 'size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?\s*$/i.exec(s);
  if (!m) throw new UserError(`invalid ${what}: ${JSON.stringify(s)} (use a number with an optional unit b, k, m, g)`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[m[2]!.toLowerCase() as '' | 'k'];
  return Math.round(Number(m[1]) * mult);
}

/** Go's time.ParseDuration → milliseconds ("30s", "1m30s", "500ms", "1h"). A bare number is seconds. */
export function parseDuration(s: string, what = 'duration'): number {
  const t = s.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(t))) {
    total += Number(m[1]) * unit[m[2]!]!;
    end = re.lastIndex;
  }
  if (!t || end !== t.length) throw new UserError(`invalid ${what}: ${JSON.stringify(s)} (e.g. 30s, 1m30s, 500ms)`);
  return Math.round(total);
}

function intFlag(s: string, what: string): number {
  if (!/^-?\d+$/.test(s.trim())) throw new UserError(`invalid ${what}: ${JSON.stringify(s)} (an integer)`);
  return Number(s);
}

export function parseRestart(s: string): RestartPolicy {
  const [name, count] = s.split(':', 2) as [string, string | undefined];
  if (name === 'on-failure') return count === undefined ? { name } : { name, maximumRetryCount: intFlag(count, 'restart count') };
  if (name === 'no' || name === 'always' || name === 'unless-stopped') {
    if (count !== undefined) throw new UserError(`invalid restart policy ${s}: only on-failure takes a count`);
    return { name };
  }
  throw new UserError(`invalid restart policy ${JSON.stringify(s)} (no, always, unless-stopped, on-failure[:N])`);
}

/** KEY=VALUE lines; "KEY" alone takes the value from the environment (skipped when unset). */
export function parseEnvLines(text: string, env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '');
    if (!line || line.startsWith('#')) continue;
    out.push(...envEntry(line, env));
  }
  return out;
}

function envEntry(e: string, env: NodeJS.ProcessEnv): string[] {
  const eq = e.indexOf('=');
  if (eq === 0) throw new UserError(`invalid environment variable ${JSON.stringify(e)}`);
  if (eq > 0) return [e];
  const v = env[e];
  return v === undefined ? [] : [`${e}=${v}`];
}

/** KEY=VALUE flags (--label, --opt, --sysctl, ...) as a map; a bare KEY maps to "". */
export function kv(list: string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of list ?? []) {
    const eq = e.indexOf('=');
    if (eq === 0) throw new UserError(`invalid ${what} ${JSON.stringify(e)}`);
    if (eq < 0) out[e] = '';
    else out[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return out;
}

const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'] as const;

function isHostPath(s: string): boolean {
  return s.startsWith('/') || s.startsWith('.') || s.startsWith('~');
}

/** -v forms: /ctr (anonymous volume), name:/ctr[:opts], /host:/ctr[:opts]. */
export function parseVolumeFlag(spec: string, cwd: string): MountSpec {
  const parts = spec.split(':');
  if (parts.length === 1) {
    if (!spec.startsWith('/')) throw new UserError(`invalid volume ${JSON.stringify(spec)}: a container path must be absolute`);
    return { type: 'volume', source: '', target: spec };
  }
  if (parts.length > 3) throw new UserError(`invalid volume ${JSON.stringify(spec)} (SOURCE:TARGET[:OPTIONS])`);
  const [source, target, opts = ''] = parts as [string, string, string?];
  if (!target.startsWith('/')) throw new UserError(`invalid volume ${JSON.stringify(spec)}: the container path ${JSON.stringify(target)} must be absolute`);
  const flags = opts ? opts.split(',') : [];
  const m: MountSpec = isHostPath(source)
    ? { type: 'bind', source: path.resolve(cwd, source), target, createHostPath: true }
    : { type: 'volume', source, target };
  for (const f of flags) {
    if (f === 'ro' || f === 'readonly') m.readOnly = true;
    else if (f === 'rw') m.readOnly = false;
    else if ((PROPAGATIONS as readonly string[]).includes(f)) {
      if (m.type !== 'bind') throw new UserError(`invalid volume ${JSON.stringify(spec)}: propagation applies to bind mounts only`);
      m.propagation = f as MountSpec['propagation'];
    } else if (f === 'nocopy') {
      if (m.type !== 'volume') throw new UserError(`invalid volume ${JSON.stringify(spec)}: nocopy applies to volumes only`);
      m.noCopy = true;
    } else if (f === 'z' || f === 'Z' || f === 'consistent' || f === 'cached' || f === 'delegated') {
      /* SELinux relabel and macOS consistency hints: nothing to do here */
    } else throw new UserError(`invalid volume option ${JSON.stringify(f)} in ${JSON.stringify(spec)}`);
  }
  return m;
}

function boolOpt(v: string | undefined, key: string): boolean {
  if (v === undefined || v === '' || v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new UserError(`invalid value for ${key}: ${JSON.stringify(v)}`);
}

/** --mount type=bind|volume|tmpfs,source=,target=,readonly,bind-propagation=,volume-nocopy,... */
export function parseMountFlag(spec: string, cwd: string): MountSpec {
  const fields: [string, string | undefined][] = spec.split(',').map((f) => {
    const eq = f.indexOf('=');
    return eq < 0 ? [f.trim(), undefined] : [f.slice(0, eq).trim(), f.slice(eq + 1)];
  });
  let type: MountSpec['type'] = 'volume';
  const m: Partial<MountSpec> & { volumeLabels?: Record<string, string> } = {};
  for (const [k, v] of fields) {
    switch (k) {
      case 'type':
        if (v !== 'bind' && v !== 'volume' && v !== 'tmpfs') throw new UserError(`invalid mount type ${JSON.stringify(v)} (bind, volume, tmpfs)`);
        type = v;
        break;
      case 'source':
      case 'src':
        m.source = v ?? '';
        break;
      case 'target':
      case 'destination':
      case 'dst':
        m.target = v;
        break;
      case 'readonly':
      case 'ro':
        m.readOnly = boolOpt(v, k);
        break;
      case 'bind-propagation':
        if (!(PROPAGATIONS as readonly string[]).includes(v ?? '')) throw new UserError(`invalid bind-propagation ${JSON.stringify(v)}`);
        m.propagation = v as MountSpec['propagation'];
        break;
      case 'bind-create-host-path':
        m.createHostPath = boolOpt(v, k);
        break;
      case 'volume-nocopy':
        m.noCopy = boolOpt(v, k);
        break;
      case 'volume-subpath':
        m.subpath = v;
        break;
      case 'volume-label': {
        const [lk, ...rest] = (v ?? '').split('=');
        m.volumeLabels = { ...(m.volumeLabels ?? {}), [lk!]: rest.join('=') };
        break;
      }
      case 'tmpfs-size':
        m.tmpfsSize = parseBytes(v ?? '', 'tmpfs-size');
        break;
      case 'tmpfs-mode':
        m.tmpfsMode = parseInt(v ?? '', 8);
        if (Number.isNaN(m.tmpfsMode)) throw new UserError(`invalid tmpfs-mode ${JSON.stringify(v)} (octal)`);
        break;
      case 'consistency':
      case 'volume-driver':
      case 'volume-opt':
        break;
      default:
        throw new UserError(`unknown --mount field ${JSON.stringify(k)} in ${JSON.stringify(spec)}`);
    }
  }
  if (!m.target || !m.target.startsWith('/')) throw new UserError(`--mount ${JSON.stringify(spec)} needs an absolute target=`);
  const out: MountSpec = { ...m, type, target: m.target };
  if (type === 'bind') {
    if (!out.source) throw new UserError(`--mount ${JSON.stringify(spec)}: a bind mount needs source=`);
    out.source = path.resolve(cwd, out.source);
  }
  if (type === 'volume') out.source ??= '';
  if (type === 'tmpfs' && out.source) throw new UserError(`--mount ${JSON.stringify(spec)}: tmpfs takes no source`);
  return out;
}

/** --tmpfs /path[:opts] with size= and mode= among the options. */
export function parseTmpfsFlag(spec: string): MountSpec {
  const colon = spec.indexOf(':');
  const target = colon < 0 ? spec : spec.slice(0, colon);
  if (!target.startsWith('/')) throw new UserError(`invalid --tmpfs ${JSON.stringify(spec)}: the path must be absolute`);
  const m: MountSpec = { type: 'tmpfs', target };
  for (const o of colon < 0 ? [] : spec.slice(colon + 1).split(',')) {
    const [k, v] = o.split('=', 2) as [string, string | undefined];
    if (k === 'size' && v) m.tmpfsSize = parseBytes(v, 'tmpfs size');
    else if (k === 'mode' && v) m.tmpfsMode = parseInt(v, 8);
    else if (k === 'ro') m.readOnly = true;
    // rw, noexec, nosuid, nodev...: the runtime's defaults; accepted for Docker compatibility
  }
  return m;
}

function portRange(s: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw new UserError(`invalid ${what} ${JSON.stringify(s)}`);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a < 1 || b > 65535 || b < a) throw new UserError(`invalid ${what} ${JSON.stringify(s)} (1-65535)`);
  return [a, b];
}

/** -p [IP:][HOST[-HOST]:]CONTAINER[-CONTAINER][/tcp|udp]; IPv6 addresses in brackets. */
export function parsePublish(spec: string): PortBinding[] {
  let rest = spec;
  let protocol: 'tcp' | 'udp' = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = rest.slice(slash + 1).toLowerCase();
    if (p !== 'tcp' && p !== 'udp') throw new UserError(`invalid protocol ${JSON.stringify(p)} in -p ${spec} (tcp or udp)`);
    protocol = p;
    rest = rest.slice(0, slash);
  }
  let hostIp = '';
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0 || rest[close + 1] !== ':') throw new UserError(`invalid -p ${spec}`);
    hostIp = rest.slice(1, close);
    rest = rest.slice(close + 2);
    const parts = rest.split(':');
    return bind(hostIp, parts.length === 2 ? parts[0]! : '', parts[parts.length - 1]!);
  }
  const parts = rest.split(':');
  if (parts.length === 1) return bind('', '', parts[0]!);
  if (parts.length === 2) return bind('', parts[0]!, parts[1]!);
  if (parts.length === 3) return bind(parts[0]!, parts[1]!, parts[2]!);
  throw new UserError(`invalid -p ${spec} ([IP:][HOST:]CONTAINER[/PROTOCOL])`);

  function bind(ip: string, host: string, ctr: string): PortBinding[] {
    const [c1, c2] = portRange(ctr, `container port in -p ${spec}`);
    const n = c2 - c1 + 1;
    let h1 = 0;
    if (host) {
      const [a, b] = portRange(host, `host port in -p ${spec}`);
      if (b - a + 1 !== n) throw new UserError(`invalid -p ${spec}: the host and container ranges differ in length`);
      h1 = a;
    }
    return Array.from({ length: n }, (_, i) => ({
      containerPort: c1 + i,
      protocol,
      ...(ip ? { hostIp: ip } : {}),
      hostPort: host ? h1 + i : 0,
    }));
  }
}

// ------------------------------------------------------------------ the request

export function buildCreateRequest(image: string, cmd: string[], o: RunFlags, deps: RunDeps): ContainerCreateRequest {
  const req: ContainerCreateRequest = { image };
  if (o.name !== undefined) req.name = o.name.replace(/^\//, '');
  if (cmd.length) req.cmd = cmd;
  if (o.entrypoint !== undefined) {
    // Docker: an --entrypoint (even "") also clears the image's CMD unless a command is given.
    req.entrypoint = o.entrypoint === '' ? [] : [o.entrypoint];
    if (!cmd.length) req.cmd = null;
  }

  const env = [...(o.envFile ?? []).flatMap((f) => parseEnvLines(deps.readFile(f), deps.env)), ...(o.env ?? []).flatMap((e) => envEntry(e, deps.env))];
  if (env.length) req.env = env;

  const labels = { ...kv((o.labelFile ?? []).flatMap((f) => parseEnvLines(deps.readFile(f), {})), 'label'), ...kv(o.label, 'label') };
  if (Object.keys(labels).length) req.labels = labels;

  if (o.user) req.user = o.user;
  if (o.groupAdd?.length) req.groupAdd = o.groupAdd;
  if (o.workdir) {
    if (!o.workdir.startsWith('/')) throw new UserError(`the working directory ${JSON.stringify(o.workdir)} must be absolute`);
    req.workingDir = o.workdir;
  }
  if (o.hostname) req.hostname = o.hostname;
  if (o.domainname) req.domainname = o.domainname;
  if (o.tty) req.tty = true;
  if (o.interactive) req.openStdin = true;

  const mounts = [
    ...(o.volume ?? []).map((v) => parseVolumeFlag(v, deps.cwd)),
    ...(o.mount ?? []).map((m) => parseMountFlag(m, deps.cwd)),
    ...(o.tmpfs ?? []).map(parseTmpfsFlag),
  ];
  const seen = new Set<string>();
  for (const m of mounts) {
    if (seen.has(m.target)) throw new UserError(`duplicate mount point: ${m.target}`);
    seen.add(m.target);
  }
  if (mounts.length) req.mounts = mounts;

  const ports = (o.publish ?? []).flatMap(parsePublish);
  if (ports.length) req.ports = ports;
  const exposed = (o.expose ?? []).flatMap((e) => {
    const [p, proto = 'tcp'] = e.split('/');
    const [a, b] = portRange(p!, 'exposed port');
    return Array.from({ length: b - a + 1 }, (_, i) => `${a + i}/${proto}`);
  });
  if (exposed.length) req.exposedPorts = exposed;

  req.network = networkSpec(o);
  if (req.network.mode !== 'bridge' && ports.length) {
    throw new UserError(`published ports need a bridge network (not --network ${o.network})`);
  }

  const r: Resources = {};
  if (o.memory) r.memory = parseBytes(o.memory, '--memory');
  if (o.memorySwap) r.memorySwap = o.memorySwap === '-1' ? -1 : parseBytes(o.memorySwap, '--memory-swap');
  if (o.memoryReservation) r.memoryReservation = parseBytes(o.memoryReservation, '--memory-reservation');
  if (o.cpus) {
    const n = Number(o.cpus);
    if (!Number.isFinite(n) || n < 0) throw new UserError(`invalid --cpus ${JSON.stringify(o.cpus)}`);
    r.nanoCpus = Math.round(n * 1e9);
  }
  if (o.cpuShares) r.cpuShares = intFlag(o.cpuShares, '--cpu-shares');
  if (o.cpuQuota) r.cpuQuota = intFlag(o.cpuQuota, '--cpu-quota');
  if (o.cpuPeriod) r.cpuPeriod = intFlag(o.cpuPeriod, '--cpu-period');
  if (o.cpusetCpus) r.cpusetCpus = o.cpusetCpus;
  if (o.cpusetMems) r.cpusetMems = o.cpusetMems;
  if (o.pidsLimit) r.pidsLimit = intFlag(o.pidsLimit, '--pids-limit');
  if (o.shmSize) r.shmSize = parseBytes(o.shmSize, '--shm-size');
  if (o.oomScoreAdj) r.oomScoreAdj = intFlag(o.oomScoreAdj, '--oom-score-adj');
  if (Object.keys(r).length) req.resources = r;

  if (o.restart) req.restartPolicy = parseRestart(o.restart);
  if (o.rm) {
    if (req.restartPolicy && req.restartPolicy.name !== 'no') throw new UserError('--rm and --restart cannot be combined');
    req.autoRemove = true;
  }

  const hc = healthcheck(o);
  if (hc) req.healthcheck = hc;

  if (o.readOnly) req.readOnlyRootfs = true;
  if (o.init) req.init = true;
  if (o.privileged) req.privileged = true;
  if (o.capAdd?.length) req.capAdd = o.capAdd;
  if (o.capDrop?.length) req.capDrop = o.capDrop;
  if (o.securityOpt?.length) req.securityOpt = o.securityOpt;
  if (o.dns?.length) req.dns = o.dns;
  if (o.dnsSearch?.length) req.dnsSearch = o.dnsSearch;
  if (o.dnsOption?.length) req.dnsOptions = o.dnsOption;
  if (o.addHost?.length) {
    req.extraHosts = o.addHost.map((h) => {
      const i = h.indexOf(':') >= 0 ? h.indexOf(':') : h.indexOf('=');
      if (i <= 0) throw new UserError(`invalid --add-host ${JSON.stringify(h)} (HOST:IP)`);
      return `${h.slice(0, i)}:${h.slice(i + 1)}`;
    });
  }
  if (o.ulimit?.length) {
    req.ulimits = o.ulimit.map((u) => {
      const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(u);
      if (!m) throw new UserError(`invalid --ulimit ${JSON.stringify(u)} (NAME=SOFT[:HARD])`);
      return { name: m[1]!, soft: Number(m[2]), hard: Number(m[3] ?? m[2]) };
    });
  }
  if (o.sysctl?.length) req.sysctls = kv(o.sysctl, '--sysctl');
  if (o.stopSignal) req.stopSignal = o.stopSignal;
  if (o.stopTimeout) req.stopTimeout = intFlag(o.stopTimeout, '--stop-timeout');
  if (o.ipc) req.ipc = o.ipc;
  if (o.pid) req.pid = o.pid;
  return req;
}

function networkSpec(o: RunFlags): NetworkModeSpec {
  const n = o.network;
  const endpointExtras = !!(o.networkAlias?.length || o.ip || o.ip6 || o.macAddress);
  if (n === 'host' || n === 'none') {
    if (endpointExtras) throw new UserError(`--network-alias, --ip and --mac-address need a bridge network (not --network ${n})`);
    return { mode: n };
  }
  if (n?.startsWith('container:')) {
    if (endpointExtras) throw new UserError('--network-alias and --ip cannot be combined with --network container:...');
    return { mode: 'container', container: n.slice('container:'.length) };
  }
  if (!n || n === 'bridge' || n === 'default') {
    if (!endpointExtras) return { mode: 'bridge' };
    // Docker refuses aliases on its default bridge; berth's default network is user-defined-like,
    // but the request still needs a name: the engine resolves "" to its default network.
    if (o.networkAlias?.length) throw new UserError('network-scoped aliases are only supported for user-defined networks (give --network NAME)');
  }
  const ep: EndpointSpec = { network: n && n !== 'default' ? n : 'bridge' };
  if (o.networkAlias?.length) ep.aliases = o.networkAlias;
  if (o.ip) ep.ipv4Address = o.ip;
  if (o.ip6) ep.ipv6Address = o.ip6;
  if (o.macAddress) ep.macAddress = o.macAddress;
  return { mode: 'bridge', endpoints: [ep] };
}

function healthcheck(o: RunFlags): HealthcheckSpec | undefined {
  const any = o.healthCmd || o.healthInterval || o.healthTimeout || o.healthRetries || o.healthStartPeriod || o.healthStartInterval;
  if (o.healthcheck === false) {
    if (any) throw new UserError('--no-healthcheck conflicts with the --health-* options');
    return { test: ['NONE'] };
  }
  if (!any) return undefined;
  // Without --health-cmd, the image's test is kept and only the timings change: the engine
  // merges an empty test with the image's healthcheck.
  const hc: HealthcheckSpec = { test: o.healthCmd ? ['CMD-SHELL', o.healthCmd] : [] };
  if (o.healthInterval) hc.interval = parseDuration(o.healthInterval, '--health-interval');
  if (o.healthTimeout) hc.timeout = parseDuration(o.healthTimeout, '--health-timeout');
  if (o.healthRetries) hc.retries = intFlag(o.healthRetries, '--health-retries');
  if (o.healthStartPeriod) hc.startPeriod = parseDuration(o.healthStartPeriod, '--health-start-period');
  if (o.healthStartInterval) hc.startInterval = parseDuration(o.healthStartInterval, '--health-start-interval');
  return hc;
}
