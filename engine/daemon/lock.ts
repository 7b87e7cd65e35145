/**
 * One engine per root. The lock is a listening unix socket in Linux's abstract namespace,
 * named after the root: binding it is atomic, a second engine gets EADDRINUSE, and the
 * kernel releases it the moment the holder dies (kill -9, crash): no stale lock files, no
 * takeover races between engines starting at the same time.
 *
 * The pid file (<root>/engine.pid) is information for humans, `berth engine stop` and
 * tests, written after the lock is held; a stale one is simply overwritten.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { EngineError } from '../api/types.js';

export const PID_FILE = 'engine.pid';

/** Is `pid` a live berth engine daemon (and not an unrelated process that reused the pid)? */
export function isEngineProcess(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('daemon/main');
  } catch {
    return false;
  }
}

export function readPid(root: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(path.join(root, PID_FILE), 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The abstract socket name for a root ("\0" prefix: not a file). */
export function lockName(root: string): string {
  return `\0berth-engine-${createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 40)}`;
}

export interface Lock {
  release(): void;
}

export async function acquireLock(root: string, pid = process.pid): Promise<Lock> {
  const server = net.createServer((s) => s.destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(lockName(root), () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      const holder = readPid(root);
      throw new EngineError('CONFLICT', `a berth engine is already running for ${root}${holder ? ` (pid ${holder})` : ''}`, holder ? { pid: holder } : undefined);
    }
    throw e;
  }
  server.unref();
  const file = path.join(root, PID_FILE);
  const tmp = `${file}.${pid}.tmp`;
  fs.writeFileSync(tmp, `${pid}\n`, { mode: 0o644 });
  fs.renameSync(tmp, file);
  return {
    release() {
      if (readPid(root) === pid) fs.rmSync(file, { force: true });
      server.close();
    },
  };
}
