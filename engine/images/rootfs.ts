/**
 * Container root filesystems: an overlay of the image's layer dirs (lower, top first) with a
 * per-container upper and work dir. The lowerdir list uses paths relative to images/layers
 * (mount runs there) so that many layers fit overlay's one-page option limit.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../api/types.js';
import { run } from '../common/exec.js';
import { removeTree } from '../common/fsutil.js';
import type { StorePaths } from './paths.js';

export async function isMountPoint(p: string): Promise<boolean> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  const want = path.resolve(p);
  for (const line of info.split('\n')) {
    const mp = line.split(' ')[4];
    if (mp && mp.replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))) === want) return true;
  }
  return false;
}

/** Mount points at or below dir, deepest first. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  const base = path.resolve(dir);
  const out: string[] = [];
  for (const line of info.split('\n')) {
    const mp = line.split(' ')[4]?.replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp && (mp === base || mp.startsWith(base + '/'))) out.push(mp);
  }
  return out.sort((a, b) => b.length - a.length);
}

export interface OverlayDirs {
  upper: string;
  work: string;
  merged: string;
}

/** Mounts an overlay of `diffIds` (bottom first) with the given upper/work at merged. */
export async function mountOverlay(p: StorePaths, diffIds: string[], dirs: OverlayDirs): Promise<void> {
  await fs.mkdir(dirs.upper, { recursive: true });
  await fs.mkdir(dirs.work, { recursive: true });
  await fs.mkdir(dirs.merged, { recursive: true });
  await fs.mkdir(p.empty, { recursive: true });
  await fs.mkdir(p.layers, { recursive: true });
  const lowers = diffIds.length ? [...diffIds].reverse().map((d) => `${p.layerKey(d)}/diff`) : [path.relative(p.layers, p.empty)];
  const opts = `lowerdir=${lowers.join(':')},upperdir=${dirs.upper},workdir=${dirs.work}`;
  if (opts.length > 4000) throw new EngineError('RUNTIME', `too many layers to mount (${diffIds.length}): overlay options exceed one page`);
  await run('mount', ['-t', 'overlay', 'overlay', '-o', opts, dirs.merged], { cwd: p.layers });
}

export async function unmount(dir: string): Promise<void> {
  for (let i = 0; i < 5 && (await isMountPoint(dir)); i++) {
    const r = await run('umount', [dir], { allowFail: true });
    if (r.code !== 0) {
      if (i < 4) await new Promise((res) => setTimeout(res, 100 * (i + 1)));
      else await run('umount', ['-l', dir]);
    }
  }
}

export class Snapshots {
  /** One operation at a time per container (a second mount must see the first's result). */
  private locks = new Map<string, Promise<unknown>>();

  constructor(private p: StorePaths) {}

  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(id, tail);
    void tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return next;
  }

  dirs(containerId: string): OverlayDirs {
    const base = this.p.snapshot(containerId);
    return { upper: path.join(base, 'upper'), work: path.join(base, 'work'), merged: path.join(base, 'merged') };
  }

  mount(containerId: string, diffIds: string[]): Promise<string> {
    if (!/^[A-Za-z0-9_.-]+$/.test(containerId)) throw new EngineError('INVALID', `bad container id "${containerId}"`);
    return this.serial(containerId, async () => {
      const d = this.dirs(containerId);
      if (await isMountPoint(d.merged)) return d.merged;
      await mountOverlay(this.p, diffIds, d);
      return d.merged;
    });
  }

  unmount(containerId: string): Promise<void> {
    return this.serial(containerId, () => unmount(this.dirs(containerId).merged));
  }

  remove(containerId: string): Promise<void> {
    return this.serial(containerId, async () => {
      await unmount(this.dirs(containerId).merged);
      await removeTree(this.p.snapshot(containerId));
    });
  }
}
