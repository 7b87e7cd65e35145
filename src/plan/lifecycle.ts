/**
 * Plans for the lifecycle commands, derived from the two planners so the ordering rules live
 * in one place: `stop` is a down without removals; `start` is an up that creates nothing.
 */
import type { Project } from '../model/types.js';
import { planDown } from './down.js';
import { reconcile, type ServiceOrder } from './reconcile.js';
import type { ObservedState, Operation, Plan } from './types.js';

/** Drops operations that fail `keep`, and everything that waited on a dropped one. */
export function prune(plan: Plan, keep: (op: Operation) => boolean): Plan {
  const dropped = new Set<string>();
  const ops: Operation[] = [];
  for (const op of plan.operations) {
    if (!keep(op) || op.after.some((a) => dropped.has(a))) {
      dropped.add(op.id);
      continue;
    }
    ops.push(op);
  }
  return { ...plan, operations: ops };
}

/** Stops running containers of the services (all when none), dependants first. */
export function planStop(project: Project | undefined, observed: ObservedState, services: string[] | undefined, timeout?: number): Plan {
  const down = planDown(project, observed, { services: services?.length ? services : undefined, timeout, removeOrphans: true });
  const stops = down.operations.filter((o) => o.kind === 'StopContainer');
  const ids = new Set(stops.map((o) => o.id));
  return {
    project: down.project,
    operations: stops.map((o) => ({ ...o, cause: 'stop', after: o.after.filter((a) => ids.has(a)) })),
    warnings: [],
  };
}

/** Starts existing, stopped containers in dependency order, honouring depends_on conditions; creates nothing. */
export function planStart(project: Project, graph: ServiceOrder | undefined, observed: ObservedState, services?: string[]): Plan {
  const up = reconcile(project, graph, observed, { services, noRecreate: true, skipImages: true });
  return prune(up, (o) => o.kind === 'StartContainer' || o.kind === 'WaitService');
}
