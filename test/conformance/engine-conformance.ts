/**
 * One suite of engine behaviour that every Engine implementation must pass: the fake used by
 * orchestrator tests (test/unit/engine-fake-conformance.test.ts) and the real daemon reached
 * through the client (test/e2e/engine-conformance.test.ts). If the fake passes and the real
 * engine does too, tests written against the fake say something about the real thing.
 *
 * Only behaviour clients rely on is asserted: labels round-trip, Docker list filters, state
 * transitions, exit codes from wait, remove semantics, and the error codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEngineError, type Engine, type EngineErrorCode } from '../../engine/api/types.js';

export interface ConformanceOptions {
  /** A busybox-like image reference that exists in the engine (sh, sleep, echo). */
  image: string;
  /** Called once after the suite (stop daemons, remove roots). */
  teardown?: (engine: Engine) => Promise<void>;
}

async function expectCode(p: Promise<unknown>, code: EngineErrorCode): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (isEngineError(e, code)) return;
    throw new Error(`expected EngineError ${code}, got ${e instanceof Error ? `${e.name} ${(e as { code?: string }).code ?? ''}: ${e.message}` : String(e)}`);
  }
  throw new Error(`expected EngineError ${code}, but the call succeeded`);
}

/** Polls until `fn` returns true (the real engine applies exits asynchronously). */
async function eventually(fn: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not reached in time');
}

