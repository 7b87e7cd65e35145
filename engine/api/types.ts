/**
 * berth engine API: the vocabulary every client (berth's orchestrator, the `berth image|
 * container|network|volume|engine` commands, tests) uses to talk to the engine.
 *
 * The engine knows images, containers, networks and volumes. It knows nothing of Compose:
 * projects and services live only in labels that clients set.
 *
 * Conventions:
 * - ids are 64 hex chars; every method taking an id also takes a unique id prefix or a name.
 * - durations are milliseconds; sizes are bytes; times are ISO-8601 strings.
 * - errors are EngineError with a code from EngineErrorCode.
 * - the daemon and its clients run on the same host as root, so paths (build contexts,
 *   copy sources) are host paths the daemon reads directly.
 */
import type { Readable } from 'node:stream';

// ---------------------------------------------------------------- errors

export type EngineErrorCode =
  | 'NOT_FOUND' // no such image/container/network/volume
  | 'CONFLICT' // name taken, wrong state for the operation
  | 'IN_USE' // object still used (volume by a container, network with endpoints)
  | 'PORT_IN_USE' // a published port is taken; message names the holder
  | 'INVALID' // bad request
  | 'RUNTIME' // the OCI runtime / conmon / kernel refused
  | 'REGISTRY' // a registry failed or refused
  | 'BUILD' // a build step failed
  | 'UNAVAILABLE' // engine not reachable
  | 'INTERNAL';

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  readonly details?: Record<string, unknown>;
  constructor(code: EngineErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
    this.details = details;
  }
}

export function isEngineError(e: unknown, code?: EngineErrorCode): e is EngineError {
  return e instanceof Error && e.name === 'EngineError' && (code === undefined || (e as EngineError).code === code);
}

// ---------------------------------------------------------------- progress

/** Streamed while pulling, pushing, building, loading. */
export interface ProgressEvent {
  /** e.g. a layer digest, a build step "#3", or the image ref. */
  id: string;
  /** "Pulling", "Downloading", "Extracting", "Pull complete", "CACHED", "RUN", "DONE", "log" */
  status: string;
  current?: number;
  total?: number;
  /** Free text (a build step's output line, for instance). */
  message?: string;
}
export type ProgressFn = (e: ProgressEvent) => void;

// ---------------------------------------------------------------- images

/** OCI image config's `config` object, Docker-cased as in image configs on the wire. */
export interface ImageRunConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Shell?: string[];
  OnBuild?: string[];
  /** Durations in nanoseconds, as the image format stores them. */
  Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number };
}

export interface ImageSummary {
  /** "sha256:<hex>" of the image config. */
  id: string;
  repoTags: string[];
  repoDigests: string[];
  created: string;
  /** Sum of uncompressed layer sizes. */
  size: number;
  labels: Record<string, string>;
  /** Containers using it (-1 when unknown). */
  containers: number;
}

export interface ImageInspect extends ImageSummary {
  architecture: string;
  os: string;
  config: ImageRunConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean; author?: string }[];
  author?: string;
  comment?: string;
  parent?: string;
}

export interface ImageListOptions {
  all?: boolean;
  /** Docker's filters: since, before, label (k or k=v), dangling (true|false), reference (glob). */
  filters?: Record<string, string[]>;
}

export interface BuildOptions {
  /** Absolute host path of the build context. */
  context: string;
  /** Dockerfile path, relative to the context or absolute. Default "Dockerfile". */
  dockerfile?: string;
  /** Dockerfile text given inline (Compose's dockerfile_inline); wins over `dockerfile`. */
  dockerfileInline?: string;
  tags: string[];
  buildArgs?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  pull?: boolean;
  network?: 'none' | 'host' | 'default';
  labels?: Record<string, string>;
}

export interface ImageHistoryEntry {
  id: string;
  created: string;
  createdBy: string;
  size: number;
  comment: string;
}

// ---------------------------------------------------------------- containers

