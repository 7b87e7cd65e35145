/**
 * `berth container ...` through the built CLI on the real engine, started on demand: run and
 * exit codes, --rm, output streams kept apart, ls --format json, inspect -f, exec, stop/wait,
 * and the daemon killed with -9 while containers run: a new daemon adopts them, one that
 * exited meanwhile shows its exit code. Ends with engine stop and the leak check.
 */
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';
import { berth, buildOnce, daemonPid, waitGone, finishRoot, importBusyboxImage } from '../conformance/cli.js';

let root: string;
const IMG = 'bb:e2e';

beforeAll(async () => {
  requireRoot();
  buildOnce();
  root = tempRoot('eng-ctr');
  // No `engine start`: the first command starts the engine on demand.
  await importBusyboxImage(root, IMG);
}, 180_000);

afterAll(async () => {
  await finishRoot(root, { removeContainers: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

describe('berth container (CLI, real engine)', () => {
  it('run --rm IMAGE echo hi prints hi and leaves nothing', async () => {
    const r = await berth(root, ['container', 'run', '--rm', IMG, 'echo', 'hi']);
    expect(r).toMatchObject({ code: 0, stdout: 'hi\n' });
    expect((await berth(root, ['container', 'ls', '-aq'])).stdout).toBe('');
  });

  it('run returns the exit code, keeps stdout and stderr apart; inspect -f and logs agree', async () => {
    const r = await berth(root, ['container', 'run', '--name', 'ex', '-e', 'GREETING=salut', IMG, 'sh', '-c', 'echo "$GREETING"; echo oops >&2; exit 3']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('salut\n');
    expect(r.stderr).toBe('oops\n');
    expect((await berth(root, ['container', 'inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{json .Config.Cmd}}', 'ex'])).stdout).toBe(
      'exited 3 ["sh","-c","echo \\"$GREETING\\"; echo oops >&2; exit 3"]\n',
    );
    const logs = await berth(root, ['container', 'logs', 'ex']);
    expect(logs.stdout).toBe('salut\n');
    expect(logs.stderr).toBe('oops\n');
    expect((await berth(root, ['container', 'rm', 'ex'])).stdout).toBe('ex\n');
  });

  it('run -d, ls --format json, exec, port, stop, wait', async () => {
    const port = await freePort();
    const d = await berth(root, ['container', 'run', '-d', '--name', 'bg', '-l', 'com.example.role=test', '-e', 'FOO=bar', '-p', `127.0.0.1:${port}:80`, IMG, 'sleep', '1000']);
    expect(d.stderr).toBe('');
    const id = d.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const rows = (await berth(root, ['container', 'ls', '--filter', 'label=com.example.role=test', '--format', 'json'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ ID: id.slice(0, 12), Names: 'bg', Image: IMG, State: 'running', Labels: 'com.example.role=test' });
    expect(rows[0]!.Status).toMatch(/^Up /);
    expect((await berth(root, ['container', 'port', 'bg'])).stdout).toBe(`80/tcp -> 127.0.0.1:${port}\n`);
    const ex = await berth(root, ['container', 'exec', 'bg', 'sh', '-c', 'echo "$FOO"; exit 5']);
    expect(ex).toMatchObject({ code: 5, stdout: 'bar\n' });
    // cp both ways
    const hostFile = `${root}/to-container.txt`;
    fs.writeFileSync(hostFile, 'copied in\n');
    expect((await berth(root, ['container', 'cp', hostFile, 'bg:/tmp/'])).code).toBe(0);
    expect((await berth(root, ['container', 'exec', 'bg', 'cat', '/tmp/to-container.txt'])).stdout).toBe('copied in\n');
    expect((await berth(root, ['container', 'cp', 'bg:/etc/passwd', `${root}/passwd.out`])).code).toBe(0);
    expect(fs.readFileSync(`${root}/passwd.out`, 'utf8')).toMatch(/^root:x:0:0:/);
    expect((await berth(root, ['container', 'stop', '-t', '1', 'bg'])).stdout).toBe('bg\n');
    const w = await berth(root, ['container', 'wait', 'bg']);
    expect(['137', '143']).toContain(w.stdout.trim());
    const ps = await berth(root, ['container', 'ls', '-a', '--format', '{{.Names}} {{.State}}']);
    expect(ps.stdout).toBe('bg exited\n');
    expect((await berth(root, ['container', 'rm', 'bg'])).code).toBe(0);
  });

  it('kill -9 of the engine: containers keep running, a new engine adopts them, an exit meanwhile is recorded', async () => {
    for (const n of ['keep1', 'keep2']) expect((await berth(root, ['container', 'run', '-d', '--name', n, IMG, 'sleep', '1000'])).code).toBe(0);
    expect((await berth(root, ['container', 'run', '-d', '--name', 'dies', IMG, 'sh', '-c', 'sleep 2; exit 7'])).code).toBe(0);
    const old = daemonPid(root)!;
    process.kill(old, 'SIGKILL');
    await waitGone(old);
    await new Promise((r) => setTimeout(r, 3500)); // "dies" exits while no engine runs
    const ls = await berth(root, ['container', 'ls', '-a', '--format', '{{.Names}} {{.State}} {{.Status}}']);
    expect(ls.code).toBe(0);
    const fresh = daemonPid(root)!;
    expect(fresh).not.toBe(old);
    const lines = ls.stdout.trim().split('\n').sort();
    expect(lines[0]).toMatch(/^dies exited Exited \(7\)/);
    expect(lines[1]).toMatch(/^keep1 running Up /);
    expect(lines[2]).toMatch(/^keep2 running Up /);
    expect((await berth(root, ['container', 'inspect', '-f', '{{.State.ExitCode}}', 'dies'])).stdout).toBe('7\n');
    // adopted containers are still controllable
    expect((await berth(root, ['container', 'exec', 'keep1', 'true'])).code).toBe(0);
    // a graceful engine stop leaves them running too; the next engine (on demand) adopts them
    expect((await berth(root, ['engine', 'stop'])).code).toBe(0);
    await waitGone(fresh);
    const after = await berth(root, ['container', 'ls', '--format', '{{.Names}} {{.State}}']);
    expect(after.stdout.trim().split('\n').sort()).toEqual(['keep1 running', 'keep2 running']);
    expect(daemonPid(root)).not.toBe(fresh);
    expect((await berth(root, ['container', 'rm', '-f', 'keep1', 'keep2', 'dies'])).code).toBe(0);
    expect((await berth(root, ['container', 'ls', '-aq'])).stdout).toBe('');
  });

  it('engine stop leaves nothing behind', async () => {
    expect((await berth(root, ['image', 'rm', IMG])).code).toBe(0);
    const pid = daemonPid(root)!;
    expect((await berth(root, ['engine', 'stop'])).code).toBe(0);
    await waitGone(pid);
    assertNoLeaks(root);
  });
});
