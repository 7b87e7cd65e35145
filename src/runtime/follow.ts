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
  /**
   * End the follow once none of the followed containers runs and none is about to run again
   * (Compose's `logs -f` ends with its containers). Restarts, recreates and new replicas that
   * come within a short grace keep it going. Not for attached `up`, which ends on its own terms.
   */
  endWhenStopped?: boolean;
  /** The grace before deciding that nothing will start again (ms). */
  stoppedGraceMs?: number;
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
  // Our own stop signal when following ends by itself (endWhenStopped); the caller's still applies.
  const own = new AbortController();
  const relay = (): void => own.abort();
  const outer = signal;
  outer?.addEventListener('abort', relay, { once: true });
  if (outer?.aborted) own.abort();
  signal = own.signal;
  const kinds = opts.endWhenStopped ? ['start', 'restart', 'die', 'destroy'] : ['start', 'restart'];
  const events = engine.events({ filters: { type: ['container'], event: kinds, ...projectFilter(project) } }, signal);
  const alive = (state: string): boolean => state === 'running' || state === 'restarting' || state === 'paused' || state === 'removing';
  const anyAlive = async (): Promise<boolean> => {
    const now = await engine.containerList({ all: true, filters: projectFilter(project) });
    return now.some((c) => wanted(c.labels) && alive(c.state));
  };
  // Checked after each die/destroy: two looks a grace apart, so a restart policy's next start or
  // a recreate's replacement (stop, remove, create, start) counts as still running.
  let checking = false;
  let again = false;
  const checkStopped = async (): Promise<void> => {
    if (!opts.endWhenStopped || own.signal.aborted) return;
    if (checking) {
      again = true; // a die during a check: look once more when it is done
      return;
    }
    checking = true;
    again = false;
    try {
      await new Promise((r) => setTimeout(r, opts.stoppedGraceMs ?? 1500));
      if (own.signal.aborted || (await anyAlive())) return;
      // The last lines are printed before we end (bounded: a follower may outlive its container).
      await Promise.race([Promise.all(active.values()), new Promise((r) => setTimeout(r, 2000))]);
      if (!(await anyAlive())) own.abort();
    } catch {
      /* the engine went away: keep what we have */
    } finally {
      checking = false;
      if (again) void checkStopped();
    }
  };
  const list = await engine.containerList({ all: true, filters: projectFilter(project) });
  for (const c of list.filter((c) => wanted(c.labels)).sort((a, b) => (a.names[0] ?? '').localeCompare(b.names[0] ?? ''))) {
    if (opts.follow && c.state !== 'running' && c.state !== 'restarting' && c.state !== 'paused' && opts.tail === 0) continue;
    follow(c.id, (c.names[0] ?? c.id).replace(/^\//, ''), c.labels, true);
  }
  void checkStopped();
  try {
    for await (const e of events) {
      if (!wanted(e.attributes)) continue;
      if (e.action === 'die' || e.action === 'destroy') {
        void checkStopped();
        continue;
      }
      // A follower may still be draining the old run: follow the new run once it ends (if the
      // engine's follow outlives a restart, it simply goes on and nothing is doubled).
      const prev = active.get(e.id);
      const go = (): void => follow(e.id, e.attributes.name ?? e.id, e.attributes, false);
      if (prev) void prev.then(go);
      else go();
    }
  } catch {
    /* interrupted, or ended because everything stopped */
  } finally {
    outer?.removeEventListener('abort', relay);
  }
}
