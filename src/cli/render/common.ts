/** Shared bits of the progress renderers. */
import type { ProgressEvent } from '../../progress/events.js';

export interface Stream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export function kindWord(e: ProgressEvent): string {
  return e.kind.charAt(0).toUpperCase() + e.kind.slice(1);
}

export function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}

/** Remembers when each resource's current step began, for elapsed times. */
export class Timings {
  private started = new Map<string, number>();
  elapsed(e: ProgressEvent): number {
    if (e.status === 'working') {
      if (!this.started.has(e.id)) this.started.set(e.id, e.time);
      return e.time - this.started.get(e.id)!;
    }
    const t0 = this.started.get(e.id) ?? e.time;
    this.started.delete(e.id);
    return e.time - t0;
  }
}
