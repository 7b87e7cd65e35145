/**
 * The engine process, end to end as root, through the built CLI: start/status/stop, start on
 * demand, one daemon per root under concurrent starts, a stale socket and pid file replaced,
 * recovery after kill -9, and a clear refusal without root. Every test ends with the leak check.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';
import { alive, berth, buildOnce, removeBuild, daemonPid, daemonsFor, staleSocket, waitGone } from '../conformance/cli.js';

const roots: string[] = [];
function root(label: string): string {
  const r = tempRoot(label);
  roots.push(r);
  return r;
}

async function stopAndCheck(r: string): Promise<void> {
  const pid = daemonPid(r);
  const res = await berth(r, ['engine', 'stop']);
  expect(res.code).toBe(0);
  if (pid) await waitGone(pid);
  expect(daemonsFor(r)).toEqual([]);
  expect(fs.existsSync(path.join(r, 'engine.sock'))).toBe(false);
  assertNoLeaks(r);
}

beforeAll(() => {
  requireRoot();
  buildOnce();
}, 180_000);

afterAll(async () => {
  for (const r of roots) {
    for (const pid of daemonsFor(r)) {
      process.kill(pid, 'SIGTERM');
      await waitGone(pid).catch(() => {});
    }
    fs.rmSync(r, { recursive: true, force: true });
  }
  removeBuild();
});

describe('berth engine (daemon lifecycle)', () => {
  it('start, status (text and json), start again, stop', async () => {
    const r = root('eng-life');
    const before = await berth(r, ['engine', 'status']);
    expect(before.code).toBe(3);
    expect(before.stdout).toContain('not running');
    expect(JSON.parse((await berth(r, ['engine', 'status', '--format', 'json'])).stdout)).toEqual({ running: false, root: r });

    const start = await berth(r, ['engine', 'start']);
    expect(start.code).toBe(0);
    const pid = Number(/pid (\d+)/.exec(start.stdout)?.[1]);
    expect(start.stdout).toMatch(/started/);
    expect(alive(pid)).toBe(true);
    expect(daemonPid(r)).toBe(pid);
    const sock = fs.statSync(path.join(r, 'engine.sock'));
    expect(sock.isSocket()).toBe(true);
    expect(sock.mode & 0o777).toBe(0o600);

    const st = await berth(r, ['engine', 'status', '--format', 'json']);
    expect(st.code).toBe(0);
    const info = JSON.parse(st.stdout) as Record<string, unknown>;
    expect(info).toMatchObject({ running: true, pid, root: r });
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(['crun', 'runc']).toContain(info.runtime);
    const text = await berth(r, ['engine', 'status']);
    expect(text.stdout).toMatch(new RegExp(`PID:\\s+${pid}`));
    expect(text.stdout).toMatch(/Runtime:\s+(crun|runc)/);

    const again = await berth(r, ['engine', 'start']);
    expect(again.stdout).toContain(`already running (pid ${pid})`);
    expect(daemonsFor(r)).toEqual([pid]);

    expect(fs.readFileSync(path.join(r, 'engine.log'), 'utf8')).toContain('listening on');
    await stopAndCheck(r);
    expect(fs.existsSync(path.join(r, 'engine.pid'))).toBe(false);
    expect((await berth(r, ['engine', 'stop'])).stdout).toContain('not running');
  });

  it('starts on demand for any command on a fresh root, once under concurrent starts', async () => {
    const r = root('eng-auto');
    const results = await Promise.all([berth(r, ['volume', 'ls', '-q']), berth(r, ['network', 'ls', '-q']), berth(r, ['volume', 'ls', '-q'])]);
    for (const res of results) expect(res).toMatchObject({ code: 0 });
    // Starters that lost the race exit on their own once they see the lock held.
    const end = Date.now() + 10_000;
    while (daemonsFor(r).length > 1 && Date.now() < end) await new Promise((res) => setTimeout(res, 50));
    const daemons = daemonsFor(r);
    expect(daemons).toHaveLength(1);
    expect(daemonPid(r)).toBe(daemons[0]);
    expect(fs.readFileSync(path.join(r, 'engine.log'), 'utf8')).not.toMatch(/failed to start(?!: .*already running)/);
    await stopAndCheck(r);
  });

  it('replaces a stale socket and pid file left by a dead engine', async () => {
    const r = root('eng-stale');
    await staleSocket(path.join(r, 'engine.sock'));
    // The pid of a process that has exited: certainly not a live engine.
    const dead = await new Promise<number>((resolve) => {
      const c = spawn('true', [], { stdio: 'ignore' });
      c.on('exit', () => resolve(c.pid!));
    });
    fs.writeFileSync(path.join(r, 'engine.pid'), `${dead}\n`);
    const res = await berth(r, ['volume', 'ls']);
    expect(res.code).toBe(0);
    const pid = daemonPid(r)!;
    expect(pid).not.toBe(dead);
    expect(daemonsFor(r)).toEqual([pid]);
    await stopAndCheck(r);
  });

  it('a new engine takes over after kill -9 of the old one', async () => {
    const r = root('eng-kill');
    expect((await berth(r, ['engine', 'start'])).code).toBe(0);
    const first = daemonPid(r)!;
    process.kill(first, 'SIGKILL');
    await waitGone(first);
    expect(fs.existsSync(path.join(r, 'engine.sock'))).toBe(true); // left behind
    const res = await berth(r, ['engine', 'status', '--format', 'json']);
    expect(res.code).toBe(3); // status does not start an engine
    const ls = await berth(r, ['network', 'ls']);
    expect(ls.code).toBe(0);
    const second = daemonPid(r)!;
    expect(second).not.toBe(first);
    expect(JSON.parse((await berth(r, ['engine', 'status', '--format', 'json'])).stdout).pid).toBe(second);
    await stopAndCheck(r);
  });

  it('refuses clearly without root (exit 3, says the engine needs root)', async () => {
    const r = root('eng-user');
    fs.chmodSync(r, 0o777);
    const res = await berth(r, ['volume', 'ls'], { uid: 65534, gid: 65534 });
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/needs root/);
    expect(daemonsFor(r)).toEqual([]);
    assertNoLeaks(r);
  });
});
