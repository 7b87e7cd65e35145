/**
 * The contracts between the engine's parts, so that images/, network/, volumes/ and
 * runtime/ can be built and tested apart and composed in daemon/.
 *
 *   ImageStore  (engine/images)   content store, import/load/save/pull/push/build, rootfs snapshots
 *   NetworkManager (engine/network) bridges, netns sandboxes, IPAM, DNS, published ports
 *   VolumeManager  (engine/volumes) named/anonymous volumes, bind and tmpfs mount resolution
 *   ContainerManager (engine/runtime) OCI spec, crun/runc + conmon, lifecycle, logs, exec, health
 *
 * The container manager is the only one that calls the other three.
 */
import type {
  Engine,
  BuildOptions,
  ContainerInspect,
  DiskUsage,
  EndpointInfo,
  EndpointSpec,
  ImageHistoryEntry,
  ImageInspect,
  ImageListOptions,
  ImageSummary,
  MountSpec,
  NetworkCreateRequest,
  NetworkInspect,
  PortBinding,
  ProgressFn,
  PublishedPort,
  VolumeCreateRequest,
  VolumeInspect,
} from '../api/types.js';
import type { Readable } from 'node:stream';
import type { EventBus } from './events.js';
import type { Naming } from './naming.js';

/** What every part gets at construction. All state lives under naming.root. */
export interface EngineContext {
  naming: Naming;
  events: EventBus;
  /** Debug/info log lines for the daemon log. */
  log: (msg: string) => void;
}

// ------------------------------------------------------------------ images

export interface ImageStore {
  init(): Promise<void>;
  list(opts?: ImageListOptions): Promise<ImageSummary[]>;
  /** Throws EngineError NOT_FOUND. Accepts a ref, "sha256:<id>", or a unique id prefix. */
  inspect(ref: string): Promise<ImageInspect>;
  /** Like inspect, undefined when missing. */
  find(ref: string): Promise<ImageInspect | undefined>;
  history(ref: string): Promise<ImageHistoryEntry[]>;
  import(source: Readable, ref: string | undefined, changes: string[]): Promise<string>;
  load(source: Readable, onProgress?: ProgressFn): Promise<string[]>;
  save(refs: string[]): Promise<Readable>;
  pull(ref: string, onProgress?: ProgressFn): Promise<string>;
  push(ref: string, onProgress?: ProgressFn): Promise<string>;
  /** Build needs to run containers for RUN steps: the container manager is handed in. */
  build(opts: BuildOptions, runner: BuildRunner, onProgress?: ProgressFn): Promise<string>;
  tag(source: string, target: string): Promise<void>;
  remove(ref: string, opts: { force?: boolean }, inUse: Set<string>): Promise<string[]>;
  prune(opts: { all?: boolean; filters?: Record<string, string[]> }, inUse: Set<string>): Promise<{ deleted: string[]; reclaimed: number }>;
  login(server: string, username: string, password: string): Promise<void>;
  search(term: string, registry?: string): Promise<string[]>;
  diskUsage(inUse: Set<string>): Promise<DiskUsage['images']>;

  /**
   * Prepares a writable root filesystem for a container: an overlay of the image's layers
   * (lower) with a per-container upper/work, mounted at the returned path. Idempotent:
   * mounting an already mounted container returns the same path. imageId "" = empty rootfs.
   */
  mountRootfs(containerId: string, imageId: string): Promise<string>;
  /** Unmounts (keeps the upper layer: the container's changes survive a stop). */
  unmountRootfs(containerId: string): Promise<void>;
  /** Unmounts and deletes the container's upper layer. */
  removeRootfs(containerId: string): Promise<void>;
  /** The container's changes (its upper dir) as a new layer on its image. Returns the new image id. */
  commit(containerId: string, imageId: string, ref: string | undefined, opts: { changes?: string[]; message?: string; author?: string; createdBy?: string }): Promise<string>;
}

/** Lets the image builder run a RUN step in a real container. */
export interface BuildRunner {
  /**
   * Runs `cmd` in a throwaway container whose root filesystem is `rootfs` (already
   * prepared by the builder) with the given env/user/workdir; returns exit code and the
   * combined output's tail.
   */
  runStep(opts: {
    rootfs: string;
    cmd: string[];
    env: string[];
    user?: string;
    workingDir?: string;
    network: 'none' | 'host';
    onOutput?: (line: string) => void;
  }): Promise<{ exitCode: number; output: string }>;
}

// ------------------------------------------------------------------ networks

