/**
 * LocalEngine: the Engine interface in the daemon's process, composed of the four parts.
 * It adds nothing of its own but the glue the parts cannot know: which images containers
 * use (for image rm/prune), the build runner handed to the image store, info and disk usage.
 */
import type { Readable } from 'node:stream';
import { EngineError } from '../api/types.js';
import type {
  AttachOptions,
  AttachResult,
  BuildOptions,
  ContainerCreateRequest,
  ContainerInspect,
  ContainerListOptions,
  ContainerStats,
  ContainerSummary,
  DiskUsage,
  Engine,
  EngineEvent,
  EngineInfo,
  EventOptions,
  ExecOptions,
  ExecResult,
  ImageHistoryEntry,
  ImageInspect,
  ImageListOptions,
  ImageSummary,
  LogLine,
  LogOptions,
  NetworkCreateRequest,
  NetworkInspect,
  ProgressFn,
  SyncOp,
  SyncResult,
  TopResult,
  VolumeCreateRequest,
  VolumeInspect,
} from '../api/types.js';
import type { ContainerManager, EngineContext } from '../common/contracts.js';
import type { Parts } from './parts.js';

export interface LocalEngineOptions {
  version: string;
  startedAt?: string;
}

export class LocalEngine implements Engine {
  private readonly startedAt: string;

  constructor(
    private readonly ctx: EngineContext,
    private readonly parts: Parts,
    private readonly opts: LocalEngineOptions,
  ) {
    this.startedAt = opts.startedAt ?? new Date().toISOString();
  }

  /** Brings the parts up in dependency order: volumes, networks, images, then containers (which re-adopt). */
  async init(): Promise<void> {
    const p = this.parts;
    for (const [name, part] of [
      ['volumes', p.volumes],
      ['networks', p.networks],
      ['images', p.images],
      ['containers', p.containers],
    ] as const) {
      const t = Date.now();
      await part.init();
      this.ctx.log(`${name}: ready in ${Date.now() - t} ms`);
    }
  }

  /** Stops timers, watchers and the DNS server; containers keep running under conmon. */
  async close(): Promise<void> {
    await this.parts.containers.close().catch((e) => this.ctx.log(`containers close: ${String(e)}`));
    await this.parts.networks.close().catch((e) => this.ctx.log(`networks close: ${String(e)}`));
  }

  // ---------------------------------------------------------------- engine

  async info(): Promise<EngineInfo> {
    const rt = this.parts.containers.runtimeInfo();
    const images = await this.parts.images.list({}).then((l) => l.length, () => 0);
    return {
      version: this.opts.version,
      pid: process.pid,
      root: this.ctx.naming.root,
      runtime: rt.runtime,
      runtimePath: rt.runtimePath,
      cgroupVersion: rt.cgroupVersion,
      rootId: this.ctx.naming.rootId,
      startedAt: this.startedAt,
      containers: this.parts.containers.counts(),
      images,
    };
  }

  events(opts: EventOptions, signal?: AbortSignal): AsyncIterable<EngineEvent> {
    return this.ctx.events.stream(opts, signal);
  }

  async diskUsage(): Promise<DiskUsage> {
    const [images, volumes] = await Promise.all([this.parts.images.diskUsage(this.parts.containers.imagesInUse()), this.parts.volumes.diskUsage()]);
    return { images, containers: { count: this.parts.containers.counts().total, size: 0 }, volumes };
  }

  // ---------------------------------------------------------------- images

  imageList(opts?: ImageListOptions): Promise<ImageSummary[]> {
    return this.parts.images.list(opts ?? {});
  }
  imageInspect(ref: string): Promise<ImageInspect> {
    return this.parts.images.inspect(ref);
  }
  imageHistory(ref: string): Promise<ImageHistoryEntry[]> {
    return this.parts.images.history(ref);
  }
  imageImport(source: Readable, ref: string | undefined, changes: string[]): Promise<string> {
    // JSON carries a missing ref as null.
    return this.parts.images.import(source, ref ?? undefined, changes ?? []);
  }
  imageLoad(source: Readable, onProgress?: ProgressFn): Promise<string[]> {
    return this.parts.images.load(source, onProgress);
  }
  imageSave(refs: string[]): Promise<Readable> {
    return this.parts.images.save(refs);
  }
  imagePull(ref: string, onProgress?: ProgressFn): Promise<string> {
    return this.parts.images.pull(ref, onProgress);
  }
  imagePush(ref: string, onProgress?: ProgressFn): Promise<string> {
    return this.parts.images.push(ref, onProgress);
  }
  imageBuild(opts: BuildOptions, onProgress?: ProgressFn): Promise<string> {
    return this.parts.images.build(opts, this.parts.containers.buildRunner(), onProgress);
  }
  imageTag(source: string, target: string): Promise<void> {
    return this.parts.images.tag(source, target);
  }
  imageRemove(ref: string, opts?: { force?: boolean }): Promise<string[]> {
    return this.parts.images.remove(ref, opts ?? {}, this.parts.containers.imagesInUse());
  }
  imagePrune(opts?: { all?: boolean; filters?: Record<string, string[]> }): Promise<{ deleted: string[]; reclaimed: number }> {
    return this.parts.images.prune(opts ?? {}, this.parts.containers.imagesInUse());
  }
  login(server: string, username: string, password: string): Promise<void> {
    return this.parts.images.login(server, username, password);
  }
  imageSearch(term: string, registry?: string): Promise<string[]> {
    return this.parts.images.search(term, registry ?? undefined);
  }

