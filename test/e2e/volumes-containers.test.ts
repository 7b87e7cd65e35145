/**
 * Volumes under real containers (crun/runc + conmon, the runtime's rig): data outlives the
 * container, first use copies the image's files, read-only binds refuse writes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importBusybox, makeRig, rmRoot, type Rig } from '../../engine/runtime/testkit.js';
import { BUSYBOX_CHANGES, busyboxTarball, requireTools } from '../helpers/busybox.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';

requireRoot();
requireTools('conmon', 'busybox');

let rig: Rig;

beforeEach(async () => {
  rig = await makeRig(tempRoot('volctr'));
  await importBusybox(rig.images, busyboxTarball(), BUSYBOX_CHANGES);
});

afterEach(async () => {
  const root = rig.root;
  await rig.teardown();
  assertNoLeaks(root);
  rmRoot(root);
});

async function sh(id: string, script: string): Promise<{ code: number; out: string }> {
  const r = await rig.mgr.containerExec(id, { cmd: ['sh', '-c', script] });
  return { code: r.exitCode, out: r.stdout + r.stderr };
}

describe('volumes under containers', () => {
  it('a named volume outlives its container; first use copies the image files; a read-only bind refuses writes', async () => {
    const { mgr } = rig;
    const { id: w } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['sh', '-c', 'echo kept > /data/file'], mounts: [{ type: 'volume', source: 'store', target: '/data' }] });
    await mgr.containerStart(w);
    expect((await mgr.containerWait(w)).exitCode).toBe(0);
    await mgr.containerRemove(w);
    expect((await rig.volumes.inspect('store')).usedBy).toEqual([]);
    const { id: r } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['cat', '/again/file'], mounts: [{ type: 'volume', source: 'store', target: '/again' }] });
    await mgr.containerStart(r);
    expect((await mgr.containerWait(r)).exitCode).toBe(0);
    await mgr.containerRemove(r);

    // the image's /etc is copied into a new volume mounted there
    const { id: c } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['sleep', '600'], stopSignal: 'KILL', mounts: [{ type: 'volume', source: 'etcvol', target: '/etc' }] });
    await mgr.containerStart(c);
    expect((await sh(c, 'cat /etc/group')).out).toContain('root:x:0:');
    expect(fs.readFileSync(path.join((await rig.volumes.inspect('etcvol')).mountpoint, 'passwd'), 'utf8')).toContain('root:x:0:0');
    await expect(rig.volumes.remove('etcvol')).rejects.toMatchObject({ code: 'IN_USE' });

    const host = path.join(rig.root, 'ro-src');
    fs.mkdirSync(host);
    fs.writeFileSync(path.join(host, 'in.txt'), 'host-file');
    const { id: b } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['sleep', '600'], stopSignal: 'KILL', mounts: [{ type: 'bind', source: host, target: '/mnt', readOnly: true }] });
    await mgr.containerStart(b);
    expect((await sh(b, 'cat /mnt/in.txt')).out).toContain('host-file');
    const write = await sh(b, 'echo nope > /mnt/out.txt');
    expect(write.code).not.toBe(0);
    expect(write.out).toMatch(/Read-only file system/);
    expect(fs.existsSync(path.join(host, 'out.txt'))).toBe(false);
  });
});
