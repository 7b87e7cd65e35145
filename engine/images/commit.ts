/**
 * `container commit`: the container's upper dir becomes a new layer on its image. The upper
 * stays in use by the container, so it is packed (whiteouts converted) and the tar unpacked
 * as the new layer rather than moved.
 */
import fs from 'node:fs/promises';
import { EngineError } from '../api/types.js';
import { applyChanges, emptyConfig } from './config.js';
import type { ImageCore } from './core.js';
import { packDir } from './pack.js';
import { MOUNT_TARGETS as DIFF_MOUNT_TARGETS } from './diff.js';
import { MT } from './records.js';
import { familiarName, normalizeTagged } from './reference.js';
import type { Snapshots } from './rootfs.js';

/** Files the runtime bind-mounts over: created empty in the upper, not the container's changes. */
const MOUNT_TARGETS = new Set(DIFF_MOUNT_TARGETS);

export async function commitContainer(
  core: ImageCore,
  snaps: Snapshots,
  containerId: string,
  imageId: string,
  ref: string | undefined,
  opts: { changes?: string[]; message?: string; author?: string; createdBy?: string },
): Promise<string> {
  const tag = ref ? normalizeTagged(ref) : undefined;
  const upper = snaps.dirs(containerId).upper;
  if (!(await fs.stat(upper).catch(() => undefined))) throw new EngineError('NOT_FOUND', `no root filesystem for container ${containerId}`);
  const base = imageId ? await core.mustLoad(imageId) : undefined;
  const runConfig = applyChanges(base?.config.config ?? {}, opts.changes ?? []);
  const blob = await core.blobs.putStream(packDir(upper, (rel, st) => MOUNT_TARGETS.has(rel) && st.isFile() && st.size === 0));
  const unpin = core.pin([blob.digest]);
  try {
    const layer = await core.layers.ensureFromBlob(blob.digest, blob.digest);
    const now = new Date().toISOString();
    const cfg = base ? structuredClone(base.config) : emptyConfig();
    cfg.config = runConfig;
    cfg.created = now;
    if (opts.author) cfg.author = opts.author;
    if (opts.message) cfg.comment = opts.message;
    cfg.rootfs = { type: 'layers', diff_ids: [...cfg.rootfs.diff_ids, layer.diffId] };
    cfg.history = [...(cfg.history ?? []), { created: now, created_by: opts.createdBy ?? '', ...(opts.message ? { comment: opts.message } : {}), ...(opts.author ? { author: opts.author } : {}) }];
    const layers = [...(base?.record.layers ?? []), { digest: blob.digest, mediaType: MT.ociLayer, size: blob.size, diffId: layer.diffId }];
    const id = await core.register(JSON.stringify(cfg), layers, { tags: tag ? [tag] : [], parent: base?.id });
    if (tag) core.emit('tag', id, familiarName(tag));
    return id;
  } catch (e) {
    unpin();
    await core.dropIfUnused([blob.digest]);
    throw e;
  } finally {
    unpin();
  }
}
