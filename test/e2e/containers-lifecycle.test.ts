/**
 * Containers end to end on the real image store, network and volume managers: run and exit
 * codes, logs, exec, stop, rm, and nothing left behind.
 */
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogLine } from '../../engine/api/types.js';
import { detectCgroups } from '../../engine/cgroups/index.js';
import { importBusybox, makeRig, rmRoot, waitUntil, type Rig } from '../../engine/runtime/testkit.js';
import { BUSYBOX_CHANGES, busyboxTarball, requireTools } from '../helpers/busybox.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';

requireRoot();
requireTools('conmon', 'busybox');

let rig: Rig;

beforeEach(async () => {
  rig = await makeRig(tempRoot('ctr'));
  await importBusybox(rig.images, busyboxTarball(), BUSYBOX_CHANGES);
});

afterEach(async () => {
  const root = rig.root;
  await rig.teardown();
  assertNoLeaks(root);
  // no per-container files left under the root either
  for (const d of ['containers', 'run/sock', 'run/exits', 'run/crun']) expect(fs.readdirSync(`${root}/${d}`)).toEqual([]);
  rmRoot(root);
});

async function collect(it: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of it) out.push(l);
  return out;
}

describe('containers', () => {
  it('runs to its exit code, keeps stdout and stderr apart, and is removed without leftovers', async () => {
    const { mgr } = rig;
    const { id } = await mgr.containerCreate({ image: 'busybox:test', name: 'first', cmd: ['sh', '-c', 'echo out-line; echo err-line >&2; exit 3'], labels: { team: 'a' } });
    await mgr.containerStart(id);
    // crun on a hybrid-cgroup host runs in berth's kept mount namespace while containers exist
    const hybridCrun = mgr.runtimeInfo().runtime === 'crun' && detectCgroups().hybridWithControllers;
    const nsMounted = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${rig.root}/run/ns/mnt `);
    expect(nsMounted()).toBe(hybridCrun);
    // a file opened under the root while the root's bind exists (as the daemon's log is)
    const held = fs.openSync(`${rig.root}/held-open`, 'w');
    const { exitCode } = await mgr.containerWait(id);
    expect(exitCode).toBe(3);
    const info = await mgr.containerInspect('first');
    expect(info.state.status).toBe('exited');
    expect(info.state.exitCode).toBe(3);
    expect(info.name).toBe('/first');
    const lines = await collect(mgr.containerLogs(id, {}));
    expect(lines.map((l) => `${l.stream}:${l.line}`)).toEqual(['stdout:out-line', 'stderr:err-line']);
    const onlyErr = await collect(mgr.containerLogs(id, { stdout: false }));
    expect(onlyErr.map((l) => l.line)).toEqual(['err-line']);
    const list = await mgr.containerList({ all: true });
    expect(list[0]!.status).toMatch(/^Exited \(3\) /);
    expect(rig.events.filter((e) => e.id === id).map((e) => e.action)).toEqual(['create', 'start', 'die']);
    expect(rig.events.find((e) => e.action === 'die')!.attributes).toMatchObject({ exitCode: '3', name: 'first', team: 'a' });
    await mgr.containerRemove(id);
    expect(nsMounted()).toBe(false);
    // ...does not keep the root's bind mount alive
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${rig.root} `)).toBe(false);
    fs.closeSync(held);
    await expect(mgr.containerInspect(id)).rejects.toThrow(/no such container/);
    expect(fs.existsSync(`${rig.root}/containers/${id}`)).toBe(false);
  });

  it('execs with env, user and workdir, returns the exit code, stops with TERM', async () => {
    const { mgr } = rig;
    const { id } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['sh', '-c', 'trap "echo got-term; exit 0" TERM; while true; do sleep 0.1; done'], env: ['A=1'] });
    await mgr.containerStart(id);
    const r = await mgr.containerExec(id, { cmd: ['sh', '-c', 'echo $A $B $(id -u) $(pwd); exit 7'], env: ['B=2'], user: 'nobody', workingDir: '/tmp' });
    expect(r.exitCode).toBe(7);
    expect(r.stdout.trim()).toBe('1 2 65534 /tmp');
    const piped = await mgr.containerExec(id, { cmd: ['sh', '-c', 'tr a-z A-Z; echo err >&2'], stdin: 'hello stdin' });
    expect(piped).toEqual({ exitCode: 0, stdout: 'HELLO STDIN', stderr: 'err\n' });
    const chunks: string[] = [];
    const streamed = await mgr.containerExec(id, { cmd: ['sh', '-c', 'echo one; sleep 0.2; echo two >&2'] }, (stream, b) => chunks.push(`${stream}:${b.toString().trim()}`));
    expect(streamed.exitCode).toBe(0);
    expect(streamed.stdout).toBe('');
    expect(chunks).toEqual(['stdout:one', 'stderr:two']);
    expect(rig.events.filter((e) => e.id === id && e.action === 'exec_die').map((e) => e.attributes.exitCode)).toEqual(['7', '0', '0']);
    const t0 = Date.now();
    await mgr.containerStop(id, { timeout: 10 });
    expect(Date.now() - t0).toBeLessThan(5000);
    const info = await mgr.containerInspect(id);
    expect(info.state.exitCode).toBe(0);
    const lines = await collect(mgr.containerLogs(id, {}));
    expect(lines.map((l) => l.line)).toContain('got-term');
    await mgr.containerRemove(id);
  });

  it('follows logs as lines are written, and ends when the container exits', async () => {
    const { mgr } = rig;
    const { id } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['sh', '-c', 'for i in 1 2 3 4 5; do echo tick-$i; sleep 0.3; done'] });
    await mgr.containerStart(id);
    const seen: { line: string; at: number }[] = [];
    for await (const l of mgr.containerLogs(id, { follow: true })) seen.push({ line: l.line, at: Date.now() });
    expect(seen.map((s) => s.line)).toEqual(['tick-1', 'tick-2', 'tick-3', 'tick-4', 'tick-5']);
    // they arrived live, spread over the run, not all at the end
    expect(seen[4]!.at - seen[0]!.at).toBeGreaterThan(600);
    await mgr.containerRemove(id);
  });

  it('logs rotate at the size limit and a follower keeps reading the new file', async () => {
    const root = tempRoot('rot');
    const small = await makeRig(root, { logSizeMax: 8192 });
    await importBusybox(small.images, busyboxTarball(), BUSYBOX_CHANGES);
    try {
      const { mgr } = small;
      const { id } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['sh', '-c', 'i=0; while [ $i -lt 400 ]; do echo line-$i-padding-padding-padding; i=$((i+1)); sleep 0.005; done'] });
      await mgr.containerStart(id);
      const seen: string[] = [];
      for await (const l of mgr.containerLogs(id, { follow: true })) seen.push(l.line);
      expect(seen.at(-1)).toBe('line-399-padding-padding-padding');
      expect(fs.statSync((await mgr.containerInspect(id)).logPath).size).toBeLessThanOrEqual(8192);
      const kept = await collect(mgr.containerLogs(id, {}));
      expect(kept.length).toBeLessThan(400);
      expect(kept.at(-1)!.line).toBe('line-399-padding-padding-padding');
      await mgr.containerRemove(id);
    } finally {
      await small.teardown();
      assertNoLeaks(root);
      rmRoot(root);
    }
  });

  it('stop waits out the grace period then kills; kill sends a signal and no restart follows; wait conditions', async () => {
    const { mgr } = rig;
    // sleep as PID 1 ignores TERM
    const { id } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['sleep', '1000'], restartPolicy: { name: 'always' } });
    await mgr.containerStart(id);
    const t0 = Date.now();
    await mgr.containerStop(id, { timeout: 1 });
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(6000);
    let info = await mgr.containerInspect(id);
    expect(info.state.exitCode).toBe(137);
    expect(info.state.status).toBe('exited'); // a stop is the user's: "always" does not bring it back
    await mgr.containerRemove(id);
    // with --init, tini passes the signal on to sleep, which dies of it: 128 + 10
    const { id: k } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['sleep', '1000'], init: true, restartPolicy: { name: 'always' } });
    const nextExit = mgr.containerWait(k, { condition: 'next-exit' });
    await mgr.containerStart(k);
    await mgr.containerKill(k, 'SIGUSR1');
    expect((await nextExit).exitCode).toBe(138);
    await new Promise((r) => setTimeout(r, 500));
    info = await mgr.containerInspect(k);
    expect(info.state.status).toBe('exited');
    expect(info.restartCount).toBe(0);
    expect(rig.events.filter((e) => e.id === k && e.action === 'kill').map((e) => e.attributes.signal)).toEqual(['10']);
    await expect(mgr.containerKill(k, 'TERM')).rejects.toThrow(/not running/);
    const removed = mgr.containerWait(k, { condition: 'removed' });
    await mgr.containerRemove(k);
    expect((await removed).exitCode).toBe(138);
  });

  it('parallel creates and removes: one root bind at most, one name each, nothing left', async () => {
    const { mgr } = rig;
    const rootBinds = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4] === rig.root).length;
    const names = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
    const created = await Promise.all(names.map((name) => mgr.containerCreate({ image: 'busybox:test', name, cmd: ['sleep', '100'], stopSignal: 'KILL', network: { mode: 'none' } })));
    const dup = await Promise.allSettled([0, 1].map(() => mgr.containerCreate({ image: 'busybox:test', name: 'twin', cmd: ['true'], network: { mode: 'none' } })));
    expect(dup.map((d) => d.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(rootBinds()).toBeLessThanOrEqual(1);
    await Promise.all(created.map((c) => mgr.containerStart(c.id)));
    expect((await mgr.containerList()).length).toBe(6);
    await Promise.all([...created.map((c) => mgr.containerRemove(c.id, { force: true })), mgr.containerRemove('twin')]);
    expect(rootBinds()).toBe(0);
    // and again on the same root: the namespace comes back
    const again = await Promise.all(['q0', 'q1', 'q2'].map((name) => mgr.containerCreate({ image: 'busybox:test', name, cmd: ['true'], network: { mode: 'none' } })));
    await Promise.all(again.map((c) => mgr.containerStart(c.id)));
    expect((await Promise.all(again.map((c) => mgr.containerWait(c.id)))).map((w) => w.exitCode)).toEqual([0, 0, 0]);
    expect(rootBinds()).toBeLessThanOrEqual(1);
    await Promise.all(again.map((c) => mgr.containerRemove(c.id)));
    expect(rootBinds()).toBe(0);
  });

  it('rm -f removes a running container', async () => {
    const { mgr } = rig;
    const { id } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['sleep', '1000'] });
    await mgr.containerStart(id);
    await expect(mgr.containerRemove(id)).rejects.toThrow(/stop it first/);
    await mgr.containerRemove(id, { force: true });
    expect(await mgr.containerList({ all: true })).toEqual([]);
    await waitUntil(() => rig.events.some((e) => e.action === 'destroy'));
  });
});
