/**
 * One engine per root: the pid file doubles as the lock. It is created with O_EXCL; one left
 * by a dead engine (kill -9, host crash) is recognised by its pid no longer being a berth
 * engine, moved aside and replaced.
 */
import fs from 'node:fs';
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
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('daemon/main');
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

export interface Lock {
  release(): void;
}

export function acquireLock(root: string, pid = process.pid): Lock {
  const file = path.join(root, PID_FILE);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o644);
      fs.writeSync(fd, `${pid}\n`);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      return {
        release() {
          if (readPid(root) === pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readPid(root);
    if (holder !== undefined && holder !== pid && isEngineProcess(holder)) {
      throw new EngineError('CONFLICT', `a berth engine is already running for ${root} (pid ${holder})`, { pid: holder });
    }
    // Stale (or half-written by a starter that just died): move it aside atomically so two
    // starters racing here cannot both delete a fresh lock; the loser's rename fails.
    const aside = `${file}.stale-${pid}-${attempt}`;
    try {
      fs.renameSync(file, aside);
      fs.rmSync(aside, { force: true });
    } catch {
      /* someone else moved it; try again */
    }
  }
  throw new EngineError('CONFLICT', `cannot take the engine lock ${file}`);
}
