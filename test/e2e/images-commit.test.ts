/**
 * `commit`: a container's upper dir (changes, deletions) becomes a new layer on its image,
 * with --change applied and history extended; disk usage and reference-counted prune.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX_CHANGES, busyboxTarball } from '../helpers/busybox.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot } from '../helpers/root.js';
import { fileStream, makeStore, rmRoot } from './images-helpers.js';

requireRoot();
const { root, store } = makeStore('imgcommit');

beforeAll(async () => {
  await store.init();
});

afterAll(async () => {
  for (const c of ['k1', 'k2']) await store.removeRootfs(c);
  assertNoLeaks(root);
  rmRoot(root);
});

describe('commit, disk usage, prune', () => {
  it('commits a container rootfs as a new layer', async () => {
    const base = await store.import(fileStream(busyboxTarball()), 'cbase:1', BUSYBOX_CHANGES);
    const m = await store.mountRootfs('k1', base);
    fs.mkdirSync(path.join(m, 'srv/www'), { recursive: true });
    fs.writeFileSync(path.join(m, 'srv/www/index.html'), 'hello');
    fs.rmSync(path.join(m, 'etc/group'));
    fs.writeFileSync(path.join(m, 'etc/hosts'), ''); // a runtime bind-mount target: not committed
    const id = await store.commit('k1', base, 'committed:1', { changes: ['CMD ["httpd", "-f"]', 'EXPOSE 80'], message: 'add site', author: 'me', createdBy: 'sh' });
    const img = await store.inspect('committed:1');
    expect(img.id).toBe(id);
    expect(img.parent).toBe(base);
    expect(img.rootfs.diff_ids).toHaveLength(2);
    expect(img.config.Cmd).toEqual(['httpd', '-f']);
    expect(img.config.Env?.[0]).toMatch(/^PATH=/);
    expect(img.config.ExposedPorts).toEqual({ '80/tcp': {} });
    expect(img.author).toBe('me');
    const hist = await store.history(id);
    expect(hist).toHaveLength(2);
    expect(hist[0]).toMatchObject({ id, comment: 'add site', createdBy: 'sh' });
    expect(hist[0]!.size).toBe(5);
    const m2 = await store.mountRootfs('k2', id);
    expect(fs.readFileSync(path.join(m2, 'srv/www/index.html'), 'utf8')).toBe('hello');
    expect(fs.existsSync(path.join(m2, 'etc/group'))).toBe(false);
    expect(fs.existsSync(path.join(m2, 'etc/hosts'))).toBe(false);
  });

  it('reports disk usage and prunes only what no container uses', async () => {
    const base = (await store.inspect('cbase:1')).id;
    const committed = (await store.inspect('committed:1')).id;
    const du = await store.diskUsage(new Set([committed]));
    expect(du.count).toBe(2);
    expect(du.size).toBeGreaterThan(1_000_000);
    expect(du.reclaimable).toBe(0); // both layers are used by the committed image in use
    const du2 = await store.diskUsage(new Set());
    expect(du2.reclaimable).toBe(du2.size);
    // dangling-only prune keeps tagged images
    expect((await store.prune({}, new Set())).deleted).toEqual([]);
    const r = await store.prune({ all: true }, new Set([committed]));
    expect(r.deleted).toEqual([base]);
    // the shared base layer survives: the committed image still uses it
    const m = await store.mountRootfs('k2', committed);
    expect(fs.existsSync(path.join(m, 'bin/busybox'))).toBe(true);
    await store.removeRootfs('k1');
    await store.removeRootfs('k2');
    const r2 = await store.prune({ all: true }, new Set());
    expect(r2.deleted).toEqual([committed]);
    expect(r2.reclaimed).toBeGreaterThan(1_000_000);
    expect(fs.readdirSync(path.join(root, 'images/layers'))).toEqual([]);
  });
});