export interface SandboxRequest {
  containerId: string;
  /** Container name (without leading slash), registered in DNS. */
  name: string;
  hostname: string;
  endpoints: EndpointSpec[];
  ports: PortBinding[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  extraHosts?: string[];
}

export interface Sandbox {
  /** Path of the network namespace file the runtime joins (bind-mounted nsfs). */
  netnsPath: string;
  endpoints: Record<string, EndpointInfo>;
  ports: PublishedPort[];
  /** Content for the container's /etc/hosts and /etc/resolv.conf. */
  hosts: string;
  resolvConf: string;
}

export interface NetworkManager {
  /** Restores bridges, firewall chains, DNS from state; repairs half-done operations. */
  init(): Promise<void>;
  /** The default network containers join when none is named ("bridge"-like, created on demand). */
  defaultNetwork(): Promise<string>;
  create(req: NetworkCreateRequest): Promise<{ id: string }>;
  list(filters?: Record<string, string[]>): Promise<NetworkInspect[]>;
  inspect(idOrName: string): Promise<NetworkInspect>;
  remove(idOrName: string): Promise<void>;
  prune(filters?: Record<string, string[]>): Promise<{ deleted: string[] }>;
  /** Throws PORT_IN_USE naming the holder, before anything is set up. */
  checkPorts(containerId: string, ports: PortBinding[]): Promise<void>;
  /** Creates (or re-creates after a host reboot) the container's netns, veths, addresses, DNS records, port rules. Idempotent. */
  setupSandbox(req: SandboxRequest): Promise<Sandbox>;
  /** A netns with only loopback (network_mode none). */
  setupIsolated(containerId: string): Promise<string>;
  /** Removes everything setupSandbox made. Idempotent. */
  teardownSandbox(containerId: string): Promise<void>;
  connect(containerId: string, endpoint: EndpointSpec): Promise<EndpointInfo>;
  disconnect(containerId: string, network: string): Promise<void>;
  /** Stop stops serving DNS and closes sockets (firewall rules stay for running containers). */
  close(): Promise<void>;
}

// ------------------------------------------------------------------ volumes

export interface ResolvedMount {
  /** Host path to bind into the container (or "tmpfs"). */
  source: string;
  target: string;
  type: 'bind' | 'tmpfs';
  options: string[];
  /** Volume name when it is a volume. */
  volume?: string;
}

export interface VolumeManager {
  init(): Promise<void>;
  create(req: VolumeCreateRequest): Promise<VolumeInspect>;
  list(filters?: Record<string, string[]>): Promise<VolumeInspect[]>;
  inspect(name: string): Promise<VolumeInspect>;
  /** Throws IN_USE naming the container unless force. */
  remove(name: string, opts?: { force?: boolean }): Promise<void>;
  prune(opts: { all?: boolean; filters?: Record<string, string[]> }): Promise<{ deleted: string[]; reclaimed: number }>;
  /**
   * Turns a mount request into what the runtime binds. For a volume: creates it when missing
   * (anonymous when source is empty), copies the image's content at the target from
   * `rootfs` on first use unless noCopy, records that containerId uses it.
   */
  resolve(containerId: string, mount: MountSpec, rootfs: string): Promise<ResolvedMount>;
  /** Forgets containerId's uses; removes its anonymous volumes when removeAnonymous. */
  release(containerId: string, removeAnonymous: boolean): Promise<void>;
  diskUsage(): Promise<DiskUsage['volumes']>;
}

// ------------------------------------------------------------------ containers (used by the daemon)

/** The container half of the Engine interface, plus what the daemon needs to compose parts. */
export type ContainerManager = Pick<
  Engine,
  | 'containerCreate'
  | 'containerStart'
  | 'containerStop'
  | 'containerRestart'
  | 'containerKill'
  | 'containerPause'
  | 'containerUnpause'
  | 'containerRemove'
  | 'containerRename'
  | 'containerList'
  | 'containerInspect'
  | 'containerWait'
  | 'containerLogs'
  | 'containerExec'
  | 'containerTop'
  | 'containerStats'
  | 'containerSync'
  | 'containerCopyOut'
  | 'containerCommit'
  | 'containerPrune'
  | 'networkConnect'
  | 'networkDisconnect'
> & {
  /** Re-adopts containers that outlived the previous engine; applies exits that happened meanwhile. */
  init(): Promise<void>;
  /** Stops timers and watchers; containers keep running (conmon holds them). */
  close(): Promise<void>;
  /** Image ids used by any container (for image rm/prune). */
  imagesInUse(): Set<string>;
  /** Runs RUN steps of builds in real containers. */
  buildRunner(): BuildRunner;
  runtimeInfo(): { runtime: 'crun' | 'runc'; runtimePath: string; cgroupVersion: 1 | 2 };
  counts(): { total: number; running: number; paused: number; stopped: number };
};

export type { ContainerInspect };

/*
 * Factories (each part's index.ts exports one):
 *   engine/images/index.ts   export function createImageStore(ctx: EngineContext): ImageStore
 *   engine/network/index.ts  export function createNetworkManager(ctx: EngineContext): NetworkManager
 *   engine/volumes/index.ts  export function createVolumeManager(ctx: EngineContext): VolumeManager
 *   engine/runtime/index.ts  export function createContainerManager(ctx: EngineContext,
 *                              deps: { images: ImageStore; networks: NetworkManager; volumes: VolumeManager }): ContainerManager
 */
