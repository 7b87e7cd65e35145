/** One engine call reported as progress (for commands that need no plan: pause, kill, rm ...). */
import type { ResourceKind } from '../progress/events.js';
import type { AppDeps } from './context.js';

export async function step<T>(deps: AppDeps, kind: ResourceKind, name: string, working: string, done: string, fn: () => Promise<T>): Promise<T> {
  const id = `${kind} ${name}`;
  deps.sink.on({ id, kind, name, status: 'working', text: working, time: deps.clock.now() });
  try {
    const r = await fn();
    deps.sink.on({ id, kind, name, status: 'done', text: done, time: deps.clock.now() });
    return r;
  } catch (e) {
    deps.sink.on({ id, kind, name, status: 'error', text: 'Error', detail: e instanceof Error ? e.message : String(e), time: deps.clock.now() });
    throw e;
  }
}

/** Runs `fn` for each item, all at once, then throws the first error (after every item had its turn). */
export async function each<T>(items: T[], fn: (t: T) => Promise<unknown>): Promise<void> {
  const results = await Promise.allSettled(items.map(fn));
  const bad = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (bad) throw bad.reason;
}