export function engineConformance(label: string, make: () => Promise<Engine>, opts: ConformanceOptions): void {
  describe(`engine conformance: ${label}`, () => {
    let engine: Engine;
    // Every object this suite makes carries this label and a unique name stem, so the suite can
    // share an engine with other objects and clean up after itself.
    const run = `c${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
    const LBL = 'berth.test.conformance';
    const name = (s: string) => `${run}-${s}`;
    const base = (n: string, cmd: string[], labels: Record<string, string> = {}) => ({
      name: name(n),
      image: opts.image,
      cmd,
      labels: { [LBL]: run, ...labels },
      stopTimeout: 1,
    });

    beforeAll(async () => {
      engine = await make();
    });

    afterAll(async () => {
      if (!engine) return;
      const left = await engine.containerList({ all: true, filters: { label: [`${LBL}=${run}`] } });
      for (const c of left) await engine.containerRemove(c.id, { force: true, volumes: true }).catch(() => {});
      for (const n of await engine.networkList({ filters: { label: [`${LBL}=${run}`] } })) await engine.networkRemove(n.id).catch(() => {});
      for (const v of await engine.volumeList({ filters: { label: [`${LBL}=${run}`] } })) await engine.volumeRemove(v.name, { force: true }).catch(() => {});
      await opts.teardown?.(engine);
    });

    it('reports info', async () => {
      const info = await engine.info();
      expect(typeof info.version).toBe('string');
      expect(info.pid).toBeGreaterThan(0);
      expect(['crun', 'runc']).toContain(info.runtime);
    });

    it('inspects the image and fails with NOT_FOUND for a missing one', async () => {
      const img = await engine.imageInspect(opts.image);
      expect(img.id).toMatch(/^sha256:[0-9a-f]{64}$/);
      await expectCode(engine.imageInspect(`${run}-missing:latest`), 'NOT_FOUND');
    });

    it('creates a container with labels that round-trip through inspect and list', async () => {
      const labels = { 'com.example.a': 'one', 'com.example.empty': '', 'com.example.eq': 'x=y' };
      const { id } = await engine.containerCreate(base('labels', ['sleep', '1000'], labels));
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      const ins = await engine.containerInspect(id);
      expect(ins.id).toBe(id);
      expect(ins.name.replace(/^\//, '')).toBe(name('labels'));
      expect(ins.state.status).toBe('created');
      expect(ins.state.running).toBe(false);
      expect(ins.config.labels).toMatchObject(labels);
      const [s] = await engine.containerList({ all: true, filters: { id: [id] } });
      expect(s?.labels).toMatchObject(labels);
      expect(s?.names).toContain(`/${name('labels')}`);
      expect(s?.state).toBe('created');
      // by name and by id prefix too
      expect((await engine.containerInspect(name('labels'))).id).toBe(id);
      expect((await engine.containerInspect(id.slice(0, 12))).id).toBe(id);
      await engine.containerRemove(id);
    });

    it('refuses a taken name with CONFLICT and a missing container with NOT_FOUND', async () => {
      const { id } = await engine.containerCreate(base('dup', ['sleep', '1000']));
      await expectCode(engine.containerCreate(base('dup', ['sleep', '1000'])), 'CONFLICT');
      await expectCode(engine.containerInspect(name('nope')), 'NOT_FOUND');
      await expectCode(engine.containerStart(name('nope')), 'NOT_FOUND');
      await expectCode(engine.containerRemove(name('nope')), 'NOT_FOUND');
      await expectCode(engine.containerCreate({ ...base('noimg', ['true']), image: `${run}-missing:latest` }), 'NOT_FOUND');
      await engine.containerRemove(id);
    });

    it('filters lists by label (key and key=value), name, status and id; hides stopped ones without all', async () => {
      const a = await engine.containerCreate(base('fa', ['sleep', '1000'], { [`${run}.role`]: 'web', [`${run}.x`]: '1' }));
      const b = await engine.containerCreate(base('fb', ['sleep', '1000'], { [`${run}.role`]: 'db' }));
      const c = await engine.containerCreate(base('fc', ['sleep', '1000']));
      await engine.containerStart(a.id);
      const ids = (l: { id: string }[]) => l.map((x) => x.id).sort();
      const mine = `${LBL}=${run}`;
      expect(ids(await engine.containerList({ all: true, filters: { label: [mine, `${run}.role`] } }))).toEqual([a.id, b.id].sort());
      expect(ids(await engine.containerList({ all: true, filters: { label: [mine, `${run}.role=db`] } }))).toEqual([b.id]);
      expect(ids(await engine.containerList({ all: true, filters: { label: [mine, `${run}.role=web`, `${run}.x=1`] } }))).toEqual([a.id]);
      expect(ids(await engine.containerList({ all: true, filters: { label: [mine, `${run}.role=web`, `${run}.x=2`] } }))).toEqual([]);
      expect(ids(await engine.containerList({ all: true, filters: { name: [name('fc')] } }))).toEqual([c.id]);
      expect(ids(await engine.containerList({ all: true, filters: { label: [mine], status: ['running'] } }))).toEqual([a.id]);
      expect(ids(await engine.containerList({ all: true, filters: { label: [mine], status: ['created'] } }))).toEqual([b.id, c.id].sort());
      expect(ids(await engine.containerList({ filters: { label: [mine] } }))).toEqual([a.id]);
      expect(ids(await engine.containerList({ all: true, filters: { id: [b.id.slice(0, 12)] } }))).toEqual([b.id]);
      for (const x of [a, b, c]) await engine.containerRemove(x.id, { force: true });
    });

    it('moves through created → running → exited, and stop is idempotent', async () => {
      const { id } = await engine.containerCreate(base('life', ['sleep', '1000']));
      await engine.containerStart(id);
      let ins = await engine.containerInspect(id);
      expect(ins.state.status).toBe('running');
      expect(ins.state.running).toBe(true);
      expect(ins.state.pid).toBeGreaterThan(0);
      const s = (await engine.containerList({ filters: { id: [id] } }))[0];
      expect(s?.status).toMatch(/^Up /);
      await engine.containerStop(id, { timeout: 1 });
      ins = await engine.containerInspect(id);
      expect(ins.state.status).toBe('exited');
      expect(ins.state.running).toBe(false);
      expect([137, 143]).toContain(ins.state.exitCode);
      await engine.containerStop(id, { timeout: 1 }); // already stopped: no error
      const s2 = (await engine.containerList({ all: true, filters: { id: [id] } }))[0];
      expect(s2?.status).toMatch(/^Exited \((137|143)\)/);
      // a stopped container starts again
      await engine.containerStart(id);
      expect((await engine.containerInspect(id)).state.status).toBe('running');
      await engine.containerKill(id, 'SIGKILL');
      expect(await engine.containerWait(id)).toEqual({ exitCode: 137 });
      await engine.containerRemove(id);
    });

    it('wait returns the exit code of a container that exits by itself', async () => {
      for (const code of [0, 3]) {
        const { id } = await engine.containerCreate(base(`exit${code}`, ['sh', '-c', `exit ${code}`]));
        const waited = engine.containerWait(id, { condition: 'next-exit' });
        await engine.containerStart(id);
        expect(await waited).toEqual({ exitCode: code });
        const ins = await engine.containerInspect(id);
        expect(ins.state.status).toBe('exited');
        expect(ins.state.exitCode).toBe(code);
        // not-running resolves at once for a stopped container
        expect(await engine.containerWait(id)).toEqual({ exitCode: code });
        await engine.containerRemove(id);
      }
    });

    it('keeps stdout and stderr apart in logs', async () => {
      const { id } = await engine.containerCreate(base('logs', ['sh', '-c', 'echo out1; echo err1 >&2; echo out2']));
      await engine.containerStart(id);
      expect((await engine.containerWait(id)).exitCode).toBe(0);
      const lines: { stream: string; line: string }[] = [];
      for await (const l of engine.containerLogs(id, {})) lines.push({ stream: l.stream, line: l.line });
      expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual(['out1', 'out2']);
      expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual(['err1']);
      const tail: string[] = [];
      for await (const l of engine.containerLogs(id, { tail: 1, stderr: false })) tail.push(l.line);
      expect(tail).toEqual(['out2']);
      await engine.containerRemove(id);
    });

    it('removes: refuses a running container without force (CONFLICT), force kills it, wait(removed) resolves', async () => {
      const { id } = await engine.containerCreate(base('rm', ['sleep', '1000']));
      await engine.containerStart(id);
      await expectCode(engine.containerRemove(id), 'CONFLICT');
      expect((await engine.containerInspect(id)).state.running).toBe(true);
      const removed = engine.containerWait(id, { condition: 'removed' });
      await engine.containerRemove(id, { force: true });
      await removed;
      await expectCode(engine.containerInspect(id), 'NOT_FOUND');
      expect(await engine.containerList({ all: true, filters: { id: [id] } })).toEqual([]);
    });

    it('removes an auto-remove container once it exits', async () => {
      const { id } = await engine.containerCreate({ ...base('autorm', ['sh', '-c', 'exit 2']), autoRemove: true });
      const waited = engine.containerWait(id, { condition: 'removed' });
      await engine.containerStart(id);
      await waited;
      await eventually(async () => (await engine.containerList({ all: true, filters: { id: [id] } })).length === 0);
    });

    it('pauses and unpauses; pausing a stopped container is a CONFLICT', async () => {
      const { id } = await engine.containerCreate(base('pause', ['sleep', '1000']));
      await expectCode(engine.containerPause(id), 'CONFLICT');
      await engine.containerStart(id);
      await engine.containerPause(id);
      expect((await engine.containerInspect(id)).state).toMatchObject({ status: 'paused', paused: true });
      await engine.containerUnpause(id);
      expect((await engine.containerInspect(id)).state).toMatchObject({ status: 'running', paused: false });
      await engine.containerRemove(id, { force: true });
    });

    it('execs in a running container and returns the exit code', async () => {
      const { id } = await engine.containerCreate(base('exec', ['sleep', '1000']));
      await engine.containerStart(id);
      const ok = await engine.containerExec(id, { cmd: ['echo', 'hello'] });
      expect(ok.exitCode).toBe(0);
      expect(ok.stdout).toBe('hello\n');
      const bad = await engine.containerExec(id, { cmd: ['sh', '-c', 'exit 5'] });
      expect(bad.exitCode).toBe(5);
      await engine.containerRemove(id, { force: true });
    });

    it('networks: create with labels, filter, CONFLICT on a taken name, IN_USE while attached, NOT_FOUND after removal', async () => {
      const net = name('net');
      const { id } = await engine.networkCreate({ name: net, labels: { [LBL]: run, 'com.example.n': 'v' } });
      const ins = await engine.networkInspect(net);
      expect(ins.id).toBe(id);
      expect(ins.labels).toMatchObject({ 'com.example.n': 'v' });
      expect((await engine.networkList({ filters: { label: [`${LBL}=${run}`, 'com.example.n=v'] } })).map((n) => n.name)).toEqual([net]);
      await expectCode(engine.networkCreate({ name: net, labels: { [LBL]: run } }), 'CONFLICT');
      const c = await engine.containerCreate({ ...base('netc', ['sleep', '1000']), network: { mode: 'bridge', endpoints: [{ network: net, aliases: ['db'] }] } });
      // Endpoints exist once the container runs (Docker makes them at start too).
      await engine.containerStart(c.id);
      const cins = await engine.containerInspect(c.id);
      expect(Object.keys(cins.networks)).toContain(net);
      expect(cins.networks[net]?.aliases).toContain('db');
      expect(cins.networks[net]?.ipAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(Object.keys((await engine.networkInspect(net)).containers)).toContain(c.id);
      await expectCode(engine.networkRemove(net), 'IN_USE');
      await engine.containerRemove(c.id, { force: true });
      await engine.networkRemove(net);
      await expectCode(engine.networkInspect(net), 'NOT_FOUND');
    });

    it('volumes: create with labels, filter, IN_USE while used, NOT_FOUND after removal', async () => {
      const vol = name('vol');
      const v = await engine.volumeCreate({ name: vol, labels: { [LBL]: run, 'com.example.v': '1' } });
      expect(v.name).toBe(vol);
      expect((await engine.volumeInspect(vol)).labels).toMatchObject({ 'com.example.v': '1' });
      expect((await engine.volumeList({ filters: { label: [`${LBL}=${run}`, 'com.example.v=1'] } })).map((x) => x.name)).toEqual([vol]);
      const c = await engine.containerCreate({ ...base('volc', ['sleep', '1000']), mounts: [{ type: 'volume', source: vol, target: '/data' }] });
      await expectCode(engine.volumeRemove(vol), 'IN_USE');
      await engine.containerRemove(c.id, { force: true });
      await engine.volumeRemove(vol);
      await expectCode(engine.volumeInspect(vol), 'NOT_FOUND');
    });

    it('emits events for a container lifecycle with its labels and exit code', async () => {
      const ac = new AbortController();
      const seen: { action: string; attributes: Record<string, string> }[] = [];
      const mark = `${run}.ev`;
      const done = (async () => {
        for await (const e of engine.events({ filters: { type: ['container'], label: [mark] } }, ac.signal)) {
          seen.push({ action: e.action, attributes: e.attributes });
          if (e.action === 'destroy') break;
        }
      })();
      await new Promise((r) => setTimeout(r, 100)); // let the subscription reach the engine
      const { id } = await engine.containerCreate(base('ev', ['sh', '-c', 'exit 4'], { [mark]: 'yes' }));
      await engine.containerStart(id);
      await engine.containerWait(id);
      await engine.containerRemove(id);
      await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
      ac.abort();
      const actions = seen.map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['create', 'start', 'die', 'destroy']));
      expect(actions.indexOf('create')).toBeLessThan(actions.indexOf('start'));
      expect(seen.find((e) => e.action === 'die')?.attributes.exitCode).toBe('4');
      expect(seen.find((e) => e.action === 'create')?.attributes[mark]).toBe('yes');
    });
  });
}
