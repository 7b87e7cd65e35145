/**
 * reconcile(): desired Project × ObservedState × options → Plan. Pure: no engine, no clock,
 * no printing (warnings go into the plan). The executor carries the plan out as is.
 *
 * Shape of an `up` plan: networks and volumes first, then images, then per service (in
 * dependency order) scale-downs, recreations (stop → remove → create), creates and starts.
 * Creates wait only for the resources they mount or join, so they run in parallel; starts wait
 * for their dependencies' conditions (a WaitService operation per dependency and condition).
 */
import { UserError } from '../diag/diagnostic.js';
import { createHash } from 'node:crypto';
import type { NetworkConfig, Project, Service, VolumeConfig } from '../model/types.js';
import { PlanBuilder } from './builder.js';
import { directDeps, withDependencies, dependencyOrder, type Dependency } from './deps.js';
import { describeFieldChanges, serviceConfigHash, serviceContentDigest, serviceFieldHashes, stableJson } from './hash.js';
import { containerName, desiredScale, imageRef } from './names.js';
import type { ObservedContainer, ObservedState, Operation, Plan, PullPolicy, UpOptions } from './types.js';
import { stopTimeoutSeconds } from './durations.js';

/** The part of the project graph reconcile reads. */
export interface ServiceOrder {
  serviceOrder(): string[];
}

type Strategy = 'force' | 'diverged' | 'never';

interface Ctx {
  project: Project;
  observed: ObservedState;
  options: UpOptions;
  b: PlanBuilder;
  targets: Set<string>;
  /** Services whose containers this plan recreates. */
  recreated: Set<string>;
  /** service → its StartContainer operation ids. */
  starts: Map<string, string[]>;
  /** "service|condition" → WaitService op, with the dependants that need it. */
  waits: Map<string, { op: Extract<Operation, { kind: 'WaitService' }>; by: string[] }>;
  /** image ref → the op that provides it. */
  imageOps: Map<string, string>;
  /** Containers already stopped and removed for a network recreate: id → cause. */
  replaced: Map<string, string>;
}

export function reconcile(project: Project, graph: ServiceOrder | undefined, observed: ObservedState, options: UpOptions = {}): Plan {
  for (const n of options.services ?? []) {
    if (!project.services[n]) throw new UserError(`no such service: ${n}`);
  }
  const named = options.services?.length ? options.services : Object.keys(project.services);
  const targets = options.noDeps ? new Set(named) : withDependencies(project, named);
  const ctx: Ctx = {
    project,
    observed,
    options,
    b: new PlanBuilder(project.name),
    targets,
    recreated: new Set(),
    starts: new Map(),
    waits: new Map(),
    imageOps: new Map(),
    replaced: new Map(),
  };
  planNetworks(ctx);
  planVolumes(ctx);
  if (!options.skipImages) planImages(ctx);
  for (const s of orderOf(project, graph)) if (targets.has(s)) planService(ctx, s);
  if (options.wait && !options.noStart) for (const s of orderOf(project, graph)) if (targets.has(s)) planReadyWait(ctx, s);
  planOrphans(ctx);
  for (const { op, by } of ctx.waits.values()) op.cause = `${by.join(', ')} ${by.length === 1 ? 'depends' : 'depend'} on it`;
  return ctx.b.build();
}

function orderOf(project: Project, graph: ServiceOrder | undefined): string[] {
  if (!graph) return dependencyOrder(project);
  const order = graph.serviceOrder().map((n) => (n.startsWith('service:') ? n.slice(8) : n)).filter((n) => project.services[n]);
  // Anything the graph did not list (it should list all) goes last, by name.
  for (const n of Object.keys(project.services).sort()) if (!order.includes(n)) order.push(n);
  return order;
}

// ---------------------------------------------------------------- networks and volumes

function serviceNetworkKeys(s: Service): string[] {
  if (s.network_mode) return [];
  return Object.keys(s.networks ?? { default: null }).sort();
}

function serviceVolumeKeys(project: Project, s: Service): string[] {
  const keys = (s.volumes ?? []).filter((v) => v.type === 'volume' && v.source && project.volumes?.[v.source]).map((v) => v.source!);
  return [...new Set(keys)].sort();
}

