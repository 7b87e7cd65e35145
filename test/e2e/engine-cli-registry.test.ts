/**
 * `berth login`, `image push|pull|search` and `container run`'s pull of a missing image,
 * through the CLI, against a local docker-registry with htpasswd auth (the images e2e
 * helper starts it on 127.0.0.1 and stops it by its pid). Leak-checked after engine stop.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';
import { berth, buildOnce, daemonPid, waitGone, finishRoot, importBusyboxImage } from '../conformance/cli.js';
import { startRegistry, type TestRegistry } from './images-registry-helper.js';

let root: string;
let reg: TestRegistry;
let regStopped = false;
// The helper's stop() waits for an exit that already happened when called twice: once only.
async function stopRegistry(): Promise<void> {
  if (regStopped || !reg) return;
  regStopped = true;
  await reg.stop();
}

beforeAll(async () => {
  requireRoot();
  buildOnce();
  root = tempRoot('eng-reg');
  reg = await startRegistry(path.join(root, 'registry'), { htpasswd: { user: 'alice', password: 's3cret' } });
  await importBusyboxImage(root, 'bb:reg');
}, 180_000);

afterAll(async () => {
  await stopRegistry();
  await finishRoot(root, { stopEngine: true });
});

describe('berth login / push / pull (CLI, local registry)', () => {
  it('refuses a wrong password, logs in, pushes, pulls back the same image, searches, runs a pulled image', async () => {
    const bad = await berth(root, ['login', '-u', 'alice', '--password-stdin', reg.host], { input: 'wrong\n' });
    expect(bad.code).toBe(1);
    expect(bad.stdout).not.toContain('Login Succeeded');
    const ok = await berth(root, ['login', '-u', 'alice', '--password-stdin', reg.host], { input: 's3cret\n' });
    expect(ok.stderr).toBe('');
    expect(ok).toMatchObject({ code: 0, stdout: 'Login Succeeded\n' });

    const ref = `${reg.host}/team/bb:1`;
    const id = (await berth(root, ['image', 'inspect', '-f', '{{.Id}}', 'bb:reg'])).stdout.trim();
    expect((await berth(root, ['image', 'tag', 'bb:reg', ref])).code).toBe(0);
    const push = await berth(root, ['image', 'push', ref]);
    expect(push.code).toBe(0);
    expect(push.stdout).toMatch(new RegExp(`${ref.replace(/[.]/g, '\\.')}: digest: sha256:[0-9a-f]{64}`));

    expect((await berth(root, ['image', 'rm', ref])).code).toBe(0);
    const pull = await berth(root, ['image', 'pull', '-q', ref]);
    expect(pull).toMatchObject({ code: 0, stdout: `${ref}\n` });
    expect((await berth(root, ['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim()).toBe(id);

    const search = await berth(root, ['image', 'search', '--registry', reg.host, 'team']);
    expect(search.stdout).toMatch(/^NAME\s+DESCRIPTION\n.*team\/bb/);

    // a reference that is not here: run pulls it first, as Docker does
    const ref2 = `${reg.host}/team/bb2:1`;
    expect((await berth(root, ['image', 'tag', 'bb:reg', ref2])).code).toBe(0);
    expect((await berth(root, ['image', 'push', '-q', ref2])).code).toBe(0);
    expect((await berth(root, ['image', 'rm', ref2])).code).toBe(0);
    const run = await berth(root, ['container', 'run', '--rm', '-q', ref2, 'echo', 'pulled-and-ran']);
    expect(run.stderr).toContain(`Unable to find image '${ref2}' locally`);
    expect(run).toMatchObject({ code: 0, stdout: 'pulled-and-ran\n' });

    for (const r of [ref, ref2, 'bb:reg']) await berth(root, ['image', 'rm', '-f', r]);
    const pid = daemonPid(root)!;
    expect((await berth(root, ['engine', 'stop'])).code).toBe(0);
    await waitGone(pid);
    await stopRegistry();
    assertNoLeaks(root);
  });
});
