/**
 * Service → ContainerCreateRequest. Pure: everything it needs (the project, labels' metadata,
 * the environment for `environment:`-sourced secrets) comes in as arguments.
 */
import path from 'node:path';
import type { ContainerCreateRequest, EndpointSpec, HealthcheckSpec, MountSpec, NetworkModeSpec, PortBinding, Resources, RestartPolicy } from '../../engine/api/types.js';
import type { Project, Service, ServiceSecretRef } from '../model/types.js';
import { containerName, imageRef } from '../plan/names.js';
import { directDeps } from '../plan/deps.js';
import { parseDuration, stopTimeoutSeconds } from '../plan/durations.js';
import { serviceConfigHash, serviceContentDigest, serviceFieldHashes } from '../plan/hash.js';
import { containerLabels, volumeLabels, type ProjectMeta } from './labels.js';
import { parseBytes, parseCpus } from './units.js';

export interface ConvertContext {
  project: Project;
  meta: ProjectMeta;
  /** The environment `environment:`-sourced secrets and configs read from. */
  env: Record<string, string | undefined>;
  /** The id of the image the container is created from (stamped as a label). */
  imageId?: string;
}

export interface ConvertOptions {
  oneoff?: boolean;
  /** A name other than Compose's (run --name, one-off slugs). */
  name?: string;
}

export function toCreateRequest(ctx: ConvertContext, serviceName: string, number: number, opts: ConvertOptions = {}): ContainerCreateRequest {
  const { project } = ctx;
  const s = project.services[serviceName];
  if (!s) throw new Error(`no such service: ${serviceName}`);
  const name = opts.name ?? containerName(project.name, serviceName, number, s);
  const req: ContainerCreateRequest = {
    name,
    image: imageRef(project, serviceName),
    labels: containerLabels(
      ctx.meta,
      {
        service: serviceName,
        number,
        oneoff: !!opts.oneoff,
        configHash: serviceConfigHash(s, serviceContentDigest(project, serviceName)),
        fieldHashes: serviceFieldHashes(s, serviceContentDigest(project, serviceName)),
        dependsOn: directDeps(s).map((d) => `${d.service}:${d.condition}:${d.restart}`),
        imageId: ctx.imageId,
      },
      { ...(s.labels ?? {}) },
    ),
  };
  if (s.entrypoint) req.entrypoint = [...s.entrypoint];
  if (s.command) req.cmd = [...s.command];
  const env = environment(s);
  if (env.length) req.env = env;
  set(req, 'user', s.user);
  if (s.group_add?.length) req.groupAdd = [...s.group_add];
  set(req, 'workingDir', s.working_dir);
  set(req, 'hostname', s.hostname);
  set(req, 'domainname', s.domainname);
  if (s.tty) req.tty = true;
  if (s.stdin_open) req.openStdin = true;
  const secrets = [...secretFiles(ctx, s.secrets, 'secret'), ...secretFiles(ctx, s.configs, 'config')];
  const mounts = [...volumeMounts(ctx, s), ...tmpfsMounts(s.tmpfs), ...secrets.filter(isMount)];
  if (mounts.length) req.mounts = mounts;
  req.network = networkMode(project, serviceName, s, name);
  const ports = portBindings(s, number);
  if (ports.length) req.ports = ports;
  const exposed = [...new Set([...(s.expose ?? []).map((e) => (e.includes('/') ? e : `${e}/tcp`)), ...(s.ports ?? []).map((p) => `${p.target}/${p.protocol ?? 'tcp'}`)])];
  if (exposed.length) req.exposedPorts = exposed;
  if (s.dns?.length) req.dns = [...s.dns];
  if (s.dns_search?.length) req.dnsSearch = [...s.dns_search];
  if (s.dns_opt?.length) req.dnsOptions = [...s.dns_opt];
  const hosts = extraHosts(s.extra_hosts);
  if (hosts.length) req.extraHosts = hosts;
  const res = resources(s);
  if (Object.keys(res).length) req.resources = res;
  if (s.ulimits) req.ulimits = Object.entries(s.ulimits).sort(([a], [b]) => a.localeCompare(b)).map(([n, u]) => (typeof u === 'number' ? { name: n, soft: u, hard: u } : { name: n, soft: u.soft, hard: u.hard }));
  if (s.sysctls) req.sysctls = Object.fromEntries(Object.entries(s.sysctls).map(([k, v]) => [k, String(v)]));
  if (s.read_only) req.readOnlyRootfs = true;
  if (s.init) req.init = true;
  if (s.privileged) req.privileged = true;
  if (s.cap_add?.length) req.capAdd = [...s.cap_add];
  if (s.cap_drop?.length) req.capDrop = [...s.cap_drop];
  if (s.security_opt?.length) req.securityOpt = [...s.security_opt];
  set(req, 'stopSignal', s.stop_signal);
  const grace = stopTimeoutSeconds(s.stop_grace_period);
  if (grace !== undefined) req.stopTimeout = grace;
  const restart = restartPolicy(s);
  if (restart) req.restartPolicy = restart;
  const hc = healthcheck(s);
  if (hc) req.healthcheck = hc;
  if (s.ipc) req.ipc = namespaceRef(project, s.ipc);
  if (s.pid) req.pid = namespaceRef(project, s.pid);
  const files = secrets.filter((x): x is FileSpec => !isMount(x));
  if (files.length) req.files = files;
  return req;
}

