/**
 * Running the terminal helper (ttyhelper.ts): a tty exec, or an attachment to conmon's attach
 * socket. Input is piped to the helper's stdin, output comes back through onOutput, and fd 3
 * carries "ready" from the helper and resizes to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Duplex, Readable } from 'node:stream';
import type { ExecResult, TerminalControl, TerminalSize } from '../api/types.js';
import { EngineError } from '../api/types.js';

type OnOutput = (stream: 'stdout' | 'stderr', chunk: Buffer) => void;

export interface HelperRun {
  child: ChildProcess;
  /** Resolves once the helper is connected (attach) or holds the pty (exec). */
  ready: Promise<void>;
  /** The helper's exit code (the exec'd process's for exec). */
  done: Promise<number>;
  resize(size: TerminalSize): void;
  stop(): void;
  /** What the helper (or the runtime it ran) said before it was ready. */
  stderrText(): string;
}

function feed(child: ChildProcess, input: Readable | Buffer | string | undefined): () => void {
  const stdin = child.stdin!;
  stdin.on('error', () => {});
  if (input === undefined) {
    // no input: keep the pipe open (a closed stdin would end the container's with close-stdin)
    return () => stdin.destroy();
  }
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    stdin.end(input);
    return () => {};
  }
  input.pipe(stdin);
  // an input that fails is a hang-up (the client went away): end the session as a closed
  // terminal does, the pty's processes get SIGHUP when the helper lets go of the master
  input.on('error', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  return () => input.unpipe(stdin);
}

export function startHelper(o: { python: string; helper: string; args: string[]; stdin?: Readable | Buffer | string; onOutput?: OnOutput }): HelperRun {
  const child = spawn(o.python, [o.helper, ...o.args], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  const ctl = child.stdio[3] as Duplex;
  let stderr = '';
  let isReady = false;
  const ready = new Promise<void>((resolve, reject) => {
    let buf = '';
    ctl.on('data', (b: Buffer) => {
      buf += b.toString();
      if (buf.includes('ready\n')) {
        isReady = true;
        resolve();
      }
    });
    child.on('close', (code) => reject(new EngineError('RUNTIME', `terminal helper exited (${code}) before it was ready${stderr ? `: ${stderr.trim()}` : ''}`)));
    child.on('error', (e) => reject(new EngineError('RUNTIME', `cannot run the terminal helper (${o.python}): ${e.message}`)));
  });
  ready.catch(() => {});
  ctl.on('error', () => {});
  child.stdout!.on('data', (b: Buffer) => o.onOutput?.('stdout', b));
  child.stderr!.on('data', (b: Buffer) => {
    // before ready, stderr is the helper's or the runtime's complaint; after, the container's
    if (isReady) o.onOutput?.('stderr', b);
    else stderr += b.toString();
  });
  const unfeed = feed(child, o.stdin);
  const done = new Promise<number>((resolve) => {
    child.on('close', (code, sig) => {
      unfeed();
      if (isReady || code === 0) resolve(code ?? 128 + (sig === 'SIGKILL' ? 9 : 15));
      else resolve(code ?? 1);
    });
    child.on('error', () => resolve(127));
  });
  return {
    child,
    ready,
    done,
    resize: (s) => {
      if (!ctl.destroyed) ctl.write(`${Math.round(s.rows)} ${Math.round(s.cols)}\n`);
    },
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
    stderrText: () => stderr,
  };
}

/** Follows a TerminalControl: the initial size now, resizes after. Returns the unsubscribe. */
export function followTerminal(t: TerminalControl | undefined, apply: (s: TerminalSize) => void): () => void {
  if (!t) return () => {};
  if (t.size) apply(t.size);
  return t.onResize?.(apply) ?? (() => {});
}

/** A tty exec through the helper; resolves like execProcess does. */
export async function runTtyHelper(o: {
  python: string;
  helper: string;
  args: string[];
  stdin?: Readable | Buffer | string;
  terminal?: TerminalControl;
  onOutput?: OnOutput;
  timeoutMs?: number;
}): Promise<ExecResult> {
  const out: Buffer[] = [];
  const run = startHelper({ ...o, onOutput: o.onOutput ?? ((_s, b) => out.push(b)) });
  const timer = o.timeoutMs ? setTimeout(() => run.child.kill('SIGKILL'), o.timeoutMs) : undefined;
  let unfollow = () => {};
  try {
    await run.ready;
    unfollow = followTerminal(o.terminal, run.resize);
  } catch (e) {
    await run.done;
    if (timer) clearTimeout(timer);
    const text = run.stderrText().trim();
    // the runtime refused (no such command...): its message and code, as a non-tty exec reports them
    const code = run.child.exitCode ?? 1;
    if (text) return { exitCode: code, stdout: '', stderr: text + '\n' };
    throw e;
  }
  const exitCode = await run.done;
  unfollow();
  if (timer) clearTimeout(timer);
  return { exitCode, stdout: Buffer.concat(out).toString(), stderr: '' };
}

/** Writes a resize to conmon's ctl fifo of a tty container (non-blocking: a dead conmon has no reader). */
export function resizeConmon(ctlFifo: string, s: TerminalSize): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(ctlFifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    fs.writeSync(fd, `1 ${Math.round(s.rows)} ${Math.round(s.cols)}\n`);
  } catch {
    // no conmon listening (the container is gone): nothing to resize
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
