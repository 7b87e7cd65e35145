/**
 * `run`: a one-off container of a service (labelled oneoff=True), after bringing up what it
 * depends on (unless --no-deps). Non-interactive: output streamed, its exit code returned.
 */
import { randomBytes } from 'node:crypto';
import type { ContainerCreateRequest, MountSpec, PortBinding } from '../../engine/api/types.js';
import { UserError } from '../diag/diagnostic.js';
import { containerName, prune, reconcile, imageRef } from '../plan/index.js';
import { toCreateRequest } from '../runtime/convert.js';
import { addVolumesFrom } from '../runtime/volumes-from.js';
import { executeOrThrow } from '../runtime/execute.js';
import { observe } from '../runtime/observe.js';
import { execContext } from './exec-context.js';
import type { AppDeps, GlobalOptions } from './context.js';
import { lockProject } from './lock.js';
import { loadProject, objectRefs } from './project.js';

export interface RunOptions {
  service: string;
  command: string[];
  detach?: boolean;
  rm?: boolean;
  name?: string;
  entrypoint?: string;
  env?: string[];
  user?: string;
  workdir?: string;
  volumes?: string[];
  publish?: string[];
  servicePorts?: boolean;
  noDeps?: boolean;
  tty?: boolean;
  labels?: string[];
  useAliases?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  /** Piped input for the one-off's main process (Compose's run is -i by default). */
  stdin?: NodeJS.ReadableStream;
}

function parsePublish(p: string): PortBinding {
  const m = /^(?:(?:([\d.]+):)?(\d*):)?(\d+)(?:\/(tcp|udp))?$/.exec(p);
  if (!m) throw new UserError(`invalid --publish ${p}: expected [[IP:]HOST:]CONTAINER[/PROTO]`);
  const b: PortBinding = { containerPort: Number(m[3]), protocol: (m[4] as 'tcp' | 'udp') ?? 'tcp' };
  if (m[1]) b.hostIp = m[1];
  if (m[2]) b.hostPort = Number(m[2]);
  return b;
}

function parseVolume(v: string, named: (n: string) => string | undefined): MountSpec {
  const [src, dst, mode] = v.split(':');
  if (!dst) return { type: 'volume', source: '', target: src! };
  const ro = mode === 'ro';
  if (src!.startsWith('/') || src!.startsWith('.')) return { type: 'bind', source: src, target: dst, readOnly: ro, createHostPath: true };
  return { type: 'volume', source: named(src!) ?? src, target: dst, readOnly: ro };
}

export async function runOneOff(deps: AppDeps, g: GlobalOptions, o: RunOptions): Promise<number> {
  const ref = await loadProject(deps, g, [o.service]);
  const project = ref.loaded!.project;
  const s = project.services[o.service];
  if (!s) throw new UserError(`no such service: ${o.service}`);
  const engine = await deps.connect();
  const exec = execContext(deps, engine, ref);

  // Networks, volumes, images and the dependencies; not the service's own containers.
  const lock = await lockProject(deps.lockDir, ref.name, deps.clock, (t) => deps.stderr.write(t + '\n'));
  try {
    const observed = await observe(engine, ref.name, Object.keys(project.services).map((n) => imageRef(project, n)), objectRefs(project));
    const plan = prune(reconcile(project, undefined, observed, { services: [o.service], noDeps: o.noDeps }), (op) => !('service' in op) || op.service !== o.service || op.kind === 'BuildImage');
    if (plan.operations.length) {
      deps.sink.start(`project ${ref.name}`);
      try {
        await executeOrThrow(plan, exec);
      } finally {
        deps.sink.done();
      }
    }
  } finally {
    lock.release();
  }

  const name = o.name ?? `${ref.name}-${o.service}-run-${randomBytes(6).toString('hex')}`;
  const imageId = (await engine.imageInspect(imageRef(project, o.service))).id;
  const req: ContainerCreateRequest = toCreateRequest({ project, meta: ref.meta, env: deps.env, imageId }, o.service, 1, { oneoff: true, name });
  if (o.command.length) req.cmd = o.command;
  if (o.entrypoint !== undefined) {
    req.entrypoint = o.entrypoint === '' ? [] : [o.entrypoint];
    if (!o.command.length) req.cmd = [];
  }
  if (o.env?.length) req.env = [...(req.env ?? []), ...o.env.map((e) => (e.includes('=') ? e : `${e}=${deps.env[e] ?? ''}`))];
  if (o.user) req.user = o.user;
  if (o.workdir) req.workingDir = o.workdir;
  if (o.volumes?.length) req.mounts = [...(req.mounts ?? []), ...o.volumes.map((v) => parseVolume(v, (n) => project.volumes?.[n]?.name))];
  // Compose publishes a run container's ports only with --service-ports.
  req.ports = [...(o.servicePorts ? req.ports ?? [] : []), ...(o.publish ?? []).map(parsePublish)];
  delete req.restartPolicy;
  // A one-off is reachable by its own name; the service's aliases only with --use-aliases.
  if (req.network?.endpoints) req.network.endpoints = req.network.endpoints.map((e) => ({ ...e, aliases: o.useAliases ? [...(e.aliases ?? []).filter((a) => a !== containerName(project.name, o.service, 1, s)), name] : [name] }));
  if (o.capAdd?.length) req.capAdd = [...(req.capAdd ?? []), ...o.capAdd];
  if (o.capDrop?.length) req.capDrop = [...(req.capDrop ?? []), ...o.capDrop];
  req.tty = !!o.tty;
  // Input goes to the main process through an attachment; its end closes the container's stdin.
  const attach = !o.detach && o.stdin !== undefined && engine.containerAttach !== undefined;
  if (attach) {
    req.openStdin = true;
    req.stdinOnce = true;
  }
  req.autoRemove = !!o.rm && !!o.detach; // attached, berth removes it after reading its exit code
  for (const l of o.labels ?? []) {
    const [k, ...v] = l.split('=');
    req.labels = { ...req.labels, [k!]: v.join('=') };
  }
  await addVolumesFrom(engine, project, o.service, req);
  const { id } = await engine.containerCreate(req);
  const ac = new AbortController();
  const off = deps.onInterrupt(() => {
    ac.abort();
    void engine.containerStop(id).catch(() => {});
  });
  try {
    if (o.detach) {
      await engine.containerStart(id);
      deps.stdout.write(name + '\n');
      return 0;
    }
    if (attach) {
      const r = await engine.containerAttach!(id, { start: true, stdin: o.stdin as import('node:stream').Readable, signal: ac.signal }, (stream, chunk) =>
        (stream === 'stdout' ? deps.stdout : deps.stderr).write(chunk.toString()),
      );
      const exitCode = r.exitCode ?? (await engine.containerWait(id, { condition: 'not-running' })).exitCode;
      if (o.rm) await engine.containerRemove(id, { force: true, volumes: true }).catch(() => {});
      return exitCode;
    }
    const waited = engine.containerWait(id, { condition: 'next-exit' }, ac.signal);
    await engine.containerStart(id);
    const logs = (async () => {
      for await (const l of engine.containerLogs(id, { follow: true }, ac.signal)) (l.stream === 'stdout' ? deps.stdout : deps.stderr).write(l.line + '\n');
    })().catch(() => {});
    const { exitCode } = await waited;
    await Promise.race([logs, deps.clock.sleep(1000)]);
    ac.abort();
    if (o.rm) await engine.containerRemove(id, { force: true, volumes: true }).catch(() => {});
    return exitCode;
  } finally {
    off();
  }
}
