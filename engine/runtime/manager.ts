/**
 * The container manager: lifecycle on top of the OCI runtime and conmon, state in records
 * under the root, exits seen through conmon's exit dir (fs.watch plus a poll, since inotify
 * can miss events), restart policies and healthchecks run here.
 *
 * Locking: user operations on one container run one at a time (`serial`); exit handling
 * does not take that lock (a stop holding it waits for the exit), it is guarded by its own
 * in-progress flag instead.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type {
  ContainerCreateRequest,
  ContainerInspect,
  ContainerListOptions,
  ContainerStats,
  ContainerSummary,
  AttachOptions,
  AttachResult,
  ExecOptions,
  ExecResult,
  LogLine,
  LogOptions,
  SyncOp,
  SyncResult,
  TopResult,
} from '../api/types.js';
import { EngineError } from '../api/types.js';
import type { BuildRunner, ContainerManager, EngineContext, ImageStore, NetworkManager, VolumeManager } from '../common/contracts.js';
import { newId } from '../common/naming.js';
import { removeTree } from '../common/fsutil.js';
import { run } from '../common/exec.js';
import { oomKillCount, readStats, removeCgroup, removeParentIfEmpty, type CgroupLayout } from '../cgroups/index.js';
import type { OciRuntime, RuntimeName } from './driver.js';
import type { EngineMountNs } from './mntns.js';
import { spawnConmon } from './conmon.js';
import { ContainerPaths, loadRecords, saveRecord, ZERO_TIME, type ContainerRecord } from './records.js';
import { prepareSpec, setupNetwork, type HostFacts } from './prepare.js';
import { nextBackoff, shouldRestart } from './restart.js';
import { HealthMonitor, healthConfig } from './health.js';
import { readLogs } from './logs.js';
import { applySync, copyOut, secureJoin, type FsView } from './fsops.js';
import { resolveUser } from './users.js';
import { isAlive, procStartTime, readPidFile } from './procfs.js';
import { createBuildRunner } from './build.js';
import { execProcess } from './execproc.js';
import { followTerminal, resizeConmon, startHelper, type HelperRun } from './interactive.js';
import { writeTtyHelper } from './ttyhelper.js';
import { toInspect, toSummary } from './views.js';
import { listFilter } from './filters.js';
import { signalNumber } from './signals.js';

export interface ManagerDeps {
  images: ImageStore;
  networks: NetworkManager;
  volumes: VolumeManager;
  runtime: OciRuntime;
  /** The runtime a container was created with, when the engine now uses another one (BERTH_RUNTIME changed). */
  runtimeFor?: (name: RuntimeName) => OciRuntime | undefined;
  /** crun's kept mount namespace on hybrid hosts: made before the first container's mounts, undone after the last. */
  mntns?: EngineMountNs;
  cgroups: CgroupLayout;
  facts: HostFacts;
  conmon: string;
  /** Python 3 for the terminal helper (tty exec, attach); without it those calls fail clearly. */
  python?: string;
  logSizeMax?: number;
  pollMs?: number;
}

