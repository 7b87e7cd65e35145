/** Log lines with Compose's colour-coded "web-1  | " prefix. */
import type { FollowedLine } from '../runtime/follow.js';

const COLOURS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

export interface PrinterOptions {
  project: string;
  color: boolean;
  prefix: boolean;
  timestamps: boolean;
  /** Names known up front (short form), so every prefix has the same width from the start. */
  names?: string[];
}

export function shortName(project: string, l: { container: string; service: string; number: number }): string {
  return l.container === `${project}-${l.service}-${l.number}` ? `${l.service}-${l.number}` : l.container;
}

export function makePrinter(write: (s: string) => void, o: PrinterOptions): (l: FollowedLine) => void {
  const colourOf = new Map<string, number>();
  let width = Math.max(0, ...(o.names ?? []).map((n) => n.length));
  return (l) => {
    const name = shortName(o.project, l);
    if (!colourOf.has(l.service)) colourOf.set(l.service, COLOURS[colourOf.size % COLOURS.length]!);
    width = Math.max(width, name.length);
    const ts = o.timestamps && l.time ? `${dockerTime(l.time)} ` : '';
    if (!o.prefix) return write(`${ts}${l.line}\n`);
    const label = `${name.padEnd(width)}  |`;
    write(o.color ? `\x1b[${colourOf.get(l.service)}m${label}\x1b[0m ${ts}${l.line}\n` : `${label} ${ts}${l.line}\n`);
  };
}

/**
 * Docker's log timestamp: UTC with `Z` and always nine fractional digits (Go's
 * RFC3339NanoFixed, what `docker compose logs -t` prints). Anything unparsable is kept.
 */
export function dockerTime(t: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)$/.exec(t);
  if (!m) return t;
  const frac = (m[2] ?? '').padEnd(9, '0').slice(0, 9);
  if (m[3] === 'Z' || /^[+-]00:?00$/.test(m[3]!)) return `${m[1]}.${frac}Z`;
  const ms = Date.parse(`${m[1]}${m[3]!.length === 5 ? `${m[3]!.slice(0, 3)}:${m[3]!.slice(3)}` : m[3]}`);
  if (Number.isNaN(ms)) return t;
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}
