/**
 * `berth container cp` through the built CLI, with docker cp's rules: relative host paths are
 * the user's (the CLI's cwd, not the daemon's), a file onto an existing directory goes inside
 * it, a directory onto an existing directory becomes a subdirectory, DIR/. copies the content;
 * copy out reads what the container sees (/etc/hostname, a volume).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';
import { BIN, berth, buildOnce, finishRoot, importBusyboxImage } from '../conformance/cli.js';

let root: string;
let work: string;
const IMG = 'bb:cp';

beforeAll(async () => {
  requireRoot();
  buildOnce();
  root = tempRoot('eng-cp');
  work = fs.mkdtempSync('/tmp/bt/cpwork-');
  await importBusyboxImage(root, IMG);
}, 180_000);

afterAll(async () => {
  await finishRoot(root, { removeContainers: true, rmFlags: ['-v'], dirs: [work] });
});

/** berth in a given working directory. */
function berthIn(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, BERTH_ROOT: root } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('berth container cp (CLI, real engine)', () => {
  it('docker cp rules in both directions, relative to the user’s directory', async () => {
    expect((await berth(root, ['container', 'run', '-d', '--name', 'cpbox', '-h', 'cphost', '-v', 'cpvol:/data', IMG, 'sh', '-c', 'mkdir -p /srv; echo vol > /data/v; sleep 1000'])).code).toBe(0);
    fs.writeFileSync(path.join(work, 'in.txt'), 'hello\n');
    fs.mkdirSync(path.join(work, 'site'));
    fs.writeFileSync(path.join(work, 'site/index.html'), '<p>\n');
    const cat = async (p: string) => (await berth(root, ['container', 'exec', 'cpbox', 'cat', p])).stdout;
    // a relative file onto an existing directory (without a trailing slash) goes inside it
    expect(await berthIn(work, ['container', 'cp', 'in.txt', 'cpbox:/srv'])).toMatchObject({ code: 0 });
    expect(await cat('/srv/in.txt')).toBe('hello\n');
    // a directory onto an existing directory becomes a subdirectory; DIR/. copies the content
    expect((await berthIn(work, ['container', 'cp', 'site', 'cpbox:/srv'])).code).toBe(0);
    expect(await cat('/srv/site/index.html')).toBe('<p>\n');
    expect((await berthIn(work, ['container', 'cp', 'site/.', 'cpbox:/data'])).code).toBe(0);
    expect(await cat('/data/index.html')).toBe('<p>\n');
    // copy out to a relative path: the hostname and the volume as the container sees them
    expect((await berthIn(work, ['container', 'cp', 'cpbox:/etc/hostname', 'hn.txt'])).code).toBe(0);
    expect(fs.readFileSync(path.join(work, 'hn.txt'), 'utf8')).toBe('cphost\n');
    expect((await berthIn(work, ['container', 'cp', 'cpbox:/data/v', '.'])).code).toBe(0);
    expect(fs.readFileSync(path.join(work, 'v'), 'utf8')).toBe('vol\n');
    expect(fs.existsSync('/v')).toBe(false);
    // a destination ending in "/" must be a directory that exists
    const bad = await berthIn(work, ['container', 'cp', 'in.txt', 'cpbox:/nodir/']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/no such directory/);
    expect((await berth(root, ['container', 'rm', '-f', '-v', 'cpbox'])).code).toBe(0);
    expect((await berth(root, ['volume', 'rm', 'cpvol'])).code).toBe(0);
  });

  it('leaves nothing after engine stop', async () => {
    expect((await berth(root, ['engine', 'stop'])).code).toBe(0);
    assertNoLeaks(root);
  });
});
