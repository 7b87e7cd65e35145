/**
 * The loader's passes, in order. docs/loading.md says why the order is what it is.
 *
 *   per file (file.ts):  parse → interpolate → validate → canonical → extends
 *   TREE_PASSES:         include (per file) + merge → paths
 *   PROJECT_PASSES:      name → defaults → service-environment → bind → profiles → consistency
 *
 * Each pass is a function of the LoadState; none throws for a user's mistake.
 */
import path from 'node:path';
import type { Project } from '../model/types.js';
import { allProfiles } from '../model/profiles.js';
import { isMap, type LoadContext, type Tree } from './context.js';
import { dirOf, loadFile } from './file.js';
import { mergeTrees, stripResets } from './merge.js';
import { applyInclude } from './include.js';
import { resolveTreePaths } from './paths.js';
import { resolveProjectName } from './name.js';
import { applyDefaults } from './defaults.js';
import { resolveServiceEnvironment } from './service-env.js';
import { activeProfiles, applyProfiles } from './profiles.js';
import { checkConsistency } from './consistency.js';
import { readProjectEnv } from './envfiles.js';

export interface LoadState {
  ctx: LoadContext;
  files: string[];
  projectDir: string;
  explicitName?: string;
  profileFlags?: string[];
  explicitServices: string[];
  resolvePaths: boolean;
  /** Include chain, for cycles. */
  chain: string[];
  tree: Tree;
  name: string;
  project?: Project;
  allServices: Set<string>;
  profiles: string[];
  active: string[];
}

export interface Pass {
  name: string;
  run(s: LoadState): void;
}

/** Passes that make one tree from files; also used for each `include`d project. */
export const TREE_PASSES: Pass[] = [
  { name: 'include+merge', run: mergeFiles },
  { name: 'paths', run: (s) => s.resolvePaths && resolveTreePaths(s.tree, s.projectDir, { home: s.ctx.home }) },
];

/** Passes that make the Project from the tree. */
export const PROJECT_PASSES: Pass[] = [
  { name: 'name', run: (s) => (s.name = resolveProjectName(s.ctx, s.tree, s.explicitName, s.projectDir)) },
  { name: 'defaults', run: (s) => applyDefaults(s.tree, s.name) },
  { name: 'service-environment', run: (s) => resolveServiceEnvironment(s.ctx, s.tree, s.projectDir) },
  { name: 'bind', run: bind },
  { name: 'profiles', run: profiles },
  { name: 'consistency', run: (s) => checkConsistency(s.ctx, s.project!, s.allServices) },
];

export function runPasses(s: LoadState, passes: Pass[]): void {
  for (const p of passes) p.run(s);
}

/**
 * Each file's includes are added to that file before it is merged (as Compose does), so a
 * later -f file may override an included service.
 */
function mergeFiles(s: LoadState): void {
  let acc: Tree | undefined;
  for (const f of s.files) {
    const t = loadFile(s.ctx, f);
    if (!t) continue;
    applyInclude(s.ctx, t, dirOf(f, s.projectDir), s.chain, subLoader(s));
    if (acc === undefined) {
      stripResets(s.ctx, t);
      acc = t;
    } else acc = mergeTrees(s.ctx, acc, t);
  }
  s.tree = acc ?? {};
  if ('version' in s.tree) {
    s.ctx.diag.warn('schema', 'the attribute "version" is obsolete and is ignored; remove it', { loc: s.ctx.src.key(s.tree, 'version'), path: ['version'] });
    delete s.tree.version;
  }
}

function subLoader(parent: LoadState) {
  return (files: string[], projectDir: string, envFiles: string[] | undefined, chain: string[]): Tree | undefined => {
    const env = readProjectEnv(parent.ctx.io, parent.ctx.diag, parent.ctx.vars, envFiles, projectDir);
    const ctx: LoadContext = { ...parent.ctx, vars: env.vars, cache: new Map(), projectDir };
    const s = newState(ctx, files, projectDir, chain);
    s.resolvePaths = true; // an included project's paths are relative to its own folder
    runPasses(s, TREE_PASSES);
    return s.tree;
  };
}

export function newState(ctx: LoadContext, files: string[], projectDir: string, chain: string[] = files.filter((f) => path.isAbsolute(f))): LoadState {
  return { ctx, files, projectDir, explicitServices: [], resolvePaths: true, chain, tree: {}, name: '', allServices: new Set(), profiles: [], active: [] };
}

function bind(s: LoadState): void {
  const t = s.tree;
  const project: Project = { name: s.name, working_dir: s.projectDir, services: {} };
  const services = isMap(t.services) ? t.services : {};
  for (const [name, svc] of Object.entries(services)) {
    if (!isMap(svc)) continue;
    const service = svc as Project['services'][string];
    Object.defineProperty(service, 'name', { value: name, enumerable: false, writable: true, configurable: true });
    project.services[name] = service;
  }
  for (const kind of ['networks', 'volumes', 'secrets', 'configs'] as const) {
    if (isMap(t[kind])) (project as unknown as Record<string, unknown>)[kind] = t[kind];
  }
  for (const [k, v] of Object.entries(t)) if (k.startsWith('x-')) (project as unknown as Record<string, unknown>)[k] = v;
  s.ctx.src.copy(t, project);
  s.project = project;
  s.allServices = new Set(Object.keys(project.services));
}

function profiles(s: LoadState): void {
  s.profiles = allProfiles(s.project!);
  s.active = activeProfiles(s.profileFlags, s.ctx.vars);
  s.project = applyProfiles(s.ctx, s.project!, s.active, s.explicitServices);
}