const netOpId = (key: string): string => `network:${key}`;
const volOpId = (key: string): string => `volume:${key}`;

/** A network's config as hashed (com.docker.compose.config-hash on the network). */
export function networkConfigHash(cfg: NetworkConfig | undefined): string {
  return createHash('sha256').update(stableJson(cfg ?? {})).digest('hex');
}

/** A volume's config as hashed (com.docker.compose.config-hash on the volume). */
export function volumeConfigHash(cfg: VolumeConfig | undefined): string {
  return createHash('sha256').update(stableJson(cfg ?? {})).digest('hex');
}

function planNetworks(ctx: Ctx): void {
  const { project, observed, b } = ctx;
  const keys = new Set<string>();
  for (const s of ctx.targets) serviceNetworkKeys(project.services[s]!).forEach((k) => keys.add(k));
  for (const key of [...keys].sort()) {
    const cfg = project.networks?.[key];
    const name = cfg?.name ?? `${project.name}_${key}`;
    const seen = observed.networks.find((n) => n.name === name);
    if (seen && !cfg?.external && seen.configHash && seen.configHash !== networkConfigHash(cfg) && ctx.options.noRecreate !== true) {
      recreateNetwork(ctx, key, name);
      continue;
    }
    if (seen || observed.existing?.networks.includes(name)) continue;
    if (cfg?.external) {
      // An external network is the user's to make; the engine would refuse the create anyway.
      throw new UserError(`network ${name} is declared as external, but could not be found; create it first (berth network create ${name})`);
    }
    b.add({ kind: 'CreateNetwork', id: netOpId(key), key, name, cause: 'new network', after: [] });
  }
}

/**
 * A network whose config changed is recreated (safe: it holds no data), and every container
 * on it with it: they are stopped and removed first, and created again by planService.
 */
function recreateNetwork(ctx: Ctx, key: string, name: string): void {
  const { project, observed, b } = ctx;
  const cause = `network ${name} config changed`;
  const users = observed.containers
    .filter((c) => !c.oneoff && project.services[c.service] && serviceNetworkKeys(project.services[c.service]!).includes(key))
    .sort((x, y) => x.name.localeCompare(y.name));
  const removals: string[] = [];
  for (const c of users) {
    if (ctx.replaced.has(c.id)) {
      removals.push(`remove:${c.name}`);
      continue;
    }
    removals.push(stopAndRemove(ctx, c, cause, ctx.options.timeout ?? stopTimeoutSeconds(project.services[c.service]!.stop_grace_period), []));
    ctx.replaced.set(c.id, cause);
  }
  b.add({ kind: 'RemoveNetwork', id: `remove-network:${key}`, name, cause, after: removals });
  b.add({ kind: 'CreateNetwork', id: netOpId(key), key, name, cause, after: [`remove-network:${key}`] });
}

function planVolumes(ctx: Ctx): void {
  const { project, observed, b } = ctx;
  const keys = new Set<string>();
  for (const s of ctx.targets) serviceVolumeKeys(project, project.services[s]!).forEach((k) => keys.add(k));
  for (const key of [...keys].sort()) {
    const cfg = project.volumes![key]!;
    const name = cfg.name ?? `${project.name}_${key}`;
    const seen = observed.volumes.find((v) => v.name === name);
    if (seen) {
      // Recreating a volume loses its data: berth says so and keeps it (Compose asks first).
      if (!cfg.external && seen.configHash && seen.configHash !== volumeConfigHash(cfg)) {
        ctx.b.warnings.push(`volume ${name} config changed; berth keeps the existing volume and its data (remove it with down -v to apply the new config)`);
      }
      continue;
    }
    if (observed.existing?.volumes.includes(name)) continue;
    if (cfg.external) throw new UserError(`volume ${name} is declared as external, but could not be found; create it first (berth volume create ${name})`);
    b.add({ kind: 'CreateVolume', id: volOpId(key), key, name, cause: 'new volume', after: [] });
  }
}

// ---------------------------------------------------------------- images

