/**
 * A process in a running container: `runtime exec --process <file>` with the container's
 * own process spec as the base (capabilities, rlimits, seccomp-free since the runtime applies
 * the container's), the command, env, user and workdir replaced. The runtime passes its
 * stdio to the process and exits with the process's code.
 */
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ExecOptions, ExecResult } from '../api/types.js';
import { EngineError } from '../api/types.js';
import { newId } from '../common/naming.js';
import type { OciRuntime } from './driver.js';
import { secureJoin } from './fsops.js';
import { signalNumber } from './signals.js';
import { mergeEnv, type OciSpec } from './spec.js';
import { resolveUser } from './users.js';
import { runTtyHelper } from './interactive.js';

async function readIn(rootfs: string, p: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(await secureJoin(rootfs, p, { followLast: true }), 'utf8');
  } catch {
    return undefined;
  }
}

export async function execProcess(o: {
  runtime: OciRuntime;
  id: string;
  /** The container dir holding the bundle's config.json. */
  dir: string;
  availableCaps: string[];
  opts: ExecOptions;
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  timeoutMs?: number;
  /** tty exec: the terminal helper (ttyhelper.ts) and Python to run it. */
  tty?: { python: string; helper: string; runDir: string };
}): Promise<ExecResult> {
  const { opts, onOutput, timeoutMs } = o;
  if (!opts.cmd.length) throw new EngineError('INVALID', 'exec needs a command');
  const spec = JSON.parse(await fsp.readFile(path.join(o.dir, 'config.json'), 'utf8')) as OciSpec;
  const tty = !!opts.tty && !opts.detach && !!o.tty;
  const proc: OciSpec['process'] & { consoleSize?: { height: number; width: number } } = { ...spec.process, terminal: tty, args: opts.cmd };
  const size = opts.terminal?.size;
  if (tty && size) proc.consoleSize = { height: size.rows, width: size.cols };
  proc.env = mergeEnv(spec.process.env, opts.env);
  if (opts.workingDir) proc.cwd = opts.workingDir;
  if (opts.user) {
    const u = resolveUser(opts.user, await readIn(spec.root.path, '/etc/passwd'), await readIn(spec.root.path, '/etc/group'));
    proc.user = { uid: u.uid, gid: u.gid, ...(u.additionalGids.length ? { additionalGids: u.additionalGids } : {}) };
  }
  if (opts.privileged) {
    const all = o.availableCaps.map((c) => `CAP_${c}`);
    proc.capabilities = { bounding: all, effective: all, permitted: all };
  }
  const file = path.join(o.dir, `exec-${newId().slice(0, 12)}.json`);
  await fsp.writeFile(file, JSON.stringify(proc));
  try {
    const args = o.runtime.execArgs(o.id, file, { detach: opts.detach });
    if (tty) {
      // a unix socket path holds 107 bytes: a long root falls back to the temp dir (root only, mode 0700 socket)
      let sock = path.join(o.tty!.runDir, `tty-${newId().slice(0, 12)}.sock`);
      if (Buffer.byteLength(sock) > 100) sock = path.join(os.tmpdir(), `bth-tty-${newId().slice(0, 16)}.sock`);
      const rtArgs = [o.runtime.wrapper, ...args.slice(0, -1), '--console-socket', sock, args[args.length - 1]!];
      try {
        return await runTtyHelper({ python: o.tty!.python, helper: o.tty!.helper, args: ['exec', sock, ...rtArgs], stdin: opts.stdin, terminal: opts.terminal, onOutput, timeoutMs });
      } finally {
        await fsp.rm(sock, { force: true }); // the helper removes it, unless it was killed first
      }
    }
    return await new Promise<ExecResult>((resolve, reject) => {
      const child = spawn(o.runtime.wrapper, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, timeoutMs)
        : undefined;
      child.stdout.on('data', (b: Buffer) => (onOutput ? onOutput('stdout', b) : out.push(b)));
      child.stderr.on('data', (b: Buffer) => (onOutput ? onOutput('stderr', b) : err.push(b)));
      child.on('error', (e) => reject(new EngineError('RUNTIME', `exec failed: ${e.message}`)));
      child.on('close', (code, sig) => {
        if (timer) clearTimeout(timer);
        const stdout = Buffer.concat(out).toString();
        const stderr = Buffer.concat(err).toString();
        if (timedOut) resolve({ exitCode: -1, stdout, stderr: `${stderr}exec exceeded its timeout (${timeoutMs} ms)` });
        else resolve({ exitCode: code ?? 128 + (sig ? signalNumber(sig.replace(/^SIG/, '')) : 0), stdout, stderr });
      });
      child.stdin.on('error', () => {});
      const input = opts.stdin;
      if (input === undefined) child.stdin.end();
      else if (typeof input === 'string' || Buffer.isBuffer(input)) child.stdin.end(input);
      else input.pipe(child.stdin);
    });
  } finally {
    await fsp.rm(file, { force: true });
  }
}
