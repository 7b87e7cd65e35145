/**
 * Unpacked layers, one directory per diff_id, shared by every image and container using it.
 * A layer is unpacked into a temp dir and renamed into place only when complete and its
 * diff_id verified, so a half-unpacked layer never looks present.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { EngineError } from '../api/types.js';
import { readJson, removeTree, writeJsonAtomic } from '../common/fsutil.js';
import { HashingStream, type BlobStore } from './blobs.js';
import { decompressed } from './compression.js';
import type { StorePaths } from './paths.js';
import { unpackLayer } from './unpack.js';

export interface LayerMeta {
  diffId: string;
  /** Bytes of file content. */
  size: number;
}

export class LayerStore {
  constructor(
    private p: StorePaths,
    private blobs: BlobStore,
  ) {}

  async get(diffId: string): Promise<LayerMeta | undefined> {
    const m = await readJson<LayerMeta>(path.join(this.p.layerDir(diffId), 'meta.json'));
    return m && m.diffId === diffId ? m : undefined;
  }

  /**
   * Unpacks the layer blob (gzip or plain tar) unless its diff_id is already present.
   * When `expectedDiffId` is given the content must hash to it.
   */
  async ensureFromBlob(blobDigest: string, expectedDiffId?: string, onProgress?: (n: number) => void): Promise<LayerMeta> {
    if (expectedDiffId) {
      const have = await this.get(expectedDiffId);
      if (have) return have;
    }
    return this.ensureFromStream(this.blobs.open(blobDigest), expectedDiffId, onProgress, blobDigest);
  }

  /**
   * Unpacks a layer stream (gzip or plain tar) into place. Consumes the whole stream even
   * when the layer turns out to be present (a tee feeding it must not stall).
   */
  async ensureFromStream(src: Readable, expectedDiffId?: string, onProgress?: (n: number) => void, what = 'layer'): Promise<LayerMeta> {
    if (expectedDiffId) {
      const have = await this.get(expectedDiffId);
      if (have) {
        src.resume();
        await finished(src).catch(() => undefined);
        return have;
      }
    }
    await fs.mkdir(this.p.layers, { recursive: true });
    const tmp = path.join(this.p.layers, `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
    try {
      const hs = new HashingStream(onProgress);
      const raw = decompressed(src);
      const hashed = raw.pipe(hs);
      raw.on('error', (e) => hs.destroy(e));
      const res = await unpackLayer(hashed, path.join(tmp, 'diff'));
      const diffId = hs.digest();
      if (expectedDiffId && diffId !== expectedDiffId) {
        throw new EngineError('INVALID', `${what} unpacks to ${diffId}, but the image config says ${expectedDiffId}`);
      }
      const meta: LayerMeta = { diffId, size: res.size };
      await writeJsonAtomic(path.join(tmp, 'meta.json'), meta);
      await this.place(tmp, diffId);
      return (await this.get(diffId)) ?? meta;
    } catch (e) {
      src.destroy();
      await fs.rm(tmp, { recursive: true, force: true });
      throw e;
    }
  }

  /** Renames a complete temp layer into place; when another writer won the race, keeps theirs. */
  private async place(tmp: string, diffId: string): Promise<void> {
    try {
      await fs.rename(tmp, this.p.layerDir(diffId));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await this.get(diffId))) {
        await removeTree(tmp);
        return;
      }
      throw e;
    }
  }

  /** Registers an already prepared overlay-format directory (a build step's upper) as a layer. */
  async adoptDir(dir: string, diffId: string, size: number): Promise<LayerMeta> {
    const existing = await this.get(diffId);
    if (existing) return existing;
    await fs.mkdir(this.p.layers, { recursive: true });
    const tmp = path.join(this.p.layers, `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
    await fs.mkdir(tmp);
    await fs.rename(dir, path.join(tmp, 'diff'));
    const meta: LayerMeta = { diffId, size };
    await writeJsonAtomic(path.join(tmp, 'meta.json'), meta);
    await this.place(tmp, diffId);
    return meta;
  }

  async remove(diffId: string): Promise<void> {
    await removeTree(this.p.layerDir(diffId));
  }

  async list(): Promise<LayerMeta[]> {
    const out: LayerMeta[] = [];
    let names: string[] = [];
    try {
      names = await fs.readdir(this.p.layers);
    } catch {
      return out;
    }
    for (const n of names) {
      if (n.startsWith('.')) continue;
      const m = await readJson<LayerMeta>(path.join(this.p.layers, n, 'meta.json')).catch(() => undefined);
      if (m) out.push(m);
    }
    return out;
  }

  /** Drops temp dirs left by a crash. */
  async recover(): Promise<void> {
    let names: string[] = [];
    try {
      names = await fs.readdir(this.p.layers);
    } catch {
      return;
    }
    for (const n of names) {
      if (n.startsWith('.tmp-') || n.startsWith('.deleting-')) await fs.rm(path.join(this.p.layers, n), { recursive: true, force: true });
    }
  }
}

