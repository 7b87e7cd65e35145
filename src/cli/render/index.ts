/** Picks the progress renderer for --progress auto|tty|plain|json|quiet. */
import { nullSink, type ProgressSink } from '../../progress/events.js';
import { UserError } from '../../diag/diagnostic.js';
import { jsonSink } from './json.js';
import { plainSink } from './plain.js';
import { ttySink } from './tty.js';
import type { Stream } from './common.js';

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'json' | 'quiet';

export function makeSink(mode: string, out: Stream, opts: { color: boolean; dryRun?: boolean }): ProgressSink {
  const m = (mode || 'auto') as ProgressMode;
  switch (m) {
    case 'auto':
      return out.isTTY ? ttySink(out, Date.now, opts.color) : plainSink(out);
    case 'tty':
      return ttySink(out, Date.now, opts.color);
    case 'plain':
      return plainSink(out);
    case 'json':
      return jsonSink(out);
    case 'quiet':
      return nullSink();
    default:
      throw new UserError(`--progress ${mode}: expected auto, tty, plain, json or quiet`);
  }
}
