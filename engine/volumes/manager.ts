/**
 * The local volume driver and mount resolution.
 *
 *   <root>/volumes/<name>/volume.json   the record (labels, driver options, users)
 *   <root>/volumes/<name>/_data         the content, or the mount point of a volume with
 *                                       driver options (type/device/o: bind, tmpfs, ...)
 *
 * A volume with driver options is mounted when its first user resolves it and unmounted
 * when its last user is released (Docker's local driver does the same), so no mount stays
 * behind for a volume no container uses.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { EngineError, type DiskUsage, type MountSpec, type VolumeCreateRequest, type VolumeInspect } from '../api/types.js';
import type { EngineContext, ResolvedMount, VolumeManager } from '../common/contracts.js';
import type { RunOptions, RunResult } from '../common/exec.js';
import { exists, readJson, removeTree, writeJsonAtomic } from '../common/fsutil.js';
import { newId } from '../common/naming.js';
import { Lock } from '../network/lock.js';

export type Exec = (cmd: string, args: string[], opts?: RunOptions) => Promise<RunResult>;

interface VolumeRecord {
  name: string;
  driver: 'local';
  created: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  anonymous: boolean;
  /** container id -> container name (name may be the short id when unknown) */
  users: Record<string, string>;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const DRIVER_OPTS = new Set(['type', 'device', 'o', 'size']);

export class LocalVolumeManager implements VolumeManager {
  private readonly dir: string;
  private readonly lock: Lock;

  constructor(
    private readonly ctx: EngineContext,
    private readonly exec: Exec,
  ) {
    this.dir = path.join(ctx.naming.root, 'volumes');
    this.lock = new Lock(path.join(this.dir, '.lock'));
  }

  private recFile(name: string): string {
    return path.join(this.dir, name, 'volume.json');
  }
  private dataDir(name: string): string {
    return path.join(this.dir, name, '_data');
  }

