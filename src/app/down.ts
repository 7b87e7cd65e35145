/** `down`: reconcile against an empty project (works with -p NAME and no file). */
import { planDown, planToText, type DownOptions } from '../plan/index.js';
import { executeOrThrow } from '../runtime/execute.js';
import { observe } from '../runtime/observe.js';
import { execContext } from './exec-context.js';
import type { AppDeps, GlobalOptions } from './context.js';
import { lockProject } from './lock.js';
import { allServices, projectOrName } from './project.js';

export async function down(deps: AppDeps, g: GlobalOptions, o: DownOptions & { dryRun?: boolean }): Promise<number> {
  const ref = await projectOrName(deps, g, o.services);
  const engine = await deps.connect();
  const lock = await lockProject(deps.lockDir, ref.name, deps.clock, (t) => deps.stderr.write(t + '\n'));
  try {
    const observed = await observe(engine, ref.name);
    const project = ref.loaded?.project;
    const knownServices = project && observed.containers.some((c) => !c.oneoff && !project.services[c.service]) ? await allServices(deps, g) : undefined;
    const plan = planDown(project, observed, { ...o, knownServices, profileScoped: !!g.profile?.length });
    if (o.dryRun) {
      deps.stdout.write(planToText(plan).replace(/^/gm, 'DRY-RUN: ').replace(/DRY-RUN: $/, ''));
      return 0;
    }
    for (const w of plan.warnings) deps.sink.message('warning', w);
    if (!plan.operations.length) {
      // Compose's words (stderr, not a progress line).
      deps.stderr.write(`Warning: No resource found to remove for project ${JSON.stringify(ref.name)}.\n`);
      return 0;
    }
    deps.sink.start(`project ${ref.name}`);
    try {
      const r = await executeOrThrow(plan, execContext(deps, engine, ref));
      for (const w of r.warnings) deps.sink.message('warning', w);
    } finally {
      deps.sink.done();
    }
    return 0;
  } finally {
    lock.release();
  }
}
