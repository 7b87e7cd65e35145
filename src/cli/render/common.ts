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

/**
 * The resource as Compose names it in progress lines: "Container demo-web-1",
 * "Network demo_default", and a volume being created quoted (`Volume "demo_data"`, Compose's
 * createVolume uses %q; its removal does not).
 */
export function resourceLabel(e: ProgressEvent): string {
  if (e.kind === 'volume' && /^Creat/.test(e.text)) return `Volume ${JSON.stringify(e.name)}`;
  return `${kindWord(e)} ${e.name}`;
}

/**
 * A warning as Compose's logrus prints it off a terminal: `time="…" level=warning msg="…"`
 * (RFC3339 in UTC, the message Go-quoted).
 */
export function logrusLine(level: 'warning' | 'info', text: string, now: number): string {
  const time = new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  return `time="${time}" level=${level} msg=${JSON.stringify(text)}`;
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
