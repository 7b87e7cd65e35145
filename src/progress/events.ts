/**
 * Progress is a stream of events about resources (a container, a network, an image), each
 * moving through working → done | warning | error. Use cases and the executor emit them; the
 * renderers in cli/render/ (tty, plain, json, quiet) draw them. Nothing here does I/O.
 */

export type ResourceKind = 'container' | 'network' | 'volume' | 'image' | 'service' | 'project';
export type ProgressStatus = 'working' | 'done' | 'warning' | 'error';

export interface ProgressEvent {
  /** Stable id of the resource, e.g. "container demo-web-1". */
  id: string;
  kind: ResourceKind;
  /** The resource's display name. */
  name: string;
  status: ProgressStatus;
  /** Short state text: "Creating", "Created", "Waiting", "Healthy", "Removed", "Error". */
  text: string;
  /** Extra detail (an error message, a pull layer's progress). */
  detail?: string;
  /** Milliseconds since the epoch (from the injected clock). */
  time: number;
}

/** Where progress goes. start/done bracket one command; on() may be called from many tasks. */
export interface ProgressSink {
  start(title: string): void;
  on(event: ProgressEvent): void;
  /** A free line of text (a warning, a hint) shown with the progress. */
  message(level: 'info' | 'warning', text: string): void;
  done(): void;
}

/** A sink that drops everything (tests, `--progress quiet`). */
export function nullSink(): ProgressSink {
  return { start() {}, on() {}, message() {}, done() {} };
}

/** A sink that records events, for tests. */
export function recordingSink(): ProgressSink & { events: ProgressEvent[]; messages: string[] } {
  const events: ProgressEvent[] = [];
  const messages: string[] = [];
  return {
    events,
    messages,
    start() {},
    on(e) {
      events.push(e);
    },
    message(level, text) {
      messages.push(`${level}: ${text}`);
    },
    done() {},
  };
}

/** The time source, injected so tests control it. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      }, { once: true });
    }),
};
