/**
 * Running the built berth CLI in end-to-end tests: build once per test file, then
 * `node <build>/dist/src/cli/bin.js ...` with the test's BERTH_ROOT (the daemon runs from the
 * same build). The build goes to a private folder laid out like the repository (dist/,
 * package.json, node_modules and schemas linked): other people rebuilding the shared dist/ in
 * the middle of a test would otherwise pull modules from under a running CLI.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUSYBOX_CHANGES, busyboxTarball } from '../helpers/busybox.js';

export const REPO = path.resolve(import.meta.dirname, '../..');
let buildDir = '';
export let BIN = path.join(REPO, 'dist/src/cli/bin.js');
export let DAEMON = path.join(REPO, 'dist/engine/daemon/main.js');

/** Builds into a private folder (tsc emits even when someone else's file has a type error: we check the output). */
export function buildOnce(): string {
  if (buildDir) return buildDir;
  fs.mkdirSync('/tmp/bt', { recursive: true });
  const dir = fs.mkdtempSync('/tmp/bt/build-');
  fs.chmodSync(dir, 0o755); // the non-root test runs this build too
  try {
    execFileSync(path.join(REPO, 'node_modules/.bin/tsc'), ['-p', path.join(REPO, 'tsconfig.json'), '--outDir', path.join(dir, 'dist')], { cwd: REPO, stdio: 'pipe' });
  } catch {
    /* type errors elsewhere in the tree still emit JavaScript */
  }
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(dir, 'package.json'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  if (fs.existsSync(path.join(REPO, 'schemas'))) fs.symlinkSync(path.join(REPO, 'schemas'), path.join(dir, 'schemas'));
  BIN = path.join(dir, 'dist/src/cli/bin.js');
  DAEMON = path.join(dir, 'dist/engine/daemon/main.js');
  for (const f of [BIN, DAEMON]) if (!fs.existsSync(f)) throw new Error(`build did not produce ${f}`);
  buildDir = dir;
  return dir;
}

/** Removes the private build (call in afterAll, after the daemons are stopped). */
export function removeBuild(): void {
  if (buildDir) fs.rmSync(buildDir, { recursive: true, force: true });
  buildDir = '';
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function berth(root: string, args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number; uid?: number; gid?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: { ...process.env, ...opts.env, BERTH_ROOT: root },
        timeout: opts.timeoutMs ?? 90_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'buffer',
        ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid } : {}),
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** The daemon's pid from its pid file, when any. */
export function daemonPid(root: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(path.join(root, 'engine.pid'), 'utf8').trim());
    return n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \([^)]*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export async function waitGone(pid: number, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`pid ${pid} still alive after ${ms} ms`);
}

/** Engine daemon processes serving this root (read from /proc). */
export function daemonsFor(root: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (!cmd.includes('daemon/main')) continue;
      const env = fs.readFileSync(`/proc/${d}/environ`, 'utf8').split('\0');
      if (env.includes(`BERTH_ROOT=${root}`)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Leaves a socket file nobody listens on, as a kill -9'd daemon does. */
export async function staleSocket(file: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(file)}, () => process.kill(process.pid, 'SIGKILL'))`], { stdio: 'ignore' });
    child.on('exit', () => (fs.existsSync(file) ? resolve() : reject(new Error('no stale socket made'))));
  });
}

/** Imports the busybox test image into `root` as `ref` through the CLI (the engine starts on demand). */
export async function importBusyboxImage(root: string, ref: string): Promise<void> {
  const imp = await berth(root, ['image', 'import', ...BUSYBOX_CHANGES.flatMap((c) => ['--change', c]), busyboxTarball(), ref]);
  if (imp.code !== 0) throw new Error(`import failed: ${imp.stderr}`);
}

/**
 * The end of a CLI test file, best effort if a test failed midway: while an engine answers,
 * remove the containers left (when asked), run `beforeStop`, and stop the engine (when asked);
 * then end any daemon of the root, drop the root (and `dirs`) and the private build.
 */
export async function finishRoot(
  root: string,
  opts: { removeContainers?: boolean; rmFlags?: string[]; beforeStop?: () => Promise<unknown>; stopEngine?: boolean; dirs?: string[] } = {},
): Promise<void> {
  if (daemonsFor(root).length && (opts.removeContainers || opts.stopEngine)) {
    if (opts.removeContainers) {
      const left = (await berth(root, ['container', 'ls', '-aq'])).stdout.trim().split('\n').filter(Boolean);
      if (left.length) await berth(root, ['container', 'rm', '-f', ...(opts.rmFlags ?? []), ...left]);
    }
    await opts.beforeStop?.();
    await berth(root, ['engine', 'stop']);
  }
  for (const pid of daemonsFor(root)) {
    process.kill(pid, 'SIGTERM');
    await waitGone(pid).catch(() => {});
  }
  for (const d of [root, ...(opts.dirs ?? [])]) fs.rmSync(d, { recursive: true, force: true });
  removeBuild();
}
