/**
 * An in-memory Engine for planner/executor and CLI tests: no kernel, no processes. It keeps
 * the observable behaviour of the real engine that clients depend on (labels, Docker list
 * filters, state transitions, exit codes, NOT_FOUND/CONFLICT/IN_USE codes, events) and runs
 * the same conformance suite (test/conformance/engine-conformance.ts).
 *
 * Knobs for tests:
 * - `images`: references present at start (pull adds any reference, unless `pullFails` has it).
 * - `exitCodeFor(req)`: the exit code a container gets when it stops by itself or is stopped
 *   (default 0 for exits, 137 for kills, 143 for stops).
 * - `exit(id, code)`: makes a running container exit now, as if its process ended.
 * - `calls`: every method call, in order, as "method arg0" (for executor tests).
 */
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import {
  type AttachOptions,
  type AttachResult,
  EngineError,
  type ContainerCreateRequest,
  type ContainerInspect,
  type ContainerListOptions,
  type ContainerStats,
  type ContainerStatus,
  type ContainerSummary,
  type DiskUsage,
  type Engine,
  type EngineEvent,
  type EngineInfo,
  type EventOptions,
  type EventType,
  type ExecOptions,
  type ExecResult,
  type ImageHistoryEntry,
  type ImageInspect,
  type ImageListOptions,
  type ImageSummary,
  type LogLine,
  type LogOptions,
  type NetworkCreateRequest,
  type NetworkInspect,
  type ProgressFn,
  type SyncOp,
  type SyncResult,
  type TopResult,
  type VolumeCreateRequest,
  type VolumeInspect,
  type BuildOptions,
  type EndpointInfo,
} from '../../engine/api/types.js';
import { EventBus } from '../../engine/common/events.js';

export interface FakeEngineOptions {
  /** Image references present at start, e.g. ["busybox:latest", "nginx:1.25"]. */
  images?: string[];
  /** References whose pull fails with REGISTRY. */
  pullFails?: string[];
  /** Exit code of a container when it stops by itself or by `stop`. */
  exitCodeFor?: (req: ContainerCreateRequest, how: 'exit' | 'stop' | 'kill') => number;
  /** Fixed clock for deterministic statuses; default Date.now. */
  now?: () => number;
  /** Run containers' commands with the tiny interpreter below (default true). */
  interpret?: boolean;
}

/**
 * What a started container "does": the fake understands just enough shell to make exit codes,
 * logs and waits testable: `sh -c "echo a; echo b >&2; sleep 0.1; exit 3"`, `true`, `false`,
 * `sleep N`, `echo ...`. Anything else (a server, a bare `sh`) runs until stopped.
 */
type Step = { echo: string; stream: 'stdout' | 'stderr' } | { sleep: number } | { exit: number } | { forever: true };

