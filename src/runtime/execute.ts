/**
 * execute(): carries a Plan out on the engine. It walks the DAG with bounded parallelism
 * and makes no decisions: every "what" and "why" was settled by reconcile(). It reports
 * each step as progress events, and on the first failure starts nothing new, lets running
 * steps finish, and reports what failed and what was skipped.
 */
import { isEngineError, type Engine, type NetworkCreateRequest } from '../../engine/api/types.js';
import { UserError } from '../diag/diagnostic.js';
import type { Project } from '../model/types.js';
import type { Operation, Plan } from '../plan/types.js';
import { operationTarget } from '../plan/text.js';
import { networkConfigHash, volumeConfigHash } from '../plan/reconcile.js';
import type { Clock, ProgressSink, ResourceKind } from '../progress/events.js';
import { toCreateRequest } from './convert.js';
import { networkLabels, volumeLabels, type ProjectMeta } from './labels.js';
import { runHooks } from './hooks.js';
import { addVolumesFrom } from './volumes-from.js';
import { waitFor } from './waits.js';

export interface ExecuteContext {
  engine: Engine;
  /** The desired project (needed for creates and builds; a down from labels has none). */
  project?: Project;
  meta: ProjectMeta;
  env: Record<string, string | undefined>;
  sink: ProgressSink;
  clock: Clock;
  /** Steps run at once (waits do not count). Default 8. */
  parallel?: number;
  signal?: AbortSignal;
  /** A limit for WaitService steps (--wait-timeout), ms. */
  waitTimeoutMs?: number;
}

export interface ExecuteResult {
  done: string[];
  failed: { op: string; error: string }[];
  skipped: string[];
  warnings: string[];
}

interface Labels {
  kind: ResourceKind;
  working: string;
  done: string;
}

function labelsOf(op: Operation): Labels {
  switch (op.kind) {
    case 'CreateNetwork': return { kind: 'network', working: 'Creating', done: 'Created' };
    case 'RemoveNetwork': return { kind: 'network', working: 'Removing', done: 'Removed' };
    case 'CreateVolume': return { kind: 'volume', working: 'Creating', done: 'Created' };
    case 'RemoveVolume': return { kind: 'volume', working: 'Removing', done: 'Removed' };
    case 'PullImage': return { kind: 'image', working: 'Pulling', done: 'Pulled' };
    case 'BuildImage': return { kind: 'image', working: 'Building', done: 'Built' };
    case 'RemoveImage': return { kind: 'image', working: 'Removing', done: 'Removed' };
    case 'CreateContainer': return { kind: 'container', working: op.cause === 'new service' || op.cause.startsWith('scale') ? 'Creating' : 'Recreate', done: op.cause === 'new service' || op.cause.startsWith('scale') ? 'Created' : 'Recreated' };
    case 'StartContainer': return { kind: 'container', working: 'Starting', done: 'Started' };
    case 'StopContainer': return { kind: 'container', working: 'Stopping', done: 'Stopped' };
    case 'RemoveContainer': return { kind: 'container', working: 'Removing', done: 'Removed' };
    case 'WaitService': return { kind: 'service', working: 'Waiting', done: op.condition === 'healthy' ? 'Healthy' : op.condition === 'completed' ? 'Exited' : 'Ready' };
  }
}

