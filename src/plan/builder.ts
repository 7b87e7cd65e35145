/**
 * Collects operations in insertion order. Callers add an operation only after every
 * operation it waits for, so insertion order is already a topological order and the text
 * form numbers operations stably.
 */
import type { Operation, Plan } from './types.js';

export class PlanBuilder {
  private readonly ops: Operation[] = [];
  private readonly byId = new Map<string, Operation>();
  readonly warnings: string[] = [];

  constructor(readonly project: string) {}

  add<T extends Operation>(op: T): T {
    if (this.byId.has(op.id)) throw new Error(`plan: duplicate operation ${op.id}`);
    for (const a of op.after) if (!this.byId.has(a)) throw new Error(`plan: ${op.id} waits for unknown ${a}`);
    op.after = [...new Set(op.after)];
    this.ops.push(op);
    this.byId.set(op.id, op);
    return op;
  }

  get(id: string): Operation | undefined {
    return this.byId.get(id);
  }

  ids(pred: (op: Operation) => boolean): string[] {
    return this.ops.filter(pred).map((o) => o.id);
  }

  build(): Plan {
    return { project: this.project, operations: this.ops, warnings: [...this.warnings] };
  }
}