export function interpret(argv: string[]): Step[] {
  const script = (argv[0] === 'sh' || argv[0] === '/bin/sh') && argv[1] === '-c' ? argv.slice(2).join(' ') : argv.join(' ');
  const steps: Step[] = [];
  for (const raw of script.split(/;|&&|\n/)) {
    const part = raw.trim();
    if (!part) continue;
    const [cmd, ...rest] = part.split(/\s+/);
    const arg = rest.join(' ');
    if (cmd === 'echo') {
      const toErr = /\s*>&2$/.test(arg);
      steps.push({ echo: arg.replace(/\s*>&2$/, '').replace(/^["']|["']$/g, ''), stream: toErr ? 'stderr' : 'stdout' });
    } else if (cmd === 'sleep') {
      const n = Number(rest[0]);
      steps.push(Number.isFinite(n) ? { sleep: n * 1000 } : { forever: true });
    } else if (cmd === 'exit') steps.push({ exit: Number(rest[0] ?? 0) });
    else if (cmd === 'true') steps.push({ exit: 0 });
    else if (cmd === 'false') steps.push({ exit: 1 });
    else {
      steps.push({ forever: true });
      return steps;
    }
  }
  const last = steps[steps.length - 1];
  if (!last || !('exit' in last || 'forever' in last)) steps.push({ exit: 0 });
  return steps;
}

interface FakeImage {
  id: string;
  refs: string[];
  created: string;
  labels: Record<string, string>;
  config: ImageInspect['config'];
}

interface FakeContainer {
  id: string;
  name: string;
  req: ContainerCreateRequest;
  imageId: string;
  created: string;
  status: ContainerStatus;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  restartCount: number;
  pid: number;
  networks: Record<string, EndpointInfo>;
  logs: LogLine[];
  /** Bumped on every start/stop so a stale program run stops acting. */
  generation: number;
  waiters: { condition: 'not-running' | 'next-exit' | 'removed'; resolve: (v: { exitCode: number }) => void }[];
}

interface FakeNetwork extends NetworkInspect {}
interface FakeVolume extends Omit<VolumeInspect, 'usedBy'> {}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function hexId(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

/** "redis" → "redis:latest"; keeps registries and digests. The fake does not add docker.io/library. */
export function normalizeRef(ref: string): string {
  if (ref.includes('@')) return ref;
  const lastSlash = ref.lastIndexOf('/');
  const lastColon = ref.lastIndexOf(':');
  return lastColon > lastSlash ? ref : `${ref}:latest`;
}

function matchLabels(labels: Record<string, string>, wanted: string[] | undefined): boolean {
  for (const l of wanted ?? []) {
    const eq = l.indexOf('=');
    const k = eq < 0 ? l : l.slice(0, eq);
    if (!(k in labels)) return false;
    if (eq >= 0 && labels[k] !== l.slice(eq + 1)) return false;
  }
  return true;
}

export class FakeEngine implements Engine {
  readonly calls: string[] = [];
  readonly bus = new EventBus();
  private images = new Map<string, FakeImage>();
  private containers = new Map<string, FakeContainer>();
  private networks = new Map<string, FakeNetwork>();
  private volumes = new Map<string, FakeVolume>();
  private seq = 0;
  private nextIp = 2;
  private readonly now: () => number;
  private readonly startedAt: string;

  constructor(private readonly opts: FakeEngineOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.startedAt = this.iso();
    for (const ref of opts.images ?? []) this.addImage(ref);
  }

  // ------------------------------------------------------------ test knobs

  /** Adds an image (or a reference to an existing one with the same config). Returns its id. */
  addImage(ref: string, config: ImageInspect['config'] = { Cmd: ['sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] }, labels: Record<string, string> = {}): string {
    const r = normalizeRef(ref);
    this.untagEverywhere(r);
    const id = `sha256:${hexId(`image:${r}:${JSON.stringify(config)}`)}`;
    const existing = this.images.get(id);
    if (existing) {
      if (!existing.refs.includes(r)) existing.refs.push(r);
    } else {
      this.images.set(id, { id, refs: [r], created: this.iso(), labels, config });
    }
    return id;
  }

  /** Makes a running container's process end with `code`. */
  exit(idOrName: string, code: number): void {
    const c = this.container(idOrName);
    if (c.status !== 'running' && c.status !== 'paused') throw new Error(`fake: ${c.name} is not running`);
    this.finish(c, code, 'die');
  }

  /** Appends a log line to a container (as if its process printed it). */
  log(idOrName: string, line: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    this.container(idOrName).logs.push({ stream, line, time: this.iso() });
  }

  // ------------------------------------------------------------ helpers

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  private newId(kind: string): string {
    return hexId(`${kind}:${++this.seq}:${Math.random()}`);
  }

  private record(method: string, arg?: unknown): void {
    this.calls.push(arg === undefined ? method : `${method} ${typeof arg === 'string' ? arg : JSON.stringify(arg)}`);
  }

  private emit(type: EventType, action: string, id: string, attributes: Record<string, string>): void {
    this.bus.emit({ type, action, id, attributes });
  }

  private untagEverywhere(ref: string): void {
    for (const img of this.images.values()) img.refs = img.refs.filter((r) => r !== ref);
  }

  private findImage(ref: string): FakeImage | undefined {
    const r = normalizeRef(ref);
    for (const img of this.images.values()) if (img.refs.includes(r)) return img;
    const hex = ref.replace(/^sha256:/, '');
    if (hex.length >= 4 && /^[0-9a-f]+$/.test(hex)) {
      const hits = [...this.images.values()].filter((i) => i.id.slice(7).startsWith(hex));
      if (hits.length === 1) return hits[0];
    }
    return undefined;
  }

  private image(ref: string): FakeImage {
    const img = this.findImage(ref);
    if (!img) throw new EngineError('NOT_FOUND', `No such image: ${ref}`);
    return img;
  }

  private findContainer(idOrName: string): FakeContainer | undefined {
    const name = idOrName.replace(/^\//, '');
    for (const c of this.containers.values()) if (c.name === name || c.id === idOrName) return c;
    const hits = [...this.containers.values()].filter((c) => c.id.startsWith(idOrName));
    if (hits.length > 1) throw new EngineError('INVALID', `multiple containers match ${idOrName}`);
    return hits[0];
  }

  private container(idOrName: string): FakeContainer {
    const c = this.findContainer(idOrName);
    if (!c) throw new EngineError('NOT_FOUND', `No such container: ${idOrName}`);
    return c;
  }

  private findNetwork(idOrName: string): FakeNetwork | undefined {
    for (const n of this.networks.values()) if (n.name === idOrName || n.id === idOrName) return n;
    const hits = [...this.networks.values()].filter((n) => n.id.startsWith(idOrName));
    return hits.length === 1 ? hits[0] : undefined;
  }

  private network(idOrName: string): FakeNetwork {
    const n = this.findNetwork(idOrName);
    if (!n) throw new EngineError('NOT_FOUND', `network ${idOrName} not found`);
    return n;
  }

  private volume(name: string): FakeVolume {
    const v = this.volumes.get(name);
    if (!v) throw new EngineError('NOT_FOUND', `no such volume: ${name}`);
    return v;
  }

  private attrs(c: FakeContainer, extra: Record<string, string> = {}): Record<string, string> {
    return { ...(c.req.labels ?? {}), name: c.name, image: c.req.image, ...extra };
  }

  private exitCode(c: FakeContainer, how: 'exit' | 'stop' | 'kill'): number {
    if (this.opts.exitCodeFor) return this.opts.exitCodeFor(c.req, how);
    return how === 'exit' ? 0 : how === 'kill' ? 137 : 143;
  }

  private argv(c: FakeContainer): string[] {
    const img = this.images.get(c.imageId);
    const entry = c.req.entrypoint !== undefined ? c.req.entrypoint ?? [] : img?.config.Entrypoint ?? [];
    const cmd = c.req.cmd !== undefined ? c.req.cmd ?? [] : img?.config.Cmd ?? [];
    return [...entry, ...cmd];
  }

  /** Plays the container's program asynchronously (so a caller can wait or follow logs first). */
  private async play(c: FakeContainer): Promise<void> {
    if (this.opts.interpret === false) return;
    const gen = c.generation;
    const alive = () => this.containers.has(c.id) && c.generation === gen && c.status === 'running';
    const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
    await pause(5);
    for (const step of interpret(this.argv(c))) {
      while (c.status === 'paused' && c.generation === gen) await pause(10);
      if (!alive()) return;
      if ('echo' in step) c.logs.push({ stream: step.stream, line: step.echo, time: this.iso() });
      else if ('sleep' in step) await pause(step.sleep);
      else if ('exit' in step) {
        this.finish(c, step.exit, 'die');
        return;
      } else return; // forever
    }
  }

  private finish(c: FakeContainer, code: number, action: 'die' | 'kill' | 'stop'): void {
    c.generation++;
    c.status = 'exited';
    c.exitCode = code;
    c.pid = 0;
    c.finishedAt = this.iso();
    if (action !== 'die') this.emit('container', action, c.id, this.attrs(c));
    this.emit('container', 'die', c.id, this.attrs(c, { exitCode: String(code) }));
    const keep: FakeContainer['waiters'] = [];
    for (const w of c.waiters) {
      if (w.condition === 'removed') keep.push(w);
      else w.resolve({ exitCode: code });
    }
    c.waiters = keep;
    if (c.req.autoRemove) this.destroy(c);
  }

  private destroy(c: FakeContainer, removeAnonymous = !!c.req.autoRemove): void {
    for (const n of this.networks.values()) delete n.containers[c.id];
    this.containers.delete(c.id);
    if (removeAnonymous) {
      for (const m of c.req.mounts ?? []) if (m.type === 'volume' && !m.source) this.volumes.delete(this.volumeName(c, m.target));
    }
    this.emit('container', 'destroy', c.id, this.attrs(c));
    for (const w of c.waiters) w.resolve({ exitCode: c.exitCode });
    c.waiters = [];
  }

  private humanStatus(c: FakeContainer): string {
    const ago = (t: string) => {
      const s = Math.max(0, Math.round((this.now() - Date.parse(t)) / 1000));
      if (s < 1) return 'Less than a second';
      if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
      const m = Math.round(s / 60);
      if (m < 60) return `${m} minute${m === 1 ? '' : 's'}`;
      const h = Math.round(m / 60);
      return `${h} hour${h === 1 ? '' : 's'}`;
    };
    switch (c.status) {
      case 'created':
        return 'Created';
      case 'running':
        return `Up ${ago(c.startedAt)}`;
      case 'paused':
        return `Up ${ago(c.startedAt)} (Paused)`;
      case 'exited':
        return `Exited (${c.exitCode}) ${ago(c.finishedAt)} ago`;
      default:
        return c.status;
    }
  }

  private summary(c: FakeContainer): ContainerSummary {
    return {
      id: c.id,
      names: [`/${c.name}`],
      image: c.req.image,
      imageId: c.imageId,
      command: [...(c.req.entrypoint ?? []), ...(c.req.cmd ?? [])].join(' '),
      created: c.created,
      state: c.status,
      status: this.humanStatus(c),
      exitCode: c.exitCode,
      labels: { ...(c.req.labels ?? {}) },
      ports: (c.req.ports ?? []).map((p) => ({ containerPort: p.containerPort, protocol: p.protocol, hostIp: p.hostIp || '0.0.0.0', hostPort: p.hostPort || 0 })),
      networks: Object.keys(c.networks),
      mounts: (c.req.mounts ?? []).map((m) => m.source ?? m.target),
    };
  }

  private endpointFor(c: FakeContainer, net: FakeNetwork, aliases: string[] = [], ip?: string): EndpointInfo {
    const ipAddress = ip ?? `10.200.0.${this.nextIp++}`;
    const ep: EndpointInfo = {
      networkId: net.id,
      networkName: net.name,
      ipAddress,
      ipPrefixLen: 24,
      gateway: '10.200.0.1',
      macAddress: '02:42:0a:c8:00:' + (this.nextIp % 256).toString(16).padStart(2, '0'),
      aliases,
    };
    net.containers[c.id] = { name: c.name, ipv4Address: `${ipAddress}/24`, macAddress: ep.macAddress, aliases };
    return ep;
  }

  private volumeName(c: { id: string }, target: string, source?: string): string {
    return source || `anon-${c.id.slice(0, 12)}-${target.replace(/\//g, '_')}`;
  }

  private usersOfVolume(name: string): string[] {
    const out: string[] = [];
    for (const c of this.containers.values()) {
      if ((c.req.mounts ?? []).some((m) => m.type === 'volume' && this.volumeName(c, m.target, m.source) === name)) out.push(c.name);
    }
    return out;
  }

  private toVolume(v: FakeVolume): VolumeInspect {
    return { ...v, labels: { ...v.labels }, options: { ...v.options }, usedBy: this.usersOfVolume(v.name) };
  }

  private copyNet(n: FakeNetwork): NetworkInspect {
    return structuredClone(n);
  }

  private ensureDefaultNetwork(): FakeNetwork {
    const existing = this.findNetwork('bridge');
    if (existing) return existing;
    const id = this.newId('network');
    const n: FakeNetwork = {
      id, name: 'bridge', driver: 'bridge', created: this.iso(), internal: false, enableIPv6: false,
      labels: {}, options: {}, ipam: [{ subnet: '10.200.0.0/24', gateway: '10.200.0.1' }], bridge: 'bthfakeb0', containers: {},
    };
    this.networks.set(id, n);
    return n;
  }

  // ------------------------------------------------------------ engine

  async info(): Promise<EngineInfo> {
    const cs = [...this.containers.values()];
    return {
      version: '0.0.0-fake',
      pid: process.pid,
      root: '/fake',
      runtime: 'crun',
      runtimePath: '/bin/false',
      cgroupVersion: 2,
      rootId: 'fake00',
      startedAt: this.startedAt,
      containers: {
        total: cs.length,
        running: cs.filter((c) => c.status === 'running').length,
        paused: cs.filter((c) => c.status === 'paused').length,
        stopped: cs.filter((c) => c.status !== 'running' && c.status !== 'paused').length,
      },
      images: this.images.size,
    };
  }

  events(opts: EventOptions, signal?: AbortSignal): AsyncIterable<EngineEvent> {
    return this.bus.stream(opts, signal);
  }

  async diskUsage(): Promise<DiskUsage> {
    return {
      images: { count: this.images.size, size: 0, reclaimable: 0 },
      containers: { count: this.containers.size, size: 0 },
      volumes: { count: this.volumes.size, size: 0 },
    };
  }

  // ------------------------------------------------------------ images

  private imageSummary(img: FakeImage): ImageSummary {
    const containers = [...this.containers.values()].filter((c) => c.imageId === img.id).length;
    return { id: img.id, repoTags: [...img.refs], repoDigests: [], created: img.created, size: 1024, labels: { ...img.labels }, containers };
  }

  async imageList(opts: ImageListOptions = {}): Promise<ImageSummary[]> {
    this.record('imageList');
    const f = opts.filters ?? {};
    return [...this.images.values()]
      .filter((i) => matchLabels(i.labels, f.label))
      .filter((i) => !f.dangling?.length || (f.dangling[0] === 'true') === (i.refs.length === 0))
      .filter((i) => !f.reference?.length || f.reference.some((r) => i.refs.some((x) => x === normalizeRef(r) || x.startsWith(r))))
      .map((i) => this.imageSummary(i));
  }

  async imageInspect(ref: string): Promise<ImageInspect> {
    this.record('imageInspect', ref);
    const img = this.image(ref);
    return {
      ...this.imageSummary(img),
      architecture: 'amd64',
      os: 'linux',
      config: structuredClone(img.config),
      rootfs: { type: 'layers', diff_ids: [`sha256:${hexId(`layer:${img.id}`)}`] },
      history: [{ created: img.created, created_by: 'fake' }],
    };
  }

  async imageHistory(ref: string): Promise<ImageHistoryEntry[]> {
    const img = this.image(ref);
    return [{ id: img.id, created: img.created, createdBy: 'fake', size: 1024, comment: '' }];
  }

  async imageImport(source: Readable, ref: string | undefined, changes: string[]): Promise<string> {
    this.record('imageImport', ref);
    for await (const _ of source) void _;
    const config: ImageInspect['config'] = {};
    for (const ch of changes) {
      const m = /^(\w+)\s+(.*)$/.exec(ch.trim());
      if (!m) continue;
      const [, instr, arg] = m as unknown as [string, string, string];
      const list = arg.startsWith('[') ? (JSON.parse(arg) as string[]) : ['/bin/sh', '-c', arg];
      if (instr.toUpperCase() === 'CMD') config.Cmd = list;
      if (instr.toUpperCase() === 'ENTRYPOINT') config.Entrypoint = list;
      if (instr.toUpperCase() === 'ENV') config.Env = [...(config.Env ?? []), arg.replace(/\s+/, '=').replace(/==/, '=')];
      if (instr.toUpperCase() === 'WORKDIR') config.WorkingDir = arg;
    }
    const id = ref ? this.addImage(ref, config) : `sha256:${hexId(`import:${++this.seq}`)}`;
    if (!ref) this.images.set(id, { id, refs: [], created: this.iso(), labels: {}, config });
    this.emit('image', 'import', id, {});
    return id;
  }

  async imageLoad(source: Readable, _onProgress?: ProgressFn): Promise<string[]> {
    for await (const _ of source) void _;
    throw new EngineError('INVALID', 'fake engine: image load is not supported');
  }

  async imageSave(refs: string[]): Promise<Readable> {
    for (const r of refs) this.image(r);
    return Readable.from([Buffer.from(JSON.stringify(refs))]);
  }

  async imagePull(ref: string, onProgress?: ProgressFn): Promise<string> {
    this.record('imagePull', ref);
    const r = normalizeRef(ref);
    if ((this.opts.pullFails ?? []).map(normalizeRef).includes(r)) {
      throw new EngineError('REGISTRY', `pull access denied for ${ref}`);
    }
    onProgress?.({ id: r, status: 'Pulling' });
    const id = this.findImage(r)?.id ?? this.addImage(r);
    onProgress?.({ id: r, status: 'Pull complete' });
    this.emit('image', 'pull', id, { name: r });
    return id;
  }

  async imagePush(ref: string): Promise<string> {
    this.record('imagePush', ref);
    return `sha256:${hexId(`push:${this.image(ref).id}`)}`;
  }

  async imageBuild(opts: BuildOptions, onProgress?: ProgressFn): Promise<string> {
    this.record('imageBuild', opts.tags.join(','));
    if (!opts.tags.length) throw new EngineError('INVALID', 'fake engine: a build needs a tag');
    onProgress?.({ id: '#1', status: 'DONE' });
    let id = '';
    for (const t of opts.tags) id = this.addImage(t, { Cmd: ['sh'], Labels: opts.labels }, opts.labels ?? {});
    return id;
  }

  async imageTag(source: string, target: string): Promise<void> {
    const img = this.image(source);
    const t = normalizeRef(target);
    this.untagEverywhere(t);
    img.refs.push(t);
    this.emit('image', 'tag', img.id, { name: t });
  }

  async imageRemove(ref: string, opts: { force?: boolean } = {}): Promise<string[]> {
    this.record('imageRemove', ref);
    const img = this.image(ref);
    const r = normalizeRef(ref);
    const users = [...this.containers.values()].filter((c) => c.imageId === img.id);
    if (img.refs.includes(r) && img.refs.length > 1) {
      img.refs = img.refs.filter((x) => x !== r);
      this.emit('image', 'untag', img.id, { name: r });
      return [`Untagged: ${r}`];
    }
    if (users.length && !opts.force) {
      throw new EngineError('CONFLICT', `unable to remove ${ref}: image is being used by container ${users[0]!.id.slice(0, 12)}`);
    }
    this.images.delete(img.id);
    this.emit('image', 'delete', img.id, {});
    return [...img.refs.map((x) => `Untagged: ${x}`), `Deleted: ${img.id}`];
  }

  async imagePrune(opts: { all?: boolean } = {}): Promise<{ deleted: string[]; reclaimed: number }> {
    const used = new Set([...this.containers.values()].map((c) => c.imageId));
    const deleted: string[] = [];
    for (const img of [...this.images.values()]) {
      if (used.has(img.id)) continue;
      if (img.refs.length === 0 || opts.all) {
        this.images.delete(img.id);
        deleted.push(img.id);
      }
    }
    return { deleted, reclaimed: deleted.length * 1024 };
  }

  async login(): Promise<void> {}

  async imageSearch(term: string): Promise<string[]> {
    return [...new Set([...this.images.values()].flatMap((i) => i.refs.map((r) => r.split(':')[0]!)))].filter((n) => n.includes(term));
  }

  // ------------------------------------------------------------ containers

  async containerCreate(req: ContainerCreateRequest): Promise<{ id: string; warnings: string[] }> {
    this.record('containerCreate', req.name ?? req.image);
    const img = this.image(req.image);
    if (req.name !== undefined) {
      if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(req.name)) throw new EngineError('INVALID', `invalid container name "${req.name}"`);
      if (this.findContainer(req.name)?.name === req.name) {
        throw new EngineError('CONFLICT', `Conflict. The container name "/${req.name}" is already in use`);
      }
    }
    const id = this.newId('container');
    const c: FakeContainer = {
      id,
      name: req.name ?? `fake_${this.seq}`,
      req: structuredClone({ ...req, labels: { ...(req.labels ?? {}) } }),
      imageId: img.id,
      created: this.iso(),
      status: 'created',
      exitCode: 0,
      startedAt: ZERO_TIME,
      finishedAt: ZERO_TIME,
      restartCount: 0,
      pid: 0,
      networks: {},
      logs: [],
      generation: 0,
      waiters: [],
    };
    const mode = req.network?.mode ?? 'bridge';
    if (mode === 'bridge') {
      const eps = req.network?.endpoints?.length ? req.network.endpoints : [{ network: this.ensureDefaultNetwork().name }];
      for (const ep of eps) {
        const net = this.network(ep.network);
        c.networks[net.name] = this.endpointFor(c, net, ep.aliases ?? [], ep.ipv4Address);
      }
    } else if (mode === 'container') {
      this.container(req.network!.container ?? '');
    }
    for (const m of req.mounts ?? []) {
      if (m.type !== 'volume') continue;
      const name = this.volumeName({ id }, m.target, m.source);
      if (!this.volumes.has(name)) await this.volumeCreate({ name, labels: m.volumeLabels ?? {} }).then((v) => { if (!m.source) this.volumes.get(v.name)!.anonymous = true; });
    }
    this.containers.set(id, c);
    this.emit('container', 'create', id, this.attrs(c));
    return { id, warnings: [] };
  }

  async containerStart(idOrName: string): Promise<void> {
    this.record('containerStart', idOrName);
    const c = this.container(idOrName);
    if (c.status === 'running') return;
    if (c.status === 'paused') throw new EngineError('CONFLICT', `cannot start a paused container, try unpause instead`);
    c.status = 'running';
    c.pid = 10_000 + this.seq++;
    c.startedAt = this.iso();
    c.finishedAt = ZERO_TIME;
    c.generation++;
    this.emit('container', 'start', c.id, this.attrs(c));
    void this.play(c);
  }

  async containerStop(idOrName: string, _opts?: { timeout?: number; signal?: string }): Promise<void> {
    this.record('containerStop', idOrName);
    const c = this.container(idOrName);
    if (c.status !== 'running' && c.status !== 'paused') return;
    this.finish(c, this.exitCode(c, 'stop'), 'stop');
  }

  async containerRestart(idOrName: string): Promise<void> {
    this.record('containerRestart', idOrName);
    const c = this.container(idOrName);
    if (c.status === 'running' || c.status === 'paused') this.finish(c, this.exitCode(c, 'stop'), 'stop');
    if (!this.containers.has(c.id)) return;
    c.restartCount++;
    await this.containerStart(c.id);
    this.emit('container', 'restart', c.id, this.attrs(c));
  }

  async containerKill(idOrName: string, signal = 'SIGKILL'): Promise<void> {
    this.record('containerKill', idOrName);
    const c = this.container(idOrName);
    if (c.status !== 'running' && c.status !== 'paused') throw new EngineError('CONFLICT', `container ${idOrName} is not running`);
    const sig = signal.toUpperCase().replace(/^SIG/, '');
    const codes: Record<string, number> = { KILL: 137, '9': 137, TERM: 143, '15': 143, INT: 130, '2': 130, HUP: 129, '1': 129 };
    if (!(sig in codes)) {
      this.emit('container', 'kill', c.id, this.attrs(c, { signal: sig }));
      return; // the process ignores the signal
    }
    this.finish(c, this.opts.exitCodeFor ? this.exitCode(c, 'kill') : codes[sig]!, 'kill');
  }

  async containerPause(idOrName: string): Promise<void> {
    const c = this.container(idOrName);
    if (c.status !== 'running') throw new EngineError('CONFLICT', `container ${idOrName} is not running`);
    c.status = 'paused';
    this.emit('container', 'pause', c.id, this.attrs(c));
  }

  async containerUnpause(idOrName: string): Promise<void> {
    const c = this.container(idOrName);
    if (c.status !== 'paused') throw new EngineError('CONFLICT', `container ${idOrName} is not paused`);
    c.status = 'running';
    this.emit('container', 'unpause', c.id, this.attrs(c));
  }

  async containerRemove(idOrName: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    this.record('containerRemove', idOrName);
    const c = this.container(idOrName);
    if ((c.status === 'running' || c.status === 'paused') && !opts.force) {
      throw new EngineError('CONFLICT', `cannot remove container "/${c.name}": container is running: stop the container before removing or force remove`);
    }
    if (c.status === 'running' || c.status === 'paused') {
      const auto = c.req.autoRemove;
      c.req.autoRemove = false;
      this.finish(c, this.exitCode(c, 'kill'), 'kill');
      c.req.autoRemove = auto;
    }
    this.destroy(c, !!opts.volumes || !!c.req.autoRemove);
  }

  async containerRename(idOrName: string, name: string): Promise<void> {
    const c = this.container(idOrName);
    if (this.findContainer(name)?.name === name) throw new EngineError('CONFLICT', `name "${name}" is already in use`);
    c.name = name;
    this.emit('container', 'rename', c.id, this.attrs(c));
  }

  async containerList(opts: ContainerListOptions = {}): Promise<ContainerSummary[]> {
    this.record('containerList');
    const f = opts.filters ?? {};
    const out: ContainerSummary[] = [];
    for (const c of this.containers.values()) {
      if (!opts.all && !f.status?.length && c.status !== 'running' && c.status !== 'paused') continue;
      if (f.id?.length && !f.id.some((p) => c.id.startsWith(p))) continue;
      if (f.name?.length && !f.name.some((n) => c.name.includes(n.replace(/^\//, '')))) continue;
      if (f.status?.length && !f.status.includes(c.status)) continue;
      if (!matchLabels(c.req.labels ?? {}, f.label)) continue;
      if (f.ancestor?.length && !f.ancestor.some((a) => this.findImage(a)?.id === c.imageId)) continue;
      if (f.network?.length && !f.network.some((n) => Object.values(c.networks).some((e) => e.networkName === n || e.networkId.startsWith(n)))) continue;
      if (f.volume?.length && !f.volume.some((v) => (c.req.mounts ?? []).some((m) => m.source === v || m.target === v))) continue;
      out.push(this.summary(c));
    }
    return out.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
  }

  async containerInspect(idOrName: string): Promise<ContainerInspect> {
    this.record('containerInspect', idOrName);
    const c = this.container(idOrName);
    const argv = this.argv(c);
    return {
      id: c.id,
      name: `/${c.name}`,
      created: c.created,
      image: c.req.image,
      imageId: c.imageId,
      path: argv[0] ?? '',
      args: argv.slice(1),
      state: {
        status: c.status,
        running: c.status === 'running' || c.status === 'paused',
        paused: c.status === 'paused',
        restarting: false,
        oomKilled: false,
        dead: false,
        pid: c.pid,
        exitCode: c.exitCode,
        error: '',
        startedAt: c.startedAt,
        finishedAt: c.finishedAt,
      },
      restartCount: c.restartCount,
      config: structuredClone(c.req),
      networkMode: c.req.network?.mode === 'container' ? `container:${c.req.network.container}` : c.req.network?.mode ?? 'bridge',
      networks: structuredClone(c.networks),
      ports: this.summary(c).ports,
      mounts: (c.req.mounts ?? []).map((m) => ({
        type: m.type,
        name: m.type === 'volume' ? this.volumeName(c, m.target, m.source) : undefined,
        source: m.source ?? '',
        destination: m.target,
        rw: !m.readOnly,
      })),
      logPath: `/fake/containers/${c.id}/ctr.log`,
    };
  }

  containerWait(idOrName: string, opts: { condition?: 'not-running' | 'next-exit' | 'removed' } = {}, signal?: AbortSignal): Promise<{ exitCode: number }> {
    let c: FakeContainer;
    try {
      c = this.container(idOrName);
    } catch (e) {
      return Promise.reject(e);
    }
    const condition = opts.condition ?? 'not-running';
    if (condition === 'not-running' && c.status !== 'running' && c.status !== 'paused') return Promise.resolve({ exitCode: c.exitCode });
    return new Promise((resolve, reject) => {
      const w = { condition, resolve };
      c.waiters.push(w);
      signal?.addEventListener('abort', () => {
        c.waiters = c.waiters.filter((x) => x !== w);
        reject(new EngineError('INTERNAL', 'wait aborted'));
      }, { once: true });
    });
  }

  async *containerLogs(idOrName: string, opts: LogOptions, signal?: AbortSignal): AsyncIterable<LogLine> {
    const c = this.container(idOrName);
    const want = (l: LogLine) => (l.stream === 'stdout' ? opts.stdout !== false : opts.stderr !== false);
    let lines = c.logs.filter(want);
    if (opts.tail !== undefined && opts.tail >= 0) lines = lines.slice(Math.max(0, lines.length - opts.tail));
    let seen = c.logs.length;
    for (const l of lines) yield l;
    if (!opts.follow) return;
    while (!signal?.aborted && this.containers.has(c.id)) {
      await new Promise((r) => setTimeout(r, 20));
      while (seen < c.logs.length) {
        const l = c.logs[seen++]!;
        if (want(l)) yield l;
      }
      if (c.status !== 'running' && c.status !== 'paused') return;
    }
  }

  async containerExec(idOrName: string, opts: ExecOptions, onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): Promise<ExecResult> {
    this.record('containerExec', idOrName);
    const c = this.container(idOrName);
    if (c.status !== 'running') throw new EngineError('CONFLICT', `container ${idOrName} is not running`);
    // A tiny shell: "echo ..." prints, "exit N" returns N, anything else succeeds silently.
    const cmd = opts.cmd.join(' ');
    const exit = /(?:^|\s)exit\s+(\d+)/.exec(cmd);
    const echo = /^echo\s+(.*)$/.exec(cmd);
    const stdout = echo ? `${echo[1]}\n` : '';
    if (stdout) onOutput?.('stdout', Buffer.from(stdout));
    return { exitCode: exit ? Number(exit[1]) : 0, stdout: onOutput ? '' : stdout, stderr: '' };
  }

  /** The fake has no processes to attach to: the container must exist, then the call is refused. */
  async containerAttach(idOrName: string, _opts: AttachOptions, _onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): Promise<AttachResult> {
    this.record('containerAttach', idOrName);
    this.container(idOrName);
    throw new EngineError('INVALID', 'the fake engine cannot attach to containers');
  }

  async containerTop(idOrName: string): Promise<TopResult> {
    const c = this.container(idOrName);
    if (c.status !== 'running') throw new EngineError('CONFLICT', `container ${idOrName} is not running`);
    return { titles: ['PID', 'CMD'], processes: [[String(c.pid), [...(c.req.cmd ?? [])].join(' ')]] };
  }

  async containerStats(idOrName: string): Promise<ContainerStats> {
    const c = this.container(idOrName);
    return {
      id: c.id, name: c.name, read: this.iso(), cpuPercent: 0, cpuUsageNs: 0, memoryUsage: 0,
      memoryLimit: c.req.resources?.memory ?? 0, pids: c.status === 'running' ? 1 : 0, pidsLimit: c.req.resources?.pidsLimit ?? 0,
      netRx: 0, netTx: 0, blockRead: 0, blockWrite: 0,
    };
  }

  async containerSync(idOrName: string, ops: SyncOp[]): Promise<SyncResult> {
    this.record('containerSync', idOrName);
    this.container(idOrName);
    return { applied: ops.length, failed: [] };
  }

  async containerCopyOut(idOrName: string): Promise<void> {
    this.container(idOrName);
  }

  async containerCommit(idOrName: string, ref: string): Promise<string> {
    const c = this.container(idOrName);
    const img = this.images.get(c.imageId);
    return this.addImage(ref, { ...(img?.config ?? {}), Labels: { committedFrom: c.id } });
  }

  async containerPrune(): Promise<{ deleted: string[] }> {
    const deleted: string[] = [];
    for (const c of [...this.containers.values()]) {
      if (c.status === 'running' || c.status === 'paused') continue;
      this.destroy(c);
      deleted.push(c.id);
    }
    return { deleted };
  }

  // ------------------------------------------------------------ networks

  async networkCreate(req: NetworkCreateRequest): Promise<{ id: string }> {
    this.record('networkCreate', req.name);
    if (!req.name) throw new EngineError('INVALID', 'a network needs a name');
    if (this.findNetwork(req.name)?.name === req.name) throw new EngineError('CONFLICT', `network with name ${req.name} already exists`);
    const id = this.newId('network');
    const n: FakeNetwork = {
      id,
      name: req.name,
      driver: req.driver ?? 'bridge',
      created: this.iso(),
      internal: !!req.internal,
      enableIPv6: !!req.enableIPv6,
      labels: { ...(req.labels ?? {}) },
      options: { ...(req.options ?? {}) },
      ipam: req.ipam?.length ? structuredClone(req.ipam) : [{ subnet: `10.201.${this.networks.size}.0/24`, gateway: `10.201.${this.networks.size}.1` }],
      bridge: `bthfakeb${this.networks.size}`,
      containers: {},
    };
    this.networks.set(id, n);
    this.emit('network', 'create', id, { name: n.name, ...n.labels });
    return { id };
  }

  async networkList(opts: { filters?: Record<string, string[]> } = {}): Promise<NetworkInspect[]> {
    this.record('networkList');
    const f = opts.filters ?? {};
    return [...this.networks.values()]
      .filter((n) => matchLabels(n.labels, f.label))
      .filter((n) => !f.name?.length || f.name.some((x) => n.name.includes(x)))
      .filter((n) => !f.id?.length || f.id.some((x) => n.id.startsWith(x)))
      .filter((n) => !f.driver?.length || f.driver.includes(n.driver))
      .map((n) => this.copyNet(n));
  }

  async networkInspect(idOrName: string): Promise<NetworkInspect> {
    this.record('networkInspect', idOrName);
    return this.copyNet(this.network(idOrName));
  }

  async networkRemove(idOrName: string): Promise<void> {
    this.record('networkRemove', idOrName);
    const n = this.network(idOrName);
    const users = Object.values(n.containers);
    if (users.length) throw new EngineError('IN_USE', `network ${n.name} has active endpoints (${users.map((u) => u.name).join(', ')})`);
    this.networks.delete(n.id);
    this.emit('network', 'destroy', n.id, { name: n.name, ...n.labels });
  }

  async networkPrune(opts: { filters?: Record<string, string[]> } = {}): Promise<{ deleted: string[] }> {
    const deleted: string[] = [];
    for (const n of [...this.networks.values()]) {
      if (n.name === 'bridge' || Object.keys(n.containers).length || !matchLabels(n.labels, opts.filters?.label)) continue;
      this.networks.delete(n.id);
      deleted.push(n.name);
    }
    return { deleted };
  }

  async networkConnect(network: string, container: string, opts: { aliases?: string[]; ipv4Address?: string } = {}): Promise<void> {
    this.record('networkConnect', `${network} ${container}`);
    const n = this.network(network);
    const c = this.container(container);
    if (c.networks[n.name]) throw new EngineError('CONFLICT', `container ${c.name} is already attached to network ${n.name}`);
    c.networks[n.name] = this.endpointFor(c, n, opts.aliases ?? [], opts.ipv4Address);
    this.emit('network', 'connect', n.id, { name: n.name, container: c.id });
  }

  async networkDisconnect(network: string, container: string): Promise<void> {
    this.record('networkDisconnect', `${network} ${container}`);
    const n = this.network(network);
    const c = this.container(container);
    if (!c.networks[n.name]) throw new EngineError('NOT_FOUND', `container ${c.name} is not connected to network ${n.name}`);
    delete c.networks[n.name];
    delete n.containers[c.id];
    this.emit('network', 'disconnect', n.id, { name: n.name, container: c.id });
  }

  // ------------------------------------------------------------ volumes

  async volumeCreate(req: VolumeCreateRequest): Promise<VolumeInspect> {
    this.record('volumeCreate', req.name ?? '');
    const name = req.name || this.newId('volume');
    const existing = this.volumes.get(name);
    if (existing) return this.toVolume(existing); // Docker: creating an existing volume returns it
    const v: FakeVolume = {
      name,
      driver: req.driver ?? 'local',
      mountpoint: `/fake/volumes/${name}/_data`,
      created: this.iso(),
      labels: { ...(req.labels ?? {}) },
      options: { ...(req.driverOpts ?? {}) },
      scope: 'local',
      anonymous: !req.name,
    };
    this.volumes.set(name, v);
    this.emit('volume', 'create', name, { ...v.labels });
    return this.toVolume(v);
  }

  async volumeList(opts: { filters?: Record<string, string[]> } = {}): Promise<VolumeInspect[]> {
    this.record('volumeList');
    const f = opts.filters ?? {};
    return [...this.volumes.values()]
      .filter((v) => matchLabels(v.labels, f.label))
      .filter((v) => !f.name?.length || f.name.some((x) => v.name.includes(x)))
      .filter((v) => !f.dangling?.length || (f.dangling[0] === 'true') === (this.usersOfVolume(v.name).length === 0))
      .map((v) => this.toVolume(v));
  }

  async volumeInspect(name: string): Promise<VolumeInspect> {
    this.record('volumeInspect', name);
    return this.toVolume(this.volume(name));
  }

  async volumeRemove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    this.record('volumeRemove', name);
    const v = this.volume(name);
    const users = this.usersOfVolume(name);
    if (users.length && !opts.force) throw new EngineError('IN_USE', `volume ${name} is in use by container ${users.join(', ')}`);
    this.volumes.delete(name);
    this.emit('volume', 'destroy', v.name, { ...v.labels });
  }

  async volumePrune(opts: { all?: boolean; filters?: Record<string, string[]> } = {}): Promise<{ deleted: string[]; reclaimed: number }> {
    const deleted: string[] = [];
    for (const v of [...this.volumes.values()]) {
      if (this.usersOfVolume(v.name).length) continue;
      if (!opts.all && !v.anonymous) continue; // Docker 23+: prune removes anonymous volumes only unless --all
      if (!matchLabels(v.labels, opts.filters?.label)) continue;
      this.volumes.delete(v.name);
      deleted.push(v.name);
    }
    return { deleted, reclaimed: 0 };
  }
}
