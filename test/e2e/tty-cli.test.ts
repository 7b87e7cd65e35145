/**
 * Interactive terminals through the built CLI and the daemon, as a person at a terminal uses
 * them: `script` gives the CLI a real pty, the test types into it through a pipe and reads
 * the screen. exec -it, run -it --rm, attach (with Ctrl+P Ctrl+Q to detach), start -ai, and
 * run -i with piped input. Resizes are made on the CLI's pty with `stty -F`, as a terminal
 * window would, and must show in the container's `stty size`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';
import { BIN, berth, buildOnce, finishRoot, importBusyboxImage } from '../conformance/cli.js';

let root: string;
const IMG = 'bb:tty';

beforeAll(async () => {
  requireRoot();
  buildOnce();
  root = tempRoot('tty-cli');
  await importBusyboxImage(root, IMG);
}, 180_000);

afterAll(async () => {
  await finishRoot(root, { removeContainers: true });
});

function sh(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** berth ARGS inside `script` (a pty of rows x cols); keys go in through a pipe. */
function session(args: string[], rows = 30, cols = 100) {
  const ttyFile = path.join(root, `tty-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const cmd = `tty > ${ttyFile}; stty rows ${rows} cols ${cols}; BERTH_ROOT=${sh(root)} exec ${sh(process.execPath)} ${sh(BIN)} ${args.map(sh).join(' ')}`;
  const child: ChildProcess = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  child.stdout!.on('data', (b: Buffer) => (screen += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (screen += b.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  const waitFor = async (re: RegExp, from: number, what: string) => {
    const end = Date.now() + 15_000;
    while (Date.now() < end) {
      if (re.test(screen.slice(from))) return screen.slice(from);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${what}: the screen never matched ${re}: ${JSON.stringify(screen.slice(from))} (script: exit ${child.exitCode}, cmd ${cmd})`);
  };
  return {
    exited,
    screen: () => screen,
    waitFor: (re: RegExp) => waitFor(re, 0, 'waiting'),
    async type(keys: string, re: RegExp): Promise<string> {
      const from = screen.length;
      child.stdin!.write(keys);
      return waitFor(re, from, `after typing ${JSON.stringify(keys)}`);
    },
    send(keys: string) {
      child.stdin!.write(keys);
    },
    /** The terminal window changes size: the CLI gets SIGWINCH from its pty. */
    resize(r: number, c: number) {
      const tty = fs.readFileSync(ttyFile, 'utf8').trim();
      const res = spawn('stty', ['-F', tty, 'rows', String(r), 'cols', String(c)], { stdio: 'ignore' });
      return new Promise((resolve) => res.on('close', resolve));
    },
    close() {
      child.stdin!.end();
      fs.rmSync(ttyFile, { force: true });
    },
  };
}

const PROMPT = /\/ # /;

async function shellChecks(s: ReturnType<typeof session>): Promise<void> {
  await s.waitFor(PROMPT);
  // (the CLI's terminal keeps ONLCR in Node's raw mode: "\r\n" from the container shows as "\r\r\n")
  await s.type('echo $((6*7))\r', /\n42\r/);
  await s.type('stty size\r', /\n30 100\r/);
  await s.resize(40, 120);
  await new Promise((r) => setTimeout(r, 300));
  await s.type('stty size\r', /\n40 120\r/);
  s.send('sleep 100\r');
  await new Promise((r) => setTimeout(r, 500));
  const t0 = Date.now();
  await s.type('\x03', /\^C[\s\S]*\/ # /);
  expect(Date.now() - t0).toBeLessThan(5000);
  await s.type('echo alive-$((2*2))\r', /alive-4/);
  s.send('exit 3\r');
}

describe('interactive terminals (CLI, real engine)', () => {
  it('exec -it: a shell in a pty, resize, Ctrl+C, exit code 3', async () => {
    expect((await berth(root, ['container', 'run', '-d', '--name', 'box', IMG, 'sleep', '1000'])).code).toBe(0);
    const s = session(['container', 'exec', '-it', 'box', 'sh']);
    await shellChecks(s);
    expect(await s.exited).toBe(3);
    s.close();
    // Ctrl+D (end of input on the pty) ends the shell with 0
    const d = session(['container', 'exec', '-it', 'box', 'sh']);
    await d.waitFor(PROMPT);
    d.send('\x04');
    expect(await d.exited).toBe(0);
    d.close();
    expect((await berth(root, ['container', 'rm', '-f', 'box'])).code).toBe(0);
  });

  it('run -it --rm: the same, and the container is gone after', async () => {
    const s = session(['container', 'run', '-it', '--rm', '--name', 'oneoff', IMG, 'sh']);
    await shellChecks(s);
    expect(await s.exited).toBe(3);
    s.close();
    expect((await berth(root, ['container', 'ls', '-aq'])).stdout).toBe('');
  });

  it('attach to a -dit container; Ctrl+P Ctrl+Q detaches and it keeps running; start -ai', async () => {
    expect((await berth(root, ['container', 'run', '-dit', '--name', 'att', IMG, 'sh'])).code).toBe(0);
    const s = session(['container', 'attach', 'att']);
    await new Promise((r) => setTimeout(r, 500));
    await s.type('echo hi-$((1+2))\r', /hi-3/);
    s.send('\x10\x11');
    expect(await s.exited).toBe(0);
    s.close();
    expect((await berth(root, ['container', 'inspect', '-f', '{{.State.Status}}', 'att'])).stdout).toBe('running\n');
    const again = session(['container', 'attach', 'att']);
    await new Promise((r) => setTimeout(r, 500));
    await again.type('echo back-$((5+5))\r', /back-10/);
    again.send('exit 4\r');
    expect(await again.exited).toBe(4);
    again.close();
    // start -ai on the stopped container: a new shell, attached from its start
    const st = session(['container', 'start', '-ai', 'att']);
    await st.waitFor(PROMPT);
    await st.type('echo again-$((3*3))\r', /again-9/);
    st.send('exit 6\r');
    expect(await st.exited).toBe(6);
    st.close();
    expect((await berth(root, ['container', 'rm', '-f', 'att'])).code).toBe(0);
  });

  it('run -i without a tty passes piped input, and its end closes the container stdin', async () => {
    const r = await berth(root, ['container', 'run', '-i', '--rm', IMG, 'sh', '-c', 'cat; echo end >&2; exit 2'], { input: 'piped 1\npiped 2\n' });
    expect(r).toMatchObject({ code: 2, stdout: 'piped 1\npiped 2\n', stderr: 'end\n' });
    const e = await berth(root, ['container', 'run', '-t', '-i', '--rm', IMG, 'true'], { input: '' });
    expect(e.code).not.toBe(0);
    expect(e.stderr).toContain('the input device is not a TTY');
  });

  it('leaves nothing after engine stop', async () => {
    expect((await berth(root, ['engine', 'stop'])).code).toBe(0);
    assertNoLeaks(root);
  });
});