  private async read(name: string): Promise<VolumeRecord | undefined> {
    if (!NAME_RE.test(name)) return undefined;
    return readJson<VolumeRecord>(this.recFile(name));
  }
  private async get(name: string): Promise<VolumeRecord> {
    const r = await this.read(name);
    if (!r) throw new EngineError('NOT_FOUND', `volume ${name} not found`);
    return r;
  }
  private async all(): Promise<VolumeRecord[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return [];
    }
    const out: VolumeRecord[] = [];
    for (const n of names) {
      if (n.startsWith('.')) continue;
      const r = await this.read(n).catch(() => undefined);
      if (r) out.push(r);
    }
    return out.sort((a, b) => a.created.localeCompare(b.created) || a.name.localeCompare(b.name));
  }

  private inspectOf(r: VolumeRecord): VolumeInspect {
    return {
      name: r.name,
      driver: r.driver,
      mountpoint: this.dataDir(r.name),
      created: r.created,
      labels: r.labels,
      options: r.options,
      scope: 'local',
      anonymous: r.anonymous,
      usedBy: Object.keys(r.users),
    };
  }

  /**
   * Repairs what a crash left: half-deleted trees (.deleting-*), a volume directory without
   * its record (a crash inside create), and mounts of volumes nobody uses.
   */
  async init(): Promise<void> {
    await this.lock.run(async () => {
      let names: string[] = [];
      try {
        names = await fs.readdir(this.dir);
      } catch {
        return;
      }
      for (const n of names) {
        const p = path.join(this.dir, n);
        if (n.startsWith('.deleting-')) {
          await this.unmountIfMounted(path.join(p, '_data'));
          await fs.rm(p, { recursive: true, force: true });
          continue;
        }
        if (n.startsWith('.')) continue;
        const r = await this.read(n);
        if (!r) {
          if (!(await this.isMounted(path.join(p, '_data')))) await fs.rm(p, { recursive: true, force: true });
          continue;
        }
        if (Object.keys(r.users).length === 0) await this.unmountIfMounted(this.dataDir(n));
      }
    });
  }

  async create(req: VolumeCreateRequest): Promise<VolumeInspect> {
    return this.lock.run(async () => this.inspectOf(await this.createLocked(req)));
  }

  private async createLocked(req: VolumeCreateRequest): Promise<VolumeRecord> {
    const driver = req.driver ?? 'local';
    if (driver !== 'local') throw new EngineError('INVALID', `volume driver ${driver} is not supported (only local)`);
    const anonymous = !req.name;
    const name = req.name || newId();
    if (!NAME_RE.test(name)) throw new EngineError('INVALID', `invalid volume name ${JSON.stringify(name)}: use [a-zA-Z0-9][a-zA-Z0-9_.-]+`);
    const existing = await this.read(name);
    // Docker: creating an existing volume returns it
    if (existing) return existing;
    const options = { ...(req.driverOpts ?? {}) };
    for (const k of Object.keys(options)) {
      if (!DRIVER_OPTS.has(k)) throw new EngineError('INVALID', `invalid option ${k} for the local volume driver (type, device, o)`);
    }
    if ((options.type || options.device) && !(options.type && options.device)) {
      throw new EngineError('INVALID', 'the local volume driver needs both type and device options (or neither)');
    }
    const rec: VolumeRecord = { name, driver: 'local', created: new Date().toISOString(), labels: { ...(req.labels ?? {}) }, options, anonymous, users: {} };
    await fs.mkdir(this.dataDir(name), { recursive: true, mode: 0o755 });
    await writeJsonAtomic(this.recFile(name), rec);
    this.ctx.events.emit({ type: 'volume', action: 'create', id: name, attributes: { driver: 'local', ...rec.labels } });
    return rec;
  }

  async list(filters: Record<string, string[]> = {}): Promise<VolumeInspect[]> {
    return (await this.all()).filter((r) => matches(r, filters)).map((r) => this.inspectOf(r));
  }

  async inspect(name: string): Promise<VolumeInspect> {
    return this.inspectOf(await this.get(name));
  }

  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.lock.run(async () => {
      const r = await this.get(name);
      const users = Object.entries(r.users);
      if (users.length && !opts.force) {
        throw new EngineError('IN_USE', `volume ${name} is in use by container ${users.map(([id, n]) => (n && n !== id ? `${n} (${id.slice(0, 12)})` : id.slice(0, 12))).join(', ')}`, {
          containers: users.map(([id]) => id),
        });
      }
      await this.removeLocked(r);
    });
  }

  private async removeLocked(r: VolumeRecord): Promise<void> {
    await this.unmountIfMounted(this.dataDir(r.name));
    // never recurse into a mount that is still there: it may be a user's bind device
    if (await this.isMounted(this.dataDir(r.name))) throw new EngineError('RUNTIME', `volume ${r.name}: cannot unmount ${this.dataDir(r.name)}`);
    await removeTree(path.join(this.dir, r.name));
    this.ctx.events.emit({ type: 'volume', action: 'destroy', id: r.name, attributes: { driver: 'local' } });
  }

  async prune(opts: { all?: boolean; filters?: Record<string, string[]> } = {}): Promise<{ deleted: string[]; reclaimed: number }> {
    return this.lock.run(async () => {
      const deleted: string[] = [];
      let reclaimed = 0;
      const all = opts.all || (opts.filters?.all ?? []).some((v) => v === 'true' || v === '1');
      const filters = { ...(opts.filters ?? {}) };
      delete filters.all;
      for (const r of await this.all()) {
        if (Object.keys(r.users).length) continue;
        // Docker 23+: prune removes anonymous volumes only, unless all
        if (!all && !r.anonymous) continue;
        if (!matches(r, filters)) continue;
        reclaimed += options(r) ? 0 : await treeSize(this.dataDir(r.name));
        await this.removeLocked(r);
        deleted.push(r.name);
      }
      return { deleted, reclaimed };
    });
  }

  async diskUsage(): Promise<DiskUsage['volumes']> {
    const all = await this.all();
    let size = 0;
    for (const r of all) if (!options(r)) size += await treeSize(this.dataDir(r.name));
    return { count: all.length, size };
  }

  /**
   * Mount resolution. `containerName` is an optional extra (beyond the contract) so that
   * IN_USE errors can name the container instead of its short id.
   */
  async resolve(containerId: string, mount: MountSpec, rootfs: string, containerName?: string): Promise<ResolvedMount> {
    if (!mount.target || !path.isAbsolute(mount.target)) throw new EngineError('INVALID', `mount target must be an absolute path: ${JSON.stringify(mount.target)}`);
    switch (mount.type) {
      case 'bind':
        return this.resolveBind(mount);
      case 'tmpfs':
        return resolveTmpfs(mount);
      case 'volume':
        return this.lock.run(() => this.resolveVolume(containerId, mount, rootfs, containerName));
      default:
        throw new EngineError('INVALID', `unknown mount type ${(mount as MountSpec).type}`);
    }
  }

  private async resolveBind(m: MountSpec): Promise<ResolvedMount> {
    const src = m.source ?? '';
    if (!path.isAbsolute(src)) throw new EngineError('INVALID', `bind mount source must be an absolute host path: ${JSON.stringify(src)}`);
    if (!(await exists(src))) {
      if (!m.createHostPath) throw new EngineError('INVALID', `bind mount source path does not exist: ${src}`);
      await fs.mkdir(src, { recursive: true });
    }
    return { source: src, target: m.target, type: 'bind', options: ['rbind', m.readOnly ? 'ro' : 'rw', m.propagation ?? 'rprivate'] };
  }

  private async resolveVolume(containerId: string, m: MountSpec, rootfs: string, containerName?: string): Promise<ResolvedMount> {
    let rec = m.source ? await this.read(m.source) : undefined;
    if (!rec) rec = await this.createLocked({ name: m.source || undefined, labels: m.volumeLabels });
    const data = this.dataDir(rec.name);
    if (options(rec) && !(await this.isMounted(data))) await this.mountOpts(rec, data);
    if (!m.noCopy && rootfs) await copyUp(this.exec, rootfs, m.target, data);
    let source = data;
    if (m.subpath) {
      source = path.resolve(data, m.subpath);
      if (!source.startsWith(data + path.sep)) throw new EngineError('INVALID', `volume subpath ${m.subpath} leaves the volume`);
      if (!(await exists(source))) throw new EngineError('INVALID', `volume subpath ${m.subpath} does not exist in volume ${rec.name}`);
    }
    if (!(containerId in rec.users)) {
      rec.users[containerId] = containerName ?? containerId.slice(0, 12);
      await writeJsonAtomic(this.recFile(rec.name), rec);
    }
    return { source, target: m.target, type: 'bind', options: ['rbind', m.readOnly ? 'ro' : 'rw', 'rprivate'], volume: rec.name };
  }

  async release(containerId: string, removeAnonymous: boolean): Promise<void> {
    await this.lock.run(async () => {
      for (const r of await this.all()) {
        if (!(containerId in r.users)) continue;
        delete r.users[containerId];
        await writeJsonAtomic(this.recFile(r.name), r);
        if (Object.keys(r.users).length) continue;
        await this.unmountIfMounted(this.dataDir(r.name));
        if (removeAnonymous && r.anonymous) await this.removeLocked(r);
      }
    });
  }

  // ------------------------------------------------------------ mounts

  private async mountOpts(r: VolumeRecord, data: string): Promise<void> {
    const { type, device, o } = r.options;
    const args: string[] = [];
    if (type && type !== 'none') args.push('-t', type);
    if (o) args.push('-o', o);
    // a bind volume (type none, o=bind) needs its device to exist, like Docker's
    if (o && /(^|,)r?bind(,|$)/.test(o) && !(await exists(device!))) {
      throw new EngineError('INVALID', `volume ${r.name}: bind device ${device} does not exist`);
    }
    args.push(device!, data);
    const res = await this.exec('mount', args, { allowFail: true });
    if (res.code !== 0) throw new EngineError('RUNTIME', `volume ${r.name}: mount ${args.join(' ')} failed: ${res.stderr.trim()}`);
  }

  private async isMounted(p: string): Promise<boolean> {
    const info = await fs.readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
    return info.split('\n').some((l) => l.split(' ')[4] === p);
  }

  private async unmountIfMounted(p: string): Promise<void> {
    // a path can be mounted more than once (stacked)
    for (let i = 0; i < 8 && (await this.isMounted(p)); i++) {
      const r = await this.exec('umount', [p], { allowFail: true });
      if (r.code !== 0) await this.exec('umount', ['-l', p], { allowFail: true });
    }
  }
}

