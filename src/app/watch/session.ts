/**
 * One watch session: load → (up) → watch files → coalesce → plan → apply, plus
 * - engine `start` events of the project's containers → catch-up sync (WatchApplier);
 * - edits of compose files, overrides, .env and env_file files → reload, then let the
 *   orchestrator apply the new project (its reconcile touches only what changed); an edit
 *   that does not load prints its diagnostics and leaves the running stack alone;
 * - edits of a .dockerignore → the rules are recompiled.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Engine } from '../../../engine/api/types.js';
import { UserError } from '../../diag/diagnostic.js';
import type { Project } from '../../model/types.js';
import type { UpOptions } from '../../plan/types.js';
import { imageRef, stableJson } from '../../plan/index.js';
import { WatchApplier, LABEL_PROJECT, LABEL_SERVICE } from './apply.js';
import { Coalescer, type FileEvent, type PathChange } from './coalesce.js';
import { planBatch, syncOpsFor, type DirEntry, type SyncItem } from './plan.js';
import { compileRules, isSyncAction, ruleProblems, type CompiledRule } from './rules.js';
import { startWatcher, type FileWatcher } from './watcher.js';

export interface Loaded {
  project: Project;
  warnings?: unknown[];
  /** Absolute compose files (with overrides). */
  files: string[];
  /** Absolute .env / --env-file files that were read. */
  envFiles?: string[];
}

export interface WatchDeps<L extends Loaded = Loaded> {
  engine: Engine;
  /** Loads the project from the user's files (throws DiagnosticError on a bad file). */
  load(): Promise<L>;
  /** The orchestrator's up: converge the engine to this loaded project. Without it, no up, no recreate. */
  up?(loaded: L, opts: UpOptions): Promise<void>;
  print(line: string): void;
  /** Prints an error (diagnostics with their excerpt). */
  printError(e: unknown): void;
  signal: AbortSignal;
}

export interface WatchOptions {
  services?: string[];
  poll?: boolean;
  /** Quiet period before a batch is applied (ms). Default 20. */
  quietMs?: number;
  /** Do not bring the stack up first. */
  noUp?: boolean;
  /** Remove the image a rebuild replaced. */
  prune?: boolean;
  /** Files changed at once past which a sync becomes a rebuild (with a rebuild rule). Default 1000. */
  rebuildThreshold?: number;
  /** Called once the watch runs (tests, benchmarks). */
  onReady?(info: { polling: boolean; paths: string[] }): void;
}

export const DEFAULT_QUIET_MS = 20;
export const DEFAULT_REBUILD_THRESHOLD = 1000;
const MISSING_POLL_MS = 250;
const EVENTS_RETRY_MS = 1000;

const INITIAL_SYNC_SKIP = new Set(['Dockerfile', 'compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml', 'compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yaml', 'docker-compose.override.yml']);

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Everything below a folder (not following symlinks), for folder copies and initial syncs. */
export function walkDir(dir: string, skip?: (abs: string, isDir: boolean) => boolean): DirEntry[] {
  const out: DirEntry[] = [];
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      const isDir = e.isDirectory();
      if (skip?.(p, isDir)) continue;
      out.push({ path: p, isDir });
      if (isDir) stack.push(p);
    }
  }
  return out;
}

function bindSources(project: Project, service: string): string[] {
  return (project.services[service]?.volumes ?? []).filter((v) => v.type === 'bind' && v.source).map((v) => path.resolve(v.source!));
}

interface State<L extends Loaded> {
  loaded: L;
  project: Project;
  rules: CompiledRule[];
  /** compose files, .env files, env_file files */
  configFiles: Set<string>;
  /** .dockerignore files of the watched services */
  ignoreFiles: Set<string>;
}

export class WatchSession<L extends Loaded = Loaded> {
  private state!: State<L>;
  private watcher?: FileWatcher;
  private coalescer!: Coalescer;
  private applier!: WatchApplier;
  private reloading: Promise<void> = Promise.resolve();
  private readonly quietMs: number;

  constructor(private readonly deps: WatchDeps<L>, private readonly opts: WatchOptions = {}) {
    this.quietMs = opts.quietMs ?? DEFAULT_QUIET_MS;
  }

