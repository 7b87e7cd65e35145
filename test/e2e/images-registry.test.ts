/**
 * Pull and push against a real registry (Debian's docker-registry on 127.0.0.1): no auth,
 * htpasswd basic auth. Digests must be identical on both sides and to skopeo's view.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../engine/api/types.js';
import { BUSYBOX_CHANGES, busyboxRootfsDir, busyboxTarball, requireTools } from '../helpers/busybox.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot } from '../helpers/root.js';
import { bufStream, fileStream, makeStore, rmRoot, tarBuffer } from './images-helpers.js';
import { startRegistry, type TestRegistry } from './images-registry-helper.js';
import { startTokenServer, type TokenServer } from './images-token-server.js';
import { chrootRunner } from './images-chroot-runner.js';

requireRoot();
requireTools('docker-registry', 'skopeo', 'umoci', 'htpasswd');
const A = makeStore('imgreg');
const B = makeStore('imgreg2');
let open: TestRegistry;
let basic: TestRegistry;
let tokenReg: TestRegistry;
let tokens: TokenServer;
const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

beforeAll(async () => {
  await A.store.init();
  await B.store.init();
  open = await startRegistry(path.join(A.root, 'reg-open'));
  basic = await startRegistry(path.join(A.root, 'reg-basic'), { htpasswd: { user: 'alice', password: 's3cret' } });
  tokens = await startTokenServer(path.join(A.root, 'tokens'), 'bob', 'tok3n');
  tokenReg = await startRegistry(path.join(A.root, 'reg-token'), { token: tokens });
});

afterAll(async () => {
  await open?.stop();
  await basic?.stop();
  await tokenReg?.stop();
  await tokens?.close();
  await B.store.removeRootfs('pulled');
  assertNoLeaks(A.root);
  assertNoLeaks(B.root);
  rmRoot(A.root);
  rmRoot(B.root);
});

describe('registry', () => {
  it('pushes to and pulls back from a registry with identical digests', async () => {
    const id = await A.store.import(fileStream(busyboxTarball()), 'bb:1', BUSYBOX_CHANGES);
    const ref = `${open.host}/test/bb:1`;
    await A.store.tag('bb:1', ref);
    const events: ProgressEvent[] = [];
    const digest = await A.store.push(ref, (e) => events.push(e));
    expect(digest).toMatch(/^sha256:/);
    expect(events.some((e) => e.status === 'Pushed')).toBe(true);
    // skopeo sees the same manifest digest and config
    const ins = JSON.parse(sh('skopeo', ['inspect', '--tls-verify=false', `docker://${ref}`])) as { Digest: string; Layers: string[] };
    expect(ins.Digest).toBe(digest);
    const pe: ProgressEvent[] = [];
    const pulled = await B.store.pull(ref, (e) => pe.push(e));
    expect(pulled).toBe(id);
    const img = await B.store.inspect(ref);
    expect(img.repoDigests).toEqual([`${open.host}/test/bb@${digest}`]);
    expect(img.config.Cmd).toEqual(['sh']);
    expect(pe.some((e) => e.status === 'Pull complete')).toBe(true);
    expect(B.events).toContain(`pull ${ref}`);
    const m = await B.store.mountRootfs('pulled', pulled);
    expect(fs.existsSync(path.join(m, 'bin/busybox'))).toBe(true);
    await B.store.removeRootfs('pulled');
    // pull by digest, and a second push says the blobs exist
    expect(await B.store.pull(`${open.host}/test/bb@${digest}`)).toBe(id);
    const again: ProgressEvent[] = [];
    expect(await A.store.push(ref, (e) => again.push(e))).toBe(digest);
    expect(again.filter((e) => e.status === 'Layer already exists').length).toBe(2);
  });

  it('pulls a multi-layer gzip image pushed by skopeo and pushes it back unchanged', async () => {
    const L = path.join(A.root, 'layout');
    sh('umoci', ['init', '--layout', L]);
    sh('umoci', ['new', '--image', `${L}:m`]);
    sh('umoci', ['insert', '--image', `${L}:m`, busyboxRootfsDir(), '/']);
    const extra = path.join(A.root, 'extra');
    fs.mkdirSync(extra);
    fs.writeFileSync(path.join(extra, 'hello'), 'world');
    sh('umoci', ['insert', '--image', `${L}:m`, extra, '/srv']);
    const ref = `${open.host}/skopeo/multi:2`;
    sh('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${L}:m`, `docker://${ref}`]);
    const want = JSON.parse(sh('skopeo', ['inspect', '--tls-verify=false', `docker://${ref}`])) as { Digest: string; Layers: string[] };
    const id = await B.store.pull(ref);
    const img = await B.store.inspect(id);
    expect(img.rootfs.diff_ids).toHaveLength(2);
    expect(img.repoDigests).toEqual([`${open.host}/skopeo/multi@${want.Digest}`]);
    const target = `${open.host}/copy/multi:3`;
    await B.store.tag(id, target);
    expect(await B.store.push(target)).toBe(want.Digest);
    const copy = JSON.parse(sh('skopeo', ['inspect', '--tls-verify=false', `docker://${target}`])) as { Layers: string[] };
    expect(copy.Layers).toEqual(want.Layers);
  });

  it('pulls the linux/amd64 image from an index', async () => {
    const ref = `${open.host}/test/bb:1`;
    const manifest = sh('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]);
    const mdigest = 'sha256:' + (await import('node:crypto')).createHash('sha256').update(manifest).digest('hex');
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:' + 'e'.repeat(64), size: 10, platform: { os: 'linux', architecture: 'arm64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: mdigest, size: manifest.length, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    };
    const r = await fetch(`http://${open.host}/v2/test/bb/manifests/multi`, {
      method: 'PUT',
      headers: { 'content-type': index.mediaType },
      body: JSON.stringify(index),
    });
    // distribution checks that referenced manifests exist; the arm64 one does not
    if (r.status !== 201) {
      index.manifests.shift();
      const r2 = await fetch(`http://${open.host}/v2/test/bb/manifests/multi`, { method: 'PUT', headers: { 'content-type': index.mediaType }, body: JSON.stringify(index) });
      expect(r2.status).toBe(201);
    }
    const id = await B.store.pull(`${open.host}/test/bb:multi`);
    expect(id).toBe((await A.store.inspect('bb:1')).id);
  });

  it('reports a missing image as NOT_FOUND', async () => {
    await expect(B.store.pull(`${open.host}/test/nope:1`)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('speaks basic auth: refuses without credentials, logs in, pushes, pulls', async () => {
    const ref = `${basic.host}/sec/bb:1`;
    await A.store.tag('bb:1', ref);
    await expect(A.store.push(ref)).rejects.toMatchObject({ code: 'REGISTRY' });
    await expect(A.store.login(basic.host, 'alice', 'wrong')).rejects.toThrow(/unauthorized/);
    await A.store.login(basic.host, 'alice', 's3cret');
    const auth = path.join(A.root, 'auth.json');
    expect(fs.statSync(auth).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(auth, 'utf8')).not.toContain('s3cret');
    const digest = await A.store.push(ref);
    await expect(B.store.pull(ref)).rejects.toMatchObject({ code: 'REGISTRY' });
    // Docker's config.json is read when berth has no credentials of its own
    const dockerDir = path.join(B.root, 'dockercfg');
    fs.mkdirSync(dockerDir);
    fs.writeFileSync(path.join(dockerDir, 'config.json'), JSON.stringify({ auths: { [basic.host]: { auth: Buffer.from('alice:s3cret').toString('base64') } } }));
    process.env.DOCKER_CONFIG = dockerDir;
    try {
      await B.store.pull(ref);
    } finally {
      delete process.env.DOCKER_CONFIG;
    }
    expect((await B.store.inspect(ref)).repoDigests).toContain(`${basic.host}/sec/bb@${digest}`);
    expect(await A.store.search('bb', basic.host)).toEqual([`${basic.host}/sec/bb`]);
  });

  it('speaks bearer-token auth through a token server', async () => {
    const ref = `${tokenReg.host}/tok/bb:1`;
    await A.store.tag('bb:1', ref);
    await expect(A.store.push(ref)).rejects.toThrow(/unauthorized/);
    await expect(A.store.login(tokenReg.host, 'bob', 'wrong')).rejects.toThrow(/unauthorized|refused/);
    await A.store.login(tokenReg.host, 'bob', 'tok3n');
    const digest = await A.store.push(ref);
    expect(tokens.requests.some((r) => r.authed && r.scope.includes('repository:tok/bb:pull,push'))).toBe(true);
    await B.store.login(tokenReg.host, 'bob', 'tok3n');
    const id = await B.store.pull(ref);
    expect(id).toBe((await A.store.inspect('bb:1')).id);
    expect((await B.store.inspect(ref)).repoDigests).toContain(`${tokenReg.host}/tok/bb@${digest}`);
    expect(tokens.requests.some((r) => r.authed && r.scope.includes('repository:tok/bb:pull'))).toBe(true);
  });

  it('verifies every blob: a tampered layer or config fails the pull and registers nothing', async () => {
    const t = await tarBuffer([{ name: 'f.txt', content: 'original content' }]);
    const id = await A.store.import(bufStream(t), `${open.host}/tamper/x:1`, []);
    await A.store.push(`${open.host}/tamper/x:1`);
    const img = await A.store.inspect(id);
    const blobData = (d: string): string => path.join(open.dir, 'data/docker/registry/v2/blobs/sha256', d.slice(7, 9), d.slice(7), 'data');
    // config first (the store keeps a verified config for the next attempt)
    const cfgFile = blobData(id);
    const cfg = fs.readFileSync(cfgFile);
    // same length: the registry serves the size it recorded
    fs.writeFileSync(cfgFile, Buffer.from(cfg.toString().replace('"linux"', '"linuy"')));
    await expect(B.store.pull(`${open.host}/tamper/x:1`)).rejects.toThrow(/digest mismatch/);
    fs.writeFileSync(cfgFile, cfg);
    const layerFile = blobData(img.rootfs.diff_ids[0]!);
    const orig = fs.readFileSync(layerFile);
    fs.writeFileSync(layerFile, Buffer.from(orig.toString('latin1').replace('original', 'tampered'), 'latin1'));
    await expect(B.store.pull(`${open.host}/tamper/x:1`)).rejects.toThrow(/digest mismatch|unpacks to/);
    fs.writeFileSync(layerFile, orig);
    expect(await B.store.find(`${open.host}/tamper/x:1`)).toBeUndefined();
    expect(await B.store.pull(`${open.host}/tamper/x:1`)).toBe(id);
  });

  it('builds FROM a registry image it does not have yet (pulled on demand)', async () => {
    const ctx = path.join(B.root, 'bctx');
    fs.mkdirSync(ctx, { recursive: true });
    const ev: ProgressEvent[] = [];
    const fresh = makeStore('imgreg3');
    try {
      await fresh.store.init();
      const id = await fresh.store.build(
        { context: ctx, tags: ['fromreg:1'], dockerfileInline: `FROM ${open.host}/test/bb:1\nRUN echo built > /built.txt\n` },
        chrootRunner(),
        (e) => ev.push(e),
      );
      expect(ev.some((e) => e.status === 'Pulling')).toBe(true);
      expect((await fresh.store.inspect(`${open.host}/test/bb:1`)).id).toBe((await fresh.store.inspect(id)).parent);
    } finally {
      assertNoLeaks(fresh.root);
      rmRoot(fresh.root);
    }
  });
});
