/**
 * The watch rules of a project, compiled once per (re)load: for a changed host path, which
 * rules it hits and where it lands inside the container.
 *
 * What a rule skips, as Docker Compose does (pkg/compose/watch.go getWatchRules):
 * the rule's `ignore` globs (relative to the rule's path), paths outside its `include` globs
 * when it has some, the service's build-context .dockerignore (`<Dockerfile>.dockerignore`
 * first, as BuildKit does) for paths inside the context, `.git` folders, and editors'
 * scratch files (vim swap and `4913` probes, `~` backups, emacs `.#` locks, JetBrains
 * temp files). Compose applies the .dockerignore to every action of the service; so do we.
 */
import path from 'node:path';
import type { DevelopWatchRule, Project, Service } from '../../model/types.js';
import { compilePatterns, parseIgnoreFile, relInside, type PathMatcher } from './patterns.js';

export type WatchAction = DevelopWatchRule['action'];

/** Editor scratch files and VCS folders that are never worth a sync or a rebuild. */
export const DEFAULT_IGNORES = [
  '**/.git',
  '**/*___jb_old___',
  '**/*___jb_tmp___',
  '**/.idea',
  '**/.#*',
  '**/4913',
  '**/*~',
  '**/.*.swp',
  '**/.*.swx',
  '**/.*.swo',
  '**/.*.swn',
];

export interface CompiledRule {
  service: string;
  /** Index of the rule in the service's develop.watch list. */
  index: number;
  rule: DevelopWatchRule;
  /** Absolute, normalized host path the rule watches (file or folder). */
  root: string;
  /** True when the path is inside the rule's path and none of the ignores skips it. */
  accepts(abs: string): boolean;
  /** True when a folder and everything under it is skipped (safe to not even watch it). */
  skipsWholeDir(abs: string): boolean;
  /** Where `abs` lands inside the container (undefined when the rule has no target). */
  containerPath(abs: string): string | undefined;
}

export function isSyncAction(a: WatchAction): boolean {
  return a === 'sync' || a === 'sync+restart' || a === 'sync+exec';
}

/** Reads a small text file; undefined when it does not exist. Injected for tests. */
export type ReadText = (file: string) => string | undefined;

/** The build context's ignore patterns, or undefined when the service is not built. */
export function contextIgnore(service: Service, readText: ReadText): { context: string; matcher: PathMatcher } | undefined {
  const build = service.build;
  if (!build?.context || /^[a-z][a-z0-9+.-]*:\/\//i.test(build.context)) return undefined;
  const context = path.resolve(build.context);
  const candidates: string[] = [];
  if (build.dockerfile && !build.dockerfile_inline) {
    const df = path.isAbsolute(build.dockerfile) ? build.dockerfile : path.join(context, build.dockerfile);
    candidates.push(`${df}.dockerignore`);
  }
  candidates.push(path.join(context, '.dockerignore'));
  for (const c of candidates) {
    const text = readText(c);
    if (text === undefined) continue;
    let patterns = parseIgnoreFile(text);
    // As Compose: an allow-list .dockerignore ("*" then "!..." lines) is for the build; for
    // watching, "*" and the other plain lines are dropped, only its "!" lines are kept.
    if (patterns.includes('*')) patterns = patterns.filter((p) => p.startsWith('!'));
    return { context, matcher: compilePatterns(patterns) };
  }
  return { context, matcher: compilePatterns([]) };
}

export function compileRule(service: Service & { name: string }, index: number, rule: DevelopWatchRule, readText: ReadText): CompiledRule {
  const root = path.resolve(rule.path);
  const ignore = compilePatterns(rule.ignore);
  const include = compilePatterns(rule.include);
  const defaults = compilePatterns(DEFAULT_IGNORES);
  const ctx = contextIgnore(service, readText);
  const skipped = (abs: string, rel: string): boolean => {
    if (rel !== '' && (ignore.matches(rel) || defaults.matches(rel))) return true;
    if (ctx) {
      const crel = relInside(ctx.context, abs);
      if (crel !== undefined && crel !== '' && ctx.matcher.matches(crel)) return true;
    }
    return false;
  };
  return {
    service: service.name,
    index,
    rule,
    root,
    accepts(abs) {
      const rel = relInside(root, abs);
      if (rel === undefined) return false;
      if (!include.empty && rel !== '' && !include.matches(rel)) return false;
      return !skipped(abs, rel);
    },
    skipsWholeDir(abs) {
      const rel = relInside(root, abs);
      if (rel === undefined || rel === '') return false;
      // A "!" line could keep something below a matched folder: then it must be walked.
      if (ignore.hasExclusions || (ctx?.matcher.hasExclusions ?? false)) return false;
      return skipped(abs, rel);
    },
    containerPath(abs) {
      if (rule.target === undefined || rule.target === '') return undefined;
      const rel = relInside(root, abs);
      if (rel === undefined) return undefined;
      return rel === '' ? rule.target : path.posix.join(rule.target, rel);
    },
  };
}

/** Every rule of the selected services (all services with develop.watch when none given). */
export function compileRules(project: Project, readText: ReadText, services?: readonly string[]): CompiledRule[] {
  const out: CompiledRule[] = [];
  const names = services && services.length ? services : Object.keys(project.services);
  for (const name of names) {
    const svc = project.services[name];
    if (!svc) continue;
    (svc.develop?.watch ?? []).forEach((rule, i) => out.push(compileRule({ ...svc, name }, i, rule, readText)));
  }
  return out;
}

/** Problems that make a rule unusable, as one sentence each (Compose refuses these too). */
export function ruleProblems(project: Project, services?: readonly string[]): string[] {
  const out: string[] = [];
  const names = services && services.length ? services : Object.keys(project.services);
  for (const name of names) {
    const svc = project.services[name];
    if (!svc) continue;
    (svc.develop?.watch ?? []).forEach((rule, i) => {
      const where = `services.${name}.develop.watch[${i}]`;
      if (rule.action === 'rebuild' && !svc.build) out.push(`${where}: action "rebuild" needs a build section on service "${name}"`);
      if (isSyncAction(rule.action) && !rule.target) out.push(`${where}: action "${rule.action}" needs a target`);
      if (rule.action === 'sync+exec' && !(rule.exec?.command?.length)) out.push(`${where}: action "sync+exec" needs exec.command`);
    });
  }
  return out;
}

/** The rules a path hits, in declaration order. */
export function matchRules(rules: readonly CompiledRule[], abs: string): CompiledRule[] {
  return rules.filter((r) => r.accepts(abs));
}