  private compile(loaded: L): State<L> {
    const project = loaded.project;
    const selected = this.opts.services?.length ? this.opts.services : undefined;
    for (const s of selected ?? []) if (!project.services[s]) throw new UserError(`no such service: ${s}`);
    const problems = ruleProblems(project, selected);
    if (problems.length) throw new UserError(problems.join('\n'));
    let rules = compileRules(project, readText, selected);
    // As Compose: a sync rule over a bind-mounted path has nothing to do (the mount shows it).
    rules = rules.filter((r) => {
      if (!isSyncAction(r.rule.action)) return true;
      const bound = bindSources(project, r.service).some((src) => r.root === src || r.root.startsWith(src + path.sep));
      if (bound) this.deps.print(`${r.service}: ${r.rule.path} is bind-mounted into the container; its sync rule is skipped`);
      return !bound;
    });
    const configFiles = new Set<string>([...loaded.files, ...(loaded.envFiles ?? [])].map((f) => path.resolve(f)));
    for (const svc of Object.values(project.services)) for (const ef of svc.env_file ?? []) configFiles.add(path.resolve(ef.path));
    // No env file read: a .env made later in the project folder would be read by the next load.
    if (!loaded.envFiles?.length && project.working_dir) configFiles.add(path.join(project.working_dir, '.env'));
    const ignoreFiles = new Set<string>();
    for (const name of new Set(rules.map((r) => r.service))) {
      const b = project.services[name]?.build;
      if (!b?.context) continue;
      const ctx = path.resolve(b.context);
      ignoreFiles.add(path.join(ctx, '.dockerignore'));
      if (b.dockerfile) ignoreFiles.add(`${path.isAbsolute(b.dockerfile) ? b.dockerfile : path.join(ctx, b.dockerfile)}.dockerignore`);
    }
    return { loaded, project, rules, configFiles, ignoreFiles };
  }

  private watchedPaths(s: State<L>): string[] {
    const ps = new Set<string>(s.rules.map((r) => r.root));
    for (const f of s.configFiles) if (fs.existsSync(f)) ps.add(f);
    for (const f of s.ignoreFiles) if (fs.existsSync(f)) ps.add(f);
    return [...ps];
  }

  private ignored = (abs: string): boolean => {
    const s = this.state;
    if (s.configFiles.has(abs) || s.ignoreFiles.has(abs)) return false;
    const containing = s.rules.filter((r) => abs === r.root || abs.startsWith(r.root + path.sep));
    return containing.length > 0 && containing.every((r) => r.skipsWholeDir(abs));
  };

  /**
   * chokidar 4 does not pick up a watched path that does not exist yet (nor one deleted and
   * made again, as a branch switch does to compose.yaml): missing rule paths and project
   * files are looked for every MISSING_POLL_MS, and watched — and synced whole, or
   * reloaded — once they appear.
   */
  private missing = new Set<string>();
  private missingTimer?: NodeJS.Timeout;

  private checkMissing = (): void => {
    for (const root of [...this.missing]) {
      let st: fs.Stats;
      try {
        st = fs.statSync(root);
      } catch {
        continue;
      }
      this.missing.delete(root);
      const s = this.state;
      if (!s.rules.some((r) => r.root === root) && !s.configFiles.has(root) && !s.ignoreFiles.has(root)) continue;
      this.watcher?.unwatch([root]);
      this.watcher?.add([root]);
      this.onFileEvent({ kind: st.isDirectory() ? 'addDir' : 'add', path: root });
    }
  };

  private allPaths(s: State<L>): string[] {
    return [...s.rules.map((r) => r.root), ...s.configFiles, ...s.ignoreFiles];
  }

  private trackMissing(paths: string[]): void {
    for (const p of paths) if (!fs.existsSync(p)) this.missing.add(p);
  }

  private onFileEvent = (ev: FileEvent): void => {
    const s = this.state;
    const p = ev.path;
    if ((ev.kind === 'unlinkDir' || ev.kind === 'unlink') && (s.rules.some((r) => r.root === p) || s.configFiles.has(p) || s.ignoreFiles.has(p))) this.missing.add(p);
    if (s.configFiles.has(p) || s.ignoreFiles.has(p) || s.rules.some((r) => r.accepts(p))) this.coalescer.push(ev);
  };

