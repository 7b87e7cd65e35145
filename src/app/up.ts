/**
 * `up`: load → observe → reconcile → (images) → execute, then attach to the logs unless
 * detached. Also `create` (up --no-start) and `plan` (the plan, changing nothing).
 */
import type { Engine } from '../../engine/api/types.js';
import { UserError } from '../diag/diagnostic.js';
import { imageRef, reconcile, planStop, planToText, planToJSON, hasChanges, type Plan, type UpOptions } from '../plan/index.js';
import { buildGraph } from '../graph/index.js';
import { executeOrThrow, type ExecuteContext } from '../runtime/execute.js';
import { LABEL, projectFilter } from '../runtime/labels.js';
import { observe } from '../runtime/observe.js';
import { nameOf } from './ps.js';
import { attach } from './attach.js';
import { execContext } from './exec-context.js';
import type { AppDeps, GlobalOptions } from './context.js';
import { lockProject } from './lock.js';
import { allServices, loadProject, objectRefs, type ProjectRef } from './project.js';

export interface UpCommandOptions extends UpOptions {
  detach?: boolean;
  dryRun?: boolean;
  /** --wait-timeout, seconds */
  waitTimeout?: number;
  abortOnContainerExit?: boolean;
  /** Stop everything when a container exits with a non-zero code. */
  abortOnContainerFailure?: boolean;
  /** Services whose logs to show (default: the named ones, else all); and those not to. */
  attach?: string[];
  noAttach?: string[];
  /** --watch: run the develop.watch loop too (berth watch), until Ctrl+C. */
  watch?: boolean;
  exitCodeFrom?: string;
  noColor?: boolean;
  noLogPrefix?: boolean;
  timestamps?: boolean;
}

function imageRefs(ref: ProjectRef): string[] {
  const p = ref.loaded!.project;
  return Object.keys(p.services).map((s) => imageRef(p, s));
}

/** Observes and reconciles: the plan `up` would carry out. */
export async function computePlan(engine: Engine, ref: ProjectRef, o: UpOptions, known?: () => Promise<string[]>): Promise<Plan> {
  const project = ref.loaded!.project;
  const observed = await observe(engine, ref.name, imageRefs(ref), objectRefs(project));
  let knownServices = o.knownServices;
  if (!knownServices && known && observed.containers.some((c) => !c.oneoff && !project.services[c.service])) knownServices = await known();
  return reconcile(project, buildGraph(project), observed, { ...o, knownServices });
}

export async function up(deps: AppDeps, g: GlobalOptions, o: UpCommandOptions): Promise<number> {
  if (o.exitCodeFrom) o.abortOnContainerExit = true;
  if (o.forceRecreate && o.noRecreate) throw new UserError('--force-recreate and --no-recreate cannot be combined');
  if (o.build && o.noBuild) throw new UserError('--build and --no-build cannot be combined');
  if (o.detach && (o.abortOnContainerExit || o.abortOnContainerFailure)) throw new UserError('--abort-on-container-exit and --exit-code-from need attached mode; drop -d');
  if (o.wait) o.detach = true;
  const ref = await loadProject(deps, g, o.services);
  if (o.exitCodeFrom && !ref.loaded!.project.services[o.exitCodeFrom]) throw new UserError(`--exit-code-from: no such service: ${o.exitCodeFrom}`);
  const engine = await deps.connect();
  const ac = new AbortController();
  const offInt = deps.onInterrupt(() => ac.abort());
  const lock = await lockProject(deps.lockDir, ref.name, deps.clock, (t) => deps.stderr.write(t + '\n'), ac.signal);
  const startedAt = new Date(deps.clock.now()).toISOString();
  try {
    const plan = await computePlan(engine, ref, o, () => allServices(deps, g));
    if (o.dryRun) {
      deps.stdout.write(planToText(plan).replace(/^/gm, 'DRY-RUN: ').replace(/DRY-RUN: $/, ''));
      return 0;
    }
    for (const w of plan.warnings) deps.sink.message('warning', w);
    deps.sink.start(`project ${ref.name}`);
    const ctx: ExecuteContext = execContext(deps, engine, ref, { signal: ac.signal, waitTimeoutMs: o.waitTimeout ? o.waitTimeout * 1000 : undefined });
    try {
      await apply(deps, ref, plan, o, ctx, () => allServices(deps, g));
    } catch (e) {
      if (!ac.signal.aborted) throw e; // interrupted: the steps cut short are not the story
    } finally {
      deps.sink.done();
    }
    if (ac.signal.aborted) {
      // Ctrl+C while starting an attached stack: stop what was started, as the attached view would.
      if (!o.detach) {
        deps.stderr.write('Gracefully stopping...\n');
        const observed = await observe(engine, ref.name);
        await executeOrThrow(planStop(ref.loaded!.project, observed, undefined, o.timeout), execContext(deps, engine, ref));
      }
      return 130;
    }
  } finally {
    lock.release();
    offInt();
  }
  if (o.watch && !o.noStart) return upWatch(deps, g, engine, ref, o, startedAt);
  if (o.detach || o.noStart) return 0;
  return attach(deps, engine, ref, o, startedAt);
}

