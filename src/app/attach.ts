/**
 * Attached `up`: multiplexed, colour-prefixed logs of the services until every attached
 * container has exited, or Ctrl+C (graceful stop; a second Ctrl+C kills), or with
 * --abort-on-container-exit the first exit (then everything stops).
 */
import type { Engine, EngineEvent } from '../../engine/api/types.js';
import { planStop } from '../plan/index.js';
import { executeOrThrow } from '../runtime/execute.js';
import { followProject } from '../runtime/follow.js';
import { LABEL, projectFilter } from '../runtime/labels.js';
import { observe } from '../runtime/observe.js';
import { execContext } from './exec-context.js';
import type { AppDeps } from './context.js';
import { makePrinter, shortName } from './printer.js';
import type { ProjectRef } from './project.js';
import type { UpCommandOptions } from './up.js';

export async function attach(deps: AppDeps, engine: Engine, ref: ProjectRef, o: UpCommandOptions, startedAt: string): Promise<number> {
  const base = o.attach?.length ? o.attach : o.services?.length ? o.services : Object.keys(ref.loaded?.project.services ?? {});
  const services = base.filter((s) => !o.noAttach?.includes(s));
  const wanted = (l: Record<string, string>): boolean => services.includes(l[LABEL.service] ?? '') && l[LABEL.oneoff] !== 'True';
  const logsAc = new AbortController();
  const eventsAc = new AbortController();
  const info = (s: string): void => deps.stdout.write(s + '\n');

  // Subscribe before listing, so an exit between the two is not missed.
  const events = engine.events({ filters: { type: ['container'], event: ['start', 'die'], ...projectFilter(ref.name) } }, eventsAc.signal)[Symbol.asyncIterator]();
  const firstEvent = events.next();
  firstEvent.catch(() => {}); // handled where it is awaited; this only keeps Node from calling it unhandled meanwhile
  const list = (await engine.containerList({ all: true, filters: projectFilter(ref.name) })).filter((c) => wanted(c.labels));
  const nameOf = (labels: Record<string, string>, name: string): string => shortName(ref.name, { container: name, service: labels[LABEL.service] ?? '', number: Number(labels[LABEL.number] ?? 0) });
  const print = makePrinter((s) => deps.stdout.write(s), {
    project: ref.name,
    color: deps.color && !o.noColor,
    prefix: !o.noLogPrefix,
    timestamps: !!o.timestamps,
    names: list.map((c) => nameOf(c.labels, (c.names[0] ?? '').replace(/^\//, ''))),
  });
  info(`Attaching to ${list.map((c) => nameOf(c.labels, (c.names[0] ?? '').replace(/^\//, ''))).sort().join(', ')}`);
  const running = new Set(list.filter((c) => c.state === 'running' || c.state === 'restarting' || c.state === 'paused').map((c) => c.id));

  const follower = followProject(engine, ref.name, { services, follow: true, since: startedAt }, print, logsAc.signal);

  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));
  let finishing = false;

  const stopAll = async (): Promise<void> => {
    const observed = await observe(engine, ref.name);
    await executeOrThrow(planStop(ref.loaded?.project, observed, undefined, o.timeout), execContext(deps, engine, ref));
  };

  const abortWith = (code: number, why: string): void => {
    if (finishing) return;
    finishing = true;
    if (why) info(why);
    void stopAll()
      .catch((e: Error) => deps.stderr.write(`berth: ${e.message}\n`))
      // Let each stopped container's "exited with code" line come through first.
      .then(() => deps.clock.sleep(600))
      .finally(() => resolveDone(code));
  };

  const exitCodeOf = async (service: string): Promise<number> => {
    const cs = (await engine.containerList({ all: true, filters: { label: [`${LABEL.project}=${ref.name}`, `${LABEL.service}=${service}`] } })).filter((c) => c.labels[LABEL.oneoff] !== 'True');
    return cs[0]?.exitCode ?? 0;
  };

  const onExit = async (id: string, labels: Record<string, string>, code: number, name: string): Promise<void> => {
    // A restart policy may bring it back: look again before counting it as gone.
    await deps.clock.sleep(300);
    const now = await engine.containerInspect(id).catch(() => undefined);
    if (now && (now.state.running || now.state.restarting)) return;
    running.delete(id);
    info(`${nameOf(labels, name)} exited with code ${code}`);
    if (o.abortOnContainerExit || (o.abortOnContainerFailure && code !== 0)) {
      const exit = o.exitCodeFrom ? await exitCodeOf(o.exitCodeFrom) : code;
      abortWith(exit, 'Aborting on container exit...');
      return;
    }
    if (running.size === 0 && !finishing) {
      finishing = true;
      resolveDone(0);
    }
  };

  // Containers that already ended during the up (a quick job) count as exits now.
  for (const c of list) {
    if (running.has(c.id)) continue;
    const inspect = await engine.containerInspect(c.id).catch(() => undefined);
    if (inspect && inspect.state.finishedAt >= startedAt && (o.abortOnContainerExit || (o.abortOnContainerFailure && inspect.state.exitCode !== 0))) {
      void onExit(c.id, c.labels, inspect.state.exitCode, (c.names[0] ?? '').replace(/^\//, ''));
    }
  }
  if (running.size === 0 && !o.abortOnContainerExit) {
    finishing = true;
    resolveDone(0);
  }

  void (async () => {
    try {
      for (let r = await firstEvent; !r.done; r = await events.next()) {
        const e: EngineEvent = r.value;
        if (!wanted(e.attributes)) continue;
        if (e.action === 'start') running.add(e.id);
        else void onExit(e.id, e.attributes, Number(e.attributes.exitCode ?? 0), e.attributes.name ?? e.id);
      }
    } catch {
      /* ended */
    }
  })();

  let presses = 0;
  const off = deps.onInterrupt(() => {
    presses++;
    if (presses === 1) {
      deps.stderr.write('Gracefully stopping... (press Ctrl+C again to force)\n');
      abortWith(130, '');
      return;
    }
    deps.stderr.write('Killing...\n');
    void engine.containerList({ filters: projectFilter(ref.name) }).then((cs) => Promise.all(cs.map((c) => engine.containerKill(c.id).catch(() => {})))).finally(() => resolveDone(130));
  });
  try {
    return await done;
  } finally {
    off();
    eventsAc.abort();
    // Let the last lines drain briefly, then stop following.
    await Promise.race([follower, deps.clock.sleep(500)]);
    logsAc.abort();
  }
}