export interface MountSpec {
  type: 'bind' | 'volume' | 'tmpfs';
  /** bind: absolute host path; volume: volume name (created if missing; empty = anonymous). */
  source?: string;
  target: string;
  readOnly?: boolean;
  /** bind only */
  propagation?: 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave';
  /** bind only: create the host path when missing (Compose's default for short syntax). */
  createHostPath?: boolean;
  /** volume only: do not copy the image's content into a new volume. */
  noCopy?: boolean;
  /** volume only: mount a subpath of the volume. */
  subpath?: string;
  /** volume only: labels for a volume created on demand. */
  volumeLabels?: Record<string, string>;
  /** tmpfs only */
  tmpfsSize?: number;
  tmpfsMode?: number;
}

export interface EndpointSpec {
  /** Network name or id. */
  network: string;
  aliases?: string[];
  ipv4Address?: string;
  ipv6Address?: string;
  macAddress?: string;
}

export interface PortBinding {
  containerPort: number;
  protocol: 'tcp' | 'udp';
  /** "" or undefined = all addresses (0.0.0.0). */
  hostIp?: string;
  /** 0 or undefined = a random free port, reported by inspect/port. */
  hostPort?: number;
}

export interface RestartPolicy {
  name: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  maximumRetryCount?: number;
}

export interface HealthcheckSpec {
  /** ["NONE"], ["CMD", ...], ["CMD-SHELL", "cmd"] */
  test: string[];
  interval?: number; // ms, default 30000
  timeout?: number; // ms, default 30000
  retries?: number; // default 3
  startPeriod?: number; // ms, default 0
  startInterval?: number; // ms, default 5000
}

export interface Resources {
  memory?: number;
  memorySwap?: number; // -1 unlimited
  memoryReservation?: number;
  nanoCpus?: number; // 1e9 = one CPU
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: number;
  shmSize?: number;
  oomScoreAdj?: number;
}

export interface NetworkModeSpec {
  /** bridge: the endpoints below (default network when empty); host; none; container:<id|name> */
  mode: 'bridge' | 'host' | 'none' | 'container';
  container?: string;
  endpoints?: EndpointSpec[];
}

export interface ContainerCreateRequest {
  name?: string;
  image: string;
  /** undefined = the image's; [] or null = reset to none. */
  entrypoint?: string[] | null;
  cmd?: string[] | null;
  /** "KEY=VALUE"; merged over the image's Env. */
  env?: string[];
  user?: string;
  groupAdd?: string[];
  workingDir?: string;
  hostname?: string;
  domainname?: string;
  labels?: Record<string, string>;
  tty?: boolean;
  openStdin?: boolean;
  /** Docker's StdinOnce: the container's stdin closes when the first attached client's input
   *  ends (`run -i` attached). Otherwise it stays open across attaches. */
  stdinOnce?: boolean;
  mounts?: MountSpec[];
  network?: NetworkModeSpec;
  ports?: PortBinding[];
  exposedPorts?: string[]; // "80/tcp"
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** "host:ip" entries for /etc/hosts */
  extraHosts?: string[];
  resources?: Resources;
  ulimits?: { name: string; soft: number; hard: number }[];
  sysctls?: Record<string, string>;
  readOnlyRootfs?: boolean;
  init?: boolean;
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  securityOpt?: string[];
  stopSignal?: string;
  /** seconds, default 10 */
  stopTimeout?: number;
  restartPolicy?: RestartPolicy;
  healthcheck?: HealthcheckSpec;
  ipc?: string;
  pid?: string;
  /** --rm: remove when it exits */
  autoRemove?: boolean;
  /** Files to place in the container before start (secrets, configs): host source → target. */
  files?: { source?: string; content?: string; target: string; mode?: number; uid?: number; gid?: number }[];
}

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
export type HealthStatus = 'none' | 'starting' | 'healthy' | 'unhealthy';

export interface HealthLogEntry {
  start: string;
  end: string;
  exitCode: number;
  output: string;
}

export interface ContainerState {
  status: ContainerStatus;
  running: boolean;
  paused: boolean;
  restarting: boolean;
  oomKilled: boolean;
  dead: boolean;
  pid: number;
  exitCode: number;
  error: string;
  startedAt: string;
  finishedAt: string;
  health?: { status: HealthStatus; failingStreak: number; log: HealthLogEntry[] };
}

