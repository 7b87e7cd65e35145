/**
 * Unpacks one layer tar into its own directory in overlay format:
 *   `.wh.NAME`        -> a 0:0 character device NAME (overlay's whiteout)
 *   `DIR/.wh..wh..opq` -> xattr trusted.overlay.opaque=y on DIR
 *
 * Hostile entries never write outside `dest`: `..` escapes are refused, absolute names are
 * taken relative to the layer, no write goes through a symlink (every parent component is
 * checked with lstat to be a real directory; an existing leaf is unlinked, never opened),
 * and hardlinks must point at an entry inside the layer.
 * Node has no mknod/setxattr, so those two shell out (whiteouts are rare).
 */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { EngineError } from '../api/types.js';
import { run } from '../common/exec.js';

const WH = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** Normalizes a tar entry name to a relative path inside the layer, or throws. */
export function safeRelative(name: string): string {
  const n = path.posix.normalize(`/${name}`).slice(1).replace(/\/+$/, '');
  // normalize of "/<x>" can never keep a leading "..", but a name like "a/../../b" collapses
  // to "b" here; Docker refuses such breakouts, and so do we.
  const raw = name.replace(/^\.?\/+/, '').split('/');
  let depth = 0;
  for (const c of raw) {
    if (c === '..') depth--;
    else if (c !== '.' && c !== '') depth++;
    if (depth < 0) throw new EngineError('INVALID', `layer entry "${name}" points outside the layer`);
  }
  return n;
}