  private initialItems(service: string): SyncItem[] {
    const items: SyncItem[] = [];
    for (const r of this.state.rules) {
      if (r.service !== service || !r.rule.initial_sync || !isSyncAction(r.rule.action)) continue;
      let st: fs.Stats;
      try {
        st = fs.statSync(r.root);
      } catch {
        continue;
      }
      const change: PathChange = { path: r.root, exists: true, isDir: st.isDirectory(), removed: false, removedDir: false, seq: 0 };
      const initialRule: CompiledRule = { ...r, accepts: (abs) => !INITIAL_SYNC_SKIP.has(path.basename(abs)) && r.accepts(abs) };
      items.push(...syncOpsFor(initialRule, [change], (d) => walkDir(d, (p, isDir) => isDir && r.skipsWholeDir(p))).items);
    }
    return items;
  }

  /**
   * `up --build --force-recreate --no-deps SERVICE` with the project as loaded now, as
   * Compose's watch does: the orchestrator builds with the same arguments as `up --build`
   * (build args from the environment, tags, target...) and recreates the containers.
   */
  private async rebuild(service: string): Promise<void> {
    const { project } = this.state;
    if (!project.services[service]?.build) throw new Error(`service ${service} has no build section`);
    if (!this.deps.up) throw new Error('no up use case is wired: cannot rebuild and recreate');
    const ref = imageRef(project, service);
    const engine = this.deps.engine;
    const idOf = () => engine.imageInspect(ref).then((i) => i.id, () => undefined);
    const old = await idOf();
    await this.deps.up(this.state.loaded, { services: [service], noDeps: true, build: true, forceRecreate: true });
    const id = await idOf();
    if (id && id !== old) this.deps.print(`${service}: new image ${ref} (${id.slice(7, 19)})`);
    if (this.opts.prune && old && id && old !== id) {
      await engine.imageRemove(old).then(
        () => this.deps.print(`${service}: removed the replaced image ${old.slice(7, 19)}`),
        () => undefined, // still used or tagged elsewhere: keep it
      );
    }
  }

  private onBatch = (changes: PathChange[], info: { firstEventAt: number }): void => {
    const s = this.state;
    const plan = planBatch(changes, s.rules, new Set([...s.configFiles, ...s.ignoreFiles]), {
      rebuildThreshold: this.opts.rebuildThreshold ?? DEFAULT_REBUILD_THRESHOLD,
      expandDir: (d) => walkDir(d),
    });
    for (const sp of plan.services) void this.applier.apply(sp, { firstEventAt: info.firstEventAt });
    if (plan.reload.length) {
      const onlyIgnores = plan.reload.every((f) => s.ignoreFiles.has(f) && !s.configFiles.has(f));
      this.reloading = this.reloading.then(() => (onlyIgnores ? this.recompile(plan.reload) : this.reload(plan.reload)));
    }
  };

  private rel(f: string): string {
    const wd = this.state.project.working_dir;
    return wd ? path.relative(wd, f) || f : f;
  }

  private async recompile(files: string[]): Promise<void> {
    this.state = { ...this.compile(this.state.loaded), configFiles: this.state.configFiles };
    this.applier.setProject(this.state.project);
    this.deps.print(`${files.map((f) => this.rel(f)).join(', ')} changed: watch rules updated`);
  }

  private async reload(files: string[]): Promise<void> {
    const names = files.map((f) => this.rel(f)).join(', ');
    let next: State<L>;
    try {
      next = this.compile(await this.deps.load());
    } catch (e) {
      this.deps.print(`${names} changed but does not load; the stack is left as it is:`);
      this.deps.printError(e);
      return;
    }
    const before = this.state.project;
    const added = Object.keys(next.project.services).filter((n) => !before.services[n]);
    const removed = Object.keys(before.services).filter((n) => !next.project.services[n]);
    const changed = Object.keys(next.project.services).filter((n) => before.services[n] && stableJson(before.services[n]) !== stableJson(next.project.services[n]));
    const oldPaths = this.watchedPaths(this.state);
    this.state = next;
    this.applier.setProject(next.project);
    const newPaths = this.watchedPaths(next);
    this.watcher?.unwatch(oldPaths.filter((p) => !newPaths.includes(p)));
    this.watcher?.add(newPaths.filter((p) => !oldPaths.includes(p)));
    this.trackMissing(this.allPaths(next));
    const what = [added.length ? `added ${added.join(', ')}` : '', changed.length ? `changed ${changed.join(', ')}` : '', removed.length ? `removed ${removed.join(', ')} (left running; \`berth up --remove-orphans\` removes it)` : '']
      .filter(Boolean)
      .join('; ');
    this.deps.print(`${names} changed: reloaded${what ? ` (${what})` : ' (no service changed)'}`);
    if (!this.deps.up || (!added.length && !changed.length)) return;
    const services = this.opts.services?.length ? [...new Set([...this.opts.services, ...added])] : undefined;
    const t0 = performance.now();
    try {
      await this.deps.up(next.loaded, { services });
      this.deps.print(`applied in ${Math.round(performance.now() - t0)} ms`);
    } catch (e) {
      this.deps.print('applying the new file failed:');
      this.deps.printError(e);
    }
  }