function pullPolicyOf(s: Service, override: PullPolicy | undefined): PullPolicy {
  if (override) return override;
  const p = s.pull_policy;
  if (p === 'always' || p === 'never' || p === 'build' || p === 'missing') return p;
  return 'missing'; // if_not_present, daily, weekly, every_<d>: berth checks presence only
}

function planImages(ctx: Ctx): void {
  const { project, observed, options, b } = ctx;
  const pulls = new Map<string, { services: string[]; cause: string; policy: PullPolicy }>();
  for (const name of [...ctx.targets].sort()) {
    const s = project.services[name]!;
    const ref = imageRef(project, name);
    const present = observed.images[ref] !== undefined;
    const policy = pullPolicyOf(s, options.pull);
    if (s.build) {
      if (options.noBuild) {
        if (!present) throw new UserError(`service ${name}: image ${ref} is not present and --no-build forbids building it`);
        continue;
      }
      const cause = options.build ? '--build' : policy === 'build' ? 'pull_policy: build' : !present ? 'image not present' : undefined;
      if (!cause) continue;
      const id = `build:${name}`;
      b.add({ kind: 'BuildImage', id, image: ref, service: name, cause, after: [] });
      ctx.imageOps.set(ref, id);
      continue;
    }
    if (!s.image) throw new UserError(`service ${name} has neither an image nor a build section`);
    let cause: string | undefined;
    if (policy === 'always') cause = 'pull policy always';
    else if (!present) {
      if (policy === 'never') throw new UserError(`service ${name}: image ${ref} is not present and its pull policy is never; import or build it first`);
      cause = 'image not present';
    }
    if (!cause) continue;
    const prev = pulls.get(ref);
    if (prev) prev.services.push(name);
    else pulls.set(ref, { services: [name], cause, policy });
  }
  for (const [ref, p] of [...pulls].sort((a, b2) => a[0].localeCompare(b2[0]))) {
    const id = `pull:${ref}`;
    b.add({ kind: 'PullImage', id, image: ref, services: p.services, policy: p.policy, cause: p.cause, after: [] });
    ctx.imageOps.set(ref, id);
  }
}

// ---------------------------------------------------------------- services

function strategyOf(ctx: Ctx, service: string): Strategy {
  const { options } = ctx;
  if (options.noRecreate) return 'never';
  const named = !options.services?.length || options.services.includes(service);
  if (named) return options.forceRecreate ? 'force' : 'diverged';
  return options.alwaysRecreateDeps ? 'force' : 'diverged';
}

function short(id: string | undefined): string {
  return (id ?? '?').replace(/^sha256:/, '').slice(0, 12);
}

/** Why a kept container must be recreated, or undefined when it is up to date. */
function divergence(ctx: Ctx, service: string, c: ObservedContainer, hash: string, fields: Record<string, string>): string | undefined {
  const strategy = strategyOf(ctx, service);
  // A dead container cannot be started again: it is replaced whatever the strategy.
  if (c.status === 'dead') return 'container is dead';
  if (strategy === 'never') return undefined;
  if (strategy === 'force') return 'forced recreate';
  if (c.configHash !== hash) {
    const changes = c.fieldHashes ? describeFieldChanges(c.fieldHashes, fields) : [];
    return changes.length ? `config hash changed: ${changes.join(', ')}` : 'config hash changed';
  }
  const want = ctx.observed.images[imageRef(ctx.project, service)];
  if (want && c.imageId && want !== c.imageId) return `image changed (${short(c.imageId)} → ${short(want)})`;
  for (const d of directDeps(ctx.project.services[service]!)) {
    if (ctx.recreated.has(d.service) && d.shares) return `shares ${d.shares === 'volumes' ? 'volumes' : `its ${d.shares} namespace`} with recreated ${d.service}`;
  }
  return undefined;
}

/** depends_on `restart: true` on a dependency this plan recreates: the same container restarts. */
function restartBecause(ctx: Ctx, service: string): { cause: string; after: string[] } | undefined {
  for (const d of directDeps(ctx.project.services[service]!)) {
    if (d.restart && !d.shares && ctx.recreated.has(d.service)) return { cause: `dependency ${d.service} recreated (restart: true)`, after: ctx.starts.get(d.service) ?? [] };
  }
  return undefined;
}