async function lstatOrUndef(p: string): Promise<import('node:fs').Stats | undefined> {
  try {
    return await fs.lstat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Makes sure every parent of `rel` under `root` is a real directory (creating missing ones),
 * refusing symlinks and other file types on the way.
 */
async function ensureParents(root: string, rel: string, entryName: string): Promise<void> {
  const parts = rel.split('/').slice(0, -1);
  let cur = root;
  for (const c of parts) {
    cur = path.join(cur, c);
    const st = await lstatOrUndef(cur);
    if (!st) await fs.mkdir(cur, { mode: 0o755 });
    else if (st.isSymbolicLink()) throw new EngineError('INVALID', `layer entry "${entryName}" would write through the symlink "${path.relative(root, cur)}"`);
    else if (!st.isDirectory()) throw new EngineError('INVALID', `layer entry "${entryName}": "${path.relative(root, cur)}" is not a directory`);
  }
}

/** Removes whatever is at p (never following a symlink), unless it is a directory and keepDir. */
async function clearLeaf(p: string, keepDir: boolean): Promise<boolean> {
  const st = await lstatOrUndef(p);
  if (!st) return false;
  if (st.isDirectory()) {
    if (keepDir) return true;
    await fs.rm(p, { recursive: true, force: true });
    return false;
  }
  await fs.unlink(p);
  return false;
}

export interface UnpackResult {
  /** Bytes of regular file content written. */
  size: number;
  entries: number;
}

/**
 * Pads a tar stream with zeros to a block boundary plus an end-of-archive marker. Some
 * producers (umoci 0.4) end layers without the final padding and end blocks; Go's reader
 * accepts that, so we do too. A real truncation still fails the diff_id check, which
 * hashes the stream before this padding.
 */
export class TarPad extends Transform {
  private n = 0;
  override _transform(c: Buffer, _e: BufferEncoding, cb: (e?: Error | null, d?: Buffer) => void): void {
    this.n += c.length;
    cb(null, c);
  }
  override _flush(cb: (e?: Error | null, d?: Buffer) => void): void {
    cb(null, Buffer.alloc(((512 - (this.n % 512)) % 512) + 1024));
  }
}

export async function unpackLayer(input: Readable, dest: string): Promise<UnpackResult> {
  await fs.mkdir(dest, { recursive: true });
  const src = input.pipe(new TarPad());
  input.on('error', (e) => src.destroy(e));
  const extract = tar.extract();
  extract.on('error', () => undefined); // surfaced through the iterator and pipeline below
  const dirTimes: [string, Date][] = [];
  let size = 0;
  let entries = 0;
  const feeding = pipeline(src, extract).catch((e: unknown) => {
    extract.destroy(e as Error);
    throw e;
  });
  try {
    for await (const entry of extract) {
      const h = entry.header;
      try {
        entries++;
        const rel = safeRelative(h.name);
        if (!rel) {
          // the layer root itself ("./"): apply its mode/owner, nothing to create
          if (h.type === 'directory') await applyMeta(dest, h, false);
          entry.resume();
          continue;
        }
        const base = path.posix.basename(rel);
        const dir = path.posix.dirname(rel);
        await ensureParents(dest, rel, h.name);
        if (base === OPAQUE) {
          const target = dir === '.' ? dest : path.join(dest, dir);
          await run('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', target]);
          entry.resume();
          continue;
        }
        if (base.startsWith(WH)) {
          const name = base.slice(WH.length);
          if (!name || name === '.' || name === '..') throw new EngineError('INVALID', `bad whiteout "${h.name}"`);
          const target = path.join(dest, dir, name);
          await clearLeaf(target, false);
          await run('mknod', ['-m', '000', target, 'c', '0', '0']);
          entry.resume();
          continue;
        }
        const target = path.join(dest, rel);
        switch (h.type) {
          case 'directory': {
            const isDir = await clearLeaf(target, true);
            if (!isDir) await fs.mkdir(target);
            await applyMeta(target, h, false);
            if (h.mtime) dirTimes.push([target, h.mtime]);
            entry.resume();
            break;
          }
          case 'file':
          case 'contiguous-file':
          case undefined:
          case null: {
            await clearLeaf(target, false);
            // 'wx' = O_CREAT|O_EXCL: fails rather than follow a symlink planted meanwhile
            await pipeline(entry, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
            size += h.size ?? 0;
            await applyMeta(target, h, false);
            break;
          }
          case 'symlink': {
            await clearLeaf(target, false);
            // A symlink may point anywhere: it is only resolved inside the container's root.
            await fs.symlink(h.linkname ?? '', target);
            await applyMeta(target, h, true);
            entry.resume();
            break;
          }
          case 'link': {
            const linkRel = safeRelative(h.linkname ?? '');
            if (!linkRel) throw new EngineError('INVALID', `layer entry "${h.name}" hardlinks to the layer root`);
            await ensureParents(dest, linkRel, h.name);
            const from = path.join(dest, linkRel);
            const st = await lstatOrUndef(from);
            if (!st) throw new EngineError('INVALID', `layer entry "${h.name}" hardlinks to "${h.linkname}", which is not in the layer`);
            if (st.isDirectory()) throw new EngineError('INVALID', `layer entry "${h.name}" hardlinks to a directory`);
            await clearLeaf(target, false);
            await fs.link(from, target);
            entry.resume();
            break;
          }
          case 'character-device':
          case 'block-device':
          case 'fifo': {
            await clearLeaf(target, false);
            const t = h.type === 'fifo' ? ['p'] : [h.type === 'block-device' ? 'b' : 'c', String(h.devmajor ?? 0), String(h.devminor ?? 0)];
            await run('mknod', [target, ...t]);
            await applyMeta(target, h, false);
            entry.resume();
            break;
          }
          default:
            entry.resume();
        }
      } catch (e) {
        entry.resume();
        throw e;
      }
    }
    await feeding;
  } catch (e) {
    extract.destroy();
    src.destroy();
    await feeding.catch(() => undefined);
    throw e;
  }
  // Directory mtimes last: creating entries inside them changed them.
  for (const [d, t] of dirTimes.reverse()) await fs.utimes(d, t, t).catch(() => undefined);
  return { size, entries };
}

async function applyMeta(p: string, h: tar.Header, isLink: boolean): Promise<void> {
  await fs.lchown(p, h.uid ?? 0, h.gid ?? 0);
  if (!isLink) await applyXattrs(p, h);
  if (!isLink && h.mode !== undefined) await fs.chmod(p, h.mode & 0o7777);
  if (h.mtime && !isLink) await fs.utimes(p, h.mtime, h.mtime).catch(() => undefined);
  else if (h.mtime) await fs.lutimes(p, h.mtime, h.mtime).catch(() => undefined);
}

/**
 * Extended attributes carried in PAX records (SCHILY.xattr.NAME), e.g. file capabilities
 * (security.capability) on ping-like binaries. Rare, so one setfattr per attribute.
 */
async function applyXattrs(p: string, h: tar.Header): Promise<void> {
  const pax = h.pax as Record<string, string> | null | undefined;
  if (!pax) return;
  for (const [k, v] of Object.entries(pax)) {
    if (!k.startsWith('SCHILY.xattr.')) continue;
    const name = k.slice('SCHILY.xattr.'.length);
    // overlay's own attributes must not come from an image
    if (name.startsWith('trusted.overlay.')) continue;
    await run('setfattr', ['-h', '-n', name, '-v', `0s${Buffer.from(v, 'latin1').toString('base64')}`, p]).catch(() => undefined);
  }
}
