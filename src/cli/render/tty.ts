/**
 * `--progress tty`: a live view, a line per resource with its state and elapsed time, redrawn
 * in place (cursor up + clear) ten times a second while anything is working.
 */
import type { ProgressEvent, ProgressSink } from '../../progress/events.js';
import { resourceLabel, seconds, type Stream } from './common.js';

const SPIN = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

interface Row {
  e: ProgressEvent;
  since: number;
  end?: number;
}

export function ttySink(out: Stream, now: () => number = Date.now, color = true): ProgressSink {
  const rows = new Map<string, Row>();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  let frame = 0;
  let title = '';
  const began = now();
  const c = (code: number, s: string): string => (color ? `\x1b[${code}m${s}\x1b[0m` : s);

  const draw = (): void => {
    frame++;
    const list = [...rows.values()];
    const finished = list.filter((r) => r.e.status !== 'working').length;
    const width = Math.max(0, ...list.map((r) => resourceLabel(r.e).length));
    const cols = out.columns ?? 100;
    const lines = [`${c(34, '[+]')} ${title ? `${title}: ` : ''}${finished}/${list.length}`];
    // Cursor-up cannot reach above the screen: when the rows do not fit, finished ones make room.
    const room = Math.max(3, (out.rows ?? 50) - 2);
    let shown = list;
    if (shown.length > room) {
      const done = shown.filter((r) => r.e.status === 'done');
      const drop = new Set(done.slice(0, shown.length - room));
      shown = shown.filter((r) => !drop.has(r)).slice(-room);
    }
    for (const r of shown) {
      const icon = r.e.status === 'working' ? c(36, SPIN[frame % SPIN.length]!) : r.e.status === 'done' ? c(32, '✔') : r.e.status === 'warning' ? c(33, '!') : c(31, '✘');
      const time = seconds((r.end ?? now()) - r.since);
      const detail = r.e.detail ? ` ${r.e.detail}` : '';
      let line = ` ${icon} ${resourceLabel(r.e).padEnd(width)}  ${r.e.text}${detail}`;
      if (line.length > cols - 8) line = line.slice(0, cols - 9) + '…';
      lines.push(`${line}  ${c(90, time)}`);
    }
    out.write((drawn ? `\x1b[${drawn}A` : '') + lines.map((l) => `\x1b[2K${l}\n`).join(''));
    drawn = lines.length;
  };

  return {
    start(t) {
      title = t;
      timer ??= setInterval(draw, 100);
      timer.unref?.();
    },
    on(e) {
      const prev = rows.get(e.id);
      // A new step of the same resource (Created → Starting) keeps its line and restarts its clock.
      const since = prev && prev.e.status === 'working' ? prev.since : e.time;
      rows.set(e.id, { e, since, ...(e.status === 'working' ? {} : { end: e.time }) });
      if (!timer) {
        timer = setInterval(draw, 100);
        timer.unref?.();
      }
    },
    message(level, text) {
      if (drawn) {
        out.write(`\x1b[${drawn}A\x1b[0J`);
        drawn = 0;
      }
      // logrus on a terminal: WARN[0003] (seconds since the command began)
      out.write(`${level === 'warning' ? `${c(33, 'WARN')}[${String(Math.max(0, Math.floor((now() - began) / 1000))).padStart(4, '0')}] ` : ''}${text}\n`);
      if (rows.size) draw();
    },
    done() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (rows.size) draw();
      rows.clear();
      drawn = 0;
    },
  };
}
