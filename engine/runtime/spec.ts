/**
 * The OCI runtime spec for a container: the image's config merged with the request. Pure:
 * everything read from disk (passwd, group, host limits, capabilities the engine holds) comes
 * in as input, so the whole merge is unit tested.
 */
import type { ContainerCreateRequest, ImageRunConfig } from '../api/types.js';
import { EngineError } from '../api/types.js';
import type { ResolvedMount } from '../common/contracts.js';
import { ociResources, type OciResources } from '../cgroups/limits.js';
import { effectiveCaps } from './caps.js';
import { defaultSeccomp, type SeccompProfile } from './seccomp.js';
import { resolveUser } from './users.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Where the init binary appears inside the container, as Docker names it. */
export const INIT_PATH = '/sbin/docker-init';

export const MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
    rlimits: { type: string; hard: number; soft: number }[];
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  hostname?: string;
  domainname?: string;
  mounts: OciMount[];
  linux: {
    cgroupsPath: string;
    resources: OciResources;
    namespaces: { type: string; path?: string }[];
    sysctl?: Record<string, string>;
    maskedPaths?: string[];
    readonlyPaths?: string[];
    seccomp?: SeccompProfile;
  };
  annotations?: Record<string, string>;
}

export interface SpecInput {
  id: string;
  req: ContainerCreateRequest;
  image: ImageRunConfig;
  rootfs: string;
  /** Contents of the rootfs's /etc/passwd and /etc/group (undefined when missing). */
  passwd?: string;
  group?: string;
  cgroupsPath: string;
  /** Network namespace to join; null = the host's (network_mode host). */
  netnsPath: string | null;
  /** Other namespaces to join (ipc/pid "container:X"). */
  joinNamespaces?: { type: 'ipc' | 'pid'; path: string }[];
  /** Files written by the engine and bound in; undefined = leave the image's. */
  hostnameFile?: string;
  hostsFile?: string;
  resolvConfFile?: string;
  mounts: ResolvedMount[];
  /** Host path of the init binary (tini/catatonit) when req.init. */
  initBinary?: string;
  /** Capabilities the engine holds (a container cannot get more). */
  availableCaps: string[];
  /** Current hard rlimits of the engine, by OCI name (RLIMIT_NOFILE...): CAP_SYS_RESOURCE may be missing, so never ask more. */
  hostRlimits: Record<string, { soft: number; hard: number }>;
  swapAccounting: boolean;
}

export interface SpecOutput {
  spec: OciSpec;
  /** What runs, for inspect's Path/Args. */
  path: string;
  args: string[];
  warnings: string[];
}

/** Env lists merged by key, later wins, order of first appearance kept. */
export function mergeEnv(...lists: (string[] | undefined)[]): string[] {
  const map = new Map<string, string>();
  for (const list of lists) {
    for (const e of list ?? []) {
      const i = e.indexOf('=');
      const k = i < 0 ? e : e.slice(0, i);
      if (i < 0) continue; // "KEY" without value: nothing to pass (the client resolves it)
      map.set(k, e);
    }
  }
  return [...map.values()];
}

/** Entrypoint + cmd, Docker's rules: a request entrypoint resets the image's cmd. */
export function resolveCommand(req: ContainerCreateRequest, image: ImageRunConfig): string[] {
  let entrypoint: string[] = image.Entrypoint ?? [];
  let cmd: string[] = image.Cmd ?? [];
  if (req.entrypoint !== undefined) {
    entrypoint = req.entrypoint ?? [];
    cmd = [];
  }
  if (req.cmd !== undefined) cmd = req.cmd ?? [];
  return [...entrypoint, ...cmd];
}

export function rlimitName(n: string): string {
  return `RLIMIT_${n.toUpperCase().replace(/^RLIMIT_/, '')}`;
}

function clampRlimits(ulimits: ContainerCreateRequest['ulimits'], host: SpecInput['hostRlimits'], warnings: string[]): OciSpec['process']['rlimits'] {
  const out = new Map<string, { type: string; hard: number; soft: number }>();
  const nofile = host.RLIMIT_NOFILE;
  // Docker gives containers a large NOFILE; without CAP_SYS_RESOURCE we can only keep the engine's own hard limit.
  if (nofile) out.set('RLIMIT_NOFILE', { type: 'RLIMIT_NOFILE', hard: nofile.hard, soft: Math.min(nofile.hard, 1048576) });
  for (const u of ulimits ?? []) {
    const type = rlimitName(u.name);
    let hard = u.hard < 0 ? Number.MAX_SAFE_INTEGER : u.hard;
    let soft = u.soft < 0 ? Number.MAX_SAFE_INTEGER : u.soft;
    const cur = host[type];
    if (cur && hard > cur.hard) {
      warnings.push(`ulimit ${u.name} hard ${u.hard} lowered to ${cur.hard}: the engine cannot raise limits (no CAP_SYS_RESOURCE)`);
      hard = cur.hard;
    }
    soft = Math.min(soft, hard);
    out.set(type, { type, hard, soft });
  }
  return [...out.values()];
}

function parseSecurityOpts(opts: string[] = []): { noNewPrivileges: boolean; seccomp: 'default' | 'unconfined' } {
  let noNewPrivileges = false;
  let seccomp: 'default' | 'unconfined' = 'default';
  for (const o of opts) {
    const [k, v] = o.includes('=') ? o.split('=', 2) : o.split(':', 2);
    if (k === 'no-new-privileges') noNewPrivileges = v === undefined || v === 'true';
    else if (k === 'seccomp') {
      if (v === 'unconfined') seccomp = 'unconfined';
      else throw new EngineError('INVALID', `security-opt seccomp=${v}: only "unconfined" is supported`);
    } else if (k === 'label' || k === 'apparmor') {
      // no SELinux/AppArmor on berth's hosts: accepted and ignored, as Docker does when they are off
    } else throw new EngineError('INVALID', `unknown security-opt: ${o}`);
  }
  return { noNewPrivileges, seccomp };
}

