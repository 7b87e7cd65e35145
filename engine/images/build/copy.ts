/**
 * COPY and ADD into a mounted build rootfs. Destinations are resolved inside the rootfs
 * (symlinks followed as the container sees them), so nothing is written outside it; files
 * get --chown (default 0:0) and --chmod.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { decompressed } from '../compression.js';
import { mkdirScoped, resolveScoped } from '../scoped.js';
import { unpackLayer } from '../unpack.js';

export interface Owner {
  uid: number;
  gid: number;
}

export interface CopyOpts {
  owner: Owner;
  chmod?: number;
}

/** Resolves "user[:group]" (names or ids) with the rootfs's /etc/passwd and /etc/group. */
export async function resolveChown(root: string, spec: string | undefined): Promise<Owner> {
  if (!spec) return { uid: 0, gid: 0 };
  const [u, g] = spec.split(':') as [string, string | undefined];
  const read = async (f: string): Promise<string[][]> =>
    (await fs.readFile(await resolveScoped(root, f), 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(':'));
  let uid: number;
  let gid: number | undefined;
  if (/^\d+$/.test(u)) uid = Number(u);
  else {
    const row = (await read('/etc/passwd')).find((r) => r[0] === u);
    if (!row) throw new Error(`unable to find user ${u}`);
    uid = Number(row[2]);
    gid = Number(row[3]);
  }
  if (g !== undefined) {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const row = (await read('/etc/group')).find((r) => r[0] === g);
      if (!row) throw new Error(`unable to find group ${g}`);
      gid = Number(row[2]);
    }
  }
  return { uid, gid: gid ?? uid };
}

async function removeNonDir(p: string): Promise<void> {
  const st = await fs.lstat(p).catch(() => undefined);
  if (st && !st.isDirectory()) await fs.unlink(p);
  else if (st?.isDirectory()) await fs.rm(p, { recursive: true, force: true });
}

/** Copies one host source (file, symlink or dir, not followed) to container path `dest` in root. */
export async function copyInto(root: string, srcHost: string, dest: string, o: CopyOpts): Promise<void> {
  const st = await fs.lstat(srcHost);
  const parent = await mkdirScoped(root, path.posix.dirname(dest));
  const target = path.join(parent, path.posix.basename(dest));
  if (st.isDirectory()) {
    const existing = await fs.lstat(target).catch(() => undefined);
    let dirHost = target;
    if (!existing?.isDirectory()) {
      if (existing?.isSymbolicLink()) dirHost = await mkdirScoped(root, dest);
      else {
        if (existing) await fs.unlink(target);
        await fs.mkdir(target);
      }
    }
    await fs.lchown(dirHost, o.owner.uid, o.owner.gid);
    await fs.chmod(dirHost, o.chmod ?? st.mode & 0o7777);
    for (const n of (await fs.readdir(srcHost)).sort()) {
      await copyInto(root, path.join(srcHost, n), path.posix.join(path.posix.join('/', path.relative(root, dirHost)), n), o);
    }
    return;
  }
  await removeNonDir(target);
  if (st.isSymbolicLink()) {
    await fs.symlink(await fs.readlink(srcHost), target);
    await fs.lchown(target, o.owner.uid, o.owner.gid);
  } else if (st.isFile()) {
    await pipeline(createReadStream(srcHost), createWriteStream(target, { flags: 'wx', mode: 0o600 }));
    await fs.lchown(target, o.owner.uid, o.owner.gid);
    await fs.chmod(target, o.chmod ?? st.mode & 0o7777);
    await fs.utimes(target, st.atime, st.mtime);
  }
}

/** True when the file starts like a tar (ustar magic) or a gzip stream (ADD's auto-extract). */
export async function looksLikeArchive(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r');
  try {
    const b = Buffer.alloc(265);
    const { bytesRead } = await fh.read(b, 0, 265, 0);
    if (bytesRead >= 2 && b[0] === 0x1f && b[1] === 0x8b) return true;
    return bytesRead >= 262 && b.subarray(257, 262).toString() === 'ustar';
  } finally {
    await fh.close();
  }
}

/** ADD of a local archive: unpacked into the destination directory. */
export async function extractInto(root: string, archive: string, destDir: string): Promise<void> {
  const host = await mkdirScoped(root, destDir);
  await unpackLayer(decompressed(createReadStream(archive)), host);
}

/** ADD of a URL: downloaded to dest (a file, or into dest/ when it ends with '/'). */
export async function downloadInto(root: string, url: string, dest: string, o: CopyOpts): Promise<void> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`ADD ${url}: ${res.status} ${res.statusText}`);
  const name = dest.endsWith('/') ? path.posix.join(dest, path.posix.basename(new URL(url).pathname) || 'index.html') : dest;
  const parent = await mkdirScoped(root, path.posix.dirname(name));
  const target = path.join(parent, path.posix.basename(name));
  await removeNonDir(target);
  await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>), createWriteStream(target, { flags: 'wx', mode: 0o600 }));
  await fs.lchown(target, o.owner.uid, o.owner.gid);
  if (o.chmod !== undefined) await fs.chmod(target, o.chmod);
}
