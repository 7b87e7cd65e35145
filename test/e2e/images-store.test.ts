/**
 * The image store end to end as root: import of the busybox rootfs, lookups, tags, history,
 * overlay root filesystems, whiteouts, hostile layers, removal. No container runtime here:
 * the store is exercised directly.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX_CHANGES, busyboxTarball, DEFAULT_PATH } from '../helpers/busybox.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot } from '../helpers/root.js';
import { bufStream, fileStream, makeStore, rmRoot, tarBuffer } from './images-helpers.js';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { EventBus } from '../../engine/common/events.js';
import { naming } from '../../engine/common/naming.js';
import { createImageStore } from '../../engine/images/index.js';

requireRoot();
const { root, store, events } = makeStore('imgstore');

beforeAll(async () => {
  await store.init();
});

afterAll(async () => {
  for (const c of ['c1', 'c2', 'c3']) await store.removeRootfs(c);
  assertNoLeaks(root);
  rmRoot(root);
});

describe('image store', () => {
  let id = '';
  it('imports a rootfs tarball with --change', async () => {
    id = await store.import(fileStream(busyboxTarball()), 'busybox', [...BUSYBOX_CHANGES, 'WORKDIR /tmp', 'LABEL org.test=yes', 'EXPOSE 8080']);
    expect(id).toMatch(/^sha256:[a-f0-9]{64}$/);
    const img = await store.inspect('busybox');
    expect(img.id).toBe(id);
    expect(img.repoTags).toEqual(['busybox:latest']);
    expect(img.config.Env).toEqual([`PATH=${DEFAULT_PATH}`]);
    expect(img.config.Cmd).toEqual(['sh']);
    expect(img.config.WorkingDir).toBe('/tmp');
    expect(img.config.ExposedPorts).toEqual({ '8080/tcp': {} });
    expect(img.labels).toEqual({ 'org.test': 'yes' });
    expect(img.rootfs.diff_ids).toHaveLength(1);
    expect(img.size).toBeGreaterThan(500_000);
    // the image id is the digest of the stored config, and diff_id the digest of the tar
    const cfgFile = path.join(root, 'images/blobs/sha256', id.slice(7));
    expect('sha256:' + execFileSync('sha256sum', [cfgFile]).toString().split(' ')[0]).toBe(id);
    const tarDigest = 'sha256:' + execFileSync('sha256sum', [busyboxTarball()]).toString().split(' ')[0];
    expect(img.rootfs.diff_ids[0]).toBe(tarDigest);
    expect(events).toContain('import busybox:latest');
  });

  it('imports a gzip tarball as the same layer', async () => {
    const gz = zlib.gzipSync(fs.readFileSync(busyboxTarball()));
    const gid = await store.import(bufStream(gz), 'gz:1', BUSYBOX_CHANGES);
    expect((await store.inspect(gid)).rootfs.diff_ids).toEqual((await store.inspect(id)).rootfs.diff_ids);
    await store.remove('gz:1', {}, new Set());
    // the shared layer stays for the first image
    expect(fs.existsSync(path.join(root, 'images/layers', (await store.inspect(id)).rootfs.diff_ids[0]!.slice(7, 23), 'diff/bin/busybox'))).toBe(true);
  });

  it('finds by every spelling and tags', async () => {
    for (const ref of ['busybox:latest', 'docker.io/library/busybox', id, id.slice(7, 19), id.slice(0, 19)]) {
      expect((await store.find(ref))?.id, ref).toBe(id);
    }
    expect(await store.find('nope')).toBeUndefined();
    await expect(store.inspect('nope:1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await store.tag('busybox', 'localhost:5000/x/bb:v1');
    expect((await store.inspect(id)).repoTags.sort()).toEqual(['busybox:latest', 'localhost:5000/x/bb:v1']);
    const listed = await store.list({ filters: { reference: ['localhost:5000/x/*'] } });
    expect(listed.map((i) => i.id)).toEqual([id]);
    expect(await store.list({ filters: { label: ['org.test=no'] } })).toEqual([]);
    const hist = await store.history('busybox');
    expect(hist).toHaveLength(1);
    expect(hist[0]!.id).toBe(id);
    expect(hist[0]!.comment).toBe('Imported from -');
  });

  it('mounts an overlay rootfs per container, idempotently, keeping changes across unmount', async () => {
    const m = await store.mountRootfs('c1', id);
    expect(await store.mountRootfs('c1', id)).toBe(m);
    expect(fs.lstatSync(path.join(m, 'bin/busybox')).isFile()).toBe(true);
    fs.writeFileSync(path.join(m, 'tmp/hello'), 'hi');
    fs.rmSync(path.join(m, 'etc/group'));
    await store.unmountRootfs('c1');
    await store.unmountRootfs('c1');
    expect(fs.existsSync(path.join(m, 'bin'))).toBe(false);
    await store.mountRootfs('c1', id);
    expect(fs.readFileSync(path.join(m, 'tmp/hello'), 'utf8')).toBe('hi');
    expect(fs.existsSync(path.join(m, 'etc/group'))).toBe(false);
    // the shared layer is untouched; a second container sees the original
    const m2 = await store.mountRootfs('c2', id);
    expect(fs.existsSync(path.join(m2, 'etc/group'))).toBe(true);
    expect(fs.existsSync(path.join(m2, 'tmp/hello'))).toBe(false);
    const empty = await store.mountRootfs('c3', '');
    expect(fs.readdirSync(empty)).toEqual([]);
    await store.removeRootfs('c2');
    expect(fs.existsSync(path.join(root, 'snapshots/c2'))).toBe(false);
  });

  it('converts whiteouts and opaque directories', async () => {
    const t = await tarBuffer([
      { name: 'keep', content: 'k' },
      { name: '.wh.gone' },
      { name: 'd/', type: 'directory' },
      { name: 'd/.wh..wh..opq' },
      { name: 'd/new', content: 'n' },
    ]);
    const wid = await store.import(bufStream(t), 'wh:1', []);
    const img = await store.inspect(wid);
    const dir = path.join(root, 'images/layers', img.rootfs.diff_ids[0]!.slice(7, 23), 'diff');
    const st = fs.lstatSync(path.join(dir, 'gone'));
    expect(st.isCharacterDevice()).toBe(true);
    expect(st.rdev).toBe(0);
    expect(fs.existsSync(path.join(dir, '.wh.gone'))).toBe(false);
    expect(execFileSync('getfattr', ['--only-values', '-n', 'trusted.overlay.opaque', path.join(dir, 'd')]).toString()).toBe('y');
    // extended attributes from PAX records are applied (overlay's own are not taken from images)
    const pax = await tarWithPax();
    const xid = await store.import(bufStream(pax), 'xattr:1', []);
    const xdir = path.join(root, 'images/layers', (await store.inspect(xid)).rootfs.diff_ids[0]!.slice(7, 23), 'diff');
    expect(execFileSync('getfattr', ['--only-values', '-n', 'user.berth', path.join(xdir, 'x')]).toString()).toBe('hello');
    expect(execFileSync('getfattr', ['-d', '-m', 'trusted', path.join(xdir, 'x')]).toString()).not.toContain('overlay');
  });

  it('never writes outside the layer for hostile tars', async () => {
    const outside = path.join(root, 'outside');
    fs.mkdirSync(outside, { recursive: true });
    fs.writeFileSync(path.join(outside, 'target'), 'secret');
    const before = (await store.list()).length;
    const depth = '../'.repeat(12);
    const refused: [string, Parameters<typeof tarBuffer>[0]][] = [
      ['dotdot', [{ name: `${depth}${outside.slice(1)}/p1`, content: 'x' }]],
      ['dotdot-inner', [{ name: 'a/../../p1b', content: 'x' }]],
      ['symlink-write', [{ name: 'lnk', type: 'symlink', linkname: outside }, { name: 'lnk/p3', content: 'x' }]],
      ['symlink-rel', [{ name: 'up', type: 'symlink', linkname: depth + outside.slice(1) }, { name: 'up/p4', content: 'x' }]],
      ['hardlink-out', [{ name: 'hl', type: 'link', linkname: `${depth}${outside.slice(1)}/target` }]],
      ['hardlink-abs', [{ name: 'hl2', type: 'link', linkname: `${outside}/target` }]],
      ['whiteout-through-link', [{ name: 'lk', type: 'symlink', linkname: outside }, { name: 'lk/.wh.target' }]],
    ];
    for (const [label, entries] of refused) {
      await expect(store.import(bufStream(await tarBuffer(entries)), `hostile:${label}`, []), label).rejects.toThrow();
    }
    // absolute names land inside the layer; a file replacing a symlink never writes through it
    const okId = await store.import(
      bufStream(
        await tarBuffer([
          { name: `${outside}/p2`, content: 'x' },
          { name: 'f', type: 'symlink', linkname: `${outside}/p5` },
          { name: 'f', content: 'replaced' },
        ]),
      ),
      'hostile:ok',
      [],
    );
    const img = await store.inspect(okId);
    const dir = path.join(root, 'images/layers', img.rootfs.diff_ids[0]!.slice(7, 23), 'diff');
    expect(fs.readFileSync(path.join(dir, outside.slice(1), 'p2'), 'utf8')).toBe('x');
    expect(fs.readFileSync(path.join(dir, 'f'), 'utf8')).toBe('replaced');
    expect(fs.lstatSync(path.join(dir, 'f')).isSymbolicLink()).toBe(false);
    expect(fs.readdirSync(outside).sort()).toEqual(['target']);
    expect(fs.readFileSync(path.join(outside, 'target'), 'utf8')).toBe('secret');
    expect(fs.statSync(path.join(outside, 'target')).nlink).toBe(1);
    for (const p of ['p1', 'p1b', 'p3', 'p4']) expect(fs.existsSync(path.join(root, p))).toBe(false);
    // refused imports left no image, no half layer
    expect((await store.list()).length).toBe(before + 1);
    expect(fs.readdirSync(path.join(root, 'images/layers')).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('removes: untag while other names remain, refuse when in use, delete layers', async () => {
    expect(await store.remove('localhost:5000/x/bb:v1', {}, new Set())).toEqual(['Untagged: localhost:5000/x/bb:v1']);
    await expect(store.remove('busybox', {}, new Set([id]))).rejects.toMatchObject({ code: 'CONFLICT' });
    const img = await store.inspect(id);
    const layerDir = path.join(root, 'images/layers', img.rootfs.diff_ids[0]!.slice(7, 23));
    await store.removeRootfs('c1');
    await store.removeRootfs('c3');
    const out = await store.remove('busybox', {}, new Set());
    expect(out).toEqual(['Untagged: busybox:latest', `Deleted: ${id}`]);
    expect(fs.existsSync(layerDir)).toBe(false);
    expect(await store.find(id)).toBeUndefined();
    const pr = await store.prune({ all: true }, new Set());
    expect(pr.deleted.length).toBe(3);
    expect(await store.list()).toEqual([]);
    expect(fs.readdirSync(path.join(root, 'images/blobs/sha256'))).toEqual([]);
    expect(fs.readdirSync(path.join(root, 'images/layers'))).toEqual([]);
  });

  it('an interrupted import leaves no half image, and init() clears what a crash left', async () => {
    const full = fs.readFileSync(busyboxTarball());
    const broken = new Readable({ read() {} });
    broken.push(full.subarray(0, 300_000));
    setTimeout(() => broken.destroy(new Error('connection lost')), 50);
    await expect(store.import(broken, 'half:1', [])).rejects.toThrow(/connection lost/);
    expect(await store.find('half:1')).toBeUndefined();
    expect(fs.readdirSync(path.join(root, 'images/layers'))).toEqual([]);
    expect(fs.readdirSync(path.join(root, 'images/blobs/sha256'))).toEqual([]);
    // a crash in the middle of a build step: an overlay mount and temp dirs left behind
    const left = path.join(root, 'images/tmp/s-crash');
    for (const d of ['l', 'u', 'w', 'm']) fs.mkdirSync(path.join(left, d), { recursive: true });
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${left}/l,upperdir=${left}/u,workdir=${left}/w`, `${left}/m`]);
    fs.mkdirSync(path.join(root, 'images/layers/.tmp-999-x/diff'), { recursive: true });
    const again = makeStoreAt(root);
    await again.init();
    expect(fs.existsSync(path.join(root, 'images/tmp'))).toBe(false);
    expect(fs.readdirSync(path.join(root, 'images/layers'))).toEqual([]);
  });
});

function makeStoreAt(r: string): ReturnType<typeof createImageStore> {
  return createImageStore({ naming: naming(r), events: new EventBus(), log: () => undefined });
}

async function tarWithPax(): Promise<Buffer> {
  // GNU tar writes SCHILY.xattr records with --xattrs
  const dir = fs.mkdtempSync('/tmp/bt/pax-');
  try {
    fs.writeFileSync(path.join(dir, 'x'), 'x');
    execFileSync('setfattr', ['-n', 'user.berth', '-v', 'hello', path.join(dir, 'x')]);
    return execFileSync('tar', ['--xattrs', '--xattrs-include=*', '-C', dir, '-cf', '-', 'x']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
