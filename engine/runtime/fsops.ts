/**
 * File operations inside a container's root filesystem from the host side (watch sync,
 * copy in/out). Paths are resolved like the container would see them: a symlink inside the
 * rootfs pointing at "/etc" means the container's /etc, never the host's.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { SyncOp, SyncResult } from '../api/types.js';

/** Joins `p` (a container path) onto `root`, resolving symlinks inside root, never escaping it. */
export async function secureJoin(root: string, p: string, opts: { followLast?: boolean } = {}): Promise<string> {
  const parts = p.split('/').filter((x) => x && x !== '.');
  let cur = '/';
  let hops = 0;
  while (parts.length) {
    const part = parts.shift()!;
    if (part === '..') {
      cur = path.posix.dirname(cur);
      continue;
    }
    const next = path.posix.join(cur, part);
    const last = parts.length === 0;
    if (last && !opts.followLast) {
      cur = next;
      break;
    }
    let st;
    try {
      st = await fs.lstat(path.join(root, next));
    } catch {
      cur = next; // missing: the rest is taken literally
      continue;
    }
    if (st.isSymbolicLink()) {
      if (++hops > 40) throw new Error(`too many symlinks in ${p}`);
      const target = await fs.readlink(path.join(root, next));
      parts.unshift(...target.split('/').filter((x) => x && x !== '.'));
      cur = target.startsWith('/') ? '/' : cur;
      continue;
    }
    cur = next;
  }
  return path.join(root, cur);
}

/**
 * What a container sees, from the host: its root filesystem with mounts over it. A running
 * container is reached through /proc/<pid>/root (every mount, tmpfs included); a stopped one
 * through its rootfs plus the host sources of its binds, volumes and engine files.
 */
export interface FsView {
  root: string;
  /** Mounts over the root: target (a container path) → host source. The longest target wins. */
  mounts?: { target: string; source: string }[];
}

function asView(v: FsView | string): FsView {
  return typeof v === 'string' ? { root: v } : v;
}

/** secureJoin through the view's mounts: a path under a mount target lands in its source. */
export async function viewJoin(v: FsView | string, p: string, opts: { followLast?: boolean } = {}): Promise<string> {
  const view = asView(v);
  const norm = path.posix.resolve('/', p);
  let best: { target: string; source: string } | undefined;
  for (const m of view.mounts ?? []) {
    const t = path.posix.resolve('/', m.target);
    if ((norm === t || norm.startsWith(t === '/' ? '/' : `${t}/`)) && (!best || t.length > best.target.length)) best = { target: t, source: m.source };
  }
  if (!best) return secureJoin(view.root, p, opts);
  const rest = norm.slice(best.target.length);
  return rest ? secureJoin(best.source, rest, opts) : best.source;
}

async function copyInto(src: string, dest: string): Promise<void> {
  const st = await fs.lstat(src);
  await fs.mkdir(path.dirname(dest), { recursive: true });
  if (st.isSymbolicLink()) {
    await fs.rm(dest, { force: true, recursive: true });
    await fs.symlink(await fs.readlink(src), dest);
    return;
  }
  if (st.isDirectory()) {
    // A file where a directory goes (or the reverse) is replaced, as a sync from the host should.
    const old = await fs.lstat(dest).catch(() => undefined);
    if (old && !old.isDirectory()) await fs.rm(dest, { force: true });
    await fs.cp(src, dest, { recursive: true, force: true, preserveTimestamps: true, verbatimSymlinks: true });
    await fs.chmod(dest, st.mode & 0o7777);
    return;
  }
  const old = await fs.lstat(dest).catch(() => undefined);
  if (old && (old.isDirectory() || old.isSymbolicLink())) await fs.rm(dest, { force: true, recursive: true });
  // copy to a temp name and rename, so a process reading the file never sees half of it
  const tmp = path.join(path.dirname(dest), `.berth-sync-${process.pid}-${path.basename(dest)}`);
  await fs.copyFile(src, tmp);
  await fs.chmod(tmp, st.mode & 0o7777);
  await fs.utimes(tmp, st.atime, st.mtime);
  await fs.rename(tmp, dest);
}

export async function applySync(v: FsView | string, ops: SyncOp[]): Promise<SyncResult> {
  const view = asView(v);
  const res: SyncResult = { applied: 0, failed: [] };
  for (const op of ops) {
    try {
      if (op.op === 'copy' && op.mode === 'cp') {
        await copyInDocker(view, op.hostPath, op.containerPath);
        res.applied++;
        continue;
      }
      const dest = await viewJoin(view, op.containerPath);
      if (dest === view.root) throw new Error('refusing to replace the root directory');
      if (op.op === 'delete') await fs.rm(dest, { recursive: true, force: true });
      else await copyInto(op.hostPath, dest);
      res.applied++;
    } catch (e) {
      res.failed.push({ containerPath: op.containerPath, error: (e as Error).message });
    }
  }
  return res;
}

/**
 * docker cp into a container: a file onto an existing directory goes inside it, a directory
 * onto an existing directory becomes a subdirectory (SRC/. copies its content instead), a
 * destination ending in "/" must be an existing directory, a missing destination's parent must
 * exist; a directory never replaces a file.
 */
export async function copyInDocker(v: FsView | string, src: string, containerPath: string): Promise<void> {
  const view = asView(v);
  const st = await fs.lstat(src);
  const contents = st.isDirectory() && /(^|\/)\.$/.test(src);
  let dest = await viewJoin(view, containerPath, { followLast: true });
  const dst = await fs.stat(dest).catch(() => undefined);
  if (dst?.isDirectory()) {
    if (!contents) dest = path.join(dest, path.basename(src));
  } else if (dst) {
    if (st.isDirectory()) throw new Error(`cannot copy a directory to a file: ${containerPath}`);
  } else {
    if (containerPath.endsWith('/')) throw new Error(`no such directory: ${containerPath}`);
    const parent = await fs.stat(path.dirname(dest)).catch(() => undefined);
    if (!parent?.isDirectory()) throw new Error(`no such directory: ${path.posix.dirname(containerPath)}`);
  }
  if (dest === view.root) throw new Error('refusing to replace the root directory');
  if (st.isDirectory()) {
    const old = await fs.lstat(dest).catch(() => undefined);
    if (old && !old.isDirectory()) throw new Error(`cannot copy a directory to a file: ${containerPath}`);
    await fs.cp(src, dest, { recursive: true, force: true, preserveTimestamps: true, verbatimSymlinks: true });
    await fs.chmod(dest, st.mode & 0o7777);
    return;
  }
  await copyInto(src, dest);
}

/** docker cp semantics: into an existing host directory, the source keeps its name. */
export async function copyOut(v: FsView | string, containerPath: string, hostPath: string): Promise<void> {
  const view = asView(v);
  const rootfs = view.root;
  const src = await viewJoin(view, containerPath);
  await fs.lstat(src); // ENOENT → caller reports NOT_FOUND
  let dest = hostPath;
  const st = await fs.stat(hostPath).catch(() => undefined);
  if (st?.isDirectory()) dest = path.join(hostPath, path.basename(src === rootfs ? '/' : src) || 'rootfs');
  const s = await fs.lstat(src);
  if (s.isSymbolicLink()) {
    await fs.symlink(await fs.readlink(src), dest);
    return;
  }
  await fs.cp(src, dest, { recursive: true, force: true, preserveTimestamps: true, verbatimSymlinks: true });
}
