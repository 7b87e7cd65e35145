/** start, stop, restart, pause, unpause, kill, rm: on the project's existing containers. */
import type { ContainerSummary } from '../../engine/api/types.js';
import type { Project } from '../model/types.js';
import { planStart, planStop } from '../plan/index.js';
import { buildGraph } from '../graph/index.js';
import { executeOrThrow } from '../runtime/execute.js';
import { LABEL } from '../runtime/labels.js';
import { observe } from '../runtime/observe.js';
import { execContext } from './exec-context.js';
import type { AppDeps, GlobalOptions } from './context.js';
import { loadProject, objectRefs, projectOrName } from './project.js';
import { nameOf, projectContainers } from './ps.js';
import { each, step } from './step.js';

async function run(deps: AppDeps, title: string, fn: () => Promise<void>): Promise<number> {
  deps.sink.start(title);
  try {
    await fn();
  } finally {
    deps.sink.done();
  }
  return 0;
}

export async function start(deps: AppDeps, g: GlobalOptions, services: string[], o: { wait?: boolean; waitTimeout?: number } = {}): Promise<number> {
  const ref = await loadProject(deps, g, services);
  const engine = await deps.connect();
  const plan = planStart(
    ref.loaded!.project,
    buildGraph(ref.loaded!.project),
    // The project's external (and named) networks and volumes are looked up by name: they
    // carry no project label (#17).
    await observe(engine, ref.name, [], objectRefs(ref.loaded!.project)),
    services.length ? services : undefined,
  );
  return run(deps, `project ${ref.name}`, async () => {
    await executeOrThrow(plan, execContext(deps, engine, ref, { waitTimeoutMs: o.waitTimeout ? o.waitTimeout * 1000 : undefined }));
  });
}

export async function stop(deps: AppDeps, g: GlobalOptions, services: string[], o: { timeout?: number } = {}): Promise<number> {
  const ref = await projectOrName(deps, g, services);
  const engine = await deps.connect();
  const plan = planStop(ref.loaded?.project, await observe(engine, ref.name), services, o.timeout);
  return run(deps, `project ${ref.name}`, async () => {
    await executeOrThrow(plan, execContext(deps, engine, ref));
  });
}

/** Restarts in dependency order (dependencies first), one service at a time, its replicas together. */
export async function restart(deps: AppDeps, g: GlobalOptions, services: string[], o: { timeout?: number; noDeps?: boolean } = {}): Promise<number> {
  const ref = await projectOrName(deps, g, services);
  // depends_on `restart: true`: restarting a service restarts the services that say so.
  const targets = services.length && ref.loaded && !o.noDeps ? withRestartDependants(ref.loaded.project, services) : services;
  // Stopped containers too: a restart starts them (as Compose).
  const { containers } = await projectContainers(deps, g, true, targets);
  const engine = await deps.connect();
  const order = ref.loaded ? buildGraph(ref.loaded.project).serviceOrder() : [];
  const rank = (c: ContainerSummary): number => {
    const i = order.indexOf(c.labels[LABEL.service] ?? '');
    return i < 0 ? order.length : i;
  };
  const groups = new Map<number, ContainerSummary[]>();
  for (const c of containers.filter((c) => c.labels[LABEL.oneoff] !== 'True')) (groups.get(rank(c)) ?? groups.set(rank(c), []).get(rank(c))!).push(c);
  return run(deps, `project ${ref.name}`, async () => {
    for (const k of [...groups.keys()].sort((a, b) => a - b)) {
      await each(groups.get(k)!, (c) => step(deps, 'container', nameOf(c), 'Restarting', 'Started', () => engine.containerRestart(c.id, o.timeout !== undefined ? { timeout: o.timeout } : undefined)));
    }
  });
}

function withRestartDependants(project: Project, services: string[]): string[] {
  const out = new Set(services);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [name, s] of Object.entries(project.services)) {
      if (out.has(name)) continue;
      if (Object.entries(s.depends_on ?? {}).some(([d, c]) => c.restart && out.has(d))) {
        out.add(name);
        grew = true;
      }
    }
  }
  return [...out];
}

type Simple = 'pause' | 'unpause' | 'kill';

export async function simple(deps: AppDeps, g: GlobalOptions, what: Simple, services: string[], o: { signal?: string } = {}): Promise<number> {
  const { name, containers } = await projectContainers(deps, g, false, services);
  const engine = await deps.connect();
  const words = { pause: ['Pausing', 'Paused'], unpause: ['Unpausing', 'Unpaused'], kill: ['Killing', 'Killed'] }[what];
  const targets = containers.filter((c) => (what === 'unpause' ? c.state === 'paused' : what === 'pause' ? c.state === 'running' : c.state === 'running' || c.state === 'paused' || c.state === 'restarting'));
  return run(deps, `project ${name}`, () =>
    each(targets, (c) =>
      step(deps, 'container', nameOf(c), words[0]!, words[1]!, () => (what === 'pause' ? engine.containerPause(c.id) : what === 'unpause' ? engine.containerUnpause(c.id) : engine.containerKill(c.id, o.signal ?? 'SIGKILL'))),
    ),
  );
}

export async function rm(deps: AppDeps, g: GlobalOptions, services: string[], o: { force?: boolean; stop?: boolean; volumes?: boolean; timeout?: number } = {}): Promise<number> {
  const { name, containers } = await projectContainers(deps, g, true, services);
  const engine = await deps.connect();
  const running = containers.filter((c) => c.state === 'running' || c.state === 'paused' || c.state === 'restarting');
  return run(deps, `project ${name}`, async () => {
    if (o.stop) await each(running, (c) => step(deps, 'container', nameOf(c), 'Stopping', 'Stopped', () => engine.containerStop(c.id, o.timeout !== undefined ? { timeout: o.timeout } : undefined)));
    const gone = o.stop ? containers : containers.filter((c) => !running.includes(c));
    if (!gone.length) {
      deps.sink.message('info', 'No stopped containers');
      return;
    }
    if (!o.force) deps.sink.message('info', `removing ${gone.map(nameOf).join(', ')}`);
    await each(gone, (c) => step(deps, 'container', nameOf(c), 'Removing', 'Removed', () => engine.containerRemove(c.id, { force: !!o.stop, volumes: !!o.volumes })));
  });
}