export async function execute(plan: Plan, ctx: ExecuteContext): Promise<ExecuteResult> {
  const limit = Math.max(1, ctx.parallel ?? 8);
  const result: ExecuteResult = { done: [], failed: [], skipped: [], warnings: [] };
  const state = new Map<string, 'pending' | 'running' | 'done' | 'failed' | 'skipped'>(plan.operations.map((o) => [o.id, 'pending']));
  let running = 0;
  let busy = 0; // running steps that count against the limit
  let stop = false;
  // The old container of a recreate: Compose shows only "Recreate"/"Recreated" for it, not its
  // stop and removal (they still run; a failure still shows).
  const recreated = new Set(plan.operations.flatMap((o) => (o.kind === 'CreateContainer' ? [o.name] : [])));
  const silent = (op: Operation): boolean => (op.kind === 'StopContainer' || op.kind === 'RemoveContainer') && recreated.has(op.name);

  await new Promise<void>((resolveAll) => {
    const pump = (): void => {
      for (const op of plan.operations) {
        if (state.get(op.id) !== 'pending') continue;
        const deps = op.after.map((a) => state.get(a));
        if (deps.some((d) => d === 'failed' || d === 'skipped') || (stop && !deps.some((d) => d === 'running'))) {
          state.set(op.id, 'skipped');
          result.skipped.push(op.id);
          continue;
        }
        if (stop || !deps.every((d) => d === 'done')) continue;
        const counts = op.kind !== 'WaitService';
        if (counts && busy >= limit) continue;
        state.set(op.id, 'running');
        running++;
        if (counts) busy++;
        void runOne(op, ctx, result, silent(op)).then(
          () => state.set(op.id, 'done') && result.done.push(op.id),
          (e: unknown) => {
            state.set(op.id, 'failed');
            result.failed.push({ op: op.id, error: describe(op, e) });
            stop = true;
          },
        ).finally(() => {
          running--;
          if (counts) busy--;
          pump();
        });
      }
      if (running === 0) resolveAll();
    };
    if (ctx.signal) ctx.signal.addEventListener('abort', () => { stop = true; }, { once: true });
    pump();
  });
  // Anything never reached (skipped because of a failure upstream).
  for (const [id, s] of state) if (s === 'pending') { state.set(id, 'skipped'); result.skipped.push(id); }
  return result;
}

/** Runs a plan and throws a UserError listing failures (the common case for use cases). */
export async function executeOrThrow(plan: Plan, ctx: ExecuteContext): Promise<ExecuteResult> {
  const r = await execute(plan, ctx);
  if (r.failed.length) {
    const lines = r.failed.map((f) => f.error);
    if (r.skipped.length) lines.push(`(${r.skipped.length} step${r.skipped.length === 1 ? '' : 's'} not run because of this)`);
    throw new UserError(lines.join('\n'));
  }
  return r;
}

function describe(op: Operation, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const what = `${labelsOf(op).kind} ${operationTarget(op)}`;
  switch (op.kind) {
    case 'PullImage':
      return `image ${op.image} is not present and pulling it failed: ${msg}`;
    case 'BuildImage':
      return `image ${op.image} for service ${op.service}: build failed: ${msg}`;
    case 'CreateContainer':
      if (isEngineError(e, 'NOT_FOUND') && /image/i.test(msg)) return `${what}: image ${op.image} is not present (berth did not pull or build it in this run): ${msg}`;
      return `${what}: create failed: ${msg}`;
    case 'WaitService': {
      // Compose's words first (scripts grep them), berth's detail (the last probe) after.
      const why = op.cause && op.cause !== '--wait' ? ` (${op.cause})` : '';
      const code = /^exited with code (\d+)$/.exec(msg);
      if (op.condition === 'completed' && code) return `service ${JSON.stringify(op.service)} didn't complete successfully: exit ${code[1]}${why}`;
      const who = op.containers.length === 1 ? `container ${op.containers[0]}` : `service ${op.service}`;
      return `${why ? 'dependency failed to start: ' : ''}${who} ${msg}${why}`;
    }
    default:
      return `${what}: ${labelsOf(op).working.toLowerCase()} failed: ${msg}`;
  }
}

async function runOne(op: Operation, ctx: ExecuteContext, result: ExecuteResult, quiet = false): Promise<void> {
  const l = labelsOf(op);
  // A wait shows as Compose shows it: " Container demo-db-1  Waiting" … "Healthy", a line per
  // container of the awaited service (the service itself when it has none yet).
  const perContainer = op.kind === 'WaitService' && op.containers.length > 0;
  const targets = perContainer ? op.containers : [operationTarget(op)];
  const kind: ResourceKind = perContainer ? 'container' : l.kind;
  const emit = (status: 'working' | 'done' | 'warning' | 'error', text: string, detail?: string): void => {
    if (quiet && status !== 'error') return;
    for (const name of targets) ctx.sink.on({ id: `${kind} ${name}`, kind, name, status, text, ...(detail ? { detail } : {}), time: ctx.clock.now() });
  };
  emit('working', l.working);
  try {
    const warning = await perform(op, ctx, (detail) => emit('working', l.working, detail));
    if (warning) {
      result.warnings.push(warning);
      emit('warning', l.done, warning);
    } else emit('done', l.done);
  } catch (e) {
    emit('error', 'Error', describe(op, e));
    throw e;
  }
}

