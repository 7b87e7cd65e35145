/**
 * Following a project's logs across restarts, recreates and scaling: a follower per running
 * container, started again whenever the engine says a project container started (a restart,
 * a new replica, a recreated container under the same name).
 */
import type { Engine, LogLine, LogOptions } from '../../engine/api/types.js';
import { LABEL, projectFilter } from './labels.js';

export interface FollowedLine extends LogLine {
  container: string;
  service: string;
  number: number;
}

export interface FollowOptions {
  services?: string[];
  /** Follow new starts (logs -f, attached up); false = print what is there and end. */
  follow: boolean;
  tail?: number;
  since?: string;
  until?: string;
  timestamps?: boolean;
  /** Include one-off (run) containers. */
  oneoff?: boolean;
}

export async function followProject(engine: Engine, project: string, opts: FollowOptions, onLine: (l: FollowedLine) => void, signal?: AbortSignal): Promise<void> {
  const active = new Map<string, Promise<void>>(); // container id → its follower
  const lastTime = new Map<string, string>(); // container id → time of the last line shown
  const wanted = (labels: Record<string, string>): boolean =>
    (!opts.services?.length || opts.services.includes(labels[LABEL.service] ?? '')) && (opts.oneoff || labels[LABEL.oneoff] !== 'True');

  const follow = (id: string, name: string, labels: Record<string, string>, first: boolean): void => {
    if (active.has(id) || signal?.aborted) return;
    const since = lastTime.get(id);
    const lo: LogOptions = { follow: opts.follow, timestamps: opts.timestamps };
    if (since) lo.since = since;
    else if (opts.since) lo.since = opts.since;
    if (opts.until) lo.until = opts.until;
    // The tail applies to what was there when we began, not to a restart's fresh lines.
    if (first && opts.tail !== undefined && opts.tail >= 0) lo.tail = opts.tail;
    const base = { container: name, service: labels[LABEL.service] ?? '', number: Number(labels[LABEL.number] ?? 0) };
    const run = (async () => {
      try {
        for await (const l of engine.containerLogs(id, lo, signal)) {
          // After a restart we ask from the last time shown: skip lines we already printed.
          if (since && l.time && l.time <= since) continue;
          if (l.time) lastTime.set(id, l.time);
          onLine({ ...l, ...base });
        }
      } catch {
        /* the container went away or we were interrupted */
      } finally {
        active.delete(id);
      }
    })();
    active.set(id, run);
  };

  if (!opts.follow) {
    // A snapshot: gather every container's lines, then print them in time order.
    const all: FollowedLine[] = [];
    const sink = onLine;
    onLine = (l) => void all.push(l);
    const list = await engine.containerList({ all: true, filters: projectFilter(project) });
    for (const c of list.filter((c) => wanted(c.labels))) follow(c.id, (c.names[0] ?? c.id).replace(/^\//, ''), c.labels, true);
    await Promise.all(active.values());
    all.map((l, i) => [l, i] as const).sort(([a, i], [b, j]) => (a.time < b.time ? -1 : a.time > b.time ? 1 : i - j)).forEach(([l]) => sink(l));
    return;
  }
  const events = opts.follow ? engine.events({ filters: { type: ['container'], event: ['start', 'restart'], ...projectFilter(project) } }, signal) : undefined;
  const list = await engine.containerList({ all: true, filters: projectFilter(project) });
  for (const c of list.filter((c) => wanted(c.labels)).sort((a, b) => (a.names[0] ?? '').localeCompare(b.names[0] ?? ''))) {
    if (opts.follow && c.state !== 'running' && c.state !== 'restarting' && c.state !== 'paused' && opts.tail === 0) continue;
    follow(c.id, (c.names[0] ?? c.id).replace(/^\//, ''), c.labels, true);
  }
  if (!events) {
    await Promise.all(active.values());
    return;
  }
  try {
    for await (const e of events) {
      if (!wanted(e.attributes)) continue;
      // A follower may still be draining the old run: follow the new run once it ends (if the
      // engine's follow outlives a restart, it simply goes on and nothing is doubled).
      const prev = active.get(e.id);
      const go = (): void => follow(e.id, e.attributes.name ?? e.id, e.attributes, false);
      if (prev) void prev.then(go);
      else go();
    }
  } catch {
    /* interrupted */
  }
}
