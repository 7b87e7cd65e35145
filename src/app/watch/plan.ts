/**
 * From a coalesced batch to what to do, per service (pure):
 *   rebuild (build the image, recreate the service) → sync ops → restart → exec.
 * as Compose's handleWatchBatch, plus:
 * - sync ops are minimal: a folder copied whole (copies are recursive) swallows the changes
 *   below it, a deleted folder swallows its children, a folder deleted and made again is
 *   deleted in the container first so that stale files go;
 * - a folder whose walk meets an ignored entry is copied file by file instead (a recursive
 *   copy would carry the ignored files in);
 * - past `rebuildThreshold` changed files for one service (a branch switch), the sync
 *   becomes a rebuild when the service has a rebuild rule;
 * - a change to a compose file, an override, .env or an env_file asks for a reload.
 */
import path from 'node:path';
import type { SyncOp } from '../../../engine/api/types.js';
import type { PathChange } from './coalesce.js';
import { isSyncAction, type CompiledRule } from './rules.js';

export interface DirEntry {
  path: string;
  isDir: boolean;
}

/** Lists everything below a host folder (recursively, not the folder itself). */
export type ExpandDir = (abs: string) => DirEntry[];

export interface SyncItem {
  op: SyncOp;
  /** The host path the op stands for (for a delete too), to keep a ledger of it. */
  hostPath: string;
  rule: number;
}

export interface ServicePlan {
  service: string;
  rebuild: boolean;
  sync: SyncItem[];
  restart: boolean;
  /** Indices (in the service's develop.watch) of sync+exec rules to run, once each. */
  exec: number[];
  /** Host paths that caused the actions (for messages). */
  changed: string[];
  /** Set when a large sync was turned into a rebuild. */
  syncPromoted?: number;
}

export interface WatchPlan {
  /** Compose/env files that changed: reload the project. */
  reload: string[];
  services: ServicePlan[];
}

export interface PlanOptions {
  rebuildThreshold: number;
  expandDir?: ExpandDir;
}

function isUnder(child: string, dir: string): boolean {
  return child.length > dir.length && child.startsWith(dir) && child[dir.length] === path.sep;
}

/** The minimal ops for one rule's changes (pure but for `expandDir`). Returns ops and a file count. */
export function syncOpsFor(rule: CompiledRule, changes: PathChange[], expandDir?: ExpandDir): { items: SyncItem[]; files: number } {
  const byPath = new Map(changes.map((c) => [c.path, c]));
  const deletes: SyncItem[] = [];
  const copies: SyncItem[] = [];
  let files = 0;
  const item = (op: SyncOp, hostPath: string): SyncItem => ({ op, hostPath, rule: rule.index });
  for (const c of changes) {
    // Does an ancestor's op already cover this path?
    let covered = false;
    for (let dir = path.dirname(c.path); dir.length >= rule.root.length && dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const a = byPath.get(dir);
      if (!a) continue;
      if (!a.exists) covered = true;
      else if (a.isDir && (c.exists || a.removed)) covered = true;
      if (covered) break;
    }
    if (covered) continue;
    const target = rule.containerPath(c.path);
    if (target === undefined) continue;
    if (!c.exists) {
      deletes.push(item({ op: 'delete', containerPath: target }, c.path));
      files++;
      continue;
    }
    if (c.removed && (c.isDir || c.removedDir)) deletes.push(item({ op: 'delete', containerPath: target }, c.path));
    if (!c.isDir || !expandDir) {
      copies.push(item({ op: 'copy', hostPath: c.path, containerPath: target }, c.path));
      files++;
      continue;
    }
    const entries = expandDir(c.path);
    const kept = entries.filter((e) => rule.accepts(e.path));
    if (kept.length === entries.length) {
      copies.push(item({ op: 'copy', hostPath: c.path, containerPath: target }, c.path));
      files += Math.max(1, entries.filter((e) => !e.isDir).length);
      continue;
    }
    // Something below is ignored: copy what is kept, one by one; empty folders as themselves.
    const hasChild = new Set<string>();
    for (const e of entries) hasChild.add(path.dirname(e.path));
    for (const e of kept) {
      if (e.isDir && hasChild.has(e.path)) continue;
      const t = rule.containerPath(e.path);
      if (t === undefined) continue;
      copies.push(item({ op: 'copy', hostPath: e.path, containerPath: t }, e.path));
      files++;
    }
  }
  copies.sort((a, b) => (a.hostPath < b.hostPath ? -1 : a.hostPath > b.hostPath ? 1 : 0));
  return { items: [...deletes, ...copies], files };
}

export function planBatch(changes: PathChange[], rules: readonly CompiledRule[], configFiles: ReadonlySet<string>, opts: PlanOptions): WatchPlan {
  const reload = changes.filter((c) => configFiles.has(c.path)).map((c) => c.path);
  const perService = new Map<string, ServicePlan>();
  const perRule = new Map<CompiledRule, PathChange[]>();
  const svcPlan = (name: string): ServicePlan => {
    let p = perService.get(name);
    if (!p) perService.set(name, (p = { service: name, rebuild: false, sync: [], restart: false, exec: [], changed: [] }));
    return p;
  };
  for (const c of changes) {
    for (const r of rules) {
      if (!r.accepts(c.path)) continue;
      const p = svcPlan(r.service);
      if (!p.changed.includes(c.path)) p.changed.push(c.path);
      switch (r.rule.action) {
        case 'rebuild':
          p.rebuild = true;
          break;
        case 'restart':
          p.restart = true;
          break;
        default:
          if (r.rule.action === 'sync+restart') p.restart = true;
          if (r.rule.action === 'sync+exec' && !p.exec.includes(r.index)) p.exec.push(r.index);
          if (!perRule.has(r)) perRule.set(r, []);
          perRule.get(r)!.push(c);
      }
    }
  }
  const fileCount = new Map<string, number>();
  for (const [r, cs] of perRule) {
    if (!isSyncAction(r.rule.action)) continue;
    const { items, files } = syncOpsFor(r, cs, opts.expandDir);
    svcPlan(r.service).sync.push(...items);
    fileCount.set(r.service, (fileCount.get(r.service) ?? 0) + files);
  }
  for (const p of perService.values()) {
    const n = fileCount.get(p.service) ?? 0;
    const canRebuild = rules.some((r) => r.service === p.service && r.rule.action === 'rebuild');
    if (n > opts.rebuildThreshold && canRebuild) {
      p.rebuild = true;
      p.syncPromoted = n;
      p.sync = [];
    }
    // A rebuilt service gets a fresh container: a restart on top would be a second one.
    if (p.rebuild) p.restart = false;
  }
  const services = [...perService.values()].filter((p) => p.rebuild || p.restart || p.sync.length || p.exec.length);
  services.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
  return { reload, services };
}
