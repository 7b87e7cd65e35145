/**
 * Limits and freezing on the real kernel (cgroup v1 here): memory → OOM kill 137, pids
 * stops forks, cpus in the cgroup, pause freezes a counter and unpause resumes it; on both
 * runtimes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogLine } from '../../engine/api/types.js';
import { detectCgroups, controllerDir } from '../../engine/cgroups/index.js';
import { importBusybox, makeRig, rmRoot, waitUntil, type Rig } from '../../engine/runtime/testkit.js';
import { BUSYBOX_CHANGES, busyboxTarball, requireTools } from '../helpers/busybox.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';

requireRoot();
requireTools('conmon', 'busybox');

async function lines(it: AsyncIterable<LogLine>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of it) out.push(l.line);
  return out;
}

describe.each(['crun', 'runc'])('limits with %s', (runtime) => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await makeRig(tempRoot(`lim${runtime}`), { env: { ...process.env, BERTH_RUNTIME: runtime } });
    await importBusybox(rig.images, busyboxTarball(), BUSYBOX_CHANGES);
    expect(rig.mgr.runtimeInfo().runtime).toBe(runtime);
  });
  afterEach(async () => {
    const root = rig.root;
    await rig.teardown();
    assertNoLeaks(root);
    rmRoot(root);
  });

  it('a memory limit kills with 137 and reports OOM', async () => {
    const { mgr } = rig;
    const mem = 32 * 1024 * 1024;
    // busybox tail keeps the whole (newline-less) /dev/zero "line" in memory
    const { id } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['tail', '/dev/zero'], resources: { memory: mem, memorySwap: mem } });
    await mgr.containerStart(id);
    const { exitCode } = await mgr.containerWait(id);
    expect(exitCode).toBe(137);
    const info = await mgr.containerInspect(id);
    expect(info.state.oomKilled).toBe(true);
    expect(rig.events.filter((e) => e.id === id).map((e) => e.action)).toContain('oom');
    await mgr.containerRemove(id);
    // conmon also drops an `oom` marker in its working directory: it must not be ours
    expect(fs.existsSync(path.join(process.cwd(), 'oom'))).toBe(false);
  });

  it('a pids limit stops a fork bomb; cpus and memory show in the cgroup and stats', async () => {
    const { mgr } = rig;
    const { id } = await mgr.containerCreate({
      image: 'busybox:test',
      // the subshell forks until the kernel refuses (ash may give up at the first refusal)
      cmd: ['sh', '-c', '(i=0; while [ $i -lt 100 ]; do sleep 60 & i=$((i+1)); done) 2>/dev/null; echo spawned; exec sleep 60'],
      resources: { pidsLimit: 20, nanoCpus: 500_000_000, memory: 64 * 1024 * 1024, cpuShares: 512 },
    });
    await mgr.containerStart(id);
    await waitUntil(async () => (await lines(mgr.containerLogs(id, {}))).includes('spawned'));
    const layout = detectCgroups();
    const cg = `/${rig.ctx.naming.long}/${id}`;
    const read = (c: string, f: string) => fs.readFileSync(`${controllerDir(layout, c, cg)}/${f}`, 'utf8').trim();
    expect(Number(read('pids', 'pids.current'))).toBeLessThanOrEqual(20);
    expect(read('pids', 'pids.max')).toBe('20');
    expect(read('cpu', 'cpu.cfs_quota_us')).toBe('50000');
    expect(read('cpu', 'cpu.cfs_period_us')).toBe('100000');
    expect(read('cpu', 'cpu.shares')).toBe('512');
    const stats = await mgr.containerStats(id);
    expect(stats.pidsLimit).toBe(20);
    expect(stats.pids).toBeGreaterThan(10);
    expect(stats.pids).toBeLessThanOrEqual(20);
    expect(stats.memoryLimit).toBe(64 * 1024 * 1024);
    expect(stats.memoryUsage).toBeGreaterThan(0);
    expect(stats.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(stats.cpuPercent).toBeLessThanOrEqual(60); // quota 0.5 CPU (+ sampling noise)
    const top = await mgr.containerTop(id);
    expect(top.titles).toContain('PID');
    expect(top.processes.length).toBe(stats.pids);
    await mgr.containerRemove(id, { force: true });
  });

  it('a busy container shows about its CPU quota in stats', async () => {
    const { mgr } = rig;
    const { id } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['sh', '-c', 'while true; do :; done'], resources: { nanoCpus: 300_000_000 }, stopSignal: 'KILL' });
    await mgr.containerStart(id);
    await new Promise((r) => setTimeout(r, 500));
    const s = await mgr.containerStats(id);
    expect(s.cpuPercent).toBeGreaterThan(10);
    expect(s.cpuPercent).toBeLessThan(45);
    await mgr.containerRemove(id, { force: true });
  });

  it('pause freezes a counter, unpause resumes it', async () => {
    const { mgr } = rig;
    const { id } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done'] });
    await mgr.containerStart(id);
    await waitUntil(async () => (await lines(mgr.containerLogs(id, {}))).length > 3);
    await mgr.containerPause(id);
    expect((await mgr.containerInspect(id)).state.status).toBe('paused');
    expect((await mgr.containerList())[0]!.status).toMatch(/\(Paused\)/);
    const frozenAt = (await lines(mgr.containerLogs(id, {}))).length;
    await new Promise((r) => setTimeout(r, 800));
    expect((await lines(mgr.containerLogs(id, {}))).length).toBe(frozenAt);
    await expect(mgr.containerExec(id, { cmd: ['true'] })).rejects.toThrow(/paused/);
    await mgr.containerUnpause(id);
    await waitUntil(async () => (await lines(mgr.containerLogs(id, {}))).length > frozenAt + 3, 5000);
    expect(rig.events.filter((e) => e.id === id).map((e) => e.action)).toEqual(expect.arrayContaining(['pause', 'unpause']));
    await mgr.containerStop(id, { timeout: 1 });
    await mgr.containerRemove(id);
  });
});
