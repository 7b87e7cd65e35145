/**
 * Path resolution inside a root filesystem on the host (a mounted image or build rootfs):
 * symlinks are followed as the container would see them, so an absolute link target or a
 * `..` never leaves the root. Used for COPY destinations and sources, so a hostile image
 * cannot make the builder write or read host files.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

/** Host path for container path `p` under `root`. The last component is followed only when followLast. */
export async function resolveScoped(root: string, p: string, followLast = true): Promise<string> {
  let todo = p.split('/').filter((c) => c && c !== '.');
  const done: string[] = [];
  let hops = 0;
  while (todo.length) {
    const c = todo.shift()!;
    if (c === '..') {
      done.pop();
      continue;
    }
    const host = path.join(root, ...done, c);
    let st: import('node:fs').Stats | undefined;
    try {
      st = await fs.lstat(host);
    } catch {
      st = undefined;
    }
    if (st?.isSymbolicLink() && (todo.length > 0 || followLast)) {
      if (++hops > 40) throw new Error(`too many levels of symbolic links in ${p}`);
      const target = await fs.readlink(host);
      if (target.startsWith('/')) done.length = 0;
      todo = [...target.split('/').filter((x) => x && x !== '.'), ...todo];
      continue;
    }
    done.push(c);
  }
  return path.join(root, ...done);
}

/**
 * Creates directory `p` (container path) and its missing parents under root, resolving
 * existing components scoped; returns the host path.
 */
export async function mkdirScoped(root: string, p: string, owner?: { uid: number; gid: number }): Promise<string> {
  const parts = p.split('/').filter((c) => c && c !== '.');
  let cur = '/';
  for (const c of parts) {
    const next = path.posix.join(cur, c);
    const host = await resolveScoped(root, next);
    let st: import('node:fs').Stats | undefined;
    try {
      st = await fs.lstat(host);
    } catch {
      st = undefined;
    }
    if (!st) {
      await fs.mkdir(host, { mode: 0o755 });
      if (owner) await fs.lchown(host, owner.uid, owner.gid);
    } else if (!st.isDirectory()) throw new Error(`${next} exists and is not a directory`);
    cur = path.posix.join('/', path.relative(root, host));
  }
  return resolveScoped(root, cur);
}
