/**
 * Reading a container's k8s-file log: the whole selection, then (follow) new records as
 * conmon appends them, across restarts (conmon re-opens the same path) and rotations
 * (conmon replaces the file when it reaches --log-size-max: a new inode or a smaller size
 * means start over at 0). Follow ends when the container is stopped for good or on abort.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { LogLine, LogOptions } from '../api/types.js';
import { LineJoiner, logTimeMs, parseRecord, parseTimeOpt, selectLines } from './logparse.js';

export interface FollowHooks {
  /** True when no more output can come (stopped, no restart pending, or removed). */
  finished(): boolean;
  /** Resolves when something may have changed (container exited/restarted), or after a while. */
  pollMs?: number;
}

async function readFrom(file: string, offset: number): Promise<{ text: string; size: number; ino: number }> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, 'r');
  } catch {
    return { text: '', size: 0, ino: 0 };
  }
  try {
    const st = await fh.stat();
    if (st.size <= offset) return { text: '', size: st.size, ino: st.ino };
    const buf = Buffer.alloc(st.size - offset);
    const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
    return { text: buf.subarray(0, bytesRead).toString('utf8'), size: offset + bytesRead, ino: st.ino };
  } finally {
    await fh.close();
  }
}

function parseInto(joiner: LineJoiner, text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    const r = parseRecord(raw);
    const line = r && joiner.push(r);
    if (line) out.push(line);
  }
  return out;
}

export async function* readLogs(file: string, opts: LogOptions, hooks: FollowHooks, signal?: AbortSignal): AsyncIterable<LogLine> {
  const first = await readFrom(file, 0);
  // only whole records now; a trailing record without "\n" is read again with the rest
  const lastNl = first.text.lastIndexOf('\n');
  const complete = lastNl >= 0 ? first.text.slice(0, lastNl + 1) : '';
  let offset = Buffer.byteLength(complete);
  let ino = first.ino;
  const now = Date.now();
  // one joiner for what is there and what follows, so a line split across both is joined
  const joiner = new LineJoiner();
  const initial = parseInto(joiner, complete);
  // a process that printed without a final newline: show what it wrote, as Docker does
  if (!opts.follow) initial.push(...joiner.flush());
  for (const l of selectLines(initial, opts, now)) yield l;
  if (!opts.follow) return;

  const until = parseTimeOpt(opts.until, now);
  let wake: (() => void) | undefined;
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(file, () => wake?.());
    watcher.on('error', () => {});
  } catch {
    // not there yet: polling covers it
  }
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  try {
    let carry = '';
    while (!signal?.aborted) {
      const finishedBefore = hooks.finished();
      const st = await fsp.stat(file).catch(() => undefined);
      if (st && (st.ino !== ino || st.size < offset)) {
        // rotated or re-created: the new file starts from scratch
        offset = 0;
        ino = st.ino;
        carry = '';
        try {
          watcher?.close();
          watcher = fs.watch(file, () => wake?.());
          watcher.on('error', () => {});
        } catch {
          // keep polling
        }
      }
      const chunk = await readFrom(file, offset);
      offset = chunk.size;
      const text = carry + chunk.text;
      const nl = text.lastIndexOf('\n');
      carry = nl >= 0 ? text.slice(nl + 1) : text;
      for (const raw of (nl >= 0 ? text.slice(0, nl) : '').split('\n')) {
        if (!raw) continue;
        const r = parseRecord(raw);
        if (!r) continue;
        const line = joiner.push(r);
        if (!line) continue;
        if (line.stream === 'stdout' && opts.stdout === false) continue;
        if (line.stream === 'stderr' && opts.stderr === false) continue;
        if (until !== undefined && logTimeMs(line.time) > until) return;
        yield line;
      }
      if (finishedBefore) break; // drained everything written before it stopped
      await new Promise<void>((res) => {
        wake = res;
        setTimeout(res, hooks.pollMs ?? 250);
      });
      wake = undefined;
    }
    for (const l of joiner.flush()) yield l;
  } finally {
    watcher?.close();
    signal?.removeEventListener('abort', onAbort);
  }
}
