/**
 * Applies a watch plan to the engine, one service at a time in arrival order (a per-service
 * queue, so a sync never races a restart or a rebuild of the same service).
 *
 * Sync writes straight into each running container of the service (every replica) with
 * `engine.containerSync`. Every synced path is kept in a per-service ledger (path → last
 * op). A container that starts and has not received the ledger's latest version — a new
 * container after a recreate, or one that was down while a sync ran — gets the ledger
 * replayed from the host's current files, so no edit is lost across restarts and recreates.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerSummary, Engine, SyncOp } from '../../../engine/api/types.js';
import type { Project } from '../../model/types.js';
import type { ServicePlan, SyncItem } from './plan.js';

export const LABEL_PROJECT = 'com.docker.compose.project';
export const LABEL_SERVICE = 'com.docker.compose.service';
export const LABEL_ONEOFF = 'com.docker.compose.oneoff';
const CACHE_MS = 2000;

export interface ApplyHooks {
  print(line: string): void;
  /** Builds the service's image and recreates its containers (through the orchestrator). */
  rebuild(service: string): Promise<void>;
  /** What the initial sync of a service copies (rules with initial_sync). */
  initialItems?(service: string): SyncItem[];
  now?(): number;
}

interface LedgerEntry {
  hostPath: string;
  containerPath: string;
  version: number;
}

