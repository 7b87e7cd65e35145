/**
 * What the engine supervises: restart policies with a growing backoff, healthchecks, and
 * containers that outlive their engine (conmon holds them) and are adopted by the next one.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importBusybox, makeRig, rmRoot, waitUntil, type Rig } from '../../engine/runtime/testkit.js';
import { BUSYBOX_CHANGES, busyboxTarball, requireTools } from '../helpers/busybox.js';
import { assertNoLeaks, findLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';

requireRoot();
requireTools('conmon', 'busybox');

let rig: Rig;

beforeEach(async () => {
  rig = await makeRig(tempRoot('sup'));
  await importBusybox(rig.images, busyboxTarball(), BUSYBOX_CHANGES);
});

afterEach(async () => {
  const root = rig.root;
  await rig.teardown();
  assertNoLeaks(root);
  rmRoot(root);
});

describe('supervision', () => {
  it('on-failure restarts with a growing delay, up to the retry count', async () => {
    const { mgr } = rig;
    const { id } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['sh', '-c', 'echo try; exit 2'], restartPolicy: { name: 'on-failure', maximumRetryCount: 4 } });
    await mgr.containerStart(id);
    await waitUntil(() => rig.events.filter((e) => e.id === id && e.action === 'die').length === 5, 30_000);
    await new Promise((r) => setTimeout(r, 1000)); // no sixth run comes
    const evs = rig.events.filter((e) => e.id === id && (e.action === 'die' || e.action === 'start'));
    const gaps: number[] = [];
    for (let i = 1; i < evs.length; i++) if (evs[i]!.action === 'start' && evs[i - 1]!.action === 'die') gaps.push(Date.parse(evs[i]!.time) - Date.parse(evs[i - 1]!.time));
    expect(gaps.length).toBe(4);
    // the engine's backoff doubles from 100 ms...
    const delays = rig.log.filter((l) => l.startsWith(`restarting ${id.slice(0, 12)}`)).map((l) => Number(/in (\d+) ms/.exec(l)![1]));
    expect(delays).toEqual([100, 200, 400, 800]);
    // ...and each real wait from exit to the next start was at least that long (plus the
    // teardown and start, which vary too much on a shared machine to compare gaps directly)
    gaps.forEach((g, i) => expect(g).toBeGreaterThanOrEqual(delays[i]! - 5));
    const info = await mgr.containerInspect(id);
    expect(info.state.exitCode).toBe(2);
    expect(info.state.status).toBe('exited');
    expect(info.restartCount).toBe(4);
    expect(evs.filter((e) => e.action === 'die').length).toBe(5);
    // the manual start resets nothing but the stop flag; a stop ends the policy
    await mgr.containerRemove(id);
  });

  it('a healthcheck goes starting → healthy → unhealthy and keeps its output', async () => {
    const { mgr } = rig;
    const { id } = await mgr.containerCreate({
      image: 'busybox:test',
      cmd: ['sh', '-c', 'sleep 0.5; echo fine > /tmp/ok; exec sleep 1000'],
      healthcheck: { test: ['CMD-SHELL', 'cat /tmp/ok'], interval: 300, timeout: 2000, retries: 2, startInterval: 200, startPeriod: 5000 },
      init: true,
    });
    await mgr.containerStart(id);
    expect((await mgr.containerInspect(id)).state.health?.status).toBe('starting');
    expect((await mgr.containerList())[0]!.status).toMatch(/\(health: starting\)/);
    await waitUntil(async () => (await mgr.containerInspect(id)).state.health?.status === 'healthy', 10_000);
    expect((await mgr.containerList())[0]!.status).toMatch(/^Up .* \(healthy\)$/);
    const ok = (await mgr.containerInspect(id)).state.health!;
    expect(ok.log.at(-1)!.output.trim()).toBe('fine');
    await mgr.containerExec(id, { cmd: ['rm', '/tmp/ok'] });
    await waitUntil(async () => (await mgr.containerInspect(id)).state.health?.status === 'unhealthy', 10_000);
    const bad = (await mgr.containerInspect(id)).state.health!;
    expect(bad.failingStreak).toBeGreaterThanOrEqual(2);
    expect(bad.log.length).toBeLessThanOrEqual(5);
    expect(bad.log.at(-1)!.exitCode).not.toBe(0);
    expect(bad.log.at(-1)!.output).toMatch(/can't open/);
    const changes = rig.events.filter((e) => e.id === id && e.action === 'health_status').map((e) => e.attributes.healthStatus);
    expect(changes).toEqual(['healthy', 'unhealthy']);
    // --init: tini is PID 1 and forwards TERM, so the stop is quick
    const t0 = Date.now();
    await mgr.containerStop(id);
    expect(Date.now() - t0).toBeLessThan(5000);
    await mgr.containerRemove(id);
  });

  it('containers outlive their engine: a new manager adopts them, one that exited meanwhile shows its code', async () => {
    const first = rig.mgr;
    const ids: string[] = [];
    for (const n of ['a', 'b', 'c']) {
      const { id } = await first.containerCreate({ image: 'busybox:test', name: `keep-${n}`, cmd: ['sh', '-c', `trap 'exit 0' TERM; while true; do echo ${n}; sleep 0.2; done`] });
      await first.containerStart(id);
      ids.push(id);
    }
    const { id: quitter } = await first.containerCreate({ image: 'busybox:test', name: 'quitter', cmd: ['sh', '-c', 'sleep 1.2; exit 5'] });
    await first.containerStart(quitter);
    const pids = await Promise.all(ids.map(async (id) => (await first.containerInspect(id)).state.pid));
    // the engine goes away without stopping anything (its watchers stop, as after a crash)
    await first.close();
    await new Promise((r) => setTimeout(r, 2000));
    for (const pid of pids) expect(() => process.kill(pid, 0)).not.toThrow();
    const conmons = findLeaks(rig.root).processes.filter((p) => p.includes('conmon'));
    expect(conmons.length).toBe(3);

    const second = await rig.newManager();
    for (const id of ids) {
      const i = await second.containerInspect(id);
      expect(i.state.status).toBe('running');
      expect(pids).toContain(i.state.pid);
    }
    const q = await second.containerInspect('quitter');
    expect(q.state.status).toBe('exited');
    expect(q.state.exitCode).toBe(5);
    expect(rig.events.some((e) => e.id === quitter && e.action === 'die' && e.attributes.exitCode === '5')).toBe(true);
    // still logging after the handover, and stoppable by the new engine
    const r = await second.containerExec('keep-a', { cmd: ['echo', 'adopted'] });
    expect(r.stdout.trim()).toBe('adopted');
    for (const id of ids) await second.containerStop(id, { timeout: 5 });
    for (const id of ids) expect((await second.containerInspect(id)).state.exitCode).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(execFileSync('sh', ['-c', `ps -eo args | grep -c "[c]onmon.*${rig.root}" || true`]).toString().trim()).toBe('0');
  });

  it('an exit while the engine is down is applied to the restart policy', async () => {
    const first = rig.mgr;
    const { id } = await first.containerCreate({
      image: 'busybox:test',
      cmd: ['sh', '-c', 'if [ -f /once ]; then exec sleep 1000; fi; touch /once; sleep 0.8; exit 4'],
      restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
    });
    await first.containerStart(id);
    await first.close();
    await new Promise((r) => setTimeout(r, 1500));
    const second = await rig.newManager();
    await waitUntil(async () => (await second.containerInspect(id)).state.status === 'running' && (await second.containerInspect(id)).restartCount === 1, 10_000);
    const i = await second.containerInspect(id);
    expect(i.state.exitCode).toBe(4);
    await second.containerRemove(id, { force: true });
  });

  it('a new engine with another runtime still stops what the old runtime runs, and reaps strays', async () => {
    const root = tempRoot('rtsw');
    const r = await makeRig(root, { env: { ...process.env, BERTH_RUNTIME: 'runc' } });
    try {
      await importBusybox(r.images, busyboxTarball(), BUSYBOX_CHANGES);
      const { id } = await r.mgr.containerCreate({ image: 'busybox:test', cmd: ['sleep', '1000'], stopSignal: 'KILL' });
      await r.mgr.containerStart(id);
      // a runtime container no record knows (an engine killed in the middle of a start)
      const spec = JSON.parse(fs.readFileSync(`${root}/containers/${id}/config.json`, 'utf8'));
      spec.linux.cgroupsPath = `/${r.ctx.naming.long}/stray1`;
      spec.process.args = ['sleep', '1000'];
      fs.mkdirSync(`${root}/stray`);
      fs.writeFileSync(`${root}/stray/config.json`, JSON.stringify(spec));
      execFileSync(`${root}/run/runtime-runc`, ['create', '--bundle', `${root}/stray`, 'stray1'], { stdio: 'ignore' });
      const listed = () => execFileSync(`${root}/run/runtime-runc`, ['list', '-q']).toString().trim().split('\n').sort();
      expect(listed()).toEqual([id, 'stray1'].sort());
      await r.mgr.close();
      const next = await r.newManager({ ...process.env, BERTH_RUNTIME: 'crun' });
      expect(next.runtimeInfo().runtime).toBe('crun');
      expect(listed()).toEqual([id]);
      fs.rmSync(`${root}/stray`, { recursive: true });
      expect((await next.containerInspect(id)).state.status).toBe('running');
      expect((await next.containerTop(id)).processes.length).toBe(1);
      await next.containerStop(id, { timeout: 2 });
      expect((await next.containerInspect(id)).state.status).toBe('exited');
      await next.containerStart(id); // a new run uses the engine's runtime now
      expect(execFileSync(`${root}/run/runtime-crun`, ['list', '-q']).toString().trim()).toBe(id);
      await next.containerRemove(id, { force: true });
    } finally {
      await r.teardown();
      assertNoLeaks(root);
      rmRoot(root);
    }
  });

  it('autoRemove removes the container when it exits', async () => {
    const { mgr } = rig;
    const { id } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['true'], autoRemove: true });
    await mgr.containerStart(id);
    await waitUntil(() => rig.events.some((e) => e.id === id && e.action === 'destroy'), 10_000);
    expect(await mgr.containerList({ all: true })).toEqual([]);
  });
});
