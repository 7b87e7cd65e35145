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
    const ts = o.timestamps && l.time ? `${l.time} ` : '';
    if (!o.prefix) return write(`${ts}${l.line}\n`);
    const label = `${name.padEnd(width)}  |`;
    write(o.color ? `\x1b[${colourOf.get(l.service)}m${label}\x1b[0m ${ts}${l.line}\n` : `${label} ${ts}${l.line}\n`);
  };
}