export interface EndpointInfo {
  networkId: string;
  networkName: string;
  ipAddress: string;
  ipPrefixLen: number;
  gateway: string;
  macAddress: string;
  aliases: string[];
  ipv6Address?: string;
}

export interface PublishedPort {
  containerPort: number;
  protocol: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
}

export interface MountInfo {
  type: 'bind' | 'volume' | 'tmpfs';
  name?: string;
  source: string;
  destination: string;
  rw: boolean;
}

export interface ContainerInspect {
  id: string;
  name: string;
  created: string;
  /** The reference the container was created from, as given. */
  image: string;
  /** "sha256:..." */
  imageId: string;
  /** What runs: entrypoint + cmd resolved with the image. */
  path: string;
  args: string[];
  state: ContainerState;
  restartCount: number;
  /** The request it was created with, normalized (what `inspect .Config` shows). */
  config: ContainerCreateRequest;
  networkMode: string;
  networks: Record<string, EndpointInfo>;
  ports: PublishedPort[];
  mounts: MountInfo[];
  logPath: string;
  hostnamePath?: string;
  hostsPath?: string;
  resolvConfPath?: string;
}

export interface ContainerSummary {
  id: string;
  names: string[];
  image: string;
  imageId: string;
  command: string;
  created: string;
  state: ContainerStatus;
  /** Human status as Docker prints it: "Up 3 seconds (healthy)", "Exited (0) 2 minutes ago". */
  status: string;
  health?: HealthStatus;
  exitCode: number;
  labels: Record<string, string>;
  ports: PublishedPort[];
  networks: string[];
  mounts: string[];
}

export interface ContainerListOptions {
  all?: boolean;
  /** Docker's filters: id, name, label (k or k=v), status, ancestor, network, volume. */
  filters?: Record<string, string[]>;
}

export interface LogOptions {
  follow?: boolean;
  stdout?: boolean; // default true
  stderr?: boolean; // default true
  /** ISO time or unix seconds */
  since?: string;
  until?: string;
  tail?: number; // -1 = all
  timestamps?: boolean;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  time: string;
  /** The line's text without its trailing newline. Partial lines are joined. */
  line: string;
}

/** A terminal's size in character cells. */
export interface TerminalSize {
  rows: number;
  cols: number;
}

/**
 * The client's terminal, for tty exec/attach: its size at the start and its later sizes
 * (SIGWINCH). The HTTP client fills this in from process.stdout when the caller's stdin is a
 * terminal and no control is given.
 */
export interface TerminalControl {
  size?: TerminalSize;
  /** Subscribes to size changes; returns the unsubscribe. */
  onResize?(listener: (size: TerminalSize) => void): () => void;
}

export interface ExecOptions {
  cmd: string[];
  env?: string[];
  user?: string;
  workingDir?: string;
  privileged?: boolean;
  tty?: boolean;
  /** Feed this to the process's stdin (with tty: raw keystrokes; Ctrl+C and Ctrl+D are bytes the pty turns into SIGINT/EOF). */
  stdin?: Readable | Buffer | string;
  detach?: boolean;
  /** tty only: the size and resizes of the client's terminal. */
  terminal?: TerminalControl;
}

/** containerAttach: the streams of a container's main process (docker attach / run -it). */
export interface AttachOptions {
  /** Input for the container's stdin (it needs openStdin). Its end closes the container's stdin only when it was created with stdinOnce. */
  stdin?: Readable | Buffer | string;
  /** Start the container once attached, so no output is lost (run -a/-it, start -a). */
  start?: boolean;
  /** tty containers: the size and resizes of the client's terminal. */
  terminal?: TerminalControl;
  /** Ends the attachment (detach) without touching the container. */
  signal?: AbortSignal;
}

export interface AttachResult {
  /** The container's exit code, when the attachment ended because it exited. */
  exitCode?: number;
  /** The attachment ended first (the signal, or the connection). */
  detached?: boolean;
}

export interface ExecResult {
  exitCode: number;
  /** Collected output when not streamed (onOutput absent). */
  stdout: string;
  stderr: string;
}

export interface ContainerStats {
  id: string;
  name: string;
  read: string;
  cpuPercent: number;
  /** Cumulative CPU time in ns. */
  cpuUsageNs: number;
  memoryUsage: number;
  memoryLimit: number;
  pids: number;
  pidsLimit: number;
  netRx: number;
  netTx: number;
  blockRead: number;
  blockWrite: number;
}

