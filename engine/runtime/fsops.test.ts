import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applySync, copyOut, secureJoin } from './fsops.js';

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
