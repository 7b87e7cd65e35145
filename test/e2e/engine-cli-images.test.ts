/**
 * `berth image ...` through the built CLI against a real engine: import a busybox root
 * filesystem with --change, inspect with templates, tag, list (table and json), history,
 * save to an archive and load it back after removal, system df. Leak-checked after stop.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX_CHANGES, DEFAULT_PATH, busyboxTarball } from '../helpers/busybox.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';
import { berth, buildOnce, daemonPid, waitGone, finishRoot } from '../conformance/cli.js';

let root: string;
let tarball: string;

beforeAll(() => {
  requireRoot();
  buildOnce();
  tarball = busyboxTarball();
  root = tempRoot('eng-img');
}, 180_000);

afterAll(async () => {
  await finishRoot(root);
});

describe('berth image (CLI, real engine)', () => {
  it('imports, inspects, tags, lists, saves, removes, loads', async () => {
    const imp = await berth(root, ['image', 'import', ...BUSYBOX_CHANGES.flatMap((c) => ['--change', c]), '--change', 'LABEL org.example.k=v', tarball, 'bb:1']);
    expect(imp.stderr).toBe('');
    expect(imp.code).toBe(0);
    const id = imp.stdout.trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);

    // import from standard input too
    const fromStdin = await berth(root, ['image', 'import', '-', 'bb:stdin'], { input: fs.readFileSync(tarball) });
    expect(fromStdin.code).toBe(0);

    const f = await berth(root, ['image', 'inspect', '-f', '{{.Id}}|{{json .Config.Cmd}}|{{index .Config.Labels "org.example.k"}}|{{join .Config.Env ","}}|{{len .RootFS.Layers}}', 'bb:1']);
    expect(f.stdout).toBe(`${id}|["sh"]|v|PATH=${DEFAULT_PATH}|1\n`);

    expect((await berth(root, ['image', 'tag', 'bb:1', 'example.local:5000/team/bb:2'])).code).toBe(0);
    const table = await berth(root, ['image', 'ls']);
    expect(table.stdout.split('\n')[0]).toMatch(/^REPOSITORY\s{3,}TAG\s{3,}IMAGE ID\s{3,}CREATED\s{3,}SIZE$/);
    expect(table.stdout).toMatch(new RegExp(`example\\.local:5000/team/bb\\s+2\\s+${id.slice(7, 19)}`));
    const json = (await berth(root, ['image', 'ls', '--format', 'json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(json.filter((r) => r.ID === id.slice(7, 19)).map((r) => `${r.Repository}:${r.Tag}`).sort()).toEqual(['bb:1', 'example.local:5000/team/bb:2']);
    expect((await berth(root, ['image', 'ls', '-q', 'bb:1'])).stdout).toBe(`${id.slice(7, 19)}\n`);

    const hist = await berth(root, ['image', 'history', 'bb:1']);
    expect(hist.stdout.split('\n')[0]).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);

    const archive = path.join(root, 'saved.tar');
    expect((await berth(root, ['image', 'save', '-o', archive, 'bb:1'])).code).toBe(0);
    expect(fs.statSync(archive).size).toBeGreaterThan(100_000);

    const rm = await berth(root, ['image', 'rm', 'bb:1', 'example.local:5000/team/bb:2']);
    expect(rm.code).toBe(0);
    expect(rm.stdout).toContain('Untagged: bb:1');
    expect(rm.stdout).toContain(`Deleted: ${id}`);
    const gone = await berth(root, ['image', 'inspect', 'bb:1']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('No such image: bb:1');

    const load = await berth(root, ['image', 'load', '-i', archive]);
    expect(load.code).toBe(0);
    expect(load.stdout).toContain('Loaded image: bb:1');
    expect((await berth(root, ['image', 'inspect', '-f', '{{.Id}}', 'bb:1'])).stdout.trim()).toBe(id);

    const df = await berth(root, ['system', 'df']);
    expect(df.stdout).toMatch(/^TYPE\s+TOTAL\s+SIZE\s+RECLAIMABLE\nImages\s+2\s/);

    const err = await berth(root, ['image', 'tag', 'nope:1', 'x:1']);
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/nope/);

    const pid = daemonPid(root)!;
    expect((await berth(root, ['engine', 'stop'])).code).toBe(0);
    await waitGone(pid);
    assertNoLeaks(root);
  });
});
