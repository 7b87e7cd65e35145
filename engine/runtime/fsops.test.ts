import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applySync, copyInDocker, copyOut, secureJoin, viewJoin } from './fsops.js';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'fsops-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('paths inside a rootfs', () => {
  it('absolute symlinks resolve inside the rootfs, never to the host', async () => {
    const root = tmp();
    fs.mkdirSync(path.join(root, 'real'));
    fs.symlinkSync('/etc', path.join(root, 'app'));
    fs.symlinkSync('../../../../real', path.join(root, 'up'));
    expect(await secureJoin(root, '/app/passwd')).toBe(path.join(root, 'etc/passwd'));
    expect(await secureJoin(root, '/up/x')).toBe(path.join(root, 'real/x'));
    expect(await secureJoin(root, '/../../x')).toBe(path.join(root, 'x'));
  });
});

describe('sync', () => {
  it('copies files with their mode, directories, symlinks; deletes', async () => {
    const root = tmp();
    const host = tmp();
    fs.writeFileSync(path.join(host, 'run.sh'), 'echo hi');
    fs.chmodSync(path.join(host, 'run.sh'), 0o751);
    fs.mkdirSync(path.join(host, 'd/e'), { recursive: true });
    fs.writeFileSync(path.join(host, 'd/e/f'), 'deep');
    fs.symlinkSync('run.sh', path.join(host, 'link'));
    fs.mkdirSync(path.join(root, 'app'));
    fs.writeFileSync(path.join(root, 'app/old'), 'x');
    const res = await applySync(root, [
      { op: 'copy', hostPath: path.join(host, 'run.sh'), containerPath: '/app/run.sh' },
      { op: 'copy', hostPath: path.join(host, 'd'), containerPath: '/app/d' },
      { op: 'copy', hostPath: path.join(host, 'link'), containerPath: '/app/link' },
      { op: 'delete', containerPath: '/app/old' },
      { op: 'copy', hostPath: path.join(host, 'missing'), containerPath: '/app/m' },
    ]);
    expect(res.applied).toBe(4);
    expect(res.failed.map((f) => f.containerPath)).toEqual(['/app/m']);
    expect(fs.statSync(path.join(root, 'app/run.sh')).mode & 0o777).toBe(0o751);
    expect(fs.readFileSync(path.join(root, 'app/d/e/f'), 'utf8')).toBe('deep');
    expect(fs.readlinkSync(path.join(root, 'app/link'))).toBe('run.sh');
    expect(fs.existsSync(path.join(root, 'app/old'))).toBe(false);
  });
  it('copy out into an existing directory keeps the name', async () => {
    const root = tmp();
    const host = tmp();
    fs.mkdirSync(path.join(root, 'etc'));
    fs.writeFileSync(path.join(root, 'etc/conf'), 'c');
    await copyOut(root, '/etc/conf', host);
    expect(fs.readFileSync(path.join(host, 'conf'), 'utf8')).toBe('c');
    await copyOut(root, '/etc', path.join(host, 'copy'));
    expect(fs.readFileSync(path.join(host, 'copy/conf'), 'utf8')).toBe('c');
  });
});

describe('the container view: mounts over the rootfs, docker cp in', () => {
  it('a path under a mount target lands in its source; the longest target wins', async () => {
    const root = tmp();
    const vol = tmp();
    const file = path.join(tmp(), 'hostname');
    fs.writeFileSync(file, 'box\n');
    const view = { root, mounts: [{ target: '/data', source: vol }, { target: '/etc/hostname', source: file }, { target: '/data/sub', source: path.join(vol, 'other') }] };
    expect(await viewJoin(view, '/etc/hostname')).toBe(file);
    expect(await viewJoin(view, '/data/x/y')).toBe(path.join(vol, 'x/y'));
    expect(await viewJoin(view, '/data/sub/z')).toBe(path.join(vol, 'other/z'));
    expect(await viewJoin(view, '/database')).toBe(path.join(root, 'database'));
    const host = tmp();
    await copyOut(view, '/etc/hostname', path.join(host, 'h'));
    expect(fs.readFileSync(path.join(host, 'h'), 'utf8')).toBe('box\n');
    const r = await applySync(view, [{ op: 'copy', hostPath: path.join(host, 'h'), containerPath: '/data/h' }]);
    expect(r.applied).toBe(1);
    expect(fs.readFileSync(path.join(vol, 'h'), 'utf8')).toBe('box\n');
  });

  it('docker cp rules: into an existing directory, SRC/. for the content, no directory over a file', async () => {
    const root = tmp();
    const host = tmp();
    fs.mkdirSync(path.join(root, 'srv'));
    fs.writeFileSync(path.join(root, 'file'), 'f');
    fs.writeFileSync(path.join(host, 'in.txt'), 'i');
    fs.mkdirSync(path.join(host, 'site'));
    fs.writeFileSync(path.join(host, 'site/index.html'), 'h');
    await copyInDocker(root, path.join(host, 'in.txt'), '/srv/');
    expect(fs.readFileSync(path.join(root, 'srv/in.txt'), 'utf8')).toBe('i');
    await copyInDocker(root, path.join(host, 'in.txt'), '/srv');
    expect(fs.statSync(path.join(root, 'srv')).isDirectory()).toBe(true);
    await copyInDocker(root, path.join(host, 'site'), '/srv');
    expect(fs.readFileSync(path.join(root, 'srv/site/index.html'), 'utf8')).toBe('h');
    await copyInDocker(root, path.join(host, 'site') + '/.', '/srv');
    expect(fs.readFileSync(path.join(root, 'srv/index.html'), 'utf8')).toBe('h');
    await copyInDocker(root, path.join(host, 'site'), '/new');
    expect(fs.readFileSync(path.join(root, 'new/index.html'), 'utf8')).toBe('h');
    await copyInDocker(root, path.join(host, 'in.txt'), '/renamed.txt');
    expect(fs.readFileSync(path.join(root, 'renamed.txt'), 'utf8')).toBe('i');
    await expect(copyInDocker(root, path.join(host, 'site'), '/file')).rejects.toThrow(/directory to a file/);
    await expect(copyInDocker(root, path.join(host, 'in.txt'), '/nodir/')).rejects.toThrow(/no such directory/);
    await expect(copyInDocker(root, path.join(host, 'in.txt'), '/nodir/x')).rejects.toThrow(/no such directory/);
    // watch sync keeps replacing
    const r = await applySync(root, [{ op: 'copy', hostPath: path.join(host, 'in.txt'), containerPath: '/srv' }]);
    expect(r.applied).toBe(1);
    expect(fs.readFileSync(path.join(root, 'srv'), 'utf8')).toBe('i');
  });
});
