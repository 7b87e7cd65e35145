/**
 * The engine's event bus: managers emit, the daemon streams to clients (`events`), and the
 * container manager's health and exit logic listens. In-process only.
 */
import type { EngineEvent, EventOptions } from '../api/types.js';

type Listener = (e: EngineEvent) => void;

export class EventBus {
  private listeners = new Set<Listener>();
  private recent: EngineEvent[] = [];

  emit(e: Omit<EngineEvent, 'time'> & { time?: string }): void {
    const ev: EngineEvent = { ...e, time: e.time ?? new Date().toISOString() };
    this.recent.push(ev);
    if (this.recent.length > 1000) this.recent.shift();
    for (const l of [...this.listeners]) l(ev);
  }

  on(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Events matching the filters, replaying kept ones newer than `since`, until aborted. */
  async *stream(opts: EventOptions, signal?: AbortSignal): AsyncIterable<EngineEvent> {
    const queue: EngineEvent[] = [];
    let wake: (() => void) | undefined;
    const off = this.on((e) => {
      if (matches(e, opts)) {
        queue.push(e);
        wake?.();
      }
    });
    if (opts.since) {
      const since = Date.parse(opts.since);
      for (const e of this.recent) if (Date.parse(e.time) >= since && matches(e, opts)) queue.push(e);
    }
    const aborted = new Promise<void>((res) => signal?.addEventListener('abort', () => res(), { once: true }));
    try {
      while (!signal?.aborted) {
        while (queue.length) yield queue.shift()!;
        await Promise.race([new Promise<void>((res) => (wake = res)), aborted]);
        wake = undefined;
      }
    } finally {
      off();
    }
  }
}

export function matches(e: EngineEvent, opts: EventOptions): boolean {
  const f = opts.filters ?? {};
  if (f.type?.length && !f.type.includes(e.type)) return false;
  if (f.event?.length && !f.event.includes(e.action)) return false;
  if (f.container?.length && !(e.type === 'container' && f.container.some((c) => e.id.startsWith(c) || e.attributes.name === c))) return false;
  if (f.label?.length) {
    for (const l of f.label) {
      const [k, v] = l.split('=', 2) as [string, string | undefined];
      if (!(k in e.attributes)) return false;
      if (v !== undefined && e.attributes[k] !== v) return false;
    }
  }
  return true;
}