interface Live {
  health?: HealthMonitor;
  restartTimer?: NodeJS.Timeout;
  backoffMs: number;
  exitHandling?: Promise<void>;
  exitWaiters: (() => void)[];
  lastCpu?: { ns: number; at: bigint };
  /** The runtime state and cgroups of the last run are gone (no need to ask the runtime again). */
  runtimeCleaned?: boolean;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export class Manager implements ContainerManager {
  private readonly recs = new Map<string, ContainerRecord>();
  private readonly live = new Map<string, Live>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly p: ContainerPaths;
  private watcher?: fs.FSWatcher;
  private poller?: NodeJS.Timeout;
  private closed = false;
  /** Creates in flight: the mount namespace must not be released under them. */
  private creating = 0;
  /** Names of creates in flight, so two concurrent creates cannot take the same name. */
  private readonly pendingNames = new Set<string>();
  /** The terminal helper, written at init when Python is there. */
  private tty?: { python: string; helper: string; runDir: string };

  constructor(
    private readonly ctx: EngineContext,
    private readonly d: ManagerDeps,
  ) {
    this.p = new ContainerPaths(ctx.naming.root);
  }

  // ---------------------------------------------------------------- setup

  async init(): Promise<void> {
    await fsp.mkdir(this.p.containers, { recursive: true, mode: 0o700 });
    await fsp.mkdir(this.p.exitDir, { recursive: true });
    await fsp.mkdir(this.p.socketDir, { recursive: true });
    await this.d.runtime.prepare();
    if (this.d.python) this.tty = { python: this.d.python, helper: await writeTtyHelper(this.p.run), runDir: this.p.run };
    for (const rec of await loadRecords(this.p, this.ctx.log)) {
      this.recs.set(rec.id, rec);
      this.live.set(rec.id, { backoffMs: 0, exitWaiters: [] });
      if (rec.runtime && rec.runtime !== this.d.runtime.name && !this.others.has(rec.runtime)) {
        const other = this.d.runtimeFor?.(rec.runtime);
        if (other) {
          await other.prepare();
          this.others.set(rec.runtime, other);
        }
      }
    }
    await this.reapStrays();
    this.watchExits();
    for (const rec of [...this.recs.values()]) await this.adopt(rec);
  }

  /**
   * Runtime containers under our state dirs that no record says are running: an engine
   * killed in the middle of a start or a remove leaves them. Kill and delete them.
   */
  private async reapStrays(): Promise<void> {
    for (const rt of [this.d.runtime, ...this.others.values()]) {
      for (const st of await rt.list()) {
        const rec = this.recs.get(st.id);
        if (rec && (rec.state.status === 'running' || rec.state.status === 'paused') && this.rt(rec) === rt) continue;
        this.ctx.log(`reaping stray runtime container ${st.id.slice(0, 12)} (${st.status})`);
        await rt.kill(st.id, 'KILL', true).catch(() => {});
        await rt.delete(st.id);
        removeCgroup(this.d.cgroups, `/${this.ctx.naming.long}/${st.id}`);
      }
    }
  }

  /** Re-adoption of one container after an engine restart. */
  private async adopt(rec: ContainerRecord): Promise<void> {
    const st = rec.state.status;
    if (st === 'removing') {
      await this.finishRemove(rec, false).catch((e) => this.ctx.log(`finish remove ${rec.id}: ${(e as Error).message}`));
      return;
    }
    if (st === 'restarting') {
      this.scheduleRestart(rec);
      return;
    }
    if (st === 'exited' && restartsAtEngineStart(rec)) {
      // Docker's rule: an `always` container is started again when the engine starts, even
      // after a user's stop (unless-stopped is the policy that honours that stop).
      this.ctx.log(`container ${rec.id.slice(0, 12)} (${rec.name}): restart policy always, starting it with the engine`);
      rec.manuallyStopped = false;
      rec.state.status = 'restarting';
      this.liveOf(rec.id).backoffMs = 0;
      await this.save(rec);
      this.scheduleRestart(rec);
      return;
    }
    if (st !== 'running' && st !== 'paused') return;
    if (fs.existsSync(this.p.exitFile(rec.id)) || fs.existsSync(path.join(this.p.persist(rec.id), 'exit'))) {
      await this.handleExit(rec.id);
      return;
    }
    if (isAlive(rec.state.conmonPid, rec.state.conmonStart)) {
      const rs = await this.rt(rec).state(rec.id);
      if (rs?.status === 'paused') rec.state.status = 'paused';
      else if (rs?.status === 'running') rec.state.status = 'running';
      this.startHealth(rec);
      this.ctx.log(`adopted container ${rec.id.slice(0, 12)} (${rec.name})`);
      return;
    }
    // conmon died without writing an exit: the shim is gone, nobody can report this
    // container's exit any more. Kill what is left and record it, as containerd does for a dead shim.
    this.ctx.log(`container ${rec.id.slice(0, 12)}: shim is gone, cleaning up`);
    await this.rt(rec).kill(rec.id, 'KILL', true).catch(() => {});
    rec.state.error = 'container shim (conmon) exited unexpectedly';
    await this.handleExit(rec.id, 137);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.maybeReleaseNs();
    this.watcher?.close();
    if (this.poller) clearInterval(this.poller);
    for (const l of this.live.values()) {
      l.health?.stop();
      if (l.restartTimer) clearTimeout(l.restartTimer);
    }
  }

  /** The kept mount namespace goes with the last container (a root without containers holds no mounts). */
  private async maybeReleaseNs(): Promise<void> {
    if (!this.d.mntns || this.recs.size > 0 || this.creating > 0) return;
    await this.d.mntns.release().catch((e) => this.ctx.log(`release mount namespace: ${(e as Error).message}`));
  }

  private watchExits(): void {
    try {
      this.watcher = fs.watch(this.p.exitDir, (_ev, file) => {
        if (file && this.recs.has(String(file))) void this.handleExit(String(file));
      });
      this.watcher.on('error', () => {});
    } catch (e) {
      this.ctx.log(`cannot watch ${this.p.exitDir}: ${(e as Error).message}; polling only`);
    }
    // inotify events can be lost (and conmon can die without writing): poll as the backstop
    this.poller = setInterval(() => void this.poll(), this.d.pollMs ?? 1000);
    this.poller.unref();
  }

  private async poll(): Promise<void> {
    for (const rec of this.recs.values()) {
      if (rec.state.status !== 'running' && rec.state.status !== 'paused') continue;
      if (fs.existsSync(this.p.exitFile(rec.id))) void this.handleExit(rec.id);
      else if (rec.state.conmonPid && !isAlive(rec.state.conmonPid, rec.state.conmonStart)) {
        // conmon writes the exit file before it exits; give it one more look before calling it dead
        await new Promise((r) => setTimeout(r, 100));
        if (!fs.existsSync(this.p.exitFile(rec.id)) && (rec.state.status === 'running' || rec.state.status === 'paused')) {
          rec.state.error = 'container shim (conmon) exited unexpectedly';
          void this.handleExit(rec.id, 137);
        }
      }
    }
  }

  private readonly others = new Map<RuntimeName, OciRuntime>();

  /** The runtime that holds this container's state. */
  private rt(rec: ContainerRecord): OciRuntime {
    if (!rec.runtime || rec.runtime === this.d.runtime.name) return this.d.runtime;
    return this.others.get(rec.runtime) ?? this.d.runtime;
  }

  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => {});
    this.locks.set(id, tail);
    void tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return next;
  }

  // ---------------------------------------------------------------- lookup

  private find(ref: string): ContainerRecord | undefined {
    const r = ref.replace(/^\//, '');
    const exact = this.recs.get(r);
    if (exact) return exact;
    for (const rec of this.recs.values()) if (rec.name === r) return rec;
    if (r.length >= 1 && /^[0-9a-f]+$/.test(r)) {
      const m = [...this.recs.values()].filter((x) => x.id.startsWith(r));
      if (m.length === 1) return m[0];
      if (m.length > 1) throw new EngineError('INVALID', `multiple containers match the id prefix ${r}`);
    }
    return undefined;
  }

  private get(ref: string): ContainerRecord {
    const rec = this.find(ref);
    if (!rec) throw new EngineError('NOT_FOUND', `no such container: ${ref}`);
    return rec;
  }

  private liveOf(id: string): Live {
    let l = this.live.get(id);
    if (!l) {
      l = { backoffMs: 0, exitWaiters: [] };
      this.live.set(id, l);
    }
    return l;
  }

  private attrs(rec: ContainerRecord, extra: Record<string, string> = {}): Record<string, string> {
    return { ...(rec.config.labels ?? {}), name: rec.name, image: rec.image, ...extra };
  }

  private emit(rec: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    this.ctx.events.emit({ type: 'container', action, id: rec.id, attributes: this.attrs(rec, extra) });
  }

  private save(rec: ContainerRecord): Promise<void> {
    return saveRecord(this.p, rec);
  }

  private uniqueName(): string {
    const adj = ['brave', 'calm', 'eager', 'fond', 'keen', 'lucid', 'merry', 'noble', 'quiet', 'swift', 'tidy', 'vivid'];
    const noun = ['ada', 'babbage', 'curie', 'darwin', 'euler', 'faraday', 'gauss', 'hopper', 'lovelace', 'noether', 'turing', 'wiles'];
    for (;;) {
      const n = `${adj[Math.floor(Math.random() * adj.length)]}_${noun[Math.floor(Math.random() * noun.length)]}_${Math.floor(Math.random() * 1000)}`;
      if (!this.find(n)) return n;
    }
  }

  // ---------------------------------------------------------------- create

  async containerCreate(req: ContainerCreateRequest): Promise<{ id: string; warnings: string[] }> {
    const name = req.name?.replace(/^\//, '') || this.uniqueName();
    if (!NAME_RE.test(name)) throw new EngineError('INVALID', `invalid container name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    if (this.find(name)?.name === name || this.pendingNames.has(name)) throw new EngineError('CONFLICT', `the container name "/${name}" is already in use`);
    this.pendingNames.add(name);
    try {
      return await this.createNamed(req, name);
    } finally {
      this.pendingNames.delete(name);
    }
  }

  private async createNamed(req: ContainerCreateRequest, name: string): Promise<{ id: string; warnings: string[] }> {
    const image = await this.d.images.inspect(req.image);
    const id = newId();
    const mode = req.network?.mode ?? 'bridge';
    const rec: ContainerRecord = {
      id,
      name,
      created: new Date().toISOString(),
      image: req.image,
      imageId: image.id,
      config: { ...req, name },
      imageConfig: image.config ?? {},
      path: '',
      args: [],
      state: { status: 'created', pid: 0, exitCode: 0, oomKilled: false, error: '', startedAt: ZERO_TIME, finishedAt: ZERO_TIME, conmonPid: 0 },
      restartCount: 0,
      manuallyStopped: false,
      networkMode: mode === 'container' ? `container:${req.network?.container ?? ''}` : mode === 'bridge' && !req.network?.endpoints?.length ? 'bridge' : mode === 'bridge' ? req.network!.endpoints![0]!.network : mode,
      networks: {},
      ports: [],
      mounts: [],
      runtime: this.d.runtime.name,
      cgroupsPath: `/${this.ctx.naming.long}/${id}`,
    };
    const warnings: string[] = [];
    const dir = this.p.dir(id);
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    // before the rootfs mount: the namespace must exist before any container mount under the root
    this.creating++;
    try {
      if (this.d.mntns) await this.d.mntns.ensure();
      const rootfs = await this.d.images.mountRootfs(id, image.id);
      for (const m of req.mounts ?? []) rec.mounts.push(await this.d.volumes.resolve(id, m, rootfs));
      // The spec is built once now so that a bad request (unknown user, no command...) fails at create, as Docker does.
      const cmd = [...(req.entrypoint !== undefined ? req.entrypoint ?? [] : image.config?.Entrypoint ?? []), ...(req.cmd !== undefined ? req.cmd ?? [] : req.entrypoint !== undefined ? [] : image.config?.Cmd ?? [])];
      if (!cmd.length) throw new EngineError('INVALID', 'no command specified');
      rec.path = cmd[0]!;
      rec.args = cmd.slice(1);
      resolveUser(req.user ?? image.config?.User, await readMaybe(rootfs, '/etc/passwd'), await readMaybe(rootfs, '/etc/group'), req.groupAdd);
      rec.health = healthConfig(req, rec.imageConfig) ? { status: 'starting', failingStreak: 0, log: [] } : undefined;
      await this.save(rec);
    } catch (e) {
      await this.d.volumes.release(id, true).catch(() => {});
      await this.d.images.removeRootfs(id).catch(() => {});
      await removeTree(dir).catch(() => {});
      this.creating--;
      await this.maybeReleaseNs();
      throw e;
    }
    this.recs.set(id, rec);
    this.creating--;
    this.live.set(id, { backoffMs: 0, exitWaiters: [] });
    this.emit(rec, 'create');
    return { id, warnings };
  }

  // ---------------------------------------------------------------- start

  async containerStart(ref: string): Promise<void> {
    const rec = this.get(ref);
    await this.serial(rec.id, async () => {
      if (rec.state.status === 'running') return;
      if (rec.state.status === 'paused') throw new EngineError('CONFLICT', `container ${rec.name} is paused: unpause it instead`);
      if (rec.state.status === 'removing') throw new EngineError('CONFLICT', `container ${rec.name} is being removed`);
      const l = this.liveOf(rec.id);
      if (l.restartTimer) clearTimeout(l.restartTimer);
      l.restartTimer = undefined;
      rec.manuallyStopped = false;
      l.backoffMs = 0;
      await this.startNow(rec);
    });
  }

  private async startNow(rec: ContainerRecord, hooks: { beforeStart?: () => Promise<void> } = {}): Promise<void> {
    const id = rec.id;
    // the previous run's teardown may still be going (see processExit)
    await this.live.get(id)?.exitHandling;
    const dir = this.p.dir(id);
    const hostname = rec.config.hostname || id.slice(0, 12);
    // what it goes back to when the start fails
    const prev = rec.state.status === 'created' ? 'created' : 'exited';
    let stage = 'rootfs';
    const t: string[] = [];
    let t0 = performance.now();
    const lap = (name: string) => {
      const n = performance.now();
      t.push(`${name}=${Math.round(n - t0)}ms`);
      t0 = n;
    };
    try {
      const rootfs = await this.d.images.mountRootfs(id, rec.imageId);
      lap('rootfs');
      stage = 'network';
      const net = await setupNetwork(rec, hostname, this.d.networks, (r) => {
        const o = this.find(r);
        return o ? { rec: o, dir: this.p.dir(o.id) } : undefined;
      });
      rec.netnsPath = net.netnsPath ?? undefined;
      rec.networks = net.sandbox?.endpoints ?? {};
      rec.ports = net.sandbox?.ports ?? [];
      lap('network');
      stage = 'spec';
      const out = await prepareSpec({ rec, dir, rootfs, hostname, net, facts: this.d.facts });
      // what the container runs, as Docker shows it: the init (--init) is a host detail
      rec.path = out.path;
      rec.args = out.args;
      await fsp.writeFile(path.join(dir, 'config.json'), JSON.stringify(out.spec, null, 1));
      lap('spec');
      stage = 'create';
      this.liveOf(id).runtimeCleaned = false;
      await fsp.rm(this.p.exitFile(id), { force: true });
      await fsp.rm(this.p.persist(id), { recursive: true, force: true });
      await fsp.mkdir(this.p.persist(id), { recursive: true });
      if (rec.state.startedAt !== ZERO_TIME) await this.rt(rec).delete(id); // a leftover from a crash would make create fail
      rec.runtime = this.d.runtime.name; // each run is created by the engine's current runtime
      const { pid } = await spawnConmon({
        conmon: this.d.conmon,
        id,
        name: rec.name,
        bundle: dir,
        runtimeWrapper: this.rt(rec).wrapper,
        containerPidFile: this.p.pidFile(id),
        conmonPidFile: this.p.conmonPid(id),
        exitDir: this.p.exitDir,
        persistDir: this.p.persist(id),
        logPath: this.p.log(id),
        logSizeMax: this.d.logSizeMax ?? 32 * 1024 * 1024,
        socketDir: this.p.socketDir,
        terminal: !!rec.config.tty,
        stdin: !!rec.config.openStdin,
        leaveStdinOpen: !rec.config.stdinOnce,
      });
      const conmonPid = readPidFile(this.p.conmonPid(id)) ?? 0;
      rec.state = {
        ...rec.state,
        status: 'running',
        pid,
        conmonPid,
        conmonStart: procStartTime(conmonPid),
        startedAt: new Date().toISOString(),
        error: '',
        oomKilled: false,
      };
      lap('create');
      stage = 'attach';
      await hooks.beforeStart?.();
      stage = 'start';
      await this.rt(rec).start(id);
      lap('start');
      this.ctx.log(`started ${id.slice(0, 12)}: ${t.join(' ')}`);
    } catch (e) {
      const msg = (e as Error).message;
      this.ctx.log(`start ${id.slice(0, 12)} failed at ${stage}: ${msg}`);
      await this.rt(rec).kill(id, 'KILL', true).catch(() => {});
      await this.cleanupAfterExit(rec);
      rec.state = { ...rec.state, status: prev, pid: 0, conmonPid: 0, conmonStart: undefined, error: msg, exitCode: stage === 'create' || stage === 'start' ? 128 : rec.state.exitCode };
      await fsp.rm(this.p.exitFile(id), { force: true });
      await this.save(rec);
      throw e instanceof EngineError ? e : new EngineError('RUNTIME', msg);
    }
    if (rec.health) rec.health = { status: 'starting', failingStreak: 0, log: rec.health.log };
    else if (healthConfig(rec.config, rec.imageConfig)) rec.health = { status: 'starting', failingStreak: 0, log: [] };
    await this.save(rec);
    this.emit(rec, 'start');
    this.startHealth(rec);
  }

  private startHealth(rec: ContainerRecord): void {
    const cfg = healthConfig(rec.config, rec.imageConfig);
    if (!cfg) return;
    const l = this.liveOf(rec.id);
    l.health?.stop();
    if (!rec.health) rec.health = { status: 'starting', failingStreak: 0, log: [] };
    l.health = new HealthMonitor(
      cfg,
      Date.parse(rec.state.startedAt),
      async (cmd, timeoutMs) => {
        // a frozen container cannot run a probe (exec would hang): skip, as Docker does
        if (rec.state.status === 'paused') return null;
        const r = await this.execIn(rec, { cmd }, undefined, timeoutMs);
        return { exitCode: r.exitCode, output: r.stdout + r.stderr };
      },
      () => rec.health ?? { status: 'starting', failingStreak: 0, log: [] },
      (s, changed) => {
        if (rec.state.status !== 'running' && rec.state.status !== 'paused') return;
        rec.health = s;
        void this.save(rec);
        if (changed) this.emit(rec, 'health_status', { healthStatus: s.status });
      },
    );
    l.health.start();
  }

  // ---------------------------------------------------------------- exits

  /** Handles an exit (from conmon's exit file, or forced with a code when the shim is gone). */
  private handleExit(id: string, forcedCode?: number): Promise<void> {
    const l = this.liveOf(id);
    if (l.exitHandling) return l.exitHandling;
    const rec = this.recs.get(id);
    if (!rec || (rec.state.status !== 'running' && rec.state.status !== 'paused')) return Promise.resolve();
    l.exitHandling = this.processExit(rec, forcedCode).finally(() => {
      l.exitHandling = undefined;
      const waiters = l.exitWaiters.splice(0);
      for (const w of waiters) w();
    });
    return l.exitHandling;
  }

  private async processExit(rec: ContainerRecord, forcedCode?: number): Promise<void> {
    const id = rec.id;
    const l = this.liveOf(id);
    l.health?.stop();
    l.health = undefined;
    let code = forcedCode ?? 0;
    const text = await this.readExitCode(id);
    if (text !== undefined) code = Number(text);
    // OOM: conmon's marker, or the kernel's counter (read before the runtime deletes the cgroup)
    const oom = fs.existsSync(path.join(this.p.persist(id), 'oom')) || oomKillCount(this.d.cgroups, rec.cgroupsPath) > 0;
    const ranFor = Date.now() - Date.parse(rec.state.startedAt);
    await this.cleanupAfterExit(rec, 'runtime');
    rec.state = { ...rec.state, status: 'exited', pid: 0, conmonPid: 0, conmonStart: undefined, exitCode: code, oomKilled: oom && code === 137, finishedAt: new Date().toISOString() };
    const restart = !rec.config.autoRemove && shouldRestart(rec.config.restartPolicy, code, rec.restartCount, rec.manuallyStopped);
    if (restart) {
      rec.state.status = 'restarting';
      l.backoffMs = nextBackoff(l.backoffMs, ranFor);
    }
    await this.save(rec);
    await fsp.rm(this.p.exitFile(id), { force: true });
    if (rec.state.oomKilled) this.emit(rec, 'oom');
    this.emit(rec, 'die', { exitCode: String(code) });
    // The exit is known and reported; the network and rootfs go after, off the waiters' path
    // (a sandbox teardown takes ~100-300 ms). Starts and removes wait for this to finish.
    await this.cleanupAfterExit(rec, 'host');
    if (restart) this.scheduleRestart(rec);
    else if (rec.config.autoRemove && !this.closed) {
      void this.serial(id, () => this.removeNow(rec, true)).catch((e) => this.ctx.log(`auto-remove ${id.slice(0, 12)}: ${(e as Error).message}`));
    }
  }

  /**
   * conmon creates the exit file and then writes it (not atomically): an inotify event can
   * come in between, so an empty file is read again for a moment before giving up.
   */
  private async readExitCode(id: string): Promise<string | undefined> {
    for (let i = 0; i < 40; i++) {
      for (const f of [this.p.exitFile(id), path.join(this.p.persist(id), 'exit')]) {
        const t = (await fsp.readFile(f, 'utf8').catch(() => '')).trim();
        if (/^-?\d+$/.test(t)) return t;
      }
      if (!fs.existsSync(this.p.exitFile(id)) && !fs.existsSync(path.join(this.p.persist(id), 'exit'))) return undefined;
      await sleep(25);
    }
    return undefined;
  }

  /** Everything a stopped container no longer needs: runtime state and cgroups ('runtime'), netns and rootfs mount ('host'). */
  private async cleanupAfterExit(rec: ContainerRecord, part: 'runtime' | 'host' | 'all' = 'all'): Promise<void> {
    const id = rec.id;
    const t: string[] = [];
    const all: [string, () => Promise<unknown>][] = [
      ['runtime delete', () => this.rt(rec).delete(id)],
      ['cgroups', async () => {
        removeCgroup(this.d.cgroups, rec.cgroupsPath);
        removeParentIfEmpty(this.d.cgroups, `/${this.ctx.naming.long}`);
      }],
      ['network', () => ((rec.config.network?.mode ?? 'bridge') === 'container' || rec.config.network?.mode === 'host' ? Promise.resolve() : this.d.networks.teardownSandbox(id))],
      ['rootfs', () => this.d.images.unmountRootfs(id)],
      ['files', () => fsp.rm(this.p.pidFile(id), { force: true })],
      // conmon makes <socket-dir>/<cuuid>/ for the attach socket and leaves the folder
      ['attach dir', () => fsp.rm(path.join(this.p.socketDir, id.slice(0, 12)), { recursive: true, force: true })],
    ];
    let steps = part === 'all' ? all : part === 'runtime' ? all.slice(0, 2) : all.slice(2);
    const l = this.liveOf(id);
    if (part === 'all' && l.runtimeCleaned) steps = all.slice(2);
    if (part !== 'host') l.runtimeCleaned = true;
    for (const [what, fn] of steps) {
      const t0 = performance.now();
      try {
        await fn();
        t.push(`${what}=${Math.round(performance.now() - t0)}ms`);
      } catch (e) {
        this.ctx.log(`cleanup ${id.slice(0, 12)} ${what}: ${(e as Error).message}`);
      }
    }
    if (part !== 'runtime') rec.netnsPath = undefined;
    this.ctx.log(`cleaned up ${id.slice(0, 12)}: ${t.join(' ')}`);
  }

  private scheduleRestart(rec: ContainerRecord): void {
    if (this.closed) return;
    const l = this.liveOf(rec.id);
    if (l.restartTimer) clearTimeout(l.restartTimer);
    this.ctx.log(`restarting ${rec.id.slice(0, 12)} in ${l.backoffMs || 100} ms`);
    l.restartTimer = setTimeout(() => {
      l.restartTimer = undefined;
      void this.serial(rec.id, async () => {
        if (rec.state.status !== 'restarting' || this.closed) return;
        rec.restartCount++;
        try {
          await this.startNow(rec);
          this.emit(rec, 'restart');
        } catch (e) {
          this.ctx.log(`restart ${rec.id.slice(0, 12)}: ${(e as Error).message}`);
        }
      });
    }, l.backoffMs || 100);
  }

  /** Resolves when the running container has exited and its exit was processed. */
  private waitExit(rec: ContainerRecord): Promise<void> {
    if (rec.state.status !== 'running' && rec.state.status !== 'paused') return this.liveOf(rec.id).exitHandling ?? Promise.resolve();
    return new Promise((res) => this.liveOf(rec.id).exitWaiters.push(res));
  }

  // ---------------------------------------------------------------- stop / kill / pause

  private stopSignal(rec: ContainerRecord, override?: string): string {
    return (override || rec.config.stopSignal || rec.imageConfig.StopSignal || 'SIGTERM').replace(/^SIG/, '');
  }

  async containerStop(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    const rec = this.get(ref);
    await this.serial(rec.id, () => this.stopNow(rec, opts));
  }

  private async stopNow(rec: ContainerRecord, opts: { timeout?: number; signal?: string }): Promise<void> {
    const l = this.liveOf(rec.id);
    if (rec.state.status === 'restarting') {
      if (l.restartTimer) clearTimeout(l.restartTimer);
      l.restartTimer = undefined;
      rec.manuallyStopped = true;
      rec.state.status = 'exited';
      await this.save(rec);
      this.emit(rec, 'stop');
      return;
    }
    if (rec.state.status !== 'running' && rec.state.status !== 'paused') return;
    rec.manuallyStopped = true;
    await this.save(rec);
    const exited = this.waitExit(rec);
    const timeout = (opts.timeout ?? rec.config.stopTimeout ?? 10) * 1000;
    await this.rt(rec).kill(rec.id, this.stopSignal(rec, opts.signal)).catch(() => {});
    if (rec.state.status === 'paused') await this.rt(rec).resume(rec.id).catch(() => {});
    const done = await Promise.race([exited.then(() => true), sleep(Math.max(0, timeout)).then(() => false)]);
    if (!done) {
      await this.rt(rec).kill(rec.id, 'KILL', true).catch(() => {});
      const ok = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
      if (!ok) {
        // conmon did not report in time: clean up by hand so stop never hangs forever
        rec.state.error = 'container did not report its exit after SIGKILL';
        await this.handleExit(rec.id, 137);
      }
    }
    this.emit(rec, 'stop');
  }

  async containerRestart(ref: string, opts: { timeout?: number } = {}): Promise<void> {
    const rec = this.get(ref);
    await this.serial(rec.id, async () => {
      await this.stopNow(rec, opts);
      rec.manuallyStopped = false;
      const l = this.liveOf(rec.id);
      l.backoffMs = 0;
      await this.startNow(rec);
      this.emit(rec, 'restart');
    });
  }

  async containerKill(ref: string, signal = 'KILL'): Promise<void> {
    const rec = this.get(ref);
    if (rec.state.status !== 'running' && rec.state.status !== 'paused') throw new EngineError('CONFLICT', `container ${rec.name} is not running`);
    const sig = signal.replace(/^SIG/, '').toUpperCase();
    signalNumber(sig); // validates
    // Docker treats a kill as the user's decision: the restart policy does not bring it back.
    rec.manuallyStopped = true;
    await this.save(rec);
    await this.rt(rec).kill(rec.id, sig);
    this.emit(rec, 'kill', { signal: String(signalNumber(sig)) });
  }

  async containerPause(ref: string): Promise<void> {
    const rec = this.get(ref);
    await this.serial(rec.id, async () => {
      if (rec.state.status !== 'running') throw new EngineError('CONFLICT', `container ${rec.name} is not running`);
      await this.rt(rec).pause(rec.id);
      rec.state.status = 'paused';
      await this.save(rec);
      this.emit(rec, 'pause');
    });
  }

  async containerUnpause(ref: string): Promise<void> {
    const rec = this.get(ref);
    await this.serial(rec.id, async () => {
      if (rec.state.status !== 'paused') throw new EngineError('CONFLICT', `container ${rec.name} is not paused`);
      await this.rt(rec).resume(rec.id);
      rec.state.status = 'running';
      await this.save(rec);
      this.emit(rec, 'unpause');
    });
  }

  // ---------------------------------------------------------------- remove

  async containerRemove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const rec = this.get(ref);
    await this.serial(rec.id, async () => {
      if ((rec.state.status === 'running' || rec.state.status === 'paused') && !opts.force) {
        throw new EngineError('CONFLICT', `cannot remove container ${rec.name}: it is ${rec.state.status}; stop it first or use force`);
      }
      await this.removeNow(rec, !!opts.volumes);
    });
  }

  private async removeNow(rec: ContainerRecord, volumes: boolean): Promise<void> {
    if (!this.recs.has(rec.id)) return;
    const l = this.liveOf(rec.id);
    if (l.restartTimer) clearTimeout(l.restartTimer);
    l.restartTimer = undefined;
    if (rec.state.status === 'running' || rec.state.status === 'paused') {
      rec.manuallyStopped = true;
      const exited = this.waitExit(rec);
      await this.rt(rec).kill(rec.id, 'KILL', true).catch(() => {});
      if (rec.state.status === 'paused') await this.rt(rec).resume(rec.id).catch(() => {});
      const ok = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
      if (!ok) await this.handleExit(rec.id, 137);
    }
    await (l.exitHandling ?? Promise.resolve());
    rec.state.status = 'removing';
    await this.save(rec);
    await this.finishRemove(rec, volumes);
  }

  private async finishRemove(rec: ContainerRecord, volumes: boolean): Promise<void> {
    const id = rec.id;
    await this.cleanupAfterExit(rec);
    await this.d.images.removeRootfs(id);
    await this.d.volumes.release(id, volumes || !!rec.config.autoRemove);
    await fsp.rm(this.p.exitFile(id), { force: true });
    await removeTree(this.p.dir(id));
    this.recs.delete(id);
    const l = this.live.get(id);
    this.live.delete(id);
    for (const w of l?.exitWaiters.splice(0) ?? []) w();
    removeParentIfEmpty(this.d.cgroups, `/${this.ctx.naming.long}`);
    await this.maybeReleaseNs();
    this.emit(rec, 'destroy');
  }

  async containerRename(ref: string, name: string): Promise<void> {
    const rec = this.get(ref);
    const n = name.replace(/^\//, '');
    if (!NAME_RE.test(n)) throw new EngineError('INVALID', `invalid container name "${n}"`);
    const other = this.find(n);
    if (other && other.name === n && other.id !== rec.id) throw new EngineError('CONFLICT', `the container name "/${n}" is already in use`);
    const old = rec.name;
    rec.name = n;
    rec.config = { ...rec.config, name: n };
    await this.save(rec);
    this.emit(rec, 'rename', { oldName: `/${old}` });
  }

  async containerPrune(): Promise<{ deleted: string[] }> {
    const deleted: string[] = [];
    for (const rec of [...this.recs.values()]) {
      if (rec.state.status === 'exited' || rec.state.status === 'created' || rec.state.status === 'dead') {
        await this.serial(rec.id, () => this.removeNow(rec, false));
        deleted.push(rec.id);
      }
    }
    return { deleted };
  }

  // ---------------------------------------------------------------- views

  async containerInspect(ref: string): Promise<ContainerInspect> {
    return toInspect(this.get(ref), this.p);
  }
  async containerList(opts: ContainerListOptions = {}): Promise<ContainerSummary[]> {
    const now = Date.now();
    const out: ContainerSummary[] = [];
    for (const rec of this.recs.values()) {
      const running = rec.state.status === 'running' || rec.state.status === 'paused' || rec.state.status === 'restarting';
      if (!opts.all && !running) continue;
      if (!listFilter(rec, opts.filters ?? {}, (r) => this.find(r)?.id)) continue;
      out.push(toSummary(rec, now));
    }
    return out.sort((a, b) => b.created.localeCompare(a.created));
  }

  imagesInUse(): Set<string> {
    return new Set([...this.recs.values()].map((r) => r.imageId));
  }

  counts(): { total: number; running: number; paused: number; stopped: number } {
    let running = 0;
    let paused = 0;
    for (const r of this.recs.values()) {
      if (r.state.status === 'running' || r.state.status === 'restarting') running++;
      else if (r.state.status === 'paused') paused++;
    }
    return { total: this.recs.size, running, paused, stopped: this.recs.size - running - paused };
  }

  runtimeInfo(): { runtime: 'crun' | 'runc'; runtimePath: string; cgroupVersion: 1 | 2 } {
    return { runtime: this.d.runtime.name, runtimePath: this.d.runtime.binary, cgroupVersion: this.d.cgroups.version };
  }

  // ---------------------------------------------------------------- wait / logs

  async containerWait(ref: string, opts: { condition?: 'not-running' | 'next-exit' | 'removed' } = {}, signal?: AbortSignal): Promise<{ exitCode: number }> {
    const rec = this.get(ref);
    const cond = opts.condition ?? 'not-running';
    const active = () => ['running', 'paused', 'restarting'].includes(rec.state.status);
    if (cond === 'not-running' && !active()) return { exitCode: rec.state.exitCode };
    return new Promise((resolve, reject) => {
      const off = this.ctx.events.on((e) => {
        if (e.type !== 'container' || e.id !== rec.id) return;
        const hit =
          (cond === 'removed' && e.action === 'destroy') ||
          (cond === 'next-exit' && e.action === 'die') ||
          (cond === 'not-running' && (e.action === 'die' || e.action === 'destroy') && !active());
        if (hit) {
          off();
          resolve({ exitCode: rec.state.exitCode });
        }
      });
      signal?.addEventListener('abort', () => {
        off();
        reject(new EngineError('UNAVAILABLE', 'wait aborted'));
      });
    });
  }

  containerLogs(ref: string, opts: LogOptions, signal?: AbortSignal): AsyncIterable<LogLine> {
    const rec = this.get(ref);
    return readLogs(this.p.log(rec.id), opts, {
      finished: () => !this.recs.has(rec.id) || !['running', 'paused', 'restarting'].includes(rec.state.status),
    }, signal);
  }

  // ---------------------------------------------------------------- exec / top / stats

  async containerExec(ref: string, opts: ExecOptions, onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): Promise<ExecResult> {
    const rec = this.get(ref);
    if (rec.state.status === 'paused') throw new EngineError('CONFLICT', `container ${rec.name} is paused, unpause it first`);
    if (rec.state.status !== 'running') throw new EngineError('CONFLICT', `container ${rec.name} is not running`);
    const execId = newId();
    this.emit(rec, 'exec_start', { execID: execId });
    const r = await this.execIn(rec, opts, onOutput);
    this.emit(rec, 'exec_die', { execID: execId, exitCode: String(r.exitCode) });
    return r;
  }

  /** Runs a process in the container through `runtime exec --process`. */
  private execIn(rec: ContainerRecord, opts: ExecOptions, onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void, timeoutMs?: number): Promise<ExecResult> {
    if (opts.tty && !opts.detach && !this.tty) throw new EngineError('RUNTIME', 'exec -t needs python3 on the engine host (apt-get install python3)');
    return execProcess({ runtime: this.rt(rec), id: rec.id, dir: this.p.dir(rec.id), availableCaps: this.d.facts.availableCaps, opts, onOutput, timeoutMs, tty: this.tty });
  }

  // ---------------------------------------------------------------- attach

  async containerAttach(ref: string, opts: AttachOptions, onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): Promise<AttachResult> {
    const rec = this.get(ref);
    const tty = this.tty;
    if (!tty) throw new EngineError('RUNTIME', 'attach needs python3 on the engine host (apt-get install python3)');
    const attachDir = path.join(this.p.socketDir, rec.id.slice(0, 12));
    // Input only reaches a container created with stdin open (docker run -i); otherwise it is not sent.
    const stdin = rec.config.openStdin ? opts.stdin : undefined;
    let run: HelperRun | undefined;
    const connect = async () => {
      run = startHelper({ python: tty.python, helper: tty.helper, args: ['attach', attachDir, ...(stdin !== undefined ? ['close-stdin'] : [])], stdin, onOutput });
      await run.ready;
    };
    if (opts.start) {
      await this.serial(rec.id, async () => {
        if (rec.state.status === 'running') return connect();
        if (rec.state.status === 'paused') throw new EngineError('CONFLICT', `container ${rec.name} is paused: unpause it instead`);
        if (rec.state.status === 'removing') throw new EngineError('CONFLICT', `container ${rec.name} is being removed`);
        const l = this.liveOf(rec.id);
        if (l.restartTimer) clearTimeout(l.restartTimer);
        l.restartTimer = undefined;
        rec.manuallyStopped = false;
        l.backoffMs = 0;
        await this.startNow(rec, { beforeStart: connect });
      });
    } else {
      if (rec.state.status !== 'running' && rec.state.status !== 'paused') throw new EngineError('CONFLICT', 'You cannot attach to a stopped container, start it first');
      await connect();
    }
    const r = run!;
    const unfollow = rec.config.tty ? followTerminal(opts.terminal, (s) => resizeConmon(path.join(this.p.dir(rec.id), 'ctl'), s)) : () => {};
    const onAbort = () => r.stop();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await r.done;
    } finally {
      unfollow();
      opts.signal?.removeEventListener('abort', onAbort);
    }
    if (opts.signal?.aborted) return { detached: true };
    // conmon closes the socket when the container exits: wait for the exit to be recorded
    await this.waitExit(rec);
    if (rec.state.status === 'running' || rec.state.status === 'paused') return { detached: true };
    return { exitCode: rec.state.exitCode };
  }

  async containerTop(ref: string, psArgs?: string): Promise<TopResult> {
    const rec = this.get(ref);
    if (rec.state.status !== 'running' && rec.state.status !== 'paused') throw new EngineError('CONFLICT', `container ${rec.name} is not running`);
    const pids = new Set((await this.rt(rec).ps(rec.id)).map(String));
    const args = (psArgs || '-ef').split(/\s+/).filter(Boolean);
    const r = await run('ps', args);
    const lines = r.stdout.split('\n').filter(Boolean);
    const titles = (lines[0] ?? '').trim().split(/\s+/);
    const pidCol = titles.indexOf('PID');
    if (pidCol < 0) throw new EngineError('INVALID', `ps ${args.join(' ')} has no PID column`);
    const processes: string[][] = [];
    for (const line of lines.slice(1)) {
      const f = line.trim().split(/\s+/);
      if (!pids.has(f[pidCol] ?? '')) continue;
      // the last column (the command) may contain spaces
      processes.push([...f.slice(0, titles.length - 1), f.slice(titles.length - 1).join(' ')]);
    }
    return { titles, processes };
  }

  async containerStats(ref: string): Promise<ContainerStats> {
    const rec = this.get(ref);
    const running = rec.state.status === 'running' || rec.state.status === 'paused';
    const l = this.liveOf(rec.id);
    // CPU % needs two samples: without a recent one (a one-shot `stats`), take a short one now
    if (running && (!l.lastCpu || process.hrtime.bigint() - l.lastCpu.at > 10_000_000_000n)) {
      l.lastCpu = { ns: readStats(this.d.cgroups, rec.cgroupsPath).cpuUsageNs, at: process.hrtime.bigint() };
      await sleep(100);
    }
    const s = running ? readStats(this.d.cgroups, rec.cgroupsPath) : undefined;
    const now = process.hrtime.bigint();
    let cpuPercent = 0;
    if (s && l.lastCpu) {
      const dt = Number(now - l.lastCpu.at);
      if (dt > 0) cpuPercent = ((s.cpuUsageNs - l.lastCpu.ns) / dt) * 100;
    }
    if (s) l.lastCpu = { ns: s.cpuUsageNs, at: now };
    const net = running ? await netDev(rec.state.pid) : { rx: 0, tx: 0 };
    return {
      id: rec.id,
      name: `/${rec.name}`,
      read: new Date().toISOString(),
      cpuPercent: Math.max(0, cpuPercent),
      cpuUsageNs: s?.cpuUsageNs ?? 0,
      memoryUsage: s?.memoryUsage ?? 0,
      memoryLimit: s?.memoryLimit ?? 0,
      pids: s?.pids ?? 0,
      pidsLimit: s?.pidsLimit ?? 0,
      netRx: net.rx,
      netTx: net.tx,
      blockRead: s?.blockRead ?? 0,
      blockWrite: s?.blockWrite ?? 0,
    };
  }

  // ---------------------------------------------------------------- files

  /** The container's merged rootfs, mounted for the duration of fn when the container is stopped. */
  private async withRootfs<T>(rec: ContainerRecord, fn: (rootfs: string) => Promise<T>): Promise<T> {
    const running = rec.state.status === 'running' || rec.state.status === 'paused';
    const rootfs = await this.d.images.mountRootfs(rec.id, rec.imageId);
    try {
      return await fn(rootfs);
    } finally {
      if (!running && rec.state.status !== 'running') await this.d.images.unmountRootfs(rec.id).catch(() => {});
    }
  }

  /**
   * The container's files as it sees them (docker cp): a running one through /proc/<pid>/root,
   * so every mount counts (volumes, binds, tmpfs, /etc/hostname...) and writes land in the
   * mounts' sources; a stopped one as its rootfs with its binds, volumes and engine files over it.
   */
  private async withView<T>(rec: ContainerRecord, fn: (view: FsView) => Promise<T>): Promise<T> {
    const pid = rec.state.pid;
    if ((rec.state.status === 'running' || rec.state.status === 'paused') && pid > 0 && fs.existsSync(`/proc/${pid}/root`)) {
      return fn({ root: `/proc/${pid}/root` });
    }
    return this.withRootfs(rec, (rootfs) => {
      const dir = this.p.dir(rec.id);
      const mounts = [
        ...(['hostname', 'hosts', 'resolv.conf'] as const).filter((f) => fs.existsSync(path.join(dir, f))).map((f) => ({ target: `/etc/${f}`, source: path.join(dir, f) })),
        ...rec.mounts.filter((m) => m.type === 'bind').map((m) => ({ target: m.target, source: m.source })),
      ];
      return fn({ root: rootfs, mounts });
    });
  }

  async containerSync(ref: string, ops: SyncOp[]): Promise<SyncResult> {
    const rec = this.get(ref);
    return this.withView(rec, (view) => applySync(view, ops));
  }

  async containerCopyOut(ref: string, containerPath: string, hostPath: string): Promise<void> {
    const rec = this.get(ref);
    await this.withView(rec, async (view) => {
      try {
        await copyOut(view, containerPath, hostPath);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new EngineError('NOT_FOUND', `no such file or directory in container ${rec.name}: ${containerPath}`);
        throw e;
      }
    });
  }

  async containerCommit(ref: string, imageRef: string, opts: { changes?: string[]; message?: string; author?: string } = {}): Promise<string> {
    const rec = this.get(ref);
    return this.withRootfs(rec, () => this.d.images.commit(rec.id, rec.imageId, imageRef || undefined, { ...opts, createdBy: [rec.path, ...rec.args].join(' ') }));
  }

  // ---------------------------------------------------------------- networks

  async networkConnect(network: string, ref: string, opts: { aliases?: string[]; ipv4Address?: string } = {}): Promise<void> {
    const rec = this.get(ref);
    const mode = rec.config.network?.mode ?? 'bridge';
    if (mode !== 'bridge') throw new EngineError('CONFLICT', `container ${rec.name} uses network mode ${mode}: it cannot join networks`);
    const eps = [...(rec.config.network?.endpoints ?? [])];
    if (eps.some((e) => e.network === network)) throw new EngineError('CONFLICT', `container ${rec.name} is already connected to ${network}`);
    const ep = { network, ...(opts.aliases ? { aliases: opts.aliases } : {}), ...(opts.ipv4Address ? { ipv4Address: opts.ipv4Address } : {}) };
    if (rec.state.status === 'running' || rec.state.status === 'paused') {
      const info = await this.d.networks.connect(rec.id, ep);
      rec.networks = { ...rec.networks, [info.networkName]: info };
    }
    // A container without endpoints is on the default network; it keeps it when it joins
    // another one, as in Docker. A created one has not joined yet (rec.networks is empty).
    if (!eps.length) {
      const joined = Object.keys(rec.networks).filter((n) => n !== network);
      if (joined.length) for (const n of joined) eps.push({ network: n });
      else {
        const def = await this.d.networks.defaultNetwork();
        if (def !== network) eps.push({ network: def });
      }
    }
    rec.config = { ...rec.config, network: { ...(rec.config.network ?? { mode: 'bridge' }), endpoints: [...eps, ep] } };
    await this.save(rec);
  }

  async networkDisconnect(network: string, ref: string, _opts: { force?: boolean } = {}): Promise<void> {
    const rec = this.get(ref);
    if (rec.state.status === 'running' || rec.state.status === 'paused') {
      await this.d.networks.disconnect(rec.id, network);
      const nets = { ...rec.networks };
      for (const [k, v] of Object.entries(nets)) if (k === network || v.networkId === network) delete nets[k];
      rec.networks = nets;
    }
    const eps = (rec.config.network?.endpoints ?? []).filter((e) => e.network !== network);
    rec.config = { ...rec.config, network: { ...(rec.config.network ?? { mode: 'bridge' }), endpoints: eps } };
    await this.save(rec);
  }

  buildRunner(): BuildRunner {
    return createBuildRunner({ ctx: this.ctx, runtime: this.d.runtime, cgroups: this.d.cgroups, networks: this.d.networks, facts: this.d.facts, runDir: this.p.run });
  }
}

/** An exited container the engine starts at its own start: `always`, started before, not --rm. */
function restartsAtEngineStart(rec: ContainerRecord): boolean {
  return rec.config.restartPolicy?.name === 'always' && rec.state.startedAt !== ZERO_TIME && !rec.config.autoRemove;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function readMaybe(rootfs: string, p: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(await secureJoin(rootfs, p, { followLast: true }), 'utf8');
  } catch {
    return undefined;
  }
}

/** Bytes through the container's interfaces (all but lo), from its netns's /proc/<pid>/net/dev. */
async function netDev(pid: number): Promise<{ rx: number; tx: number }> {
  try {
    const text = await fsp.readFile(`/proc/${pid}/net/dev`, 'utf8');
    let rx = 0;
    let tx = 0;
    for (const line of text.split('\n').slice(2)) {
      const [name, rest] = line.split(':');
      if (!rest || name!.trim() === 'lo') continue;
      const f = rest.trim().split(/\s+/).map(Number);
      rx += f[0] ?? 0;
      tx += f[8] ?? 0;
    }
    return { rx, tx };
  } catch {
    return { rx: 0, tx: 0 };
  }
}