function set<K extends keyof ContainerCreateRequest>(req: ContainerCreateRequest, k: K, v: ContainerCreateRequest[K] | undefined): void {
  if (v !== undefined && v !== null && v !== '') req[k] = v;
}

function environment(s: Service): string[] {
  return Object.entries(s.environment ?? {})
    .filter((e): e is [string, string] => e[1] !== null && e[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`);
}

/** `service:x` → `container:<x's first container>`; anything else as written. */
function namespaceRef(project: Project, v: string): string {
  if (!v.startsWith('service:')) return v;
  const svc = v.slice('service:'.length);
  return `container:${containerName(project.name, svc, 1, project.services[svc])}`;
}

function volumeMounts(ctx: ConvertContext, s: Service): MountSpec[] {
  const { project } = ctx;
  const out: MountSpec[] = [];
  for (const raw of s.volumes ?? []) {
    // The model keeps the target as written ("/media/", as `config` prints it); the engine
    // gets it clean, as Docker cleans it when it mounts.
    const v = { ...raw, target: path.posix.normalize(raw.target).replace(/(.)\/$/, '$1') };
    if (v.type === 'bind') {
      const m: MountSpec = { type: 'bind', source: v.source, target: v.target, createHostPath: v.bind?.create_host_path ?? true };
      if (v.read_only) m.readOnly = true;
      if (v.bind?.propagation) m.propagation = v.bind.propagation as MountSpec['propagation'];
      out.push(m);
    } else if (v.type === 'volume') {
      const cfg = v.source ? project.volumes?.[v.source] : undefined;
      // A named volume mounts by its full name; an anonymous one is made on demand and labelled
      // with the project so `down -v` finds it.
      const m: MountSpec = { type: 'volume', source: cfg ? (cfg.name ?? `${project.name}_${v.source}`) : (v.source ?? ''), target: v.target };
      if (!v.source) m.volumeLabels = volumeLabels(ctx.meta, undefined);
      if (v.read_only) m.readOnly = true;
      if (v.volume?.nocopy) m.noCopy = true;
      if (v.volume?.subpath) m.subpath = v.volume.subpath;
      out.push(m);
    } else if (v.type === 'tmpfs') {
      const m: MountSpec = { type: 'tmpfs', target: v.target };
      const size = parseBytes(v.tmpfs?.size);
      if (size !== undefined) m.tmpfsSize = size;
      if (v.tmpfs?.mode !== undefined) m.tmpfsMode = v.tmpfs.mode;
      out.push(m);
    } else {
      throw new Error(`volume type ${v.type} is not supported by berth (at ${v.target})`);
    }
  }
  return out;
}

/** The service-level `tmpfs:` list: "/run" or "/run:size=64m,mode=1777". */
function tmpfsMounts(list: string[] | undefined): MountSpec[] {
  return (list ?? []).map((entry) => {
    const [target, opts] = entry.split(/:(.*)/s) as [string, string | undefined];
    const m: MountSpec = { type: 'tmpfs', target };
    for (const o of (opts ?? '').split(',').filter(Boolean)) {
      const [k, val] = o.split('=');
      if (k === 'size' && val) m.tmpfsSize = parseBytes(val);
      if (k === 'mode' && val) m.tmpfsMode = parseInt(val, 8);
    }
    return m;
  });
}

function networkMode(project: Project, serviceName: string, s: Service, cname: string): NetworkModeSpec {
  const mode = s.network_mode;
  if (mode === 'host' || mode === 'none') return { mode };
  if (mode?.startsWith('service:') || mode?.startsWith('container:')) {
    const ref = namespaceRef(project, mode);
    return { mode: 'container', container: ref.slice('container:'.length) };
  }
  if (mode && mode !== 'bridge') throw new Error(`network_mode ${mode} is not supported by berth`);
  const nets = Object.entries(s.networks ?? { default: null }).sort(([a, x], [b, y]) => (y?.priority ?? 0) - (x?.priority ?? 0) || a.localeCompare(b));
  const endpoints: EndpointSpec[] = nets.map(([key, cfg]) => {
    const aliases = [serviceName, ...(cfg?.aliases ?? [])];
    if (s.container_name) aliases.push(s.container_name);
    else aliases.push(cname);
    aliases.push(...linkAliases(project, serviceName, key));
    const e: EndpointSpec = { network: project.networks?.[key]?.name ?? `${project.name}_${key}`, aliases: [...new Set(aliases)] };
    if (cfg?.ipv4_address) e.ipv4Address = cfg.ipv4_address;
    if (cfg?.ipv6_address) e.ipv6Address = cfg.ipv6_address;
    if (cfg?.mac_address) e.macAddress = cfg.mac_address;
    return e;
  });
  return { mode: 'bridge', endpoints };
}

/**
 * `links: ["db:database"]` on a service: Docker resolves `database` only inside the linking
 * container; berth's DNS has no per-container names, so the alias goes on db's endpoint in the
 * networks the two share (reachable by the rest of that network too).
 */
function linkAliases(project: Project, target: string, networkKey: string): string[] {
  const out: string[] = [];
  for (const [name, other] of Object.entries(project.services)) {
    if (other.network_mode || !Object.keys(other.networks ?? { default: null }).includes(networkKey)) continue;
    for (const l of other.links ?? []) {
      const [svc, alias] = l.split(':');
      if (svc === target && alias && alias !== target && name !== target) out.push(alias);
    }
  }
  return out.sort();
}

/** Ports, with ranges expanded: "8000-8001:80-81" gives two bindings; a host range for one port gives replica n its n-th port. */
function portBindings(s: Service, number: number): PortBinding[] {
  const out: PortBinding[] = [];
  for (const p of s.ports ?? []) {
    if (p.protocol === 'sctp') throw new Error(`port ${p.target}/sctp: berth publishes tcp and udp only`);
    const protocol = p.protocol ?? 'tcp';
    const base: Omit<PortBinding, 'containerPort'> = { protocol };
    if (p.host_ip) base.hostIp = p.host_ip;
    const pub = p.published === undefined || p.published === '' ? undefined : String(p.published);
    if (!pub) {
      out.push({ ...base, containerPort: p.target });
      continue;
    }
    // A host range for one container port means "any free port in it". Docker hands replicas
    // started one after another successive ports of the range; berth gives replica n the n-th
    // port (wrapping), so `18620-18621:80` with 2 replicas publishes 18620 and 18621 (#19).
    const [lo, hi] = pub.split('-').map(Number) as [number, number | undefined];
    const size = hi !== undefined && hi >= lo ? hi - lo + 1 : 1;
    out.push({ ...base, containerPort: p.target, hostPort: lo + ((Math.max(number, 1) - 1) % size) });
  }
  return out;
}

function extraHosts(v: Service['extra_hosts']): string[] {
  if (!v) return [];
  if (Array.isArray(v)) return v.map((e) => e.replace(/^([^=:]+)=/, '$1:'));
  return Object.entries(v).flatMap(([h, ips]) => (Array.isArray(ips) ? ips : [ips]).map((ip) => `${h}:${ip}`));
}

function resources(s: Service): Resources {
  const r: Resources = {};
  const lim = s.deploy?.resources?.limits;
  const mem = parseBytes(lim?.memory ?? s.mem_limit);
  if (mem !== undefined) r.memory = mem;
  const swap = parseBytes(s.memswap_limit);
  if (swap !== undefined) r.memorySwap = swap;
  const resv = parseBytes(s.deploy?.resources?.reservations?.memory ?? s.mem_reservation);
  if (resv !== undefined) r.memoryReservation = resv;
  const cpus = parseCpus(lim?.cpus ?? s.cpus);
  if (cpus !== undefined && cpus > 0) r.nanoCpus = cpus;
  if (s.cpu_shares !== undefined) r.cpuShares = s.cpu_shares;
  if (s.cpuset) r.cpusetCpus = s.cpuset;
  const pids = lim?.pids ?? s.pids_limit;
  if (pids !== undefined) r.pidsLimit = pids;
  const shm = parseBytes(s.shm_size);
  if (shm !== undefined) r.shmSize = shm;
  return r;
}

function restartPolicy(s: Service): RestartPolicy | undefined {
  if (s.restart) {
    const [name, n] = s.restart.split(':');
    if (name === 'no') return { name: 'no' };
    if (name === 'always' || name === 'unless-stopped') return { name };
    if (name === 'on-failure') return n ? { name, maximumRetryCount: Number(n) } : { name };
    throw new Error(`invalid restart policy: ${s.restart}`);
  }
  const rp = s.deploy?.restart_policy;
  if (!rp) return undefined;
  if (rp.condition === 'none') return { name: 'no' };
  if (rp.condition === 'on-failure') return rp.max_attempts ? { name: 'on-failure', maximumRetryCount: rp.max_attempts } : { name: 'on-failure' };
  return { name: 'always' }; // condition "any", Swarm's default
}

function healthcheck(s: Service): HealthcheckSpec | undefined {
  const h = s.healthcheck;
  if (!h) return undefined;
  if (h.disable) return { test: ['NONE'] };
  // No test: the image's check, with these timings (the engine merges).
  const spec: HealthcheckSpec = { test: h.test ? [...h.test] : [] };
  const ms = (k: 'interval' | 'timeout' | 'startPeriod' | 'startInterval', v: string | undefined): void => {
    const d = parseDuration(v);
    if (d !== undefined) spec[k] = d;
  };
  ms('interval', h.interval);
  ms('timeout', h.timeout);
  ms('startPeriod', h.start_period);
  ms('startInterval', h.start_interval);
  if (h.retries !== undefined) spec.retries = h.retries;
  return spec;
}

type FileSpec = NonNullable<ContainerCreateRequest['files']>[number];

function isMount(x: FileSpec | MountSpec): x is MountSpec {
  return 'type' in x;
}

/**
 * Secrets go to /run/secrets/<target or source>, configs to /<source> or their target. A
 * file source is bind-mounted read-only, as Compose does (mode, uid and gid then stay the
 * file's own); an environment or inline source becomes a file placed before start.
 * Contents are never logged: only paths are.
 */
function secretFiles(ctx: ConvertContext, refs: ServiceSecretRef[] | undefined, kind: 'secret' | 'config'): (FileSpec | MountSpec)[] {
  const defs = kind === 'secret' ? ctx.project.secrets : ctx.project.configs;
  return (refs ?? []).map((ref) => {
    const def = defs?.[ref.source];
    if (!def) throw new Error(`${kind} ${ref.source} is not defined in the project`);
    if (def.external) throw new Error(`${kind} ${ref.source} is external: berth has no ${kind} store; give it a file, environment or content source`);
    let target = ref.target ?? ref.source;
    if (kind === 'secret' && !target.startsWith('/')) target = `/run/secrets/${target}`;
    if (kind === 'config' && !target.startsWith('/')) target = `/${target}`;
    const file: FileSpec = { target, mode: ref.mode ?? 0o444 };
    if (ref.uid !== undefined) file.uid = Number(ref.uid);
    if (ref.gid !== undefined) file.gid = Number(ref.gid);
    if (def.file) return { type: 'bind', source: def.file, target, readOnly: true, createHostPath: false } satisfies MountSpec;
    if (def.environment !== undefined) {
      const val = ctx.env[def.environment];
      if (val === undefined) throw new Error(`${kind} ${ref.source}: environment variable ${def.environment} is not set`);
      file.content = val;
    } else if (def.content !== undefined) file.content = def.content;
    else throw new Error(`${kind} ${ref.source} has no file, environment or content`);
    return file;
  });
}
