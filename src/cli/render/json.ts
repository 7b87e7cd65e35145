/** `--progress json`: one JSON object per event (NDJSON), for tools. */
import type { ProgressSink } from '../../progress/events.js';
import { Timings, type Stream } from './common.js';

export function jsonSink(out: Stream): ProgressSink {
  const t = new Timings();
  return {
    start(title) {
      out.write(JSON.stringify({ type: 'start', title }) + '\n');
    },
    on(e) {
      out.write(JSON.stringify({ type: 'event', ...e, elapsed: t.elapsed(e) }) + '\n');
    },
    message(level, text) {
      out.write(JSON.stringify({ type: 'message', level, text }) + '\n');
    },
    done() {
      out.write(JSON.stringify({ type: 'done' }) + '\n');
    },
  };
}
