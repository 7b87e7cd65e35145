/** `--progress plain`: a line per state change, for logs and CI. */
import type { ProgressSink } from '../../progress/events.js';
import { kindWord, seconds, Timings, type Stream } from './common.js';

export function plainSink(out: Stream, prefix = ''): ProgressSink {
  const t = new Timings();
  return {
    start() {},
    on(e) {
      const el = t.elapsed(e);
      if (e.status === 'working' && e.detail) return; // pull/build chatter: tty only
      const tail = e.status === 'working' ? '' : ` ${seconds(el)}`;
      const detail = e.detail && e.status !== 'working' ? `: ${e.detail}` : '';
      out.write(`${prefix}${kindWord(e)} ${e.name}  ${e.text}${tail}${detail}\n`);
    },
    message(level, text) {
      out.write(`${prefix}${level === 'warning' ? 'WARN ' : ''}${text}\n`);
    },
    done() {},
  };
}