  // ---------------------------------------------------------------- containers

  containerCreate(req: ContainerCreateRequest): Promise<{ id: string; warnings: string[] }> {
    return this.parts.containers.containerCreate(req);
  }
  containerStart(id: string): Promise<void> {
    return this.parts.containers.containerStart(id);
  }
  containerStop(id: string, opts?: { timeout?: number; signal?: string }): Promise<void> {
    return this.parts.containers.containerStop(id, opts);
  }
  containerRestart(id: string, opts?: { timeout?: number }): Promise<void> {
    return this.parts.containers.containerRestart(id, opts);
  }
  containerKill(id: string, signal?: string): Promise<void> {
    return this.parts.containers.containerKill(id, signal ?? undefined);
  }
  containerPause(id: string): Promise<void> {
    return this.parts.containers.containerPause(id);
  }
  containerUnpause(id: string): Promise<void> {
    return this.parts.containers.containerUnpause(id);
  }
  containerRemove(id: string, opts?: { force?: boolean; volumes?: boolean }): Promise<void> {
    return this.parts.containers.containerRemove(id, opts);
  }
  containerRename(id: string, name: string): Promise<void> {
    return this.parts.containers.containerRename(id, name);
  }
  containerList(opts?: ContainerListOptions): Promise<ContainerSummary[]> {
    return this.parts.containers.containerList(opts);
  }
  containerInspect(id: string): Promise<ContainerInspect> {
    return this.parts.containers.containerInspect(id);
  }
  containerWait(id: string, opts?: { condition?: 'not-running' | 'next-exit' | 'removed' }, signal?: AbortSignal): Promise<{ exitCode: number }> {
    return this.parts.containers.containerWait(id, opts, signal);
  }
  containerLogs(id: string, opts: LogOptions, signal?: AbortSignal): AsyncIterable<LogLine> {
    return this.parts.containers.containerLogs(id, opts ?? {}, signal);
  }
  containerExec(id: string, opts: ExecOptions, onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): Promise<ExecResult> {
    return this.parts.containers.containerExec(id, opts, onOutput);
  }
  containerAttach(id: string, opts: AttachOptions, onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): Promise<AttachResult> {
    // not in the ContainerManager contract (engine/common/contracts.ts): the real manager has it
    const c = this.parts.containers as ContainerManager & Partial<Pick<Engine, 'containerAttach'>>;
    if (!c.containerAttach) return Promise.reject(new EngineError('INVALID', 'this engine cannot attach to containers'));
    return c.containerAttach(id, opts, onOutput);
  }
  containerTop(id: string, psArgs?: string): Promise<TopResult> {
    return this.parts.containers.containerTop(id, psArgs ?? undefined);
  }
  containerStats(id: string): Promise<ContainerStats> {
    return this.parts.containers.containerStats(id);
  }
  containerSync(id: string, ops: SyncOp[]): Promise<SyncResult> {
    return this.parts.containers.containerSync(id, ops);
  }
  containerCopyOut(id: string, containerPath: string, hostPath: string): Promise<void> {
    return this.parts.containers.containerCopyOut(id, containerPath, hostPath);
  }
  containerCommit(id: string, ref: string, opts?: { changes?: string[]; message?: string; author?: string }): Promise<string> {
    return this.parts.containers.containerCommit(id, ref, opts);
  }
  containerPrune(): Promise<{ deleted: string[] }> {
    return this.parts.containers.containerPrune();
  }

  // ---------------------------------------------------------------- networks

  networkCreate(req: NetworkCreateRequest): Promise<{ id: string }> {
    return this.parts.networks.create(req);
  }
  networkList(opts?: { filters?: Record<string, string[]> }): Promise<NetworkInspect[]> {
    return this.parts.networks.list(opts?.filters);
  }
  networkInspect(idOrName: string): Promise<NetworkInspect> {
    return this.parts.networks.inspect(idOrName);
  }
  networkRemove(idOrName: string): Promise<void> {
    return this.parts.networks.remove(idOrName);
  }
  networkPrune(opts?: { filters?: Record<string, string[]> }): Promise<{ deleted: string[] }> {
    return this.parts.networks.prune(opts?.filters);
  }
  networkConnect(network: string, container: string, opts?: { aliases?: string[]; ipv4Address?: string }): Promise<void> {
    return this.parts.containers.networkConnect(network, container, opts);
  }
  networkDisconnect(network: string, container: string, opts?: { force?: boolean }): Promise<void> {
    return this.parts.containers.networkDisconnect(network, container, opts);
  }

  // ---------------------------------------------------------------- volumes

  volumeCreate(req: VolumeCreateRequest): Promise<VolumeInspect> {
    return this.parts.volumes.create(req);
  }
  volumeList(opts?: { filters?: Record<string, string[]> }): Promise<VolumeInspect[]> {
    return this.parts.volumes.list(opts?.filters);
  }
  volumeInspect(name: string): Promise<VolumeInspect> {
    return this.parts.volumes.inspect(name);
  }
  volumeRemove(name: string, opts?: { force?: boolean }): Promise<void> {
    return this.parts.volumes.remove(name, opts);
  }
  volumePrune(opts?: { all?: boolean; filters?: Record<string, string[]> }): Promise<{ deleted: string[]; reclaimed: number }> {
    return this.parts.volumes.prune(opts ?? {});
  }
}
