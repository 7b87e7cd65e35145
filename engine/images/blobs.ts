/**
 * Content-addressed blobs. Every write goes to a temp file while hashing, is fsynced, and is
 * renamed to its digest only when complete (and, when a digest was expected, only when it
 * matches), so a crash or a bad download never leaves a blob under a wrong name.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Transform, Writable, type Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { EngineError } from '../api/types.js';
import type { StorePaths } from './paths.js';

export function sha256(data: string | Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A pass-through that hashes and counts what flows through it. */
export class HashingStream extends Transform {
  private h = createHash('sha256');
  size = 0;
  constructor(private onBytes?: (n: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null, d?: Buffer) => void): void {
    this.h.update(chunk);
    this.size += chunk.length;
    this.onBytes?.(chunk.length);
    cb(null, chunk);
  }
  digest(): string {
    return `sha256:${this.h.digest('hex')}`;
  }
}

export class BlobStore {
  constructor(private p: StorePaths) {}

  path(digest: string): string {
    return this.p.blob(digest);
  }

  async has(digest: string): Promise<boolean> {
    try {
      await fs.access(this.p.blob(digest));
      return true;
    } catch {
      return false;
    }
  }

  async size(digest: string): Promise<number> {
    return (await fs.stat(this.p.blob(digest))).size;
  }

  async tmpFile(): Promise<string> {
    await fs.mkdir(this.p.tmp, { recursive: true });
    return path.join(this.p.tmp, `b-${process.pid}-${Math.random().toString(36).slice(2)}`);
  }

  /** Moves a complete temp file into place under its digest. */
  async commitTmp(tmp: string, digest: string): Promise<void> {
    await fs.mkdir(this.p.blobs, { recursive: true });
    const fh = await fs.open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, this.p.blob(digest));
  }

  /** Streams into the store; verifies `expected` when given. Returns digest and size. */
  async putStream(src: Readable, expected?: string, onBytes?: (n: number) => void): Promise<{ digest: string; size: number }> {
    const tmp = await this.tmpFile();
    const hs = new HashingStream(onBytes);
    try {
      await pipeline(src, hs, createWriteStream(tmp));
      const digest = hs.digest();
      if (expected && digest !== expected) {
        throw new EngineError('REGISTRY', `digest mismatch: expected ${expected}, got ${digest}`);
      }
      await this.commitTmp(tmp, digest);
      return { digest, size: hs.size };
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }

  /**
   * Like putStream, and feeds the same bytes to `consume` (a layer unpack) as they arrive.
   * The blob is committed only when its digest matches and the consumer succeeded.
   */
  async putStreamWith<T>(src: Readable, expected: string, onBytes: ((n: number) => void) | undefined, consume: (s: Readable) => Promise<T>): Promise<T> {
    const tmp = await this.tmpFile();
    const hs = new HashingStream(onBytes);
    const file = createWriteStream(tmp);
    const tee = new PassThrough();
    src.on('error', (e) => hs.destroy(e));
    hs.on('error', (e) => {
      file.destroy(e);
      tee.destroy(e);
    });
    src.pipe(hs);
    hs.pipe(file);
    hs.pipe(tee);
    try {
      const [, out] = await Promise.all([finished(file), consume(tee)]);
      const digest = hs.digest();
      if (digest !== expected) throw new EngineError('REGISTRY', `digest mismatch: expected ${expected}, got ${digest}`);
      await this.commitTmp(tmp, digest);
      return out;
    } catch (e) {
      src.destroy();
      hs.destroy();
      file.destroy();
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }

  async putBytes(data: string | Buffer): Promise<{ digest: string; size: number }> {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    const digest = sha256(buf);
    if (!(await this.has(digest))) {
      const tmp = await this.tmpFile();
      await fs.writeFile(tmp, buf);
      await this.commitTmp(tmp, digest);
    }
    return { digest, size: buf.length };
  }

  async read(digest: string): Promise<Buffer> {
    return fs.readFile(this.p.blob(digest));
  }

  open(digest: string): Readable {
    return createReadStream(this.p.blob(digest));
  }

  async remove(digest: string): Promise<void> {
    await fs.rm(this.p.blob(digest), { force: true });
  }
}

/** Hashes a file already on disk under the images dir and moves it into the store. */
export async function adoptFile(store: BlobStore, file: string, expected?: string): Promise<{ digest: string; size: number }> {
  if (expected && (await store.has(expected))) return { digest: expected, size: await store.size(expected) };
  const hs = new HashingStream();
  await pipeline(createReadStream(file), hs, new Writable({ write: (_c, _e, cb) => cb() }));
  const digest = hs.digest();
  if (expected && digest !== expected) throw new EngineError('INVALID', `blob ${path.basename(file)}: digest mismatch: expected ${expected}, got ${digest}`);
  if (await store.has(digest)) return { digest, size: hs.size };
  // a hard link, not a move: one archive member may back several images
  const tmp = await store.tmpFile();
  await fs.link(file, tmp);
  await store.commitTmp(tmp, digest);
  return { digest, size: hs.size };
}
