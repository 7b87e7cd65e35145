/**
 * The file watcher: chokidar 4 over the rules' paths and the project's own files.
 *
 * Two things chokidar does not do for us:
 * - It drops a `change` for a path that changed less than 50 ms after its previous `change`
 *   (a leading-edge throttle, no trailing event). A file written twice in quick succession
 *   would then be synced with its first content and never again — the "synced but not
 *   there" bug Compose users report. So every `change` leaves the path's stat signature
 *   behind, and a sweep a little later re-emits a `change` when the file moved on since.
 * - When the kernel refuses more inotify watches (ENOSPC) or instances (EMFILE), it only
 *   emits an error. We then restart the watch in polling mode and say so.
 */
import fs from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { FileEvent, FileEventKind } from './coalesce.js';

export interface WatcherOptions {
  paths: string[];
  poll?: boolean;
  pollIntervalMs?: number;
  /** Skip a path (and, for a folder, all below it). Consulted live, so it may change. */
  ignored?: (abs: string) => boolean;
  onEvent(ev: FileEvent): void;
  /** Things the user should know (fallback to polling). */
  onNotice(msg: string): void;
  onError(err: Error): void;
  /** How long after its last reported change a path is still re-checked (ms). Default 55 (chokidar throttles for 50). */
  settleMs?: number;
  /** Whether a path already waits in the coalescer: its content is read later anyway, so a
   *  change seen by the sweep needs no event of its own. */
  isPending?: (abs: string) => boolean;
  /** chokidar's watch (injected by tests). */
  watchFn?: typeof watch;
}

export interface FileWatcher {
  readonly polling: boolean;
  add(paths: string[]): void;
  unwatch(paths: string[]): void;
  close(): Promise<void>;
}

const LIMIT_CODES = new Set(['ENOSPC', 'EMFILE', 'ENFILE']);
const FINE_MS = 8;
const FINE_LIMIT = 500;

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function signature(p: string): string {
  try {
    const s = fs.lstatSync(p, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return 'missing';
  }
}

async function open(paths: string[], opts: WatcherOptions, usePolling: boolean, onEvent: (kind: FileEventKind, p: string) => void, onError: (e: Error) => void): Promise<FSWatcher> {
  const w = (opts.watchFn ?? watch)(paths, {
    ignoreInitial: true,
    // Deletes must not wait 100 ms for a possible atomic-save re-add: the coalescer folds
    // an unlink followed by an add into a change anyway.
    atomic: false,
    followSymlinks: false,
    usePolling,
    interval: opts.pollIntervalMs ?? 100,
    binaryInterval: opts.pollIntervalMs ?? 100,
    ignorePermissionErrors: true,
    ignored: opts.ignored ? (p: string) => opts.ignored!(p) : undefined,
  });
  for (const kind of ['add', 'addDir', 'change', 'unlink', 'unlinkDir'] as const) w.on(kind, (p: string) => onEvent(kind, p));
  w.on('error', (e: unknown) => onError(e instanceof Error ? e : new Error(String(e))));
  await new Promise<void>((resolve) => w.once('ready', () => resolve()));
  return w;
}

export async function startWatcher(opts: WatcherOptions): Promise<FileWatcher> {
  const settleMs = opts.settleMs ?? 55;
  let watched = new Set(opts.paths);
  let polling = opts.poll ?? false;
  let closed = false;
  let switching: Promise<void> | undefined;
  // path → its signature when its last change was reported, and when. chokidar's throttle
  // window is per path and lasts 50 ms from the last change it emitted, so each reported
  // path is re-checked every few ms until settleMs passed since its last report. Past
  // FINE_LIMIT paths (a branch switch), one check per settle period keeps the cost bounded.
  const unsettled = new Map<string, { sig: string; at: number }>();
  let sweep: NodeJS.Timeout | undefined;

  const armSweep = () => {
    if (closed || sweep || !unsettled.size) return;
    sweep = setTimeout(runSweep, unsettled.size <= FINE_LIMIT ? FINE_MS : settleMs);
  };

  const runSweep = () => {
    sweep = undefined;
    const now = performance.now();
    for (const [p, e] of [...unsettled]) {
      const sig = signature(p);
      if (sig === 'missing') unsettled.delete(p); // its unlink event comes on its own
      else if (sig !== e.sig) {
        unsettled.set(p, { sig, at: now });
        if (!opts.isPending?.(p)) opts.onEvent({ kind: 'change', path: p });
      } else if (now - e.at >= settleMs) unsettled.delete(p);
    }
    armSweep();
  };

  const onEvent = (kind: FileEventKind, p: string) => {
    if (closed) return;
    if (kind === 'change' || kind === 'add') {
      unsettled.set(p, { sig: signature(p), at: performance.now() });
      armSweep();
    }
    opts.onEvent({ kind, path: p });
  };

  let w: FSWatcher;
  const onError = (e: Error) => {
    const code = (e as NodeJS.ErrnoException).code;
    if (!polling && code && LIMIT_CODES.has(code) && !switching) {
      polling = true;
      opts.onNotice(
        `the kernel refused more file watches (${code}${code === 'ENOSPC' ? ': fs.inotify.max_user_watches reached' : ''}); watching by polling from now on (raise the limit, or pass --poll to start that way)`,
      );
      switching = (async () => {
        const old = w;
        const known = old.getWatched();
        w = await open([...watched], opts, true, onEvent, onError);
        await old.close();
        switching = undefined;
        // The poller starts from what exists now: report what came or went since the old
        // watcher's last look (files edited in between are not seen; that window is short).
        const now = w.getWatched();
        for (const [d, names] of Object.entries(now)) {
          const before = new Set(known[d] ?? []);
          for (const n of names) if (!before.has(n) && known[d]) onEvent(isDir(path.join(d, n)) ? 'addDir' : 'add', path.join(d, n));
        }
        for (const [d, names] of Object.entries(known)) {
          const after = new Set(now[d] ?? []);
          for (const n of names) {
            const p = path.join(d, n);
            if (!after.has(n) && now[d] && !fs.existsSync(p)) onEvent(known[p] ? 'unlinkDir' : 'unlink', p);
          }
        }
      })().catch((err) => opts.onError(err instanceof Error ? err : new Error(String(err))));
      return;
    }
    opts.onError(e);
  };

  w = await open([...watched], opts, polling, onEvent, onError);
  return {
    get polling() {
      return polling;
    },
    add(paths) {
      const fresh = paths.filter((p) => !watched.has(p));
      if (!fresh.length) return;
      fresh.forEach((p) => watched.add(p));
      w.add(fresh);
    },
    unwatch(paths) {
      const gone = paths.filter((p) => watched.has(p));
      if (!gone.length) return;
      watched = new Set([...watched].filter((p) => !gone.includes(p)));
      w.unwatch(gone);
    },
    async close() {
      closed = true;
      if (sweep) clearTimeout(sweep);
      await switching;
      await w.close();
    },
  };
}