export function buildSpec(input: SpecInput): SpecOutput {
  const { req, image } = input;
  const warnings: string[] = [];
  const command = resolveCommand(req, image);
  if (command.length === 0) throw new EngineError('INVALID', 'no command specified');
  const user = resolveUser(req.user ?? image.User, input.passwd, input.group, req.groupAdd);
  let env = mergeEnv(image.Env, req.env);
  if (!env.some((e) => e.startsWith('PATH='))) env = [`PATH=${DEFAULT_PATH}`, ...env];
  if (!env.some((e) => e.startsWith('HOSTNAME=')) && req.hostname) env.push(`HOSTNAME=${req.hostname}`);
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${user.home}`);
  const args = req.init && input.initBinary ? [INIT_PATH, '--', ...command] : command;
  const cwd = req.workingDir || image.WorkingDir || '/';
  if (!cwd.startsWith('/')) throw new EngineError('INVALID', `working directory must be absolute: ${cwd}`);
  const caps = effectiveCaps({ privileged: req.privileged, capAdd: req.capAdd, capDrop: req.capDrop, available: input.availableCaps });
  const capNames = caps.map((c) => `CAP_${c}`);
  const sec = parseSecurityOpts(req.securityOpt);
  const shm = req.resources?.shmSize && req.resources.shmSize > 0 ? req.resources.shmSize : 64 * 1024 * 1024;

  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shm}`] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', req.privileged ? 'rw' : 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];
  if (input.netnsPath === null) {
    // sysfs can only be mounted in a network namespace the container owns; bind the host's instead.
    mounts[5] = { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] };
  }
  const userTargets = new Set(input.mounts.map((m) => m.target));
  const engineFile = (dest: string, src: string | undefined) => {
    if (src && !userTargets.has(dest)) mounts.push({ destination: dest, type: 'bind', source: src, options: ['rbind', 'rprivate', 'rw'] });
  };
  engineFile('/etc/hostname', input.hostnameFile);
  engineFile('/etc/hosts', input.hostsFile);
  engineFile('/etc/resolv.conf', input.resolvConfFile);
  if (req.init && input.initBinary) mounts.push({ destination: INIT_PATH, type: 'bind', source: input.initBinary, options: ['rbind', 'ro'] });
  for (const m of input.mounts) {
    if (m.type === 'tmpfs') mounts.push({ destination: m.target, type: 'tmpfs', source: 'tmpfs', options: m.options.length ? m.options : ['nosuid', 'nodev', 'noexec'] });
    else mounts.push({ destination: m.target, type: 'bind', source: m.source, options: m.options.length ? m.options : ['rbind', 'rprivate'] });
  }
  // Mounts are made in order: a parent must come before what is mounted inside it.
  const fixed = mounts.slice(0, 7);
  const rest = mounts.slice(7).sort((a, b) => a.destination.split('/').length - b.destination.split('/').length);

  const namespaces: OciSpec['linux']['namespaces'] = [{ type: 'mount' }, { type: 'uts' }];
  const joinIpc = input.joinNamespaces?.find((n) => n.type === 'ipc');
  const joinPid = input.joinNamespaces?.find((n) => n.type === 'pid');
  if (req.pid !== 'host') namespaces.push(joinPid ? { type: 'pid', path: joinPid.path } : { type: 'pid' });
  if (req.ipc !== 'host') namespaces.push(joinIpc ? { type: 'ipc', path: joinIpc.path } : { type: 'ipc' });
  if (input.netnsPath !== null) namespaces.push({ type: 'network', path: input.netnsPath });

  const resources = ociResources(req.resources, { swapAccounting: input.swapAccounting });
  resources.devices = req.privileged ? [{ allow: true, access: 'rwm' }] : [{ allow: false, access: 'rwm' }];

  const linux: OciSpec['linux'] = { cgroupsPath: input.cgroupsPath, resources, namespaces };
  if (req.sysctls && Object.keys(req.sysctls).length) {
    for (const k of Object.keys(req.sysctls)) {
      if (k.startsWith('net.') && input.netnsPath === null) throw new EngineError('INVALID', `sysctl ${k} is not allowed with the host's network`);
    }
    linux.sysctl = { ...req.sysctls };
  }
  if (!req.privileged) {
    linux.maskedPaths = MASKED_PATHS;
    linux.readonlyPaths = READONLY_PATHS;
    if (sec.seccomp === 'default') linux.seccomp = defaultSeccomp(caps);
  }
  const spec: OciSpec = {
    ociVersion: '1.0.2',
    process: {
      terminal: !!req.tty,
      user: { uid: user.uid, gid: user.gid, ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}) },
      args,
      env,
      cwd,
      capabilities: { bounding: capNames, effective: capNames, permitted: capNames },
      rlimits: clampRlimits(req.ulimits, input.hostRlimits, warnings),
      noNewPrivileges: sec.noNewPrivileges,
    },
    root: { path: input.rootfs, readonly: !!req.readOnlyRootfs },
    mounts: [...fixed, ...rest],
    linux,
  };
  if (req.hostname) spec.hostname = req.hostname;
  if (req.domainname) spec.domainname = req.domainname;
  return { spec, path: command[0]!, args: command.slice(1), warnings };
}