  /**
   * Engine events of the project's containers: any of them drops the cached container list
   * of its service; a start hands the container what it lacks. The stream is opened again
   * when it ends (an engine restart), after a pause.
   */
  private async followEvents(): Promise<void> {
    const { engine, signal } = this.deps;
    let warned = false;
    while (!signal.aborted) {
      try {
        const stream = engine.events({ filters: { type: ['container'], label: [`${LABEL_PROJECT}=${this.state.project.name}`] } }, signal);
        for await (const ev of stream) {
          warned = false;
          const svc = ev.attributes[LABEL_SERVICE];
          if (!svc || ev.action.startsWith('exec_') || ev.action.startsWith('health_status')) continue;
          this.applier.invalidate(svc);
          if ((ev.action === 'start' || ev.action === 'restart') && this.state.rules.some((r) => r.service === svc && isSyncAction(r.rule.action))) {
            void this.applier.containerStarted(svc, ev.id);
          }
        }
      } catch (e) {
        if (signal.aborted) return;
        if (!warned) this.deps.print(`engine events interrupted (${e instanceof Error ? e.message : String(e)}); retrying`);
        warned = true;
      }
      if (signal.aborted) return;
      this.applier.invalidate();
      await new Promise<void>((r) => {
        const t = setTimeout(r, EVENTS_RETRY_MS);
        signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
      });
    }
  }

  /** Runs until the signal aborts. */
  async run(): Promise<void> {
    const { deps, opts } = this;
    this.state = this.compile(await deps.load());
    if (!this.state.rules.length) throw new UserError('none of the selected services is configured for watch: add a develop.watch section');
    if (!opts.noUp) {
      if (!deps.up) throw new UserError('cannot bring the stack up here (no up use case); use --no-up');
      await deps.up(this.state.loaded, { services: opts.services?.length ? opts.services : undefined });
    }
    this.applier = new WatchApplier(deps.engine, this.state.project, {
      print: deps.print,
      rebuild: (svc) => this.rebuild(svc),
      initialItems: (svc) => this.initialItems(svc),
    });
    const services = [...new Set(this.state.rules.map((r) => r.service))];
    await this.applier.adopt(services);
    const events = this.followEvents();
    this.coalescer = new Coalescer({ quietMs: this.quietMs, onBatch: this.onBatch });
    const paths = this.watchedPaths(this.state);
    this.watcher = await startWatcher({
      paths,
      poll: opts.poll,
      ignored: this.ignored,
      onEvent: this.onFileEvent,
      isPending: (p) => this.coalescer.has(p),
      onNotice: (m) => deps.print(`watch: ${m}`),
      onError: (e) => deps.print(`watch: ${e.message}`),
    });
    this.trackMissing(this.allPaths(this.state));
    this.missingTimer = setInterval(this.checkMissing, MISSING_POLL_MS);
    for (const s of services) void this.applier.initialSync(s);
    deps.print(`watching ${paths.length} path${paths.length === 1 ? '' : 's'} for ${services.join(', ')} (${this.watcher.polling ? 'polling' : 'inotify'}, quiet period ${this.quietMs} ms)`);
    opts.onReady?.({ polling: this.watcher.polling, paths });
    if (!deps.signal.aborted) await new Promise<void>((res) => deps.signal.addEventListener('abort', () => res(), { once: true }));
    clearInterval(this.missingTimer);
    this.coalescer.close();
    await this.watcher.close();
    await this.applier.idle();
    await this.reloading;
    await events;
    deps.print('watch stopped');
  }
}
