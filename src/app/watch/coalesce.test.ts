import { describe, expect, it } from 'vitest';
import { Coalescer, fold, type PathChange, type Timers } from './coalesce.js';

/** A manual clock: timers fire only when the test advances time. */
function manualTimers() {
  let now = 0;
  let id = 0;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    set(fn, ms) {
      pending.set(++id, { at: now + ms, fn });
      return id;
    },
    clear(h) {
      pending.delete(h as number);
    },
    now: () => now,
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const next = [...pending.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      pending.delete(next[0]);
      now = next[1].at;
      next[1].fn();
    }
    now = end;
  };
  return { timers, advance };
}

describe('fold', () => {
  const run = (...evs: Parameters<typeof fold>[1][]) => {
    const m = new Map<string, PathChange>();
    evs.forEach((e, i) => fold(m, e, i));
    return m;
  };
  it('the last event wins; a removal on the way is remembered', () => {
    const m = run({ kind: 'add', path: '/a' }, { kind: 'change', path: '/a' }, { kind: 'unlink', path: '/a' });
    expect(m.get('/a')).toMatchObject({ exists: false, removed: true, isDir: false });
    const back = run({ kind: 'unlinkDir', path: '/d' }, { kind: 'addDir', path: '/d' });
    expect(back.get('/d')).toMatchObject({ exists: true, isDir: true, removed: true, removedDir: true });
    const plain = run({ kind: 'change', path: '/f' }, { kind: 'change', path: '/f' });
    expect(plain.size).toBe(1);
    expect(plain.get('/f')).toMatchObject({ exists: true, removed: false });
  });
  it('a rename is the old path removed and the new one added', () => {
    const m = run({ kind: 'rename', from: '/old', path: '/new' });
    expect(m.get('/old')).toMatchObject({ exists: false });
    expect(m.get('/new')).toMatchObject({ exists: true, isDir: false });
    const d = run({ kind: 'rename', from: '/o', path: '/n', isDir: true });
    expect(d.get('/n')).toMatchObject({ exists: true, isDir: true });
    expect(d.get('/o')).toMatchObject({ exists: false, isDir: true });
  });
});

describe('Coalescer', () => {
  it('emits one batch after the quiet period, deduplicated', () => {
    const { timers, advance } = manualTimers();
    const batches: PathChange[][] = [];
    const c = new Coalescer({ quietMs: 20, timers, onBatch: (b) => batches.push(b) });
    for (let i = 0; i < 50; i++) c.push({ kind: 'change', path: `/f${i % 5}` });
    advance(19);
    expect(batches).toHaveLength(0);
    advance(1);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((x) => x.path).sort()).toEqual(['/f0', '/f1', '/f2', '/f3', '/f4']);
  });

  it('each event restarts the quiet period', () => {
    const { timers, advance } = manualTimers();
    const batches: PathChange[][] = [];
    const c = new Coalescer({ quietMs: 20, maxWaitMs: 1000, timers, onBatch: (b) => batches.push(b) });
    c.push({ kind: 'add', path: '/a' });
    advance(15);
    c.push({ kind: 'add', path: '/b' });
    advance(15);
    expect(batches).toHaveLength(0);
    advance(5);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(2);
  });

  it('a steady trickle is flushed at maxWait', () => {
    const { timers, advance } = manualTimers();
    const batches: PathChange[][] = [];
    const c = new Coalescer({ quietMs: 20, maxWaitMs: 100, timers, onBatch: (b) => batches.push(b) });
    for (let t = 0; t < 150; t += 10) {
      c.push({ kind: 'change', path: `/f${t}` });
      advance(10);
    }
    expect(batches.length).toBeGreaterThanOrEqual(1);
    expect(batches[0]!.length).toBe(10); // events at 0..90 ms
  });

  it('a burst is held together past maxWait until it goes quiet (bounded)', async () => {
    const { timers, advance } = manualTimers();
    const batches: PathChange[][] = [];
    const c = new Coalescer({ quietMs: 20, maxWaitMs: 100, burstEvents: 50, burstMaxWaitMs: 1000, timers, onBatch: (b) => batches.push(b) });
    // 300 events 1 ms apart: 300 ms of checkout, past maxWait
    for (let i = 0; i < 300; i++) {
      c.push({ kind: 'add', path: `/f${i}` });
      advance(1);
    }
    expect(batches).toHaveLength(0);
    advance(20);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(300);
    // but never longer than burstMaxWait
    for (let i = 0; i < 2500; i++) {
      c.push({ kind: 'add', path: `/g${i}` });
      advance(1);
    }
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(batches[1]!.length).toBe(1000);
  });

  it('reports when the batch started and how many events it folded', () => {
    const { timers, advance } = manualTimers();
    const infos: { firstEventAt: number; events: number }[] = [];
    const c = new Coalescer({ quietMs: 5, timers, onBatch: (_b, info) => infos.push(info) });
    advance(7);
    c.push({ kind: 'add', path: '/a' });
    c.push({ kind: 'change', path: '/a' });
    advance(10);
    expect(infos).toEqual([{ firstEventAt: 7, events: 2 }]);
  });

  it('emits nothing after close', () => {
    const { timers, advance } = manualTimers();
    const batches: PathChange[][] = [];
    const c = new Coalescer({ quietMs: 5, timers, onBatch: (b) => batches.push(b) });
    c.push({ kind: 'add', path: '/a' });
    c.close();
    c.push({ kind: 'add', path: '/b' });
    advance(100);
    expect(batches).toHaveLength(0);
  });
});
