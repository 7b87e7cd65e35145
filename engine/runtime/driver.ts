/**
 * The OCI runtime (crun or runc) behind one small interface. Every call goes through a
 * wrapper script under the root (<root>/run/runtime) that pins `--root <root>/run/<rt>`
 * and, for crun on a hybrid-cgroup host, enters berth's own mount namespace where the
 * cgroup2 mount is gone (engine-lab.md §0.2). conmon gets the same wrapper as its `-r`,
 * so conmon and the engine always talk to the same runtime state.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../api/types.js';
import { run, type RunResult } from '../common/exec.js';

/**
 * How crun gets past the hybrid-cgroup check: 'direct' (pure v1 or v2 host, and runc),
 * 'unshare' (each call in a fresh private mount namespace with the cgroup2 mount lazily
 * unmounted: ~15 ms per call, but it sees every mount the host has at that moment, so no
 * propagation bookkeeping is needed).
 */
export type NsMode = 'direct' | 'unshare' | 'engine-ns';

export type RuntimeName = 'crun' | 'runc';

export interface RuntimeState {
  id: string;
  pid: number;
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  bundle: string;
}

export class OciRuntime {
  readonly stateDir: string;
  readonly wrapper: string;

  constructor(
    readonly name: RuntimeName,
    readonly binary: string,
    runDir: string,
    readonly nsMode: NsMode = 'direct',
    private readonly unifiedMount = '/sys/fs/cgroup/unified',
  ) {
    this.stateDir = path.join(runDir, name);
    // one wrapper per runtime: conmon keeps the path it was given for the container's lifetime
    this.wrapper = path.join(runDir, `runtime-${name}`);
  }

  /** Writes the wrapper and the state dir. */
  async prepare(): Promise<void> {
    await fs.mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    const rt = `${this.binary} --root ${this.stateDir}`;
    const unshare = `exec unshare -m --propagation private sh -c 'umount -l ${this.unifiedMount} 2>/dev/null; exec ${rt} "$@"' berth-runtime "$@"`;
    const nsFile = path.join(path.dirname(this.stateDir), 'ns', 'mnt');
    const body =
      this.nsMode === 'unshare'
        ? unshare
        : this.nsMode === 'engine-ns'
          ? `if [ "$(stat -f -c %T ${nsFile} 2>/dev/null)" = nsfs ]; then exec nsenter --mount=${nsFile} ${rt} "$@"; fi\n${unshare}`
          : `exec ${rt} "$@"`;
    const script = `#!/bin/sh\n# written by berth: the OCI runtime for this root\n${body}\n`;
    let old = '';
    try {
      old = await fs.readFile(this.wrapper, 'utf8');
    } catch {
      // first start
    }
    if (old !== script) {
      const tmp = `${this.wrapper}.tmp-${process.pid}`;
      await fs.writeFile(tmp, script, { mode: 0o700 });
      await fs.rename(tmp, this.wrapper);
    }
  }

  /** Runs a runtime subcommand through the wrapper. */
  async call(args: string[], opts: { allowFail?: boolean; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    return run(this.wrapper, args, opts);
  }

  async state(id: string): Promise<RuntimeState | undefined> {
    const r = await this.call(['state', id], { allowFail: true });
    if (r.code !== 0) return undefined;
    try {
      return JSON.parse(r.stdout) as RuntimeState;
    } catch {
      return undefined;
    }
  }

  async list(): Promise<RuntimeState[]> {
    const r = await this.call(['list', '-f', 'json'], { allowFail: true });
    if (r.code !== 0) return [];
    try {
      return (JSON.parse(r.stdout || '[]') ?? []) as RuntimeState[];
    } catch {
      return [];
    }
  }

  async start(id: string): Promise<void> {
    await this.call(['start', id]);
  }

  async kill(id: string, signal: string, all = false): Promise<void> {
    const r = await this.call(['kill', ...(all ? ['--all'] : []), id, signal], { allowFail: true });
    if (r.code !== 0 && !/not running|container not running|does not exist|process already finished|no such process/i.test(r.stderr)) {
      throw new EngineError('RUNTIME', `cannot signal container: ${r.stderr.trim()}`);
    }
  }

  async delete(id: string): Promise<void> {
    await this.call(['delete', '--force', id], { allowFail: true });
  }

  async pause(id: string): Promise<void> {
    await this.call(['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.call(['resume', id]);
  }

  async ps(id: string): Promise<number[]> {
    const r = await this.call(['ps', '--format', 'json', id], { allowFail: true });
    if (r.code !== 0) return [];
    try {
      return (JSON.parse(r.stdout || '[]') ?? []) as number[];
    } catch {
      return [];
    }
  }

  /** argv (after the wrapper) for `exec` with a process spec file. */
  execArgs(id: string, processFile: string, opts: { detach?: boolean; tty?: boolean }): string[] {
    const a = ['exec', '--process', processFile];
    if (opts.detach) a.push('--detach');
    if (opts.tty) a.push('--tty');
    a.push(id);
    return a;
  }
}