function nameOf(c: ContainerSummary): string {
  return (c.names[0] ?? c.id.slice(0, 12)).replace(/^\//, '');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Turns a copy whose host file vanished meanwhile into a delete (the unlink is on its way). */
export function settleOps(items: { op: SyncOp }[], exists: (p: string) => boolean = (p) => fs.existsSync(p) || isSymlink(p)): SyncOp[] {
  return items.map(({ op }) => (op.op === 'copy' && !exists(op.hostPath) ? { op: 'delete', containerPath: op.containerPath } : op));
}

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

export class WatchApplier {
  private queues = new Map<string, Promise<void>>();
  private ledgers = new Map<string, Map<string, LedgerEntry>>();
  private versions = new Map<string, number>();
  /** container id → ledger version it has fully received */
  private received = new Map<string, number>();
  /** Running containers per service, so a sync costs one engine call, not two. Dropped on
   *  any container event of the service, on a failed sync, and after CACHE_MS anyway (an
   *  event that slipped by cannot keep it wrong for long). */
  private running = new Map<string, { at: number; list: Promise<ContainerSummary[]> }>();
  private readonly now: () => number;

  constructor(
    private readonly engine: Engine,
    private project: Project,
    private readonly hooks: ApplyHooks,
  ) {
    this.now = hooks.now ?? (() => performance.now());
  }

  setProject(project: Project): void {
    this.project = project;
  }

  /** Runs `fn` after everything queued for `service`; errors are printed, never thrown. */
  enqueue(service: string, what: string, fn: () => Promise<void>): Promise<void> {
    const prev = this.queues.get(service) ?? Promise.resolve();
    const next = prev.then(fn).catch((e) => this.hooks.print(`${service}: ${what} failed: ${e instanceof Error ? e.message : String(e)}`));
    this.queues.set(service, next);
    return next;
  }

  /** Waits until every queue is empty (work queued meanwhile included). */
  async idle(): Promise<void> {
    let seen: Promise<void>[] = [];
    for (;;) {
      const all = [...this.queues.values()];
      if (all.length === seen.length && all.every((q, i) => q === seen[i])) return;
      await Promise.all(all);
      seen = all;
    }
  }

  async containers(service: string, all = false): Promise<ContainerSummary[]> {
    const list = await this.engine.containerList({
      all,
      filters: { label: [`${LABEL_PROJECT}=${this.project.name}`, `${LABEL_SERVICE}=${service}`] },
    });
    return list.filter((c) => c.labels[LABEL_ONEOFF] !== 'True').sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
  }

  /** Forgets the cached containers of a service (or of all). */
  invalidate(service?: string): void {
    if (service === undefined) this.running.clear();
    else this.running.delete(service);
  }

  private runningContainers(service: string): Promise<ContainerSummary[]> {
    const hit = this.running.get(service);
    if (hit && this.now() - hit.at < CACHE_MS) return hit.list;
    const list = this.containers(service).then((l) => l.filter((c) => c.state === 'running'));
    const entry = { at: this.now(), list };
    this.running.set(service, entry);
    list.catch(() => this.running.get(service) === entry && this.running.delete(service));
    return list;
  }

  /** The containers that exist now already hold the host's state as far as the ledger goes. */
  async adopt(services: string[]): Promise<void> {
    for (const s of services) for (const c of await this.containers(s, true)) this.received.set(c.id, this.versions.get(s) ?? 0);
  }

  apply(plan: ServicePlan, info: { firstEventAt?: number } = {}): Promise<void> {
    return this.enqueue(plan.service, 'watch action', async () => {
      if (plan.rebuild) await this.rebuild(plan);
      if (plan.sync.length) await this.sync(plan.service, plan.sync, info.firstEventAt);
      if (plan.restart) await this.restart(plan.service);
      for (const i of plan.exec) await this.exec(plan.service, i);
    });
  }

  private async rebuild(plan: ServicePlan): Promise<void> {
    const t0 = this.now();
    const svc = this.project.services[plan.service];
    const why = plan.syncPromoted ? `${plural(plan.syncPromoted, 'file')} changed at once` : `${plural(plan.changed.length, 'file')} changed`;
    this.hooks.print(`${plan.service}: rebuilding (${why})`);
    // The new image is built from the context's current files: ledger entries it holds
    // are no longer owed to the new container; those outside the context still are.
    const context = svc?.build?.context ? path.resolve(svc.build.context) : undefined;
    const ledger = this.ledgers.get(plan.service);
    if (ledger && context) for (const [k, e] of ledger) if (e.hostPath === context || e.hostPath.startsWith(context + path.sep)) ledger.delete(k);
    await this.hooks.rebuild(plan.service);
    this.invalidate(plan.service);
    this.hooks.print(`${plan.service}: rebuilt and recreated in ${Math.round(this.now() - t0)} ms`);
  }

  private record(service: string, items: SyncItem[]): number {
    const v = (this.versions.get(service) ?? 0) + 1;
    this.versions.set(service, v);
    let ledger = this.ledgers.get(service);
    if (!ledger) this.ledgers.set(service, (ledger = new Map()));
    for (const it of items) ledger.set(it.op.containerPath, { hostPath: it.hostPath, containerPath: it.op.containerPath, version: v });
    return v;
  }

  private async sync(service: string, items: SyncItem[], firstEventAt?: number): Promise<void> {
    const version = this.record(service, items);
    const ops = settleOps(items);
    let containers = await this.runningContainers(service);
    for (let attempt = 0; ; attempt++) {
      if (!containers.length) {
        this.hooks.print(`${service}: ${plural(ops.length, 'change')} kept for when a container runs (none running)`);
        return;
      }
      const results = await Promise.allSettled(containers.map((c) => this.syncInto(service, c, ops, version, firstEventAt)));
      const failed = containers.filter((_, i) => results[i]!.status === 'rejected');
      if (!failed.length) return;
      this.invalidate(service);
      if (attempt > 0) throw (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
      // The cached list may be stale (a container went away): retry with the engine's list.
      const fresh = await this.runningContainers(service);
      containers = fresh.filter((c) => failed.some((f) => f.id === c.id) || !containers.some((o) => o.id === c.id));
    }
  }

  private async syncInto(service: string, c: ContainerSummary, ops: SyncOp[], version: number, firstEventAt?: number, what = 'synced'): Promise<void> {
    const before = this.received.get(c.id);
    const t0 = this.now();
    const res = await this.engine.containerSync(c.id, ops);
    const ms = this.now() - t0;
    const since = firstEventAt !== undefined ? ` (${Math.round(this.now() - firstEventAt)} ms after the change)` : '';
    if (res.failed.length) {
      this.hooks.print(`${service}: ${what} ${res.applied}/${ops.length} into ${nameOf(c)}; failed: ${res.failed.map((f) => `${f.containerPath}: ${f.error}`).join('; ')}`);
      return; // not marked received: the next start replays the ledger
    }
    const counts = ops.reduce((n, o) => n + (o.op === 'copy' ? 1 : 0), 0);
    const dels = ops.length - counts;
    const parts = [counts ? plural(counts, 'file') : '', dels ? plural(dels, 'deletion') : ''].filter(Boolean).join(' and ');
    this.hooks.print(`${service}: ${what} ${parts || '0 files'} into ${nameOf(c)} in ${Math.round(ms)} ms${since}`);
    // A container that missed an earlier version still misses it; one never seen waits for
    // its start event, which replays the whole ledger.
    if (before !== undefined && before >= version - 1) this.received.set(c.id, Math.max(before, version));
  }

  private async restart(service: string): Promise<void> {
    this.invalidate(service);
    for (const c of await this.containers(service, true)) {
      const t0 = this.now();
      await this.engine.containerRestart(c.id);
      this.hooks.print(`${service}: restarted ${nameOf(c)} in ${Math.round(this.now() - t0)} ms`);
    }
  }

  private async exec(service: string, ruleIndex: number): Promise<void> {
    const rule = this.project.services[service]?.develop?.watch?.[ruleIndex];
    const x = rule?.exec;
    if (!x?.command?.length) return;
    for (const c of await this.runningContainers(service)) {
      const env = Object.entries(x.environment ?? {}).map(([k, v]) => `${k}=${v ?? ''}`);
      const res = await this.engine.containerExec(
        c.id,
        { cmd: x.command, user: x.user, privileged: x.privileged, workingDir: x.working_dir, env: env.length ? env : undefined },
        (_stream, chunk) => {
          for (const line of chunk.toString().split('\n')) if (line) this.hooks.print(`${nameOf(c)} | ${line}`);
        },
      );
      this.hooks.print(`${service}: ran \`${x.command.join(' ')}\` in ${nameOf(c)}${res.exitCode ? ` (exit code ${res.exitCode})` : ''}`);
    }
  }

  /**
   * A container of `service` started: hand it what it lacks. `fresh` containers (never seen
   * before) also get the initial sync of rules that ask for one.
   */
  containerStarted(service: string, id: string): Promise<void> {
    return this.enqueue(service, 'catch-up sync', async () => {
      const version = this.versions.get(service) ?? 0;
      const had = this.received.get(id);
      const fresh = had === undefined;
      if (!fresh && had >= version) return;
      this.invalidate(service);
      const c = (await this.runningContainers(service)).find((x) => x.id === id);
      if (!c || c.state !== 'running') return;
      // A known container lacks only what came after the version it received; a new one lacks all.
      const ledger = [...(this.ledgers.get(service)?.values() ?? [])].filter((e) => fresh || e.version > had!);
      const items: SyncItem[] = [];
      if (fresh) items.push(...this.initialItems(service));
      for (const e of ledger) {
        const copy = fs.existsSync(e.hostPath) || isSymlink(e.hostPath);
        items.push({ op: copy ? { op: 'copy', hostPath: e.hostPath, containerPath: e.containerPath } : { op: 'delete', containerPath: e.containerPath }, hostPath: e.hostPath, rule: -1 });
      }
      if (!items.length) {
        this.received.set(id, version);
        return;
      }
      this.received.set(id, Math.max(0, version - 1)); // so syncInto marks it current on success
      await this.syncInto(service, c, settleOps(items), version, undefined, 'caught up');
    });
  }

  private initialItems(service: string): SyncItem[] {
    return this.hooks.initialItems?.(service) ?? [];
  }

  /** Initial sync of `service` into its running containers (rules with initial_sync). */
  initialSync(service: string): Promise<void> {
    return this.enqueue(service, 'initial sync', async () => {
      const items = this.initialItems(service);
      if (!items.length) return;
      const containers = await this.runningContainers(service);
      await Promise.all(containers.map((c) => this.syncInto(service, c, settleOps(items), this.versions.get(service) ?? 0, undefined, 'initial sync:')));
    });
  }
}
