/**
 * WatchApplier over a small hand-made engine: which containers a sync reaches, what a
 * (re)started container is handed, and the order of actions per service.
 */
import { describe, expect, it } from 'vitest';
import type { ContainerSummary, Engine, SyncOp, SyncResult } from '../../../engine/api/types.js';
import type { Project } from '../../model/types.js';
import { LABEL_PROJECT, LABEL_SERVICE, WatchApplier, settleOps } from './apply.js';
import type { ServicePlan, SyncItem } from './plan.js';

function summary(id: string, state: ContainerSummary['state'] = 'running'): ContainerSummary {
  return { id, names: [`/p-web-${id}`], image: 'x', imageId: 'sha256:x', command: '', created: '', state, status: '', exitCode: 0, labels: { [LABEL_PROJECT]: 'p', [LABEL_SERVICE]: 'web' }, ports: [], networks: [], mounts: [] };
}

function stubEngine() {
  const containers: ContainerSummary[] = [];
  const calls: string[] = [];
  const syncs: { id: string; ops: SyncOp[] }[] = [];
  const failing = new Set<string>();
  const engine = {
    containerList: async () => {
      calls.push('list');
      return containers.map((c) => ({ ...c }));
    },
    containerSync: async (id: string, ops: SyncOp[]): Promise<SyncResult> => {
      calls.push(`sync ${id}`);
      if (failing.has(id)) return { applied: 0, failed: ops.map((o) => ({ containerPath: o.containerPath, error: 'EIO' })) };
      syncs.push({ id, ops });
      return { applied: ops.length, failed: [] };
    },
    containerRestart: async (id: string) => void calls.push(`restart ${id}`),
    containerExec: async (id: string) => {
      calls.push(`exec ${id}`);
      return { exitCode: 0, stdout: '', stderr: '' };
    },
  } as unknown as Engine;
  return { engine, containers, calls, syncs, failing };
}

const project: Project = {
  name: 'p',
  services: { web: { image: 'x', develop: { watch: [{ path: '/h', action: 'sync+exec', target: '/c', exec: { command: ['reload'] } }] } } },
};

const item = (name: string): SyncItem => ({ op: { op: 'delete', containerPath: `/c/${name}` }, hostPath: `/h/${name}`, rule: 0 });
const plan = (p: Partial<ServicePlan>): ServicePlan => ({ service: 'web', rebuild: false, sync: [], restart: false, exec: [], changed: [], ...p });

describe('WatchApplier', () => {
  it('syncs into every running replica; a started container gets only what it missed', async () => {
    const e = stubEngine();
    e.containers.push(summary('a'), summary('b'));
    const lines: string[] = [];
    const ap = new WatchApplier(e.engine, project, { print: (l) => lines.push(l), rebuild: async () => undefined });
    await ap.adopt(['web']);
    await ap.apply(plan({ sync: [item('one')] }));
    expect(e.syncs.map((s) => s.id)).toEqual(['a', 'b']);
    // b fails the next one (its disk, say)
    e.failing.add('b');
    await ap.apply(plan({ sync: [item('two')] }));
    expect(lines.some((l) => l.includes('failed: /c/two: EIO'))).toBe(true);
    e.failing.delete('b');
    e.syncs.length = 0;
    // b restarts: it is handed "two" only; a restarting is handed nothing
    await ap.containerStarted('web', 'b');
    await ap.containerStarted('web', 'a');
    expect(e.syncs).toEqual([{ id: 'b', ops: [{ op: 'delete', containerPath: '/c/two' }] }]);
  });

  it('a container never seen gets the whole ledger when it starts', async () => {
    const e = stubEngine();
    e.containers.push(summary('a'));
    const ap = new WatchApplier(e.engine, project, { print: () => undefined, rebuild: async () => undefined, initialItems: () => [item('seed')] });
    await ap.adopt(['web']);
    await ap.apply(plan({ sync: [item('one')] }));
    await ap.apply(plan({ sync: [item('two')] }));
    e.containers.push(summary('new'));
    ap.invalidate('web');
    e.syncs.length = 0;
    await ap.containerStarted('web', 'new');
    expect(e.syncs).toHaveLength(1);
    expect(e.syncs[0]!.id).toBe('new');
    expect(e.syncs[0]!.ops.map((o) => o.containerPath).sort()).toEqual(['/c/one', '/c/seed', '/c/two']);
  });

  it('runs rebuild, sync, restart, exec in that order, one service at a time', async () => {
    const e = stubEngine();
    e.containers.push(summary('a'));
    const order: string[] = [];
    const ap = new WatchApplier(e.engine, project, { print: () => undefined, rebuild: async () => void order.push('rebuild') });
    await ap.adopt(['web']);
    const first = ap.apply(plan({ rebuild: true, sync: [item('x')], restart: true, exec: [0], changed: ['/h/x'] }));
    const second = ap.apply(plan({ sync: [item('y')] }));
    await Promise.all([first, second]);
    order.push(...e.calls.filter((c) => c !== 'list'));
    expect(order).toEqual(['rebuild', 'sync a', 'restart a', 'exec a', 'sync a']);
  });

  it('lists containers once per burst of syncs (cached), again after invalidate', async () => {
    const e = stubEngine();
    e.containers.push(summary('a'));
    const ap = new WatchApplier(e.engine, project, { print: () => undefined, rebuild: async () => undefined });
    for (const n of ['1', '2', '3']) await ap.apply(plan({ sync: [item(n)] }));
    expect(e.calls.filter((c) => c === 'list')).toHaveLength(1);
    ap.invalidate('web');
    await ap.apply(plan({ sync: [item('4')] }));
    expect(e.calls.filter((c) => c === 'list')).toHaveLength(2);
  });

  it('keeps changes for later when no container runs', async () => {
    const e = stubEngine();
    e.containers.push(summary('a', 'exited'));
    const lines: string[] = [];
    const ap = new WatchApplier(e.engine, project, { print: (l) => lines.push(l), rebuild: async () => undefined });
    await ap.apply(plan({ sync: [item('z')] }));
    expect(e.syncs).toEqual([]);
    expect(lines).toContain('web: 1 change kept for when a container runs (none running)');
  });

  it('settleOps turns a copy of a vanished host file into a delete', () => {
    const ops = settleOps([{ op: { op: 'copy', hostPath: '/gone', containerPath: '/c/gone' } }, { op: { op: 'copy', hostPath: '/here', containerPath: '/c/here' } }], (p) => p === '/here');
    expect(ops).toEqual([{ op: 'delete', containerPath: '/c/gone' }, { op: 'copy', hostPath: '/here', containerPath: '/c/here' }]);
  });
});
