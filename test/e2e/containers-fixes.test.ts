/**
 * Container fixes found by the stacks suite: network connect of a created container keeps the
 * default network; the list's command hides the --init wrapper and quotes as Docker does;
 * restart policies at engine start (Docker's rule); copy out and sync see the container's
 * mounts (/etc/hostname, volumes, binds), and docker-cp mode for copy in.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importBusybox, makeRig, rmRoot, waitUntil, type Rig } from '../../engine/runtime/testkit.js';
import { BUSYBOX_CHANGES, busyboxTarball, requireTools } from '../helpers/busybox.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';

requireRoot();
requireTools('conmon', 'busybox');

let rig: Rig;
let tmp: string;

beforeEach(async () => {
  rig = await makeRig(tempRoot('fix'));
  await importBusybox(rig.images, busyboxTarball(), BUSYBOX_CHANGES);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fix-'));
});

afterEach(async () => {
  const root = rig.root;
  await rig.teardown();
  assertNoLeaks(root);
  rmRoot(root);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('container fixes', () => {
  it('a created container on the default network keeps it after network connect', async () => {
    const { mgr, networks } = rig;
    await networks.create({ name: 'fix-extra' });
    const { id } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['sleep', '1000'] });
    await mgr.networkConnect('fix-extra', id);
    await mgr.containerStart(id);
    const nets = Object.keys((await mgr.containerInspect(id)).networks).sort();
    expect(nets).toEqual([await networks.defaultNetwork(), 'fix-extra'].sort());
    await mgr.containerRemove(id, { force: true });
  });

  it('the list command is the container’s own, without the init wrapper, quoted as Docker does', async () => {
    const { mgr } = rig;
    const { id } = await mgr.containerCreate({ image: 'busybox:test', init: true, cmd: ['sh', '-c', 'echo a b; sleep 1000'] });
    await mgr.containerStart(id);
    const [s] = await mgr.containerList({ filters: { id: [id] } });
    expect(s!.command).toBe("sh -c 'echo a b; sleep 1000'");
    const ins = await mgr.containerInspect(id);
    expect([ins.path, ...ins.args]).toEqual(['sh', '-c', 'echo a b; sleep 1000']);
    // the init still runs in front (pid 1 is tini)
    const r = await mgr.containerExec(id, { cmd: ['cat', '/proc/1/cmdline'] });
    expect(r.stdout.split('\0')[0]).toBe('/sbin/docker-init');
    await mgr.containerRemove(id, { force: true });
  });

  it('restart policies at engine start: always comes back after a stop, unless-stopped after dying while the engine was down', async () => {
    const first = rig.mgr;
    const mk = async (name: string, policy: 'always' | 'unless-stopped', cmd: string[]) => {
      const { id } = await first.containerCreate({ image: 'busybox:test', name, cmd, restartPolicy: { name: policy } });
      return id;
    };
    const stoppedAlways = await mk('stopped-always', 'always', ['sleep', '1000']);
    const stoppedUnless = await mk('stopped-unless', 'unless-stopped', ['sleep', '1000']);
    const neverStarted = await mk('never-started', 'always', ['sleep', '1000']);
    const dies = await mk('dies-while-down', 'unless-stopped', ['sh', '-c', 'if [ -f /once ]; then exec sleep 1000; fi; touch /once; sleep 1; exit 7']);
    for (const id of [stoppedAlways, stoppedUnless, dies]) await first.containerStart(id);
    await first.containerStop(stoppedAlways, { timeout: 1 });
    await first.containerStop(stoppedUnless, { timeout: 1 });
    expect((await first.containerInspect(stoppedAlways)).state.status).toBe('exited');
    await first.close();
    await new Promise((r) => setTimeout(r, 2000)); // `dies` exits while no engine runs
    const second = await rig.newManager();
    await waitUntil(async () => (await second.containerInspect(stoppedAlways)).state.status === 'running', 10_000);
    await waitUntil(async () => (await second.containerInspect(dies)).state.status === 'running', 10_000);
    expect((await second.containerInspect(dies)).state.exitCode).toBe(7);
    expect((await second.containerInspect(stoppedUnless)).state.status).toBe('exited');
    expect((await second.containerInspect(neverStarted)).state.status).toBe('created');
    for (const id of [stoppedAlways, dies]) await second.containerStop(id, { timeout: 1 });
  });

  it('copy out and sync see the container’s mounts: /etc/hostname, a volume, a bind, a tmpfs; running and stopped', async () => {
    const { mgr } = rig;
    const bind = path.join(tmp, 'bind');
    fs.mkdirSync(bind);
    fs.writeFileSync(path.join(bind, 'from-host'), 'host side\n');
    const { id } = await mgr.containerCreate({
      image: 'busybox:test',
      hostname: 'fixbox',
      cmd: ['sh', '-c', 'echo in-volume > /data/v; echo in-tmpfs > /scratch/t; sleep 1000'],
      mounts: [
        { type: 'volume', source: 'fix-vol', target: '/data' },
        { type: 'bind', source: bind, target: '/mnt/bind' },
        { type: 'tmpfs', target: '/scratch' },
      ],
    });
    await mgr.containerStart(id);
    await waitUntil(async () => (await mgr.containerExec(id, { cmd: ['cat', '/scratch/t'] })).exitCode === 0);
    const out = (name: string) => path.join(tmp, name);
    await mgr.containerCopyOut(id, '/etc/hostname', out('hostname'));
    expect(fs.readFileSync(out('hostname'), 'utf8')).toBe('fixbox\n');
    await mgr.containerCopyOut(id, '/data/v', out('v'));
    expect(fs.readFileSync(out('v'), 'utf8')).toBe('in-volume\n');
    await mgr.containerCopyOut(id, '/scratch/t', out('t'));
    expect(fs.readFileSync(out('t'), 'utf8')).toBe('in-tmpfs\n');
    await mgr.containerCopyOut(id, '/mnt/bind/from-host', out('fh'));
    expect(fs.readFileSync(out('fh'), 'utf8')).toBe('host side\n');
    // sync (watch) into a path under the bind and the volume: the container reads it
    fs.writeFileSync(out('new'), 'synced\n');
    const r = await mgr.containerSync(id, [
      { op: 'copy', hostPath: out('new'), containerPath: '/mnt/bind/new' },
      { op: 'copy', hostPath: out('new'), containerPath: '/data/new' },
    ]);
    expect(r.failed).toEqual([]);
    expect(fs.readFileSync(path.join(bind, 'new'), 'utf8')).toBe('synced\n');
    expect((await mgr.containerExec(id, { cmd: ['cat', '/data/new', '/mnt/bind/new'] })).stdout).toBe('synced\nsynced\n');
    // docker cp mode: a file onto an existing directory goes inside it
    const cp = await mgr.containerSync(id, [{ op: 'copy', mode: 'cp', hostPath: out('new'), containerPath: '/data' }]);
    expect(cp.failed).toEqual([]);
    expect((await mgr.containerExec(id, { cmd: ['sh', '-c', 'test -d /data && cat /data/new'] })).stdout).toBe('synced\n');
    // stopped: the rootfs with the binds, volumes and engine files over it
    await mgr.containerStop(id, { timeout: 1 });
    fs.rmSync(out('hostname'));
    await mgr.containerCopyOut(id, '/etc/hostname', out('hostname'));
    expect(fs.readFileSync(out('hostname'), 'utf8')).toBe('fixbox\n');
    fs.rmSync(out('v'));
    await mgr.containerCopyOut(id, '/data/v', out('v'));
    expect(fs.readFileSync(out('v'), 'utf8')).toBe('in-volume\n');
    await mgr.containerRemove(id, { volumes: true });
  });
});
