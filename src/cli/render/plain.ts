/**
 * `--progress plain` (and `auto` off a terminal): Compose's plain writer, a line per state
 * change: " Container demo-web-1  Started" (Go's Fprintln of "", the resource, "", the status),
 * no elapsed times; warnings in logrus's key=value form, as Compose prints them off a terminal.
 */
import type { ProgressSink } from '../../progress/events.js';
import { logrusLine, resourceLabel, type Stream } from './common.js';

export function plainSink(out: Stream, prefix = '', now: () => number = Date.now): ProgressSink {
  return {
    start() {},
    on(e) {
      if (e.status === 'working' && e.detail) return; // pull/build chatter: tty only
      const detail = e.detail && e.status !== 'working' ? ` ${e.detail}` : '';
      out.write(`${prefix} ${resourceLabel(e)}  ${e.text}${detail}\n`);
    },
    message(level, text) {
      out.write(level === 'warning' ? `${prefix}${logrusLine('warning', text, now())}\n` : `${prefix}${text}\n`);
    },
    done() {},
  };
}
