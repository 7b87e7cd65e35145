/**
 * Volumes and mounts end to end, before containers exist: what resolve() returns is
 * mounted the way the runtime will (bind with its options, tmpfs) into a busybox root
 * filesystem inside a private mount namespace, and busybox runs there under chroot.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../engine/common/exec.js';
import type { ResolvedMount } from '../../engine/common/contracts.js';
import { newId } from '../../engine/common/naming.js';
import { testContext } from '../../engine/network/testkit.js';
import { createVolumeManager } from '../../engine/volumes/index.js';
import { busyboxRootfsDir } from '../helpers/busybox.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';

requireRoot();

let root: string;
let rootfs: string;
let vols: ReturnType<typeof createVolumeManager>;

beforeEach(async () => {
  root = tempRoot('vol');
  rootfs = path.join(root, 'rootfs');
  execFileSync('cp', ['-a', busyboxRootfsDir(), rootfs]);
  vols = createVolumeManager(testContext(root));
  await vols.init();
});

afterEach(async () => {
  for (const v of await vols.list()) await vols.remove(v.name, { force: true });
  assertNoLeaks(root);
  fs.rmSync(root, { recursive: true, force: true });
});

/** Runs `cmd` under chroot in the busybox rootfs with the mounts applied, in a throwaway mount namespace. */
async function runWith(mounts: ResolvedMount[], cmd: string): Promise<{ code: number; out: string }> {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const steps: string[] = ['set -e', `mount -t proc proc ${q(path.join(rootfs, 'proc'))}`];
  for (const m of mounts) {
    const dst = path.join(rootfs, m.target);
    steps.push(`mkdir -p ${q(dst)}`);
    if (m.type === 'tmpfs') {
      steps.push(`mount -t tmpfs -o ${q(m.options.join(','))} tmpfs ${q(dst)}`);
    } else {
      steps.push(`mount --rbind ${q(m.source)} ${q(dst)}`);
      if (m.options.includes('ro')) steps.push(`mount -o remount,bind,ro ${q(dst)}`);
    }
  }
  steps.push('set +e', `chroot ${q(rootfs)} /bin/sh -c ${q(cmd)}`);
  const r = await run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', steps.join('\n')], { allowFail: true });
  return { code: r.code, out: r.stdout + r.stderr };
}

