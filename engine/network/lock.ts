/**
 * A lock that serializes operations within this process (a promise queue) and across
 * processes sharing one root (an O_EXCL lock file holding the holder's pid; a file whose
 * pid is dead is stale and taken over).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../api/types.js';
import { pidAlive } from './claims.js';

export class Lock {
  private tail: Promise<unknown> = Promise.resolve();
  constructor(private readonly file: string) {}

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(async () => {
      await this.acquire();
      try {
        return await fn();
      } finally {
        await fs.rm(this.file, { force: true });
      }
    });
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async acquire(): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const fh = await fs.open(this.file, 'wx');
        await fh.writeFile(String(process.pid));
        await fh.close();
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const pid = Number(await fs.readFile(this.file, 'utf8').catch(() => ''));
      if (pid && !pidAlive(pid)) {
        await fs.rm(this.file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new EngineError('INTERNAL', `lock ${this.file} held by pid ${pid} for more than 30 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
