/**
 * One berth command per project at a time: a lock file (O_EXCL) holding the owner's pid. A
 * second command waits, says so once, and takes over a lock whose owner is gone.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../progress/events.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

export interface ProjectLock {
  release(): void;
}

export async function lockProject(dir: string, project: string, clock: Clock, say: (text: string) => void, signal?: AbortSignal): Promise<ProjectLock> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${project.replace(/[^a-zA-Z0-9_.-]/g, '_')}.lock`);
  let told = false;
  for (;;) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return {
        release() {
          try {
            if (fs.readFileSync(file, 'utf8') === String(process.pid)) fs.unlinkSync(file);
          } catch {
            /* already gone */
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner = NaN;
    try {
      owner = Number(fs.readFileSync(file, 'utf8'));
    } catch {
      continue; // released between open and read
    }
    const stale = Number.isFinite(owner) && owner > 0 ? !alive(owner) : ageMs(file) > 5000; // empty: being written
    if (stale) {
      // The owner died without releasing: take the lock over (rename is atomic, so only one taker wins).
      try {
        fs.renameSync(file, `${file}.stale-${process.pid}`);
        fs.rmSync(`${file}.stale-${process.pid}`, { force: true });
      } catch {
        /* someone else took it over */
      }
      continue;
    }
    if (!told) {
      say(`waiting for another berth command on project ${project}${Number.isFinite(owner) && owner > 0 ? ` (pid ${owner})` : ''} to finish`);
      told = true;
    }
    if (signal?.aborted) throw new Error('interrupted while waiting for the project lock');
    await clock.sleep(200, signal);
  }
}
