/** `image import`: a root filesystem tarball (plain or gzip) becomes a one-layer image. */
import type { Readable } from 'node:stream';
import type { ImageRunConfig } from '../api/types.js';
import { applyChanges, emptyConfig } from './config.js';
import { decompressed } from './compression.js';
import type { ImageCore } from './core.js';
import { MT } from './records.js';
import { familiarName, normalizeTagged } from './reference.js';

export async function importTarball(core: ImageCore, source: Readable, ref: string | undefined, changes: string[]): Promise<string> {
  const tag = ref ? normalizeTagged(ref) : undefined; // validate before the work
  const runConfig = applyChanges({}, changes);
  // The uncompressed tar is the blob: its digest is the diff_id, and save/push reuse it as is.
  const blob = await core.blobs.putStream(decompressed(source));
  const unpin = core.pin([blob.digest]);
  try {
    return await finish(core, blob, tag, runConfig);
  } catch (e) {
    unpin();
    await core.dropIfUnused([blob.digest]);
    throw e;
  } finally {
    unpin();
  }
}

async function finish(core: ImageCore, blob: { digest: string; size: number }, tag: string | undefined, runConfig: ImageRunConfig): Promise<string> {
  const layer = await core.layers.ensureFromBlob(blob.digest, blob.digest);
  const now = new Date().toISOString();
  const cfg = emptyConfig();
  cfg.created = now;
  cfg.config = runConfig;
  cfg.rootfs.diff_ids = [layer.diffId];
  cfg.history = [{ created: now, comment: 'Imported from -' }];
  const id = await core.register(JSON.stringify(cfg), [{ digest: blob.digest, mediaType: MT.ociLayer, size: blob.size, diffId: layer.diffId }], {
    tags: tag ? [tag] : [],
  });
  core.emit('import', id, tag ? familiarName(tag) : undefined);
  return id;
}
