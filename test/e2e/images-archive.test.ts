/**
 * Import/export interoperability with skopeo and umoci: a three-layer image made by umoci
 * (with a whiteout and an opaque dir), converted by skopeo to OCI and docker-save archives,
 * loads into berth with the same config and diff_ids; an archive saved by berth is read by
 * skopeo with the same digests and loads back into a fresh store as the same image.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxRootfsDir, busyboxTarball } from '../helpers/busybox.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot } from '../helpers/root.js';
import { requireTools } from '../helpers/busybox.js';
import { bufStream, fileStream, makeStore, rmRoot, tarBuffer } from './images-helpers.js';
import { createHash } from 'node:crypto';
import tar from 'tar-stream';

requireRoot();
requireTools('skopeo', 'umoci');
const A = makeStore('imgarch');
const B = makeStore('imgarch2');
const work = path.join(A.root, 'work');
const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

interface OciManifest {
  config: { digest: string };
  layers: { digest: string }[];
}

beforeAll(async () => {
  await A.store.init();
  await B.store.init();
  fs.mkdirSync(work, { recursive: true });
  const L = path.join(work, 'layout');
  sh('umoci', ['init', '--layout', L]);
  sh('umoci', ['new', '--image', `${L}:bb`]);
  sh('umoci', ['insert', '--image', `${L}:bb`, busyboxRootfsDir(), '/']);
  sh('umoci', ['insert', '--image', `${L}:bb`, '--whiteout', '/etc/group']);
  const opq = path.join(work, 'opq');
  fs.mkdirSync(opq);
  fs.writeFileSync(path.join(opq, 'only'), 'only');
  sh('umoci', ['insert', '--image', `${L}:bb`, '--opaque', opq, '/home']);
  sh('umoci', ['config', '--image', `${L}:bb`, '--config.cmd', 'sh', '--config.env', 'PATH=/bin:/usr/bin', '--config.label', 'made.by=umoci']);
  sh('skopeo', ['copy', '-q', `oci:${L}:bb`, `oci-archive:${work}/oci.tar:localhost/umoci/bb:1`]);
  sh('skopeo', ['copy', '-q', `oci:${L}:bb`, `docker-archive:${work}/docker.tar:localhost/umoci/bb:2`]);
});

afterAll(async () => {
  await A.store.removeRootfs('arch1');
  await A.store.removeRootfs('arch2');
  assertNoLeaks(A.root);
  assertNoLeaks(B.root);
  rmRoot(A.root);
  rmRoot(B.root);
});

describe('image archives', () => {
  let ociId = '';
  it('loads an OCI archive made by skopeo, whiteouts and opaque dirs applied', async () => {
    const loaded = await A.store.load(fileStream(path.join(work, 'oci.tar')));
    expect(loaded).toEqual(['localhost/umoci/bb:1']);
    const img = await A.store.inspect('localhost/umoci/bb:1');
    ociId = img.id;
    expect(img.rootfs.diff_ids).toHaveLength(3);
    expect(img.config.Cmd).toEqual(['sh']);
    expect(img.labels['made.by']).toBe('umoci');
    const raw = JSON.parse(sh('skopeo', ['inspect', '--config', '--raw', `oci-archive:${work}/oci.tar`])) as { rootfs: { diff_ids: string[] } };
    expect(img.rootfs.diff_ids).toEqual(raw.rootfs.diff_ids);
    const m = await A.store.mountRootfs('arch1', img.id);
    expect(fs.existsSync(path.join(m, 'bin/busybox'))).toBe(true);
    expect(fs.existsSync(path.join(m, 'etc/passwd'))).toBe(true);
    expect(fs.existsSync(path.join(m, 'etc/group'))).toBe(false);
    expect(fs.readdirSync(path.join(m, 'home'))).toEqual(['only']);
    expect(A.events).toContain('load localhost/umoci/bb:1');
  });

  it('loads a docker-save archive made by skopeo as the same image', async () => {
    const loaded = await A.store.load(fileStream(path.join(work, 'docker.tar')));
    expect(loaded).toEqual(['localhost/umoci/bb:2']);
    expect((await A.store.inspect('localhost/umoci/bb:2')).id).toBe(ociId);
  });

  it('saves an archive that skopeo reads with the same digests, and loads it back', async () => {
    const out = path.join(work, 'saved.tar');
    await pipeline(await A.store.save(['localhost/umoci/bb:1']), fs.createWriteStream(out));
    const ociManifest = JSON.parse(sh('skopeo', ['inspect', '--raw', `oci-archive:${out}`])) as OciManifest;
    const img = await A.store.inspect(ociId);
    expect(ociManifest.config.digest).toBe(img.id);
    // the manifest kept from the load is written unchanged: same manifest digest as skopeo's
    const orig = JSON.parse(sh('skopeo', ['inspect', '--raw', `oci-archive:${work}/oci.tar`])) as OciManifest;
    expect(ociManifest.layers.map((l) => l.digest)).toEqual(orig.layers.map((l) => l.digest));
    const dockerSide = JSON.parse(sh('skopeo', ['inspect', '--config', '--raw', `docker-archive:${out}`])) as { rootfs: { diff_ids: string[] } };
    expect(dockerSide.rootfs.diff_ids).toEqual(img.rootfs.diff_ids);
    const copied = path.join(work, 'copied');
    sh('skopeo', ['copy', '-q', `docker-archive:${out}`, `oci:${copied}:x`]);
    expect(fs.existsSync(path.join(copied, 'index.json'))).toBe(true);
    expect(await B.store.load(fileStream(out))).toEqual(['localhost/umoci/bb:1']);
    expect((await B.store.inspect('localhost/umoci/bb:1')).id).toBe(img.id);
  });

  it('saves an imported (uncompressed) image that skopeo copies back to an OCI layout and umoci unpacks', async () => {
    const id = await A.store.import(fileStream(busyboxTarball()), 'plain:1', ['CMD ["sh"]']);
    const out = path.join(work, 'plain.tar');
    await pipeline(await A.store.save(['plain:1']), fs.createWriteStream(out));
    const lay = path.join(work, 'plain-oci');
    sh('skopeo', ['copy', '-q', `oci-archive:${out}`, `oci:${lay}:p`]);
    const bundle = path.join(work, 'bundle');
    sh('umoci', ['unpack', '--image', `${lay}:p`, bundle]);
    expect(fs.existsSync(path.join(bundle, 'rootfs/bin/busybox'))).toBe(true);
    const cfg = JSON.parse(sh('skopeo', ['inspect', '--config', '--raw', `docker-archive:${out}`])) as { rootfs: { diff_ids: string[] } };
    expect(cfg.rootfs.diff_ids).toEqual((await A.store.inspect(id)).rootfs.diff_ids);
  });

  it('refuses an archive whose layer does not match its config', async () => {
    const bad = path.join(work, 'bad');
    fs.mkdirSync(bad);
    sh('tar', ['-C', bad, '-xf', path.join(work, 'docker.tar')]);
    const man = JSON.parse(fs.readFileSync(path.join(bad, 'manifest.json'), 'utf8')) as { Layers: string[] }[];
    fs.appendFileSync(path.join(bad, man[0]!.Layers[2]!), Buffer.alloc(1024));
    sh('tar', ['-C', bad, '-cf', path.join(work, 'bad.tar'), '.']);
    // a fresh store: one that has the layer's diff_id already would not unpack it again
    const C = makeStore('imgarch3');
    try {
      await C.store.init();
      await expect(C.store.load(fileStream(path.join(work, 'bad.tar')))).rejects.toThrow(/unpacks to/);
      expect(await C.store.list()).toEqual([]);
      expect(fs.readdirSync(path.join(C.root, 'images/layers')).filter((n) => n.startsWith('.'))).toEqual([]);
    } finally {
      assertNoLeaks(C.root);
      rmRoot(C.root);
    }
  });

  it('mounts an image of 150 layers (overlay option length)', async () => {
    const pack = tar.pack();
    const chunks: Buffer[] = [];
    pack.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise((r) => pack.on('end', r));
    const diffIds: string[] = [];
    const layers: string[] = [];
    for (let i = 0; i < 150; i++) {
      const layer = await tarBuffer([{ name: `f${i}`, content: `layer ${i}` }, ...(i === 149 ? [{ name: '.wh.f0' }] : [])]);
      const d = createHash('sha256').update(layer).digest('hex');
      diffIds.push(`sha256:${d}`);
      layers.push(`${d}.tar`);
      pack.entry({ name: `${d}.tar` }, layer);
    }
    const cfg = JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: diffIds } });
    const cfgName = `${createHash('sha256').update(cfg).digest('hex')}.json`;
    pack.entry({ name: cfgName }, cfg);
    pack.entry({ name: 'manifest.json' }, JSON.stringify([{ Config: cfgName, RepoTags: ['many:1'], Layers: layers }]));
    pack.finalize();
    await ended;
    await A.store.load(bufStream(Buffer.concat(chunks)));
    const m = await A.store.mountRootfs('arch2', 'many:1');
    expect(fs.readFileSync(path.join(m, 'f1'), 'utf8')).toBe('layer 1');
    expect(fs.readFileSync(path.join(m, 'f149'), 'utf8')).toBe('layer 149');
    expect(fs.existsSync(path.join(m, 'f0'))).toBe(false);
    expect(fs.readdirSync(m).length).toBe(149);
    await A.store.removeRootfs('arch2');
  });

  it('saves several images sharing layers with each blob once, and refuses archive paths leaving the archive', async () => {
    await A.store.tag('localhost/umoci/bb:1', 'localhost/umoci/bb:again');
    const out = path.join(work, 'two.tar');
    await pipeline(await A.store.save(['localhost/umoci/bb:1', 'localhost/umoci/bb:again', 'plain:1']), fs.createWriteStream(out));
    const names = sh('tar', ['-tf', out]).trim().split('\n');
    expect(new Set(names).size).toBe(names.length);
    const man = JSON.parse(sh('tar', ['-xOf', out, 'manifest.json'])) as { RepoTags: string[] }[];
    expect(man.map((m) => m.RepoTags.sort())).toEqual([['localhost/umoci/bb:1', 'localhost/umoci/bb:again'], ['plain:1']]);
    const index = JSON.parse(sh('tar', ['-xOf', out, 'index.json'])) as { manifests: { annotations?: Record<string, string> }[] };
    expect(index.manifests.map((m) => m.annotations?.['io.containerd.image.name']).sort()).toEqual([
      'docker.io/library/plain:1',
      'localhost/umoci/bb:1',
      'localhost/umoci/bb:again',
    ]);
    const evil = await tarBuffer([{ name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', RepoTags: ['evil:1'], Layers: ['../../../../etc/passwd'] }]) }, { name: 'c.json', content: '{}' }]);
    await expect(A.store.load(bufStream(evil))).rejects.toThrow(/outside/);
    expect(await A.store.find('evil:1')).toBeUndefined();
  });
});
