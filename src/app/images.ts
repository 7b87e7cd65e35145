/** pull, push, build: image operations of the project's services, through the same executor. */
import { imageRef, prune, reconcile } from '../plan/index.js';
import { executeOrThrow } from '../runtime/execute.js';
import { observe } from '../runtime/observe.js';
import { execContext } from './exec-context.js';
import type { AppDeps, GlobalOptions } from './context.js';
import { loadProject } from './project.js';
import { each, step } from './step.js';

async function imagePlan(deps: AppDeps, g: GlobalOptions, services: string[], kind: 'PullImage' | 'BuildImage', o: { noCache?: boolean; ignoreBuildable?: boolean }) {
  const ref = await loadProject(deps, g, services);
  const project = ref.loaded!.project;
  if (kind === 'BuildImage' && o.noCache) for (const s of Object.values(project.services)) if (s.build) s.build = { ...s.build, no_cache: true };
  const engine = await deps.connect();
  const observed = await observe(engine, ref.name, Object.keys(project.services).map((n) => imageRef(project, n)));
  const plan = reconcile(project, undefined, observed, { services: services.length ? services : undefined, noDeps: true, ...(kind === 'PullImage' ? { pull: 'always' as const } : { build: true }) });
  return { ref, engine, plan: prune(plan, (op) => op.kind === kind) };
}

export async function pull(deps: AppDeps, g: GlobalOptions, services: string[], o: { ignorePullFailures?: boolean } = {}): Promise<number> {
  const { ref, engine, plan } = await imagePlan(deps, g, services, 'PullImage', {});
  deps.sink.start(`project ${ref.name}`);
  try {
    await executeOrThrow(plan, execContext(deps, engine, ref));
  } catch (e) {
    if (!o.ignorePullFailures) throw e;
    deps.sink.message('warning', (e as Error).message);
  } finally {
    deps.sink.done();
  }
  return 0;
}

export async function build(deps: AppDeps, g: GlobalOptions, services: string[], o: { noCache?: boolean } = {}): Promise<number> {
  const { ref, engine, plan } = await imagePlan(deps, g, services, 'BuildImage', o);
  if (!plan.operations.length) {
    deps.sink.message('info', 'no service has a build section');
    return 0;
  }
  deps.sink.start(`project ${ref.name}`);
  try {
    await executeOrThrow(plan, execContext(deps, engine, ref));
  } finally {
    deps.sink.done();
  }
  return 0;
}

export async function push(deps: AppDeps, g: GlobalOptions, services: string[], o: { ignorePushFailures?: boolean } = {}): Promise<number> {
  const ref = await loadProject(deps, g, services);
  const project = ref.loaded!.project;
  const engine = await deps.connect();
  const refs = [...new Set((services.length ? services : Object.keys(project.services)).filter((n) => project.services[n]?.image).map((n) => project.services[n]!.image!))].sort();
  deps.sink.start(`project ${ref.name}`);
  try {
    await each(refs, (r) =>
      step(deps, 'image', r, 'Pushing', 'Pushed', () => engine.imagePush(r)).catch((e: Error) => {
        if (!o.ignorePushFailures) throw e;
        deps.sink.message('warning', `push ${r}: ${e.message}`);
      }),
    );
  } finally {
    deps.sink.done();
  }
  return 0;
}
