/**
 * The plan as stable text (for `berth plan`, `up --dry-run` and golden tests) and as JSON.
 *   #3 CreateContainer demo-web-1 (after #1, #2): new service
 */
import type { Operation, Plan } from './types.js';

export function operationTarget(op: Operation): string {
  switch (op.kind) {
    case 'CreateNetwork':
    case 'RemoveNetwork':
    case 'CreateVolume':
    case 'RemoveVolume':
    case 'CreateContainer':
    case 'StartContainer':
    case 'StopContainer':
    case 'RemoveContainer':
      return op.name;
    case 'PullImage':
    case 'BuildImage':
    case 'RemoveImage':
      return op.image;
    case 'WaitService':
      return `${op.service} ${op.condition}${op.required ? '' : ' (optional)'}`;
  }
}

export function planToText(plan: Plan): string {
  const index = new Map(plan.operations.map((o, i) => [o.id, i + 1]));
  const lines = plan.operations.map((op, i) => {
    const after = op.after.length ? ` (after ${op.after.map((a) => `#${index.get(a)}`).join(', ')})` : '';
    return `#${i + 1} ${op.kind} ${operationTarget(op)}${after}: ${op.cause}`;
  });
  if (!lines.length) lines.push(`project ${plan.project}: nothing to do, everything is up to date`);
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n') + '\n';
}

export interface PlanJSON {
  project: string;
  changes: boolean;
  operations: (Operation & { index: number; target: string })[];
  warnings: string[];
}

export function planToJSON(plan: Plan): PlanJSON {
  return {
    project: plan.project,
    changes: hasChanges(plan),
    operations: plan.operations.map((o, i) => ({ index: i + 1, target: operationTarget(o), ...o })),
    warnings: plan.warnings,
  };
}

/** Whether carrying out the plan changes anything (a plan of waits alone changes nothing). */
export function hasChanges(plan: Plan): boolean {
  return plan.operations.some((o) => o.kind !== 'WaitService');
}
