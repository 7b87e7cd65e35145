/**
 * What a start needs before the runtime runs: the root filesystem, the network namespace
 * (and its /etc/hosts and /etc/resolv.conf), the engine's files, and the OCI spec.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../api/types.js';
import type { ImageStore, NetworkManager, ResolvedMount, Sandbox } from '../common/contracts.js';
import { buildSpec, type SpecOutput } from './spec.js';
import { secureJoin } from './fsops.js';
import type { ContainerRecord } from './records.js';

export interface HostFacts {
  availableCaps: string[];
  hostRlimits: Record<string, { soft: number; hard: number }>;
  swapAccounting: boolean;
  initBinary?: string;
}

export interface NetworkSetup {
  netnsPath: string | null;
  hosts: string;
  resolvConf: string;
  sandbox?: Sandbox;
}

async function hostFile(p: string, fallback: string): Promise<string> {
  try {
    return await fs.readFile(p, 'utf8');
  } catch {
    return fallback;
  }
}

const LOCALHOST = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n';

/** Sets up the container's network per its mode. `peer` finds the container whose netns to share. */
export async function setupNetwork(
  rec: ContainerRecord,
  hostname: string,
  networks: NetworkManager,
  peer: (ref: string) => { rec: ContainerRecord; dir: string } | undefined,
): Promise<NetworkSetup> {
  const req = rec.config;
  const mode = req.network?.mode ?? 'bridge';
  const extra = (req.extraHosts ?? []).map((h) => {
    const i = h.lastIndexOf(':');
    return `${h.slice(i + 1)}\t${h.slice(0, i)}`;
  });
  if (mode === 'host') {
    return { netnsPath: null, hosts: (await hostFile('/etc/hosts', LOCALHOST)) + extra.map((l) => l + '\n').join(''), resolvConf: await hostFile('/etc/resolv.conf', '') };
  }
  if (mode === 'none') {
    const netnsPath = await networks.setupIsolated(rec.id);
    return { netnsPath, hosts: `${LOCALHOST}${extra.map((l) => l + '\n').join('')}`, resolvConf: await hostFile('/etc/resolv.conf', '') };
  }
  if (mode === 'container') {
    const found = peer(req.network?.container ?? '');
    if (!found) throw new EngineError('NOT_FOUND', `no such container: ${req.network?.container}`);
    const other = found.rec;
    if (other.state.status !== 'running' || !other.state.pid) throw new EngineError('CONFLICT', `cannot join network of a non running container: ${other.name}`);
    // sharing a netns means sharing its name resolution too
    return {
      netnsPath: other.netnsPath ?? `/proc/${other.state.pid}/ns/net`,
      hosts: await hostFile(path.join(found.dir, 'hosts'), LOCALHOST),
      resolvConf: await hostFile(path.join(found.dir, 'resolv.conf'), ''),
    };
  }
  let endpoints = req.network?.endpoints ?? [];
  if (!endpoints.length) endpoints = [{ network: await networks.defaultNetwork() }];
  await networks.checkPorts(rec.id, req.ports ?? []);
  const sandbox = await networks.setupSandbox({
    containerId: rec.id,
    name: rec.name,
    hostname,
    endpoints,
    ports: req.ports ?? [],
    dns: req.dns,
    dnsSearch: req.dnsSearch,
    dnsOptions: req.dnsOptions,
    extraHosts: req.extraHosts,
  });
  return { netnsPath: sandbox.netnsPath, hosts: sandbox.hosts, resolvConf: sandbox.resolvConf, sandbox };
}

async function readIn(rootfs: string, p: string): Promise<string | undefined> {
  try {
    return await fs.readFile(await secureJoin(rootfs, p, { followLast: true }), 'utf8');
  } catch {
    return undefined;
  }
}

/** Writes hostname/hosts/resolv.conf under the container dir and builds the spec. */
export async function prepareSpec(opts: {
  rec: ContainerRecord;
  dir: string;
  rootfs: string;
  hostname: string;
  net: NetworkSetup;
  facts: HostFacts;
}): Promise<SpecOutput> {
  const { rec, dir, rootfs, net, facts } = opts;
  const files = { hostname: path.join(dir, 'hostname'), hosts: path.join(dir, 'hosts'), resolv: path.join(dir, 'resolv.conf') };
  // rewritten at every start, so no fsync dance: a crash just means they are written again
  await Promise.all([
    fs.writeFile(files.hostname, `${opts.hostname}\n`),
    fs.writeFile(files.hosts, net.hosts),
    fs.writeFile(files.resolv, net.resolvConf),
  ]);
  const out = buildSpec({
    id: rec.id,
    req: { ...rec.config, hostname: opts.hostname },
    image: rec.imageConfig,
    rootfs,
    passwd: await readIn(rootfs, '/etc/passwd'),
    group: await readIn(rootfs, '/etc/group'),
    cgroupsPath: rec.cgroupsPath,
    netnsPath: net.netnsPath,
    hostnameFile: files.hostname,
    hostsFile: files.hosts,
    resolvConfFile: files.resolv,
    mounts: rec.mounts,
    initBinary: facts.initBinary,
    availableCaps: facts.availableCaps,
    hostRlimits: facts.hostRlimits,
    swapAccounting: facts.swapAccounting,
  });
  if (rec.config.init && !facts.initBinary) throw new EngineError('INVALID', '--init needs tini (apt-get install tini): no init binary found on the host');
  // The working directory is created when missing, as Docker does.
  const cwd = await secureJoin(rootfs, out.spec.process.cwd, { followLast: true });
  await fs.mkdir(cwd, { recursive: true });
  // Mount targets for the engine files must exist in a read-only rootfs too; create them now.
  for (const f of ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf']) {
    const p = await secureJoin(rootfs, f, { followLast: true });
    await fs.mkdir(path.dirname(p), { recursive: true });
    await fs.writeFile(p, '', { flag: 'a' }).catch(() => {});
  }
  if (rec.config.init && facts.initBinary) {
    const p = await secureJoin(rootfs, '/sbin/docker-init');
    await fs.mkdir(path.dirname(p), { recursive: true });
    await fs.writeFile(p, '', { flag: 'a' }).catch(() => {});
  }
  for (const m of rec.mounts) await makeMountTarget(rootfs, m);
  await placeFiles(rec, rootfs);
  return out;
}

async function makeMountTarget(rootfs: string, m: ResolvedMount): Promise<void> {
  const p = await secureJoin(rootfs, m.target, { followLast: true });
  if (m.type === 'tmpfs') {
    await fs.mkdir(p, { recursive: true });
    return;
  }
  const st = await fs.stat(m.source).catch(() => undefined);
  if (st && !st.isDirectory()) {
    await fs.mkdir(path.dirname(p), { recursive: true });
    await fs.writeFile(p, '', { flag: 'a' }).catch(() => {});
  } else await fs.mkdir(p, { recursive: true });
}

/** Secrets/configs the request asks to place in the container. */
async function placeFiles(rec: ContainerRecord, rootfs: string): Promise<void> {
  for (const f of rec.config.files ?? []) {
    const dest = await secureJoin(rootfs, f.target);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    const data = f.content !== undefined ? f.content : f.source ? await fs.readFile(f.source) : '';
    await fs.writeFile(dest, data, { mode: f.mode ?? 0o444 });
    await fs.chmod(dest, f.mode ?? 0o444);
    if (f.uid !== undefined || f.gid !== undefined) await fs.chown(dest, f.uid ?? 0, f.gid ?? 0);
  }
}