/** A service some other service waits on with service_completed_successfully: a job. */
function isJob(project: Project, service: string): boolean {
  return Object.values(project.services).some((s) => s.depends_on?.[service]?.condition === 'service_completed_successfully');
}

function planService(ctx: Ctx, name: string): void {
  const { project, observed, options, b } = ctx;
  const s = project.services[name]!;
  const scale = desiredScale(s, options.scale?.[name]);
  if (s.container_name && scale > 1) throw new UserError(`service ${name} has container_name ${s.container_name}, so it cannot have ${scale} containers (names are unique)`);
  const content = serviceContentDigest(project, name);
  const hash = serviceConfigHash(s, content);
  const fields = serviceFieldHashes(s, content);
  const existing = observed.containers.filter((c) => c.service === name && !c.oneoff).sort((x, y) => x.number - y.number);
  const timeout = options.timeout ?? stopTimeoutSeconds(s.stop_grace_period);
  const starts: string[] = [];
  ctx.starts.set(name, starts);
  const removeOps: string[] = [];

  // Scale down first, highest numbers first go; low numbers are kept.
  const kept: ObservedContainer[] = [];
  const seen = new Set<number>();
  for (const c of existing) {
    if (c.number <= scale && !seen.has(c.number)) {
      kept.push(c);
      seen.add(c.number);
      continue;
    }
    if (ctx.replaced.has(c.id)) continue; // already on its way out with its network
    const cause = c.number <= scale ? 'duplicate container number' : `scale ${existing.length} → ${scale}`;
    removeOps.push(stopAndRemove(ctx, c, cause, timeout, []));
  }

  const toCreate: { number: number; cause: string; after: string[]; inherit?: { target: string; volume: string }[] }[] = [];
  const inherit = (c: ObservedContainer) => (!options.renewAnonVolumes && c.anonymousVolumes?.length ? { inherit: c.anonymousVolumes } : {});
  for (const c of kept) {
    const gone = ctx.replaced.get(c.id);
    if (gone) {
      ctx.recreated.add(name);
      toCreate.push({ number: c.number, cause: gone, after: [`remove:${c.name}`], ...inherit(c) });
      continue;
    }
    const why = divergence(ctx, name, c, hash, fields);
    if (why) {
      ctx.recreated.add(name);
      toCreate.push({ number: c.number, cause: why, after: [stopAndRemove(ctx, c, why, timeout, [])], ...inherit(c) });
      continue;
    }
    if (options.noStart) continue;
    const restart = c.status === 'running' || c.status === 'restarting' ? restartBecause(ctx, name) : undefined;
    if (restart) {
      const stop = b.add({ kind: 'StopContainer', id: `stop:${c.name}`, service: name, name: c.name, containerId: c.id, timeout, cause: restart.cause, after: restart.after });
      starts.push(addStart(ctx, name, c.number, restart.cause, [stop.id]));
      continue;
    }
    if (c.status === 'running' || c.status === 'restarting' || c.status === 'paused') continue;
    if (c.status === 'exited' && c.exitCode === 0 && isJob(project, name)) continue; // a finished job stays finished
    const cause = c.status === 'created' ? 'created, not started' : `${c.status} (exit code ${c.exitCode})`;
    starts.push(addStart(ctx, name, c.number, cause, []));
  }
  for (let n = 1; n <= scale; n++) {
    if (seen.has(n)) continue;
    const cause = existing.length === 0 ? 'new service' : `scale ${existing.length} → ${scale}`;
    toCreate.push({ number: n, cause, after: [] });
  }
  toCreate.sort((x, y) => x.number - y.number);
  for (const t of toCreate) {
    const cname = containerName(project.name, name, t.number, s);
    const after = [...t.after, ...createDeps(ctx, name)];
    b.add({ kind: 'CreateContainer', id: `create:${cname}`, service: name, number: t.number, name: cname, image: imageRef(project, name), cause: t.cause, after, ...(t.inherit ? { inherit: t.inherit } : {}) });
    if (!options.noStart) starts.push(addStart(ctx, name, t.number, t.cause, [`create:${cname}`]));
  }
}