describe('local volumes', () => {
  it('a named volume keeps its data after its container is released, and cannot be removed while in use', async () => {
    const c1 = newId();
    const m1 = await vols.resolve(c1, { type: 'volume', source: 'data', target: '/data' }, rootfs);
    expect(m1.volume).toBe('data');
    expect(m1.type).toBe('bind');
    expect((await runWith([m1], 'echo kept > /data/file && cat /data/file')).out).toContain('kept');
    await vols.release(c1, true);
    expect((await vols.inspect('data')).usedBy).toEqual([]);

    const c2 = newId();
    const m2 = await vols.resolve(c2, { type: 'volume', source: 'data', target: '/srv' }, rootfs, 'second');
    expect((await runWith([m2], 'cat /srv/file')).out).toContain('kept');
    await expect(vols.remove('data')).rejects.toMatchObject({ code: 'IN_USE', message: expect.stringContaining('second') });
    await vols.release(c2, false);
    await vols.remove('data');
    await expect(vols.inspect('data')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it("first use copies the image's files into an empty volume, not into a used one, not with nocopy; anonymous volumes go with their container", async () => {
    fs.mkdirSync(path.join(rootfs, 'app'), { recursive: true });
    fs.writeFileSync(path.join(rootfs, 'app', 'config.txt'), 'from-image');
    fs.chmodSync(path.join(rootfs, 'app'), 0o750);
    const c = newId();
    const m = await vols.resolve(c, { type: 'volume', source: 'appdata', target: '/app' }, rootfs);
    expect(fs.readFileSync(path.join(m.source, 'config.txt'), 'utf8')).toBe('from-image');
    expect(fs.statSync(m.source).mode & 0o777).toBe(0o750);
    // the volume is no longer empty: a changed image does not overwrite it
    fs.writeFileSync(path.join(rootfs, 'app', 'config.txt'), 'newer-image');
    fs.writeFileSync(path.join(rootfs, 'app', 'extra.txt'), 'x');
    const again = await vols.resolve(newId(), { type: 'volume', source: 'appdata', target: '/app' }, rootfs);
    expect(fs.readFileSync(path.join(again.source, 'config.txt'), 'utf8')).toBe('from-image');
    expect(fs.existsSync(path.join(again.source, 'extra.txt'))).toBe(false);

    const nc = await vols.resolve(c, { type: 'volume', source: 'bare', target: '/app', noCopy: true }, rootfs);
    expect(fs.readdirSync(nc.source)).toEqual([]);

    const anon = await vols.resolve(c, { type: 'volume', target: '/app' }, rootfs);
    expect(anon.volume).toMatch(/^[0-9a-f]{64}$/);
    expect((await vols.inspect(anon.volume!)).anonymous).toBe(true);
    expect(fs.readFileSync(path.join(anon.source, 'config.txt'), 'utf8')).toBe('newer-image');
    await vols.release(c, true);
    await expect(vols.inspect(anon.volume!)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await vols.inspect('bare')).name).toBe('bare'); // named volumes stay
  });

  it('a read-only bind mount refuses writes; a missing host path is an error unless asked to create it', async () => {
    const host = path.join(root, 'hostdir');
    fs.mkdirSync(host);
    fs.writeFileSync(path.join(host, 'in.txt'), 'host-file');
    const ro = await vols.resolve(newId(), { type: 'bind', source: host, target: '/mnt', readOnly: true }, rootfs);
    expect(ro.options).toContain('ro');
    const r = await runWith([ro], 'cat /mnt/in.txt; echo nope > /mnt/out.txt');
    expect(r.out).toContain('host-file');
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/Read-only file system/);
    expect(fs.existsSync(path.join(host, 'out.txt'))).toBe(false);

    const rw = await vols.resolve(newId(), { type: 'bind', source: host, target: '/mnt' }, rootfs);
    expect((await runWith([rw], 'echo yes > /mnt/out.txt')).code).toBe(0);
    expect(fs.readFileSync(path.join(host, 'out.txt'), 'utf8')).toBe('yes\n');

    const missing = path.join(root, 'no', 'such');
    await expect(vols.resolve(newId(), { type: 'bind', source: missing, target: '/x' }, rootfs)).rejects.toMatchObject({ code: 'INVALID', message: expect.stringContaining(missing) });
    expect(fs.existsSync(missing)).toBe(false);
    const made = await vols.resolve(newId(), { type: 'bind', source: missing, target: '/x', createHostPath: true, propagation: 'rslave' }, rootfs);
    expect(fs.statSync(missing).isDirectory()).toBe(true);
    expect(made.options).toContain('rslave');
  });

  it('tmpfs mounts carry size and mode; driver_opts volumes (tmpfs, bind) are mounted while used and unmounted after', async () => {
    const t = await vols.resolve(newId(), { type: 'tmpfs', target: '/scratch', tmpfsSize: 1024 * 1024, tmpfsMode: 0o1777 }, rootfs);
    expect(t.options).toEqual(expect.arrayContaining(['size=1048576', 'mode=1777']));
    const tr = await runWith([t], 'grep " /scratch " /proc/mounts; stat -c %a /scratch');
    expect(tr.out).toMatch(/tmpfs \/scratch tmpfs .*size=1024k/);
    expect(tr.out).toContain('1777');

    await vols.create({ name: 'ramvol', driverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=2m' }, labels: { tier: 'cache' } });
    const c = newId();
    const rv = await vols.resolve(c, { type: 'volume', source: 'ramvol', target: '/cache' }, rootfs);
    const mounts = () => fs.readFileSync('/proc/self/mountinfo', 'utf8');
    expect(mounts()).toContain(` ${rv.source} `);
    expect((await runWith([rv], 'echo hot > /cache/x && cat /cache/x')).out).toContain('hot');

    const dev = path.join(root, 'device');
    fs.mkdirSync(dev);
    fs.writeFileSync(path.join(dev, 'seed'), 'bound');
    await vols.create({ name: 'bindvol', driverOpts: { type: 'none', device: dev, o: 'bind' } });
    const bv = await vols.resolve(c, { type: 'volume', source: 'bindvol', target: '/b' }, rootfs);
    expect(fs.readFileSync(path.join(bv.source, 'seed'), 'utf8')).toBe('bound');
    expect((await vols.list({ label: ['tier=cache'] })).map((v) => v.name)).toEqual(['ramvol']);

    await vols.release(c, false);
    expect(mounts()).not.toContain(` ${rv.source} `);
    expect(mounts()).not.toContain(` ${bv.source} `);
    // removing a bind volume never touches the device's content
    await vols.remove('bindvol');
    expect(fs.readFileSync(path.join(dev, 'seed'), 'utf8')).toBe('bound');
  });

  it('prune removes unused anonymous volumes (all: named ones too), never used ones; disk usage counts them', async () => {
    await vols.create({ name: 'keepme' });
    const anon = await vols.create({});
    fs.writeFileSync(path.join(anon.mountpoint, 'blob'), Buffer.alloc(4096));
    const user = newId();
    await vols.resolve(user, { type: 'volume', source: 'busy', target: '/d' }, '');
    const du = await vols.diskUsage();
    expect(du.count).toBe(3);
    expect(du.size).toBeGreaterThanOrEqual(4096);
    const p1 = await vols.prune({});
    expect(p1.deleted).toEqual([anon.name]);
    expect(p1.reclaimed).toBe(4096);
    const p2 = await vols.prune({ all: true });
    expect(p2.deleted).toEqual(['keepme']);
    expect((await vols.list()).map((v) => v.name)).toEqual(['busy']);
    await vols.release(user, false);
  });
});
