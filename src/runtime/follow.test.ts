import { describe, expect, it } from 'vitest';
import type { ContainerSummary, Engine, EngineEvent, LogLine } from '../../engine/api/types.js';
import { followProject, type FollowedLine } from './follow.js';
import { LABEL } from './labels.js';

/** An engine with one container whose state and events the test drives. */
function fakeEngine() {
  const labels = { [LABEL.project]: 'p', [LABEL.service]: 'job', [LABEL.number]: '1' };
  const c = { id: 'c1', names: ['/p-job-1'], state: 'running', labels } as unknown as ContainerSummary;
  let push: ((e: EngineEvent) => void) | undefined;
  const queue: EngineEvent[] = [];
  const engine = {
    async containerList() {
      return [c];
    },
    async *containerLogs(): AsyncIterable<LogLine> {
      yield { stream: 'stdout', line: 'hello', time: '2026-01-01T00:00:00Z' } as LogLine;
    },
    async *events(_o: unknown, signal?: AbortSignal): AsyncIterable<EngineEvent> {
      while (!signal?.aborted) {
        if (queue.length) {
          yield queue.shift()!;
          continue;
        }
        const e = await new Promise<EngineEvent | undefined>((r) => {
          push = r;
          signal?.addEventListener('abort', () => r(undefined), { once: true });
        });
        if (e) yield e;
      }
    },
  } as unknown as Engine;
  const emit = (action: string): void => {
    const e = { type: 'container', action, id: 'c1', attributes: { ...labels, name: 'p-job-1' }, time: '' } as EngineEvent;
    if (push) {
      const p = push;
      push = undefined;
      p(e);
    } else queue.push(e);
  };
  return { engine, c, emit };
}

describe('followProject endWhenStopped (logs -f)', () => {
  it('ends once the followed container has died and stays stopped', async () => {
    const { engine, c, emit } = fakeEngine();
    const lines: FollowedLine[] = [];
    const done = followProject(engine, 'p', { follow: true, endWhenStopped: true, stoppedGraceMs: 20 }, (l) => lines.push(l));
    await new Promise((r) => setTimeout(r, 60));
    let ended = false;
    void done.then(() => (ended = true));
    expect(ended).toBe(false); // still running: still following
    c.state = 'exited';
    emit('die');
    await done;
    expect(lines.map((l) => l.line)).toEqual(['hello']);
  });

  it('goes on when the container is running again within the grace (restart)', async () => {
    const { engine, c, emit } = fakeEngine();
    const ac = new AbortController();
    const done = followProject(engine, 'p', { follow: true, endWhenStopped: true, stoppedGraceMs: 30 }, () => {}, ac.signal);
    c.state = 'restarting';
    emit('die');
    await new Promise((r) => setTimeout(r, 120));
    let ended = false;
    void done.then(() => (ended = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(ended).toBe(false);
    ac.abort();
    await done;
  });

  it('without endWhenStopped (attached up) a stopped project is still followed', async () => {
    const { engine, c, emit } = fakeEngine();
    const ac = new AbortController();
    const done = followProject(engine, 'p', { follow: true }, () => {}, ac.signal);
    c.state = 'exited';
    emit('die');
    await new Promise((r) => setTimeout(r, 60));
    let ended = false;
    void done.then(() => (ended = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(ended).toBe(false);
    ac.abort();
    await done;
  });
});