function stopAndRemove(ctx: Ctx, c: ObservedContainer, cause: string, timeout: number | undefined, after: string[]): string {
  const needsStop = c.status === 'running' || c.status === 'paused' || c.status === 'restarting';
  const deps = [...after];
  if (needsStop) {
    ctx.b.add({ kind: 'StopContainer', id: `stop:${c.name}`, service: c.service, name: c.name, containerId: c.id, timeout, cause, after: deps });
    deps.push(`stop:${c.name}`);
  }
  return ctx.b.add({ kind: 'RemoveContainer', id: `remove:${c.name}`, service: c.service, name: c.name, containerId: c.id, volumes: false, cause, after: deps }).id;
}

/** What a create waits for: the networks, volumes and image it uses, and the containers whose namespaces or volumes it shares. */
function createDeps(ctx: Ctx, name: string): string[] {
  const { project, b } = ctx;
  const s = project.services[name]!;
  const after: string[] = [];
  for (const k of serviceNetworkKeys(s)) if (b.get(netOpId(k))) after.push(netOpId(k));
  for (const k of serviceVolumeKeys(project, s)) if (b.get(volOpId(k))) after.push(volOpId(k));
  const img = ctx.imageOps.get(imageRef(project, name));
  if (img) after.push(img);
  for (const d of directDeps(s)) if (d.shares) after.push(...(ctx.starts.get(d.service) ?? []));
  return after;
}

function addStart(ctx: Ctx, name: string, number: number, cause: string, after: string[]): string {
  const cname = containerName(ctx.project.name, name, number, ctx.project.services[name]);
  const deps = [...after];
  for (const d of directDeps(ctx.project.services[name]!)) deps.push(...dependencyGate(ctx, name, d));
  return ctx.b.add({ kind: 'StartContainer', id: `start:${cname}`, service: name, number, name: cname, cause, after: deps }).id;
}

/** The operations a start of `dependant` waits for, for one dependency. */
function dependencyGate(ctx: Ctx, dependant: string, d: Dependency): string[] {
  const { project } = ctx;
  const dep = project.services[d.service];
  if (!dep || !ctx.targets.has(d.service)) {
    if (!dep && d.required) ctx.b.warnings.push(`${dependant} depends on ${d.service}, which is not in the project`);
    return [];
  }
  const starts = ctx.starts.get(d.service) ?? [];
  if (d.condition === 'service_started') return starts;
  const condition = d.condition === 'service_healthy' ? 'healthy' : 'completed';
  const key = `${d.service}|${condition}`;
  let w = ctx.waits.get(key);
  if (!w) {
    const scale = desiredScale(dep, ctx.options.scale?.[d.service]);
    const containers = Array.from({ length: scale }, (_, i) => containerName(project.name, d.service, i + 1, dep));
    const op = ctx.b.add({ kind: 'WaitService', id: `wait:${d.service}:${condition}`, service: d.service, containers, condition, required: d.required, cause: '', after: starts });
    w = { op, by: [] };
    ctx.waits.set(key, w);
  }
  if (!w.by.includes(dependant)) w.by.push(dependant);
  return [w.op.id];
}

function planReadyWait(ctx: Ctx, name: string): void {
  const { project } = ctx;
  const s = project.services[name]!;
  const scale = desiredScale(s, ctx.options.scale?.[name]);
  if (scale === 0) return;
  const containers = Array.from({ length: scale }, (_, i) => containerName(project.name, name, i + 1, s));
  ctx.b.add({ kind: 'WaitService', id: `wait:${name}:ready`, service: name, containers, condition: 'ready', required: true, cause: '--wait', after: ctx.starts.get(name) ?? [] });
}

function planOrphans(ctx: Ctx): void {
  const { project, observed, options } = ctx;
  const known = new Set(options.knownServices ?? []);
  const orphans = observed.containers.filter((c) => !c.oneoff && !project.services[c.service] && !known.has(c.service)).sort((a, b) => a.name.localeCompare(b.name));
  if (!orphans.length) return;
  if (!options.removeOrphans) {
    ctx.b.warnings.push(`Found orphan containers ([${orphans.map((c) => c.name).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`);
    return;
  }
  for (const c of orphans) stopAndRemove(ctx, c, 'orphan', options.timeout, []);
}
