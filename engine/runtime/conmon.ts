/**
 * conmon, the per-container shim: it double-forks away from the engine, becomes the
 * container's subreaper, runs `<runtime> create`, keeps stdout/stderr in a k8s-file log and
 * writes the exit code to --exit-dir/<id> and <persist-dir>/exit (plus an `oom` marker).
 * Because it holds the container, the container outlives the engine.
 *
 * The engine learns the container's pid from conmon's sync pipe (fd 3, _OCI_SYNCPIPE);
 * `start` must wait for it, or it can race `create` (engine-lab.md §3).
 */
import { spawn } from 'node:child_process';
import { EngineError } from '../api/types.js';

export interface ConmonOptions {
  conmon: string;
  id: string;
  name: string;
  bundle: string;
  runtimeWrapper: string;
  containerPidFile: string;
  conmonPidFile: string;
  exitDir: string;
  persistDir: string;
  logPath: string;
  logSizeMax: number;
  socketDir: string;
  stdin?: boolean;
  terminal?: boolean;
  /** With stdin: a detaching attach client does not close the container's stdin (not StdinOnce). */
  leaveStdinOpen?: boolean;
  timeoutMs?: number;
}

export function conmonArgs(o: ConmonOptions): string[] {
  const a = [
    '--api-version', '1',
    '-c', o.id,
    // the attach socket lives at <socket-dir>/<cuuid>/attach: a short uuid keeps it under 108 bytes
    '-u', o.id.slice(0, 12),
    '-n', o.name,
    '-r', o.runtimeWrapper,
    '-b', o.bundle,
    '-p', o.containerPidFile,
    '-P', o.conmonPidFile,
    '--exit-dir', o.exitDir,
    '-0', o.persistDir,
    '-l', `k8s-file:${o.logPath}`,
    '--socket-dir-path', o.socketDir,
    '--log-level', 'error',
  ];
  if (o.logSizeMax > 0) a.push('--log-size-max', String(o.logSizeMax));
  if (o.stdin) a.push('-i');
  if (o.stdin && o.leaveStdinOpen) a.push('--leave-stdin-open');
  if (o.terminal) a.push('-t');
  return a;
}

/** Spawns conmon detached and resolves with the container's pid once `create` is done. */
export function spawnConmon(o: ConmonOptions): Promise<{ pid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(o.conmon, conmonArgs(o), {
      detached: true,
      // conmon writes an `oom` marker relative to its working directory as well as into the
      // persist dir: run it in the bundle, which goes away with the container.
      cwd: o.bundle,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      env: { ...process.env, _OCI_SYNCPIPE: '3' },
    });
    const sync = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void };
    let buf = '';
    let stderr = '';
    let done = false;
    const finish = (err: Error | undefined, pid?: number) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // conmon keeps the sync pipe open to report the exit later; we only want the pid.
      sync.destroy();
      child.stderr?.destroy();
      child.unref();
      if (err) reject(err);
      else resolve({ pid: pid! });
    };
    const timer = setTimeout(() => finish(new EngineError('RUNTIME', `conmon did not report the container pid in time${stderr ? `: ${stderr.trim()}` : ''}`)), o.timeoutMs ?? 30_000);
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', (e) => finish(new EngineError('RUNTIME', `cannot run conmon: ${e.message}`)));
    sync.on('data', (b: Buffer) => {
      buf += b.toString();
      const nl = buf.indexOf('\n');
      const text = nl >= 0 ? buf.slice(0, nl) : buf;
      let msg: { data?: number; message?: string };
      try {
        msg = JSON.parse(text);
      } catch {
        return; // incomplete message
      }
      if (typeof msg.data === 'number' && msg.data > 0) finish(undefined, msg.data);
      else finish(new EngineError('RUNTIME', cleanRuntimeMessage(msg.message ?? `container create failed${stderr ? `: ${stderr.trim()}` : ''}`)));
    });
    sync.on('end', () => finish(new EngineError('RUNTIME', `conmon exited before the container was created${stderr ? `: ${stderr.trim()}` : ''}`)));
  });
}

/** runc/crun prefix messages with log noise (time="..." level=error msg="..."): keep the message. */
export function cleanRuntimeMessage(m: string): string {
  const msgs = [...m.matchAll(/msg="((?:[^"\\]|\\.)*)"/g)].map((x) => x[1]!.replace(/\\"/g, '"'));
  return (msgs.length ? msgs.join(': ') : m).trim();
}