export interface TopResult {
  titles: string[];
  processes: string[][];
}

/** One file-tree change to apply inside a running container's filesystem (watch sync, cp). */
export type SyncOp =
  /** file, dir (recursive) or symlink. Default: replace containerPath with the source (watch
   *  sync). mode 'cp': docker cp rules (onto an existing directory the source goes inside it;
   *  SRC/. copies a directory's content; a path ending in "/" must be an existing directory). */
  | { op: 'copy'; hostPath: string; containerPath: string; mode?: 'replace' | 'cp' }
  | { op: 'delete'; containerPath: string };

export interface SyncResult {
  applied: number;
  failed: { containerPath: string; error: string }[];
}

// ---------------------------------------------------------------- networks

export interface IpamConfig {
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  auxAddresses?: Record<string, string>;
}

export interface NetworkCreateRequest {
  name: string;
  driver?: 'bridge' | string;
  internal?: boolean;
  attachable?: boolean;
  enableIPv6?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  ipam?: IpamConfig[];
}

export interface NetworkInspect {
  id: string;
  name: string;
  driver: string;
  created: string;
  internal: boolean;
  enableIPv6: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  ipam: IpamConfig[];
  /** Kernel bridge name. */
  bridge: string;
  containers: Record<string, { name: string; ipv4Address: string; macAddress: string; aliases: string[] }>;
}

// ---------------------------------------------------------------- volumes

export interface VolumeCreateRequest {
  name?: string; // empty = anonymous (random name)
  driver?: 'local' | string;
  driverOpts?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface VolumeInspect {
  name: string;
  driver: string;
  mountpoint: string;
  created: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  scope: 'local';
  anonymous: boolean;
  /** Containers using it. */
  usedBy: string[];
}

// ---------------------------------------------------------------- engine & events

export interface EngineInfo {
  version: string;
  pid: number;
  root: string;
  runtime: 'crun' | 'runc';
  runtimePath: string;
  cgroupVersion: 1 | 2;
  /** short id derived from the root, used as a prefix for kernel objects */
  rootId: string;
  startedAt: string;
  containers: { total: number; running: number; paused: number; stopped: number };
  images: number;
}

export type EventType = 'container' | 'image' | 'network' | 'volume';

export interface EngineEvent {
  type: EventType;
  /** create, start, die, stop, kill, pause, unpause, restart, oom, destroy, health_status,
   *  exec_start, exec_die, pull, tag, untag, delete, import, connect, disconnect, mount ... */
  action: string;
  id: string;
  /** name, image, exitCode, signal, healthStatus, and all the object's labels */
  attributes: Record<string, string>;
  time: string;
}

export interface EventOptions {
  filters?: Record<string, string[]>; // type, label, container, event
  since?: string;
}

export interface DiskUsage {
  images: { count: number; size: number; reclaimable: number };
  containers: { count: number; size: number };
  volumes: { count: number; size: number };
}

// ---------------------------------------------------------------- the interface

/**
 * The engine. Implemented in-process by the daemon (engine/daemon) and over the unix socket
 * by the client (engine/api/client.ts); a fake in tests implements it too, and one
 * conformance suite runs against every implementation.
 */
export interface Engine {
  info(): Promise<EngineInfo>;
  events(opts: EventOptions, signal?: AbortSignal): AsyncIterable<EngineEvent>;
  diskUsage(): Promise<DiskUsage>;

