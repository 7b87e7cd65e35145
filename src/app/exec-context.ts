/** The executor's context for a use case: its effects from AppDeps, the project from its ref. */
import type { Engine } from '../../engine/api/types.js';
import type { Project } from '../model/types.js';
import type { ExecuteContext } from '../runtime/execute.js';
import type { ProjectMeta } from '../runtime/labels.js';
import type { AppDeps } from './context.js';

export function execContext(deps: AppDeps, engine: Engine, ref: { loaded?: { project: Project }; meta: ProjectMeta }, extra: Partial<ExecuteContext> = {}): ExecuteContext {
  return {
    engine,
    project: ref.loaded?.project,
    meta: ref.meta,
    env: deps.env,
    sink: deps.sink,
    clock: deps.clock,
    ...(deps.parallel ? { parallel: deps.parallel } : {}),
    ...extra,
  };
}
