/**
 * Terminals on the container manager: `exec -t` (a pty from the runtime's console socket) and
 * attach to a tty container started with `start` (conmon's pty and attach socket). Typed keys
 * reach the shell, Ctrl+C interrupts its child and the shell survives, resizes show in
 * `stty size`, and the exit code comes back.
 */
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TerminalSize } from '../../engine/api/types.js';
import { importBusybox, makeRig, rmRoot, waitUntil, type Rig } from '../../engine/runtime/testkit.js';
import { BUSYBOX_CHANGES, busyboxTarball, requireTools } from '../helpers/busybox.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';

requireRoot();
requireTools('conmon', 'busybox');

let rig: Rig;

beforeEach(async () => {
  rig = await makeRig(tempRoot('tty'));
  await importBusybox(rig.images, busyboxTarball(), BUSYBOX_CHANGES);
});

afterEach(async () => {
  const root = rig.root;
  await rig.teardown();
  assertNoLeaks(root);
  rmRoot(root);
});

/** A scripted terminal: keys in, screen text out, resizes on demand. */
function terminal(rows: number, cols: number) {
  const stdin = new PassThrough();
  let screen = '';
  const listeners = new Set<(s: TerminalSize) => void>();
  return {
    stdin,
    control: {
      size: { rows, cols },
      onResize: (l: (s: TerminalSize) => void) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    },
    onOutput: (_s: 'stdout' | 'stderr', b: Buffer) => (screen += b.toString()),
    screen: () => screen,
    resize: (s: TerminalSize) => listeners.forEach((l) => l(s)),
    /** Types keys and waits until the screen shows the pattern after what it showed before. */
    async type(keys: string, expectRe: RegExp): Promise<string> {
      const from = screen.length;
      stdin.write(keys);
      await waitUntil(() => expectRe.test(screen.slice(from)), 10_000).catch(() => {
        throw new Error(`the screen after typing ${JSON.stringify(keys)} never matched ${expectRe}: ${JSON.stringify(screen.slice(from))}`);
      });
      return screen.slice(from);
    },
  };
}

async function shellSession(t: ReturnType<typeof terminal>): Promise<void> {
  await t.type('echo $((6*7))\r', /\r?\n42\r?\n/);
  await t.type('stty size\r', new RegExp(`${t.control.size.rows} ${t.control.size.cols}`));
  t.resize({ rows: 33, cols: 101 });
  await t.type('stty size\r', /33 101/);
  // Ctrl+C reaches the foreground child through the pty; the shell lives on
  t.stdin.write('sleep 100\r');
  await new Promise((r) => setTimeout(r, 500));
  const t0 = Date.now();
  await t.type('\x03', /\^C\r\n[\s\S]*# /);
  expect(Date.now() - t0).toBeLessThan(5000);
  await t.type('echo still-$((1+1))\r', /still-2/);
  t.stdin.write('exit 3\r');
}

describe('terminals', () => {
  it('exec -t: keys, Ctrl+C, resize and the exit code', async () => {
    const { mgr } = rig;
    const { id } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['sleep', '1000'] });
    await mgr.containerStart(id);
    const t = terminal(24, 80);
    const done = mgr.containerExec(id, { cmd: ['sh'], tty: true, stdin: t.stdin, terminal: t.control }, t.onOutput);
    await shellSession(t);
    const r = await done;
    expect(r.exitCode).toBe(3);
    // a pty in the container's own devpts
    const tt = terminal(24, 80);
    const r2 = await mgr.containerExec(id, { cmd: ['sh', '-c', 'tty; exit 0'], tty: true, terminal: tt.control }, tt.onOutput);
    expect(r2.exitCode).toBe(0);
    expect(tt.screen()).toMatch(/^\/dev\/pts\/\d+\r\n$/);
  });

  it('a client that hangs up ends its exec session: the shell gets SIGHUP through the pty', async () => {
    const { mgr } = rig;
    const { id } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['sleep', '1000'] });
    await mgr.containerStart(id);
    const t = terminal(24, 80);
    const done = mgr.containerExec(id, { cmd: ['sh'], tty: true, stdin: t.stdin, terminal: t.control }, t.onOutput);
    await t.type('echo up\r', /up/);
    const shells = async () => (await mgr.containerExec(id, { cmd: ['ps', '-o', 'comm'] })).stdout.split('\n').filter((l) => l.trim() === 'sh').length;
    expect(await shells()).toBe(1);
    t.stdin.destroy(new Error('the client went away'));
    await done;
    await waitUntil(async () => (await shells()) === 0, 10_000);
  });

  it('attach with start (run -it): the first prompt, keys, Ctrl+C, resize, exit code; logs keep the session', async () => {
    const { mgr } = rig;
    const { id } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['sh'], tty: true, openStdin: true, stdinOnce: true });
    const t = terminal(25, 90);
    const attach = mgr as unknown as Required<Pick<import('../../engine/api/types.js').Engine, 'containerAttach'>>;
    const done = attach.containerAttach(id, { start: true, stdin: t.stdin, terminal: t.control }, t.onOutput);
    // attached before the start: the shell's first prompt is not lost
    await waitUntil(() => /\/ # /.test(t.screen()), 10_000).catch(() => {
      throw new Error(`no first prompt: ${JSON.stringify(t.screen())}`);
    });
    await shellSession(t);
    const r = await done;
    expect(r).toEqual({ exitCode: 3 });
    expect((await mgr.containerInspect(id)).state.exitCode).toBe(3);
    const logs: string[] = [];
    for await (const l of mgr.containerLogs(id, {})) logs.push(l.line);
    expect(logs.join('\n')).toContain('still-2');
  });

  it('attach to a running tty container, detach, attach again after an engine restart; input without a tty closes on its end with stdinOnce', async () => {
    const { mgr } = rig;
    const attach = mgr as unknown as Required<Pick<import('../../engine/api/types.js').Engine, 'containerAttach'>>;
    const { id } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['sh'], tty: true, openStdin: true });
    await mgr.containerStart(id);
    const ac = new AbortController();
    const t = terminal(24, 80);
    const first = attach.containerAttach(id, { stdin: t.stdin, terminal: t.control, signal: ac.signal }, t.onOutput);
    await t.type('echo one-$((2+3))\r', /one-5/);
    ac.abort();
    expect(await first).toEqual({ detached: true });
    expect((await mgr.containerInspect(id)).state.status).toBe('running');
    // the engine restarts: conmon keeps the pty, the new engine attaches to it
    await mgr.close();
    const next = (await rig.newManager()) as unknown as typeof attach;
    const t2 = terminal(24, 80);
    const second = next.containerAttach(id, { stdin: t2.stdin, terminal: t2.control }, t2.onOutput);
    await t2.type('echo two-$((3+4))\r', /two-7/);
    t2.stdin.write('exit 5\r');
    expect(await second).toEqual({ exitCode: 5 });

    // run -i without a tty: piped input, its end closes the container's stdin (cat ends)
    const { id: catId } = await rig.mgr.containerCreate({ image: 'busybox:test', cmd: ['sh', '-c', 'cat; echo done >&2'], openStdin: true, stdinOnce: true });
    const out: string[] = [];
    const r = await next.containerAttach(catId, { start: true, stdin: Buffer.from('piped line\n') }, (s, b) => out.push(`${s}:${b.toString()}`));
    expect(r).toEqual({ exitCode: 0 });
    expect(out.join('')).toContain('stdout:piped line');
    expect(out.join('')).toContain('stderr:done');
  });
});
