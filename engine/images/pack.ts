/**
 * Turns an overlay-format directory (a container's or build step's upper dir) into a layer
 * tar: 0:0 character devices become `.wh.NAME` entries and directories marked opaque get a
 * `.wh..wh..opq` entry. Entries are sorted, hardlinks within the dir kept as links.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { run } from '../common/exec.js';

/** Directories under `dir` carrying trusted.overlay.opaque=y (relative paths). */
export async function opaqueDirs(dir: string): Promise<Set<string>> {
  const r = await run('getfattr', ['-R', '-P', '--absolute-names', '-n', 'trusted.overlay.opaque', dir], { allowFail: true });
  const out = new Set<string>();
  let file: string | undefined;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('# file: ')) file = line.slice(8);
    else if (file && /^trusted\.overlay\.opaque="y"/.test(line)) out.add(path.relative(dir, file.replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)))));
  }
  return out;
}

export function packDir(dir: string, skip?: (rel: string, st: import('node:fs').Stats) => boolean): Readable {
  const pack = tar.pack();
  const produce = async (): Promise<void> => {
    const opaque = await opaqueDirs(dir);
    const inodes = new Map<string, string>();
    const entry = (h: Partial<tar.Header> & { name: string }, data?: Buffer): Promise<void> =>
      new Promise((res, rej) => (data !== undefined ? pack.entry(h, data, (e) => (e ? rej(e) : res())) : pack.entry(h, (e) => (e ? rej(e) : res()))));
    const walk = async (rel: string): Promise<void> => {
      const abs = path.join(dir, rel);
      const names = (await fs.readdir(abs)).sort();
      if (opaque.has(rel) && rel) await entry({ name: `${rel}/.wh..wh..opq`, size: 0, mode: 0, mtime: new Date(0) }, Buffer.alloc(0));
      for (const n of names) {
        const r = rel ? `${rel}/${n}` : n;
        const p = path.join(dir, r);
        const st = await fs.lstat(p);
        if (skip?.(r, st)) continue;
        const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
        if (st.isCharacterDevice() && st.rdev === 0) {
          await entry({ name: `${rel ? rel + '/' : ''}.wh.${n}`, size: 0, mode: 0, mtime: new Date(0) }, Buffer.alloc(0));
        } else if (st.isDirectory()) {
          await entry({ ...base, name: `${r}/`, type: 'directory' });
          await walk(r);
        } else if (st.isSymbolicLink()) {
          await entry({ ...base, name: r, type: 'symlink', linkname: await fs.readlink(p) });
        } else if (st.isFile()) {
          const key = `${st.dev}:${st.ino}`;
          if (st.nlink > 1 && inodes.has(key)) {
            await entry({ ...base, name: r, type: 'link', linkname: inodes.get(key)! });
            continue;
          }
          if (st.nlink > 1) inodes.set(key, r);
          const w = pack.entry({ ...base, name: r, size: st.size, type: 'file' });
          await pipeline(createReadStream(p), w);
        } else if (st.isCharacterDevice() || st.isBlockDevice()) {
          const major = Math.floor(st.rdev / 256) & 0xfff;
          const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
          await entry({ ...base, name: r, type: st.isBlockDevice() ? 'block-device' : 'character-device', devmajor: major, devminor: minor });
        } else if (st.isFIFO()) {
          await entry({ ...base, name: r, type: 'fifo' });
        }
        // sockets are not carried in layers
      }
    };
    await walk('');
    pack.finalize();
  };
  const out = Readable.from(pack);
  produce().catch((e: unknown) => {
    pack.destroy(e as Error);
    out.destroy(e as Error);
  });
  return out;
}

/** Size of file content under dir (for layer meta). */
export async function dirSize(dir: string): Promise<number> {
  let n = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += await dirSize(p);
    else if (e.isFile()) n += (await fs.lstat(p)).size;
  }
  return n;
}