/** One step; returns a warning when it did not fully happen but that is fine (a network still in use). */
async function perform(op: Operation, ctx: ExecuteContext, progress: (detail: string) => void): Promise<string | void> {
  const { engine } = ctx;
  const project = (): Project => {
    if (!ctx.project) throw new Error(`${op.kind} needs the project`);
    return ctx.project;
  };
  switch (op.kind) {
    case 'CreateNetwork': {
      const cfg = project().networks?.[op.key] ?? {};
      const req: NetworkCreateRequest = { name: op.name, labels: networkLabels(ctx.meta, op.key, cfg.labels ?? {}, networkConfigHash(project().networks?.[op.key])) };
      if (cfg.driver) req.driver = cfg.driver;
      if (cfg.internal) req.internal = true;
      if (cfg.attachable) req.attachable = true;
      if (cfg.enable_ipv6) req.enableIPv6 = true;
      if (cfg.driver_opts) req.options = { ...cfg.driver_opts };
      if (cfg.ipam?.config?.length) req.ipam = cfg.ipam.config.map((c) => ({ subnet: c.subnet, gateway: c.gateway, ipRange: c.ip_range, auxAddresses: c.aux_addresses }));
      try {
        await engine.networkCreate(req);
      } catch (e) {
        // Another berth command made it meanwhile: fine, it carries the same labels.
        if (!isEngineError(e, 'CONFLICT')) throw e;
      }
      return;
    }
    case 'CreateVolume': {
      const cfg = project().volumes?.[op.key] ?? {};
      try {
        await engine.volumeCreate({ name: op.name, driver: cfg.driver, driverOpts: cfg.driver_opts, labels: volumeLabels(ctx.meta, op.key, cfg.labels ?? {}, volumeConfigHash(project().volumes?.[op.key])) });
      } catch (e) {
        if (!isEngineError(e, 'CONFLICT')) throw e;
      }
      return;
    }
    case 'RemoveNetwork':
      try {
        await engine.networkRemove(op.name);
      } catch (e) {
        if (isEngineError(e, 'NOT_FOUND')) return;
        if (isEngineError(e, 'IN_USE')) return `network ${op.name} is still in use, kept`;
        throw e;
      }
      return;
    case 'RemoveVolume':
      try {
        await engine.volumeRemove(op.name);
      } catch (e) {
        if (isEngineError(e, 'NOT_FOUND')) return;
        if (isEngineError(e, 'IN_USE')) return `volume ${op.name} is still in use, kept`;
        throw e;
      }
      return;
    case 'PullImage':
      await engine.imagePull(op.image, (p) => progress(`${p.status}${p.total ? ` ${Math.round(((p.current ?? 0) / p.total) * 100)}%` : ''}`));
      return;
    case 'BuildImage': {
      const s = project().services[op.service]!;
      const b = s.build!;
      const args: Record<string, string> = {};
      for (const [k, v] of Object.entries(b.args ?? {})) {
        const val = v ?? ctx.env[k];
        if (val !== undefined && val !== null) args[k] = val;
      }
      await engine.imageBuild(
        {
          context: b.context,
          ...(b.dockerfile_inline ? { dockerfileInline: b.dockerfile_inline } : b.dockerfile ? { dockerfile: b.dockerfile } : {}),
          tags: [...new Set([op.image, ...(b.tags ?? [])])],
          buildArgs: args,
          ...(b.target ? { target: b.target } : {}),
          ...(b.no_cache ? { noCache: true } : {}),
          ...(b.pull ? { pull: true } : {}),
          ...(b.network === 'host' || b.network === 'none' ? { network: b.network } : {}),
          labels: { ...(b.labels ?? {}) },
        },
        (p) => progress(p.message ?? p.status),
      );
      return;
    }
    case 'RemoveImage':
      try {
        await engine.imageRemove(op.image);
      } catch (e) {
        if (isEngineError(e, 'NOT_FOUND')) return;
        return `image ${op.image} kept: ${(e as Error).message}`;
      }
      return;
    case 'CreateContainer': {
      let imageId: string | undefined;
      try {
        imageId = (await engine.imageInspect(op.image)).id;
      } catch (e) {
        if (isEngineError(e, 'NOT_FOUND')) throw new Error(`image ${op.image} is not present and this run did not pull or build it (pull_policy never, or --no-build?)`);
        throw e;
      }
      const req = toCreateRequest({ project: project(), meta: ctx.meta, env: ctx.env, imageId }, op.service, op.number);
      await addVolumesFrom(engine, project(), op.service, req);
      // The replacement mounts the anonymous volumes of the container it replaces.
      for (const m of req.mounts ?? []) {
        const old = m.type === 'volume' && !m.source ? op.inherit?.find((i) => i.target === m.target) : undefined;
        if (old) m.source = old.volume;
      }
      // An image's VOLUME the engine filled for the old container: mounted again explicitly.
      for (const i of op.inherit ?? []) {
        if (!(req.mounts ?? []).some((m) => m.target === i.target)) (req.mounts ??= []).push({ type: 'volume', source: i.volume, target: i.target });
      }
      await engine.containerCreate(req);
      return;
    }
    case 'StartContainer': {
      await engine.containerStart(op.name);
      const s = ctx.project?.services[op.service];
      if (s?.post_start?.length) await runHooks(engine, op.name, s.post_start, 'post_start');
      return;
    }
    case 'StopContainer': {
      const s = ctx.project?.services[op.service];
      if (s?.pre_stop?.length) {
        try {
          await runHooks(engine, op.containerId, s.pre_stop, 'pre_stop');
        } catch (e) {
          progress(`pre_stop hook failed: ${(e as Error).message}`);
        }
      }
      try {
        await engine.containerStop(op.containerId, op.timeout !== undefined ? { timeout: op.timeout } : undefined);
      } catch (e) {
        if (!isEngineError(e, 'NOT_FOUND')) throw e;
      }
      return;
    }
    case 'RemoveContainer':
      try {
        // force: a restart policy may have started it again since the stop.
        await engine.containerRemove(op.containerId, { force: true, volumes: op.volumes });
      } catch (e) {
        if (!isEngineError(e, 'NOT_FOUND')) throw e;
      }
      return;
    case 'WaitService': {
      const ac = new AbortController();
      const onAbort = (): void => ac.abort();
      ctx.signal?.addEventListener('abort', onAbort, { once: true });
      let timer: NodeJS.Timeout | undefined;
      const timeout = ctx.waitTimeoutMs
        ? new Promise<never>((_, rej) => {
            timer = setTimeout(() => {
              ac.abort();
              rej(new Error(`did not become ${op.condition} within ${Math.round(ctx.waitTimeoutMs! / 1000)}s (--wait-timeout)`));
            }, ctx.waitTimeoutMs);
          })
        : undefined;
      try {
        const waits = Promise.all(op.containers.map((c) => waitFor(engine, c, op.condition, ctx.clock, ac.signal).catch((e: Error) => Promise.reject(new Error(op.containers.length > 1 ? `(container ${c}) ${e.message}` : e.message)))));
        await (timeout ? Promise.race([waits, timeout]) : waits);
      } catch (e) {
        if (!op.required) return `optional dependency ${op.service} ${(e as Error).message}`;
        throw e;
      } finally {
        if (timer) clearTimeout(timer);
        ac.abort();
        ctx.signal?.removeEventListener('abort', onAbort);
      }
      return;
    }
  }
}
