import { describe, expect, it } from 'vitest';
import type { ContainerInspect } from '../../engine/api/types.js';
import { FakeEngine } from '../../test/helpers/fake-engine.js';
import type { Project } from '../model/types.js';
import { planDown } from '../plan/down.js';
import { reconcile } from '../plan/reconcile.js';
import { planToText } from '../plan/text.js';
import { recordingSink, systemClock } from '../progress/events.js';
import { execute, executeOrThrow } from './execute.js';
import { LABEL } from './labels.js';
import { observe } from './observe.js';

/** The fake has no health checks: a container with one reports healthy once running. */
class HealthFake extends FakeEngine {
  unhealthy = new Set<string>();
  override async containerInspect(id: string): Promise<ContainerInspect> {
    const r = await super.containerInspect(id);
    if (r.config.healthcheck && r.state.running) {
      const bad = this.unhealthy.has(r.name.replace(/^\//, ''));
      r.state.health = { status: bad ? 'unhealthy' : 'healthy', failingStreak: bad ? 3 : 0, log: bad ? [{ start: '', end: '', exitCode: 1, output: 'connection refused' }] : [] };
    }
    return r;
  }
}

const IMG = 'busybox:latest';
function demo(): Project {
  return {
    name: 'demo',
    services: {
      db: { image: IMG, command: ['sleep', 'infinity'], volumes: [{ type: 'volume', source: 'data', target: '/data' }], healthcheck: { test: ['CMD', 'true'] }, networks: { default: null } },
      migrate: { image: IMG, command: ['sh', '-c', 'echo migrated'], depends_on: { db: { condition: 'service_healthy', required: true } }, networks: { default: null } },
      api: { image: IMG, command: ['httpd', '-f'], depends_on: { migrate: { condition: 'service_completed_successfully', required: true } }, networks: { default: null } },
      web: { image: IMG, command: ['httpd', '-f'], depends_on: { api: { condition: 'service_started', required: true } }, networks: { default: null } },
    },
    networks: { default: { name: 'demo_default' } },
    volumes: { data: { name: 'demo_data' } },
  };
}
const meta = { name: 'demo', configFiles: ['/x/compose.yaml'], envFiles: [], version: 'test' };
const refs = [IMG];

async function up(engine: FakeEngine, p: Project, opts = {}) {
  const observed = await observe(engine, p.name, refs);
  const plan = reconcile(p, undefined, observed, opts);
  const sink = recordingSink();
  const r = await execute(plan, { engine, project: p, meta, env: {}, sink, clock: systemClock });
  return { plan, r, sink };
}

describe('execute', () => {
  it('brings the demo stack up in dependency order, then finds nothing to do', async () => {
    const engine = new HealthFake();
    engine.addImage(IMG);
    const { r, sink } = await up(engine, demo());
    expect(r.failed).toEqual([]);
    expect(r.skipped).toEqual([]);
    const starts = engine.calls.filter((c) => c.startsWith('containerStart'));
    expect(starts).toEqual(['containerStart demo-db-1', 'containerStart demo-migrate-1', 'containerStart demo-api-1', 'containerStart demo-web-1']);
    const list = await engine.containerList({ all: true });
    expect(list.map((c) => `${c.names[0]} ${c.state}`).sort()).toEqual(['/demo-api-1 running', '/demo-db-1 running', '/demo-migrate-1 exited', '/demo-web-1 running']);
    expect(list.every((c) => c.labels[LABEL.project] === 'demo' && c.labels[LABEL.configHash]?.length === 64)).toBe(true);
    expect((await engine.networkInspect('demo_default')).labels[LABEL.network]).toBe('default');
    expect((await engine.volumeInspect('demo_data')).labels[LABEL.volume]).toBe('data');
    // as Compose: the awaited container's own line, Waiting then Healthy
    expect(sink.events.filter((e) => e.id === 'container demo-db-1').map((e) => e.text)).toEqual(expect.arrayContaining(['Waiting', 'Healthy']));
    expect(sink.events.filter((e) => e.status === 'error')).toEqual([]);

    const ids = list.map((c) => c.id).sort();
    const second = await up(engine, demo());
    expect(planToText(second.plan)).toBe('project demo: nothing to do, everything is up to date\n');
    expect((await engine.containerList({ all: true })).map((c) => c.id).sort()).toEqual(ids);
  });

  it('recreates one service on an environment change, and downs to nothing', async () => {
    const engine = new HealthFake();
    engine.addImage(IMG);
    await up(engine, demo());
    const before = new Map((await engine.containerList({ all: true })).map((c) => [c.names[0], c.id]));
    const changed = demo();
    changed.services.web!.environment = { FOO: 'bar' };
    const { plan, r } = await up(engine, changed);
    expect(r.failed).toEqual([]);
    expect(plan.operations.map((o) => o.id)).toEqual(['stop:demo-web-1', 'remove:demo-web-1', 'create:demo-web-1', 'start:demo-web-1']);
    const after = new Map((await engine.containerList({ all: true })).map((c) => [c.names[0], c.id]));
    expect(after.get('/demo-web-1')).not.toBe(before.get('/demo-web-1'));
    expect(after.get('/demo-api-1')).toBe(before.get('/demo-api-1'));

    const down = planDown(undefined, await observe(engine, 'demo'), { volumes: true });
    await executeOrThrow(down, { engine, meta, env: {}, sink: recordingSink(), clock: systemClock });
    expect(await engine.containerList({ all: true })).toEqual([]);
    expect((await engine.networkList()).filter((n) => n.name.startsWith('demo'))).toEqual([]);
    expect(await engine.volumeList()).toEqual([]);
  });

  it("a recreate shows as Compose's Recreate/Recreated then Starting/Started, not the old container's stop and removal", async () => {
    const engine = new HealthFake();
    engine.addImage(IMG);
    await up(engine, demo());
    const p = demo();
    p.services.web!.environment = { CHANGED: '1' };
    const { r, sink } = await up(engine, p);
    expect(r.failed).toEqual([]);
    expect(sink.events.filter((e) => e.id === 'container demo-web-1').map((e) => e.text)).toEqual(['Recreate', 'Recreated', 'Starting', 'Started']);
  });

  it('an unhealthy dependency fails with its last probe output and skips its dependants', async () => {
    const engine = new HealthFake();
    engine.addImage(IMG);
    engine.unhealthy.add('demo-db-1');
    const { r } = await up(engine, demo());
    expect(r.failed).toEqual([{ op: 'wait:db:healthy', error: 'dependency failed to start: container demo-db-1 is unhealthy; last probe exited 1: connection refused (migrate depends on it)' }]);
    expect(r.skipped).toEqual(expect.arrayContaining(['start:demo-migrate-1', 'start:demo-api-1', 'start:demo-web-1']));
    expect(engine.calls.filter((c) => c.startsWith('containerStart'))).toEqual(['containerStart demo-db-1']);
  });

  it('a failing job fails service_completed_successfully', async () => {
    const engine = new HealthFake();
    engine.addImage(IMG);
    const p = demo();
    p.services.migrate!.command = ['sh', '-c', 'echo boom; exit 3'];
    await expect(executeOrThrow(reconcile(p, undefined, await observe(engine, 'demo', refs)), { engine, project: p, meta, env: {}, sink: recordingSink(), clock: systemClock })).rejects.toThrow(
      /service "migrate" didn't complete successfully: exit 3 \(api depends on it\)/,
    );
  });

  it('a missing image says it tried to pull', async () => {
    const engine = new HealthFake({ pullFails: ['nope:1'] });
    const p: Project = { name: 'x', services: { a: { image: 'nope:1', networks: { default: null } } }, networks: { default: { name: 'x_default' } } };
    await expect(executeOrThrow(reconcile(p, undefined, await observe(engine, 'x', ['nope:1'])), { engine, project: p, meta: { ...meta, name: 'x' }, env: {}, sink: recordingSink(), clock: systemClock })).rejects.toThrow(
      /image nope:1 is not present and pulling it failed/,
    );
    const net = await engine.networkList();
    await executeOrThrow(planDown(undefined, await observe(engine, 'x')), { engine, meta, env: {}, sink: recordingSink(), clock: systemClock });
    expect((await engine.networkList()).length).toBeLessThan(net.length);
  });

  it('scales up then down, keeping number 1', async () => {
    const engine = new HealthFake();
    engine.addImage(IMG);
    await up(engine, demo(), { scale: { web: 3 } });
    expect((await engine.containerList({ all: true, filters: { label: [`${LABEL.service}=web`] } })).length).toBe(3);
    const one = (await engine.containerList({ filters: { name: ['demo-web-1'] } }))[0]!.id;
    await up(engine, demo(), { scale: { web: 1 } });
    const left = await engine.containerList({ all: true, filters: { label: [`${LABEL.service}=web`] } });
    expect(left.map((c) => c.id)).toEqual([one]);
  });
});

describe('anonymous volumes', () => {
  it('a recreated container keeps its anonymous volumes (unless renewed)', async () => {
    const engine = new HealthFake();
    engine.addImage(IMG);
    const p: Project = { name: 'av', services: { c: { image: IMG, command: ['sleep', 'infinity'], volumes: [{ type: 'volume', target: '/cache' }], networks: { default: null } } }, networks: { default: { name: 'av_default' } } };
    const m = { ...meta, name: 'av' };
    const run = async (proj: Project, o = {}) => executeOrThrow(reconcile(proj, undefined, await observe(engine, 'av', refs), o), { engine, project: proj, meta: m, env: {}, sink: recordingSink(), clock: systemClock });
    const mountOf = async () => (await engine.containerInspect('av-c-1')).config.mounts?.find((x) => x.target === '/cache')?.source;
    await run(p);
    const first = (await engine.volumeList()).filter((v) => v.anonymous).map((v) => v.name);
    expect(first).toHaveLength(1);
    const changed = structuredClone(p);
    changed.services.c!.environment = { A: '1' };
    await run(changed);
    expect(await mountOf()).toBe(first[0]);
    expect((await engine.volumeList()).filter((v) => v.anonymous)).toHaveLength(1);
    const again = structuredClone(changed);
    again.services.c!.environment = { A: '2' };
    await run(again, { renewAnonVolumes: true });
    expect(await mountOf()).toBe('');
  });
});
