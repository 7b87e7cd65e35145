/**
 * Unpacks an image archive (a `docker save` tar or an OCI archive, maybe gzipped) into a
 * temp folder, so its manifest can be read whatever its position in the tar. Only files
 * and directories are written; symlinks (old `docker save` links duplicate layer.tar files)
 * are remembered and resolved by name, inside the archive only.
 */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { EngineError } from '../api/types.js';
import { decompressed } from './compression.js';
import { safeRelative } from './unpack.js';

export class ArchiveDir {
  private links = new Map<string, string>();
  constructor(readonly dir: string) {}

  static async extract(src: Readable, dir: string): Promise<ArchiveDir> {
    const a = new ArchiveDir(dir);
    await fs.mkdir(dir, { recursive: true });
    const ex = tar.extract();
    const feeding = pipeline(decompressed(src), ex).catch((e: unknown) => {
      ex.destroy(e as Error);
      throw e;
    });
    try {
      for await (const entry of ex) {
        const h = entry.header;
        const rel = safeRelative(h.name);
        if (!rel) {
          entry.resume();
          continue;
        }
        const target = path.join(dir, rel);
        if (h.type === 'directory') {
          await fs.mkdir(target, { recursive: true });
          entry.resume();
        } else if (h.type === 'file' || h.type === 'contiguous-file' || !h.type) {
          await fs.mkdir(path.dirname(target), { recursive: true });
          await fs.rm(target, { force: true });
          await pipeline(entry, createWriteStream(target, { flags: 'wx' }));
        } else if (h.type === 'symlink' || h.type === 'link') {
          const to = h.type === 'link' ? safeRelative(h.linkname ?? '') : safeRelative(path.posix.join(path.posix.dirname(rel), h.linkname ?? ''));
          a.links.set(rel, to);
          entry.resume();
        } else entry.resume();
      }
      await feeding;
    } catch (e) {
      await feeding.catch(() => undefined);
      throw new EngineError('INVALID', `cannot read image archive: ${(e as Error).message}`);
    }
    return a;
  }

  /** Host path of an archive member, following remembered links. */
  resolve(name: string): string {
    let rel = safeRelative(name);
    for (let i = 0; i < 8 && this.links.has(rel); i++) rel = this.links.get(rel)!;
    return path.join(this.dir, rel);
  }

  async readJson<T>(name: string): Promise<T | undefined> {
    try {
      return JSON.parse(await fs.readFile(this.resolve(name), 'utf8')) as T;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new EngineError('INVALID', `bad JSON in archive member ${name}: ${(e as Error).message}`);
    }
  }
}
