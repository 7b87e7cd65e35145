/**
 * Turns a burst of file events into one batch. Compose waits for 500 ms of quiet; we wait
 * for a much shorter quiet period (default 20 ms) — long enough to catch an editor's
 * write-rename-chmod dance as one batch, short enough to feel instant — and never longer
 * than `maxWaitMs` after the first event, so a steady trickle of writes cannot starve the
 * sync. A batch that grows past `burstEvents` is a burst (a `git checkout`): it is held
 * until quiet (up to `burstMaxWaitMs`) so the whole checkout is one batch.
 *
 * A batch keeps one entry per path with its end state (the last event wins) and whether it
 * was removed on the way, which matters when a folder is deleted and made again: the
 * container must lose what the old folder held.
 */

export type FileEventKind = 'add' | 'addDir' | 'change' | 'unlink' | 'unlinkDir';

export interface FileEvent {
  kind: FileEventKind | 'rename';
  /** Absolute host path (for a rename, the new path). */
  path: string;
  /** rename only: the old path. */
  from?: string;
  /** rename only: whether the renamed thing is a folder. */
  isDir?: boolean;
}

export interface PathChange {
  path: string;
  /** Whether the path exists at the end of the batch. */
  exists: boolean;
  /** Its type at the end (for removed paths: the type it had). */
  isDir: boolean;
  /** A removal was seen for this path during the batch (before its end state). */
  removed: boolean;
  /** The removed thing was a folder. */
  removedDir: boolean;
  /** Order of the path's last event in the batch. */
  seq: number;
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
  now(): number;
}

export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => performance.now(),
};

export interface CoalescerOptions {
  quietMs: number;
  /** Upper bound from the first event of a batch to its flush. Default max(250, 10 × quiet). */
  maxWaitMs?: number;
  /** A batch this big is a burst (a branch switch): it waits for quiet up to burstMaxWaitMs
   *  instead, so that it stays ONE batch (and can become one rebuild). Default 200 events. */
  burstEvents?: number;
  /** Default 5000 ms. */
  burstMaxWaitMs?: number;
  onBatch(changes: PathChange[], info: { firstEventAt: number; events: number }): void;
  timers?: Timers;
}

/** Folds one event into the per-path state (pure; exported for tests). */
export function fold(state: Map<string, PathChange>, ev: FileEvent, seq: number): void {
  if (ev.kind === 'rename') {
    if (ev.from) fold(state, { kind: ev.isDir ? 'unlinkDir' : 'unlink', path: ev.from }, seq);
    fold(state, { kind: ev.isDir ? 'addDir' : 'add', path: ev.path }, seq);
    return;
  }
  const prev = state.get(ev.path);
  const removing = ev.kind === 'unlink' || ev.kind === 'unlinkDir';
  const isDir = ev.kind === 'addDir' || ev.kind === 'unlinkDir';
  const next: PathChange = {
    path: ev.path,
    exists: !removing,
    isDir,
    removed: (prev?.removed ?? false) || removing,
    removedDir: (prev?.removedDir ?? false) || ev.kind === 'unlinkDir',
    seq,
  };
  state.set(ev.path, next);
}

export class Coalescer {
  private state = new Map<string, PathChange>();
  private seq = 0;
  private events = 0;
  private firstAt = 0;
  private quietTimer: unknown;
  private maxTimer: unknown;
  private readonly timers: Timers;
  private readonly maxWaitMs: number;
  private closed = false;

  constructor(private readonly opts: CoalescerOptions) {
    this.timers = opts.timers ?? realTimers;
    this.maxWaitMs = opts.maxWaitMs ?? Math.max(250, opts.quietMs * 10);
  }

  push(ev: FileEvent): void {
    if (this.closed) return;
    if (this.events === 0) {
      this.firstAt = this.timers.now();
      this.maxTimer = this.timers.set(() => this.flush(), this.maxWaitMs);
    }
    this.events++;
    if (this.events === (this.opts.burstEvents ?? 200)) {
      // A burst: let it finish (quiet) rather than cutting it at maxWait, within a bound.
      this.timers.clear(this.maxTimer);
      const left = this.firstAt + (this.opts.burstMaxWaitMs ?? 5000) - this.timers.now();
      this.maxTimer = this.timers.set(() => this.flush(), Math.max(0, left));
    }
    fold(this.state, ev, this.seq++);
    if (this.quietTimer !== undefined) this.timers.clear(this.quietTimer);
    this.quietTimer = this.timers.set(() => this.flush(), this.opts.quietMs);
  }

  /** Emits what is pending now (no-op when nothing is). */
  flush(): void {
    if (this.quietTimer !== undefined) this.timers.clear(this.quietTimer);
    if (this.maxTimer !== undefined) this.timers.clear(this.maxTimer);
    this.quietTimer = this.maxTimer = undefined;
    if (this.events === 0) return;
    const changes = [...this.state.values()].sort((a, b) => a.seq - b.seq);
    const info = { firstEventAt: this.firstAt, events: this.events };
    this.state = new Map();
    this.events = 0;
    this.opts.onBatch(changes, info);
  }

  has(path: string): boolean {
    return this.state.has(path);
  }

  get pending(): number {
    return this.state.size;
  }

  close(): void {
    if (this.quietTimer !== undefined) this.timers.clear(this.quietTimer);
    if (this.maxTimer !== undefined) this.timers.clear(this.maxTimer);
    this.closed = true;
    this.state.clear();
    this.events = 0;
  }
}
