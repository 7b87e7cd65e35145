/**
 * conmon's k8s-file log format: one record per line,
 *   2026-11-28T05:32:54.628452613+00:00 stdout F the text
 * where F is a full line and P a partial one (the rest follows in the next records).
 * Pure: parsing, joining partial lines and the since/until/tail selection.
 */
import type { LogLine, LogOptions } from '../api/types.js';

export interface LogRecord {
  time: string;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  text: string;
}

export function parseRecord(line: string): LogRecord | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  return { time: line.slice(0, a), stream, partial: tag.split(':').includes('P'), text: c < 0 ? '' : line.slice(c + 1) };
}

/** Joins partial records per stream; keeps the first piece's time. */
export class LineJoiner {
  private pending: Partial<Record<'stdout' | 'stderr', { time: string; text: string }>> = {};

  push(r: LogRecord): LogLine | undefined {
    const p = this.pending[r.stream];
    if (r.partial) {
      this.pending[r.stream] = p ? { time: p.time, text: p.text + r.text } : { time: r.time, text: r.text };
      return undefined;
    }
    delete this.pending[r.stream];
    return { stream: r.stream, time: p?.time ?? r.time, line: (p?.text ?? '') + r.text };
  }

  /** Partial text still waiting (shown when the log ends without a newline). */
  flush(): LogLine[] {
    const out: LogLine[] = [];
    for (const s of ['stdout', 'stderr'] as const) {
      const p = this.pending[s];
      if (p) out.push({ stream: s, time: p.time, line: p.text });
    }
    this.pending = {};
    return out;
  }
}

/** Parses a whole log text into lines. */
export function parseLog(text: string): LogLine[] {
  const j = new LineJoiner();
  const out: LogLine[] = [];
  for (const l of text.split('\n')) {
    if (!l) continue;
    const r = parseRecord(l);
    if (!r) continue;
    const line = j.push(r);
    if (line) out.push(line);
  }
  return out;
}

/** "2026-11-28T05:32:54.123Z", "1764307974", "1764307974.5" or a duration ago like "10m"/"3s" → ms since epoch. */
export function parseTimeOpt(v: string | undefined, now: number): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const d = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v);
  if (d) return now - Number(d[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[d[2] as 'ms' | 's' | 'm' | 'h'];
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** k8s-file times have nanoseconds and an offset; Date.parse takes milliseconds only. */
export function logTimeMs(t: string): number {
  return Date.parse(t.replace(/(\.\d{3})\d+/, '$1'));
}

export function selectLines(lines: LogLine[], opts: LogOptions, now: number): LogLine[] {
  const since = parseTimeOpt(opts.since, now);
  const until = parseTimeOpt(opts.until, now);
  let out = lines.filter((l) => {
    if (l.stream === 'stdout' && opts.stdout === false) return false;
    if (l.stream === 'stderr' && opts.stderr === false) return false;
    const t = logTimeMs(l.time);
    if (since !== undefined && t < since) return false;
    if (until !== undefined && t > until) return false;
    return true;
  });
  if (opts.tail !== undefined && opts.tail >= 0) out = opts.tail === 0 ? [] : out.slice(-opts.tail);
  return out;
}
