/**
 * Reaching the engine: every berth command gets its Engine here. When nothing answers on
 * <root>/engine.sock, the daemon is started on demand (detached, so it outlives this command),
 * and we wait until it answers. The daemon replaces a stale socket file itself once it holds
 * the root's lock.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineClient } from '../../engine/api/client.js';
import { SOCKET_NAME } from '../../engine/api/protocol.js';
import { EngineError, isEngineError, type Engine } from '../../engine/api/types.js';
import { resolveRoot } from '../../engine/api/root.js';

export interface ConnectOptions {
  root?: string;
  env?: NodeJS.ProcessEnv;
  /** Start the daemon when nothing answers (default true). */
  autoStart?: boolean;
  /** How long to wait for a starting daemon to answer (default 60 s: re-adoption takes a while). */
  startTimeoutMs?: number;
}

export function engineRoot(opts: { root?: string; env?: NodeJS.ProcessEnv } = {}): string {
  return opts.root ? path.resolve(opts.root) : resolveRoot(opts.env ?? process.env);
}

/** Unix socket paths hold at most 107 bytes (sun_path is 108 with its NUL). */
export const MAX_SOCKET_PATH = 107;

export function engineSocket(root: string): string {
  const p = path.join(root, SOCKET_NAME);
  if (Buffer.byteLength(p) > MAX_SOCKET_PATH) {
    throw new EngineError('INVALID', `BERTH_ROOT ${root} is too long: its socket path ${p} exceeds ${MAX_SOCKET_PATH} bytes (a unix socket limit); choose a shorter root`);
  }
  return p;
}

/** The compiled daemon entry. From dist/src/app/engine.js it is dist/engine/daemon/main.js; from
 *  the TypeScript sources (tests), the built copy under dist/. */
export function daemonEntry(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../../engine/daemon/main.js'), path.resolve(here, '../../dist/engine/daemon/main.js')];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new EngineError('UNAVAILABLE', `cannot start the berth engine: its entry point is missing (looked for ${candidates.join(', ')}; run npm run build)`);
  }
  return found;
}

async function answers(client: EngineClient): Promise<number | undefined> {
  try {
    return (await client.ping(3000)).pid;
  } catch (e) {
    if (isEngineError(e, 'UNAVAILABLE')) return undefined;
    throw e;
  }
}

function logTail(root: string, lines = 8): string {
  try {
    const text = fs.readFileSync(path.join(root, 'engine.log'), 'utf8').trimEnd().split('\n');
    return text.slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Starts the daemon for `root` unless one answers. Returns its pid and whether we started it.
 */
export async function startEngine(opts: ConnectOptions = {}): Promise<{ pid: number; started: boolean }> {
  const env = opts.env ?? process.env;
  const root = engineRoot(opts);
  const client = new EngineClient(engineSocket(root));
  const running = await answers(client);
  if (running !== undefined) return { pid: running, started: false };

  if (process.getuid?.() !== 0) {
    throw new EngineError('UNAVAILABLE', `the berth engine is not running for ${root} and cannot be started: the engine needs root (run berth as root, e.g. with sudo)`);
  }
  const entry = daemonEntry();
  fs.mkdirSync(root, { recursive: true, mode: 0o711 });
  const logFd = fs.openSync(path.join(root, 'engine.log'), 'a', 0o600);
  // detached = setsid: the daemon gets its own session, so a Ctrl+C or a closed terminal of
  // this command does not reach it; stdio goes to the log for anything it prints before its
  // own logging is up (or a crash).
  const child = spawn(process.execPath, [entry], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...env, BERTH_ROOT: root },
    cwd: '/',
  });
  fs.closeSync(logFd);
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  child.on('error', () => (exited = -1));
  child.unref();

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  let exitSeenAt: number | undefined;
  while (Date.now() < deadline) {
    const pid = await answers(client);
    if (pid !== undefined) return { pid, started: pid === child.pid };
    if (exited !== undefined) {
      // It may have lost a race to another starter (exit 0 "already running"): give that one
      // a moment to answer before giving up.
      exitSeenAt ??= Date.now();
      if (exited !== 0 || Date.now() - exitSeenAt > 5000) break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const tail = logTail(root);
  throw new EngineError(
    'UNAVAILABLE',
    `the berth engine did not start for ${root}${exited !== undefined ? ` (it exited with ${exited})` : ' (no answer in time)'}` +
      (tail ? `; the end of ${path.join(root, 'engine.log')}:\n${tail}` : ''),
  );
}

/** An Engine for this root: the running daemon's, or a freshly started one's. */
export async function connectEngine(opts: ConnectOptions = {}): Promise<Engine> {
  const root = engineRoot(opts);
  const client = new EngineClient(engineSocket(root));
  if (opts.autoStart === false) {
    if ((await answers(client)) === undefined) {
      throw new EngineError('UNAVAILABLE', `the berth engine is not running for ${root} (start it with: berth engine start)`);
    }
    return client;
  }
  await startEngine({ ...opts, root });
  return client;
}

/** Stops the daemon (containers keep running). Resolves once its process is gone. */
export async function stopEngine(opts: { root?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ pid: number } | undefined> {
  const root = engineRoot(opts);
  const client = new EngineClient(engineSocket(root));
  const pid = await answers(client);
  if (pid === undefined) return undefined;
  await client.shutdown();
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (!alive(pid)) return { pid };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new EngineError('INTERNAL', `the berth engine (pid ${pid}) did not stop in time`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (our own child when we started it in this process) counts as gone.
  try {
    return !/^\d+ \([^)]*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export { EngineClient };