  // images
  imageList(opts?: ImageListOptions): Promise<ImageSummary[]>;
  imageInspect(ref: string): Promise<ImageInspect>;
  imageHistory(ref: string): Promise<ImageHistoryEntry[]>;
  /** A root filesystem tarball as one layer (docker import). Returns the image id. */
  imageImport(source: Readable, ref: string | undefined, changes: string[]): Promise<string>;
  /** docker save archive or OCI layout/archive. Returns the loaded references (or ids). */
  imageLoad(source: Readable, onProgress?: ProgressFn): Promise<string[]>;
  /** Writes a docker-save-compatible archive (with an OCI index too) of the refs. */
  imageSave(refs: string[]): Promise<Readable>;
  imagePull(ref: string, onProgress?: ProgressFn): Promise<string>;
  imagePush(ref: string, onProgress?: ProgressFn): Promise<string>;
  imageBuild(opts: BuildOptions, onProgress?: ProgressFn): Promise<string>;
  imageTag(source: string, target: string): Promise<void>;
  /** Removes a reference; the image too when no reference is left (or force). Returns what was untagged/deleted. */
  imageRemove(ref: string, opts?: { force?: boolean }): Promise<string[]>;
  imagePrune(opts?: { all?: boolean; filters?: Record<string, string[]> }): Promise<{ deleted: string[]; reclaimed: number }>;
  login(server: string, username: string, password: string): Promise<void>;
  /** A registry's catalog, filtered by term. */
  imageSearch(term: string, registry?: string): Promise<string[]>;

  // containers
  containerCreate(req: ContainerCreateRequest): Promise<{ id: string; warnings: string[] }>;
  containerStart(id: string): Promise<void>;
  containerStop(id: string, opts?: { timeout?: number; signal?: string }): Promise<void>;
  containerRestart(id: string, opts?: { timeout?: number }): Promise<void>;
  containerKill(id: string, signal?: string): Promise<void>;
  containerPause(id: string): Promise<void>;
  containerUnpause(id: string): Promise<void>;
  containerRemove(id: string, opts?: { force?: boolean; volumes?: boolean }): Promise<void>;
  containerRename(id: string, name: string): Promise<void>;
  containerList(opts?: ContainerListOptions): Promise<ContainerSummary[]>;
  containerInspect(id: string): Promise<ContainerInspect>;
  /** Resolves with the exit code once the condition holds. */
  containerWait(id: string, opts?: { condition?: 'not-running' | 'next-exit' | 'removed' }, signal?: AbortSignal): Promise<{ exitCode: number }>;
  containerLogs(id: string, opts: LogOptions, signal?: AbortSignal): AsyncIterable<LogLine>;
  /** tty: a pty for the process (its output then comes as 'stdout' only). */
  containerExec(id: string, opts: ExecOptions, onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): Promise<ExecResult>;
  /**
   * Attaches to the main process's streams (its pty when created with tty) until it exits or
   * the attachment is ended; with start, starts it first without losing output. Optional:
   * implementations without it make callers fall back to logs.
   */
  containerAttach?(id: string, opts: AttachOptions, onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): Promise<AttachResult>;
  containerTop(id: string, psArgs?: string): Promise<TopResult>;
  containerStats(id: string): Promise<ContainerStats>;
  containerSync(id: string, ops: SyncOp[]): Promise<SyncResult>;
  /** Copies a path out of the container to a host path. */
  containerCopyOut(id: string, containerPath: string, hostPath: string): Promise<void>;
  containerCommit(id: string, ref: string, opts?: { changes?: string[]; message?: string; author?: string }): Promise<string>;
  containerPrune(): Promise<{ deleted: string[] }>;

  // networks
  networkCreate(req: NetworkCreateRequest): Promise<{ id: string }>;
  networkList(opts?: { filters?: Record<string, string[]> }): Promise<NetworkInspect[]>;
  networkInspect(idOrName: string): Promise<NetworkInspect>;
  networkRemove(idOrName: string): Promise<void>;
  networkPrune(opts?: { filters?: Record<string, string[]> }): Promise<{ deleted: string[] }>;
  networkConnect(network: string, container: string, opts?: { aliases?: string[]; ipv4Address?: string }): Promise<void>;
  networkDisconnect(network: string, container: string, opts?: { force?: boolean }): Promise<void>;

  // volumes
  volumeCreate(req: VolumeCreateRequest): Promise<VolumeInspect>;
  volumeList(opts?: { filters?: Record<string, string[]> }): Promise<VolumeInspect[]>;
  volumeInspect(name: string): Promise<VolumeInspect>;
  volumeRemove(name: string, opts?: { force?: boolean }): Promise<void>;
  volumePrune(opts?: { all?: boolean; filters?: Record<string, string[]> }): Promise<{ deleted: string[]; reclaimed: number }>;
}
