/**
 * Waiting for a container to reach a condition, driven by the engine's events (health_status,
 * die, destroy): inspect, and if not there yet, sleep until the next event for that container.
 * A slow re-inspect guards against an event lost between inspect and subscribe.
 */
import type { ContainerInspect, Engine } from '../../engine/api/types.js';
import type { Clock } from '../progress/events.js';

export type Condition = 'healthy' | 'completed' | 'ready' | 'running';

export type Verdict = { ok: true; text: string } | { ok: false; error: string } | undefined;

function lastProbe(c: ContainerInspect): string {
  const log = c.state.health?.log ?? [];
  const last = log[log.length - 1];
  if (!last) return '';
  const out = last.output.trim();
  return `; last probe exited ${last.exitCode}${out ? `: ${out.length > 400 ? out.slice(-400) : out}` : ''}`;
}

/** Whether `c` satisfies `cond` now (ok), never will (error), or may later (undefined). */
export function judge(c: ContainerInspect, cond: Condition): Verdict {
  const s = c.state;
  const hasHealth = !!s.health && s.health.status !== 'none';
  const exited = s.status === 'exited' || s.status === 'dead';
  switch (cond) {
    case 'completed':
      if (exited) return s.exitCode === 0 ? { ok: true, text: 'Exited' } : { ok: false, error: `exited with code ${s.exitCode}${s.error ? ` (${s.error})` : ''}` };
      return undefined;
    case 'healthy':
      if (!hasHealth) return s.running || exited ? { ok: false, error: 'has no healthcheck, so it cannot become healthy (depends_on condition service_healthy)' } : undefined;
      if (s.health!.status === 'healthy' && s.running) return { ok: true, text: 'Healthy' };
      if (s.health!.status === 'unhealthy') return { ok: false, error: `is unhealthy${lastProbe(c)}` };
      if (exited) return { ok: false, error: `exited with code ${s.exitCode} before it became healthy${lastProbe(c)}` };
      return undefined;
    case 'running':
      if (s.running) return { ok: true, text: 'Running' };
      if (exited) return { ok: false, error: `exited with code ${s.exitCode}` };
      return undefined;
    case 'ready':
      if (hasHealth) return judge(c, 'healthy');
      if (s.running && !s.restarting) return { ok: true, text: 'Running' };
      // A one-shot job that finished well counts as done.
      if (exited) return s.exitCode === 0 ? { ok: true, text: 'Exited' } : { ok: false, error: `exited with code ${s.exitCode}` };
      return undefined;
  }
}

export async function waitFor(engine: Engine, name: string, cond: Condition, clock: Clock, signal?: AbortSignal): Promise<{ ok: true; text: string }> {
  const ac = new AbortController();
  const onAbort = (): void => ac.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const it = engine.events({ filters: { type: ['container'], container: [name] } }, ac.signal)[Symbol.asyncIterator]();
  let pending: Promise<unknown> | undefined;
  try {
    for (;;) {
      if (signal?.aborted) throw new Error('interrupted');
      const v = judge(await engine.containerInspect(name), cond);
      if (v?.ok) return v;
      if (v && !v.ok) throw new Error(v.error);
      pending ??= it.next().then(() => (pending = undefined), () => (pending = undefined));
      await Promise.race([pending, clock.sleep(2000, ac.signal)]);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    ac.abort();
    void it.return?.(undefined).catch(() => {});
  }
}