function options(r: VolumeRecord): boolean {
  return !!(r.options.type && r.options.device);
}

function resolveTmpfs(m: MountSpec): ResolvedMount {
  const opts = ['nosuid', 'nodev', 'noexec', m.readOnly ? 'ro' : 'rw'];
  if (m.tmpfsSize) opts.push(`size=${m.tmpfsSize}`);
  if (m.tmpfsMode !== undefined) opts.push(`mode=${m.tmpfsMode.toString(8).padStart(4, '0')}`);
  return { source: 'tmpfs', target: m.target, type: 'tmpfs', options: opts };
}

/**
 * Docker's rule: when a volume is empty and the image has content at the mount target,
 * that content is copied into the volume (owners, modes and links kept by `cp -a`).
 */
async function copyUp(exec: Exec, rootfs: string, target: string, data: string): Promise<void> {
  if ((await fs.readdir(data)).length) return;
  const root = await fs.realpath(rootfs).catch(() => undefined);
  if (!root) return;
  const src = await fs.realpath(path.join(root, target)).catch(() => undefined);
  // a target that is missing, not a directory, or a symlink out of the rootfs: nothing to copy
  if (!src || !(src === root || src.startsWith(root + path.sep))) return;
  const st = await fs.stat(src);
  if (!st.isDirectory()) return;
  if (!(await fs.readdir(src)).length) return;
  await exec('cp', ['-a', `${src}/.`, `${data}/`]);
  // the volume root takes the image directory's owner and mode too
  await fs.chmod(data, st.mode & 0o7777);
  await fs.chown(data, st.uid, st.gid);
}

async function treeSize(p: string): Promise<number> {
  let total = 0;
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(p, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const full = path.join(p, e.name);
    if (e.isDirectory()) total += await treeSize(full);
    else total += (await fs.lstat(full).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/** Docker's volume filters: name (substring), label (key or key=value), label!, dangling, driver. */
function matches(r: VolumeRecord, filters: Record<string, string[]>): boolean {
  const label = (v: string): boolean => {
    const i = v.indexOf('=');
    return i < 0 ? v in r.labels : r.labels[v.slice(0, i)] === v.slice(i + 1);
  };
  for (const [k, values] of Object.entries(filters)) {
    if (!values.length) continue;
    let ok: boolean;
    switch (k) {
      case 'name':
        ok = values.some((v) => r.name.includes(v));
        break;
      case 'label':
        ok = values.every(label);
        break;
      case 'label!':
        ok = !values.some(label);
        break;
      case 'dangling':
        ok = values.some((v) => (v === 'true' || v === '1') === (Object.keys(r.users).length === 0));
        break;
      case 'driver':
        ok = values.includes(r.driver);
        break;
      default:
        ok = true;
    }
    if (!ok) return false;
  }
  return true;
}
