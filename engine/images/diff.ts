/**
 * Writable root filesystems for build steps and commits, and turning their upper dir into
 * a layer: the upper is already in overlay format, so it becomes the layer dir as is; its
 * tar (whiteouts converted back) is the layer blob and gives the diff_id.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ImageCore } from './core.js';
import { dirSize, packDir } from './pack.js';
import { MT, type LayerRef } from './records.js';
import { mountOverlay, unmount, type OverlayDirs } from './rootfs.js';

export interface StepRootfs extends OverlayDirs {
  base: string;
}

export async function mountStep(core: ImageCore, diffIds: string[]): Promise<StepRootfs> {
  await fs.mkdir(core.p.tmp, { recursive: true });
  const base = await fs.mkdtemp(path.join(core.p.tmp, 's-'));
  const dirs = { base, upper: path.join(base, 'u'), work: path.join(base, 'w'), merged: path.join(base, 'm') };
  try {
    await mountOverlay(core.p, diffIds, dirs);
  } catch (e) {
    await fs.rm(base, { recursive: true, force: true });
    throw e;
  }
  return dirs;
}

export async function releaseStep(s: StepRootfs): Promise<void> {
  await unmount(s.merged);
  await fs.rm(s.base, { recursive: true, force: true });
}

/** Files a container runtime bind-mounts over: it may create or copy them up in the upper. */
export const MOUNT_TARGETS = ['etc/hostname', 'etc/hosts', 'etc/resolv.conf', '.dockerenv', 'run/.containerenv'];

/**
 * Drops what the runtime (not the step) left in a step's upper dir: bind-mount targets that
 * are empty or identical to the image's own copy (opening one for append copies it up).
 */
export async function dropRuntimeArtifacts(core: ImageCore, upper: string, diffIds: string[]): Promise<void> {
  for (const rel of MOUNT_TARGETS) {
    const p = path.join(upper, rel);
    const st = await fs.lstat(p).catch(() => undefined);
    if (!st?.isFile()) continue;
    let lower: Buffer | undefined;
    for (const d of [...diffIds].reverse()) {
      const lp = path.join(core.p.layerDiff(d), rel);
      const lst = await fs.lstat(lp).catch(() => undefined);
      if (!lst) continue;
      if (lst.isFile()) lower = await fs.readFile(lp);
      break;
    }
    const mine = await fs.readFile(p);
    if ((lower === undefined && mine.length === 0) || (lower !== undefined && lower.equals(mine))) await fs.unlink(p);
  }
}

/** Makes a layer of an upper dir (moved into the store when new). undefined when the dir is empty. */
export async function layerFromDir(core: ImageCore, upper: string): Promise<LayerRef | undefined> {
  if (!(await fs.readdir(upper)).length) return undefined;
  const blob = await core.blobs.putStream(packDir(upper));
  const unpin = core.pin([blob.digest]);
  try {
    await core.layers.adoptDir(upper, blob.digest, await dirSize(upper));
  } finally {
    unpin();
  }
  return { digest: blob.digest, diffId: blob.digest, size: blob.size, mediaType: MT.ociLayer };
}