/** `up --watch`: the watch loop beside the attached logs (or alone with -d) until Ctrl+C. */
async function upWatch(deps: AppDeps, g: GlobalOptions, engine: Engine, ref: ProjectRef, o: UpCommandOptions, startedAt: string): Promise<number> {
  const { runWatch } = await import('./watch/index.js'); // lazily: watch imports this module
  const ac = new AbortController();
  const watching = runWatch({ deps, g, engine, signal: ac.signal, loaded: ref.loaded }, { services: o.services, noUp: true });
  if (o.detach) {
    const off = deps.onInterrupt(() => ac.abort());
    try {
      await watching;
    } finally {
      off();
    }
    return 0;
  }
  try {
    return await attach(deps, engine, ref, o, startedAt);
  } finally {
    ac.abort();
    await watching.catch(() => {});
  }
}

/** Images first (what a pull or build yields decides which containers must be recreated), then the rest. */
async function apply(deps: AppDeps, ref: ProjectRef, first: Plan, o: UpOptions, ctx: ExecuteContext, known: () => Promise<string[]>): Promise<void> {
  let plan = first;
  const images = plan.operations.filter((op) => op.kind === 'PullImage' || op.kind === 'BuildImage');
  if (images.length) {
    await executeOrThrow({ ...plan, operations: images, warnings: [] }, ctx);
    plan = await computePlan(ctx.engine, ref, { ...o, skipImages: true }, known);
  }
  await executeOrThrow(plan, ctx);
  await reportRunning(deps, ref, ctx.engine, plan);
}

/**
 * Compose says " Container demo-web-1  Running" for every running container it left alone
 * (a second `up` prints only those lines): the same events here, in dependency order.
 */
async function reportRunning(deps: AppDeps, ref: ProjectRef, engine: Engine, plan: Plan): Promise<void> {
  const project = ref.loaded!.project;
  const touched = new Set(plan.operations.map((op) => ('name' in op ? op.name : '')));
  const order = buildGraph(project).serviceOrder();
  const rank = (svc: string): number => (order.indexOf(svc) < 0 ? order.length : order.indexOf(svc));
  const running = (await engine.containerList({ filters: projectFilter(ref.name) }))
    .filter((c) => c.state === 'running' && c.labels[LABEL.oneoff] !== 'True' && project.services[c.labels[LABEL.service] ?? ''] && !touched.has(nameOf(c)))
    .sort((a, b) => rank(a.labels[LABEL.service]!) - rank(b.labels[LABEL.service]!) || Number(a.labels[LABEL.number]) - Number(b.labels[LABEL.number]));
  for (const c of running) deps.sink.on({ id: `container ${nameOf(c)}`, kind: 'container', name: nameOf(c), status: 'done', text: 'Running', time: deps.clock.now() });
}

export interface PlanCommandOptions extends UpOptions {
  format?: 'text' | 'json';
}

/** `berth plan`: prints what `up` would do; 0 when nothing, 2 when something would change. */
export async function planCommand(deps: AppDeps, g: GlobalOptions, o: PlanCommandOptions): Promise<number> {
  const ref = await loadProject(deps, g, o.services);
  const engine = await deps.connect();
  const plan = await computePlan(engine, ref, o, () => allServices(deps, g));
  deps.stdout.write(o.format === 'json' ? JSON.stringify(planToJSON(plan), null, 2) + '\n' : planToText(plan));
  return hasChanges(plan) ? 2 : 0;
}
