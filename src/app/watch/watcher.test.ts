import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileEvent } from './coalesce.js';
import { startWatcher, type FileWatcher } from './watcher.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let dir: string;
let w: FileWatcher | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-watcher-'));
});
afterEach(async () => {
  await w?.close();
  w = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

async function watchDir(settleMs: number, poll = false) {
  const events: (FileEvent & { at: number })[] = [];
  w = await startWatcher({
    paths: [dir],
    poll,
    pollIntervalMs: 20,
    settleMs,
    ignored: (p) => path.basename(p) === 'skipped',
    onEvent: (e) => events.push({ ...e, at: performance.now() }),
    onNotice: () => undefined,
    onError: (e) => {
      throw e;
    },
  });
  return events;
}

/** Two changes 20 ms apart: chokidar's 50 ms change throttle swallows the second (checked by hand with settleMs 60000: no late event). */
async function quickRewrites(events: { path: string; at: number }[]) {
  const f = path.join(dir, 'f.txt');
  fs.writeFileSync(f, 'v1');
  await sleep(120);
  fs.writeFileSync(f, 'v2');
  await sleep(20);
  const lastWrite = performance.now();
  fs.writeFileSync(f, 'v3 is longer');
  const late = () => events.filter((e) => e.path === f && e.at >= lastWrite);
  const end = Date.now() + 2000;
  while (!late().length && Date.now() < end) await sleep(10);
  return late();
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(10);
}

describe('startWatcher', () => {
  it('reports adds, changes and deletes of files and folders', async () => {
    const events = await watchDir(60);
    const kinds = () => events.map((e) => `${e.kind} ${path.relative(dir, e.path)}`);
    fs.mkdirSync(path.join(dir, 'd'));
    fs.writeFileSync(path.join(dir, 'd', 'a'), '1');
    await waitFor(() => kinds().includes('add d/a'));
    fs.rmSync(path.join(dir, 'd'), { recursive: true });
    await waitFor(() => kinds().includes('unlinkDir d'));
    expect(kinds()).toContain('addDir d');
    expect(kinds()).toContain('add d/a');
    expect(kinds()).toContain('unlink d/a');
    expect(kinds()).toContain('unlinkDir d');
  });

  it('skips ignored folders', async () => {
    const events = await watchDir(60);
    fs.mkdirSync(path.join(dir, 'skipped'));
    fs.writeFileSync(path.join(dir, 'skipped', 'x'), '1');
    fs.writeFileSync(path.join(dir, 'kept'), '1');
    await waitFor(() => events.length > 0);
    await sleep(100);
    expect(events.map((e) => path.basename(e.path))).toEqual(['kept']);
  });

  it('a rewrite inside the throttle window is still reported (settle sweep)', async () => {
    const events = await watchDir(60);
    const late = await quickRewrites(events);
    expect(late.length).toBeGreaterThanOrEqual(1);
  });

  it('every one of a series of rewrites 30 ms apart is reported after it happened', async () => {
    const events = await watchDir(55);
    const f = path.join(dir, 'series.txt');
    const missed: number[] = [];
    for (let i = 0; i < 8; i++) {
      const at = performance.now();
      fs.writeFileSync(f, `edit ${i}`);
      await sleep(30);
      // the last event for this path must come after this write, within the settle window
      const end = performance.now() + 1000;
      while (!events.some((e) => e.path === f && e.at >= at) && performance.now() < end) await sleep(2);
      if (!events.some((e) => e.path === f && e.at >= at)) missed.push(i);
    }
    expect(missed).toEqual([]);
  });

  it('polls when asked', async () => {
    const events = await watchDir(60, true);
    expect(w!.polling).toBe(true);
    // chokidar's poller takes its first stat of the folder a moment after 'ready'; a file
    // made before that is folded into the baseline (seen here: an add 1.5 s late).
    await sleep(100);
    fs.writeFileSync(path.join(dir, 'p'), '1');
    const end = Date.now() + 2000;
    while (!events.length && Date.now() < end) await sleep(20);
    expect(events.map((e) => e.kind)).toContain('add');
  });
});

describe('fallback to polling', () => {
  it('reopens in polling mode when the kernel refuses watches, and says so', async () => {
    const { EventEmitter } = await import('node:events');
    const opened: { usePolling: boolean; w: InstanceType<typeof EventEmitter> & { closed?: boolean } }[] = [];
    // what each watcher saw of /x: the poller finds b (made during the switch), not gone
    const views = [{ '/x': ['a', 'gone'] }, { '/x': ['a', 'b'] }];
    const fakeWatch = ((paths: string[], o: { usePolling: boolean }) => {
      const view = views[opened.length];
      const em = Object.assign(new EventEmitter(), {
        closed: false,
        getWatched: () => view,
        add: () => undefined,
        unwatch: () => undefined,
        close: async () => {
          em.closed = true;
        },
      });
      opened.push({ usePolling: o.usePolling, w: em });
      setImmediate(() => em.emit('ready'));
      return em;
    }) as unknown as NonNullable<Parameters<typeof startWatcher>[0]['watchFn']>;
    const notices: string[] = [];
    const seen: string[] = [];
    const watcher = await startWatcher({ paths: ['/x'], watchFn: fakeWatch, onEvent: (e) => seen.push(`${e.kind} ${e.path}`), onNotice: (m) => notices.push(m), onError: () => undefined });
    expect(watcher.polling).toBe(false);
    opened[0]!.w.emit('error', Object.assign(new Error('System limit for number of file watchers reached'), { code: 'ENOSPC' }));
    await sleep(20);
    expect(watcher.polling).toBe(true);
    expect(opened.map((o) => o.usePolling)).toEqual([false, true]);
    expect(opened[0]!.w.closed).toBe(true);
    expect(notices[0]).toMatch(/polling/);
    expect(notices[0]).toMatch(/ENOSPC/);
    expect(seen).toEqual(['add /x/b', 'unlink /x/gone']);
    await watcher.close();
  });
});
