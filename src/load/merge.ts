/**
 * Pass "merge": folds the canonical trees of several files (or a service into the one it
 * extends) into one, by the Compose Specification's rules. The generic rule is: mappings
 * merge deeply, sequences append, scalars are replaced. The exceptions are the table below,
 * read top to bottom, first match wins; `x-` extensions are replaced whole. `!reset` on a
 * value removes the key; `!override` replaces it without merging.
 */
import { isMap, isObj, type LoadContext, type Loc, type Path, type Tree } from './context.js';
import { matches, pattern, type Pattern } from './pattern.js';

type Rule =
  | { kind: 'replace' }
  /** Sequences whose entries have an identity: a later entry with the same key replaces the earlier one. */
  | { kind: 'unique'; key: (v: unknown) => string | undefined }
  /** Sequences of scalars merged as a set (order kept, duplicates dropped). */
  | { kind: 'set' }
  /** A mapping whose values are each replaced, not merged (ulimits). */
  | { kind: 'shallow' }
  | { kind: 'logging' };

const byTarget = (v: unknown) => (isMap(v) ? String(v.target ?? v.source ?? '') : undefined);
const portKey = (v: unknown) => (isMap(v) ? `${v.host_ip ?? ''}|${v.target}|${v.published ?? ''}|${v.protocol ?? 'tcp'}` : undefined);
const envFileKey = (v: unknown) => (isMap(v) ? String(v.path) : undefined);

const RULES: [string, Rule][] = [
  ['services.*.command', { kind: 'replace' }],
  ['services.*.entrypoint', { kind: 'replace' }],
  ['services.*.healthcheck.test', { kind: 'replace' }],
  ['services.*.profiles', { kind: 'replace' }],
  ['services.*.extends', { kind: 'replace' }],
  ['services.*.post_start', { kind: 'replace' }],
  ['services.*.pre_stop', { kind: 'replace' }],
  ['services.*.develop.watch.[].exec.command', { kind: 'replace' }],
  ['services.*.ports', { kind: 'unique', key: portKey }],
  ['services.*.volumes', { kind: 'unique', key: byTarget }],
  ['services.*.secrets', { kind: 'unique', key: byTarget }],
  ['services.*.configs', { kind: 'unique', key: byTarget }],
  ['services.*.build.secrets', { kind: 'unique', key: byTarget }],
  ['services.*.env_file', { kind: 'unique', key: envFileKey }],
  ['services.*.dns', { kind: 'set' }],
  ['services.*.dns_opt', { kind: 'set' }],
  ['services.*.dns_search', { kind: 'set' }],
  ['services.*.tmpfs', { kind: 'set' }],
  ['services.*.expose', { kind: 'set' }],
  ['services.*.cap_add', { kind: 'set' }],
  ['services.*.cap_drop', { kind: 'set' }],
  ['services.*.security_opt', { kind: 'set' }],
  ['services.*.group_add', { kind: 'set' }],
  ['services.*.links', { kind: 'set' }],
  ['services.*.external_links', { kind: 'set' }],
  ['services.*.volumes_from', { kind: 'set' }],
  ['services.*.devices', { kind: 'set' }],
  ['services.*.extra_hosts', { kind: 'set' }],
  ['services.*.build.extra_hosts', { kind: 'set' }],
  ['services.*.build.tags', { kind: 'set' }],
  ['services.*.build.cache_from', { kind: 'set' }],
  ['services.*.build.platforms', { kind: 'set' }],
  ['services.*.ulimits', { kind: 'shallow' }],
  ['services.*.logging', { kind: 'logging' }],
  ['networks.*.ipam.config', { kind: 'replace' }],
];
/** Rules indexed by path length and last segment: most paths match none, found in one lookup. */
const INDEX = new Map<string, [Pattern, Rule][]>();
for (const [p, r] of RULES) {
  const pat = pattern(p);
  const k = `${pat.length}|${pat[pat.length - 1]}`;
  INDEX.set(k, [...(INDEX.get(k) ?? []), [pat, r]]);
}

function ruleFor(path: Path): Rule | undefined {
  const last = path[path.length - 1];
  const named = INDEX.get(`${path.length}|${String(last)}`);
  const wild = INDEX.get(`${path.length}|${typeof last === 'number' ? '[]' : '*'}`);
  for (const list of [named, wild]) if (list) for (const [p, r] of list) if (matches(p, path)) return r;
  return undefined;
}

/** mergeTrees returns base ⊕ over (new objects along merged paths; positions carried). */
export function mergeTrees(ctx: LoadContext, base: Tree, over: Tree, path: Path = []): Tree {
  return mergeValue(ctx, base, over, path) as Tree;
}

function mergeValue(ctx: LoadContext, base: unknown, over: unknown, path: Path): unknown {
  const rule = ruleFor(path);
  if (rule?.kind === 'replace') return over;
  if (isMap(base) && isMap(over)) {
    if (rule?.kind === 'logging' && base.driver !== undefined && over.driver !== undefined && base.driver !== over.driver) return over;
    const out: Tree = {};
    ctx.src.copy(base, out);
    for (const [k, v] of Object.entries(base)) out[k] = v;
    for (const [k, v] of Object.entries(over)) {
      const tag = ctx.src.tag(over, k);
      if (tag === 'reset') {
        delete out[k];
        continue;
      }
      // x- extensions are the user's own data: a later file replaces them whole (as Compose).
      if (tag === 'override' || !(k in out) || rule?.kind === 'shallow' || k.startsWith('x-')) out[k] = v;
      else if (v === null && isMap(out[k]) && path.length === 3 && path[2] === 'networks') continue; // `net:` adds nothing
      else out[k] = mergeValue(ctx, out[k], v, [...path, k]);
      const loc = ctx.src.key(over, k);
      if (loc) ctx.src.setKey(out, k, loc);
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(over)) {
    const out: unknown[] = [];
    const locs: (Loc | undefined)[] = [];
    const push = (from: unknown[], i: number) => {
      out.push(from[i]);
      locs.push(ctx.src.key(from, i));
    };
    if (rule?.kind === 'unique') {
      const index = new Map<string, number>();
      const add = (from: unknown[], i: number) => {
        const k = rule.key(from[i]);
        if (k !== undefined && index.has(k)) {
          const at = index.get(k)!;
          // A mount that changes type (volume → bind) is a new mount: merging would keep the
          // old type's options (`volume: {}` beside `bind`).
          const prev = out[at];
          const next = from[i];
          const sameKind = isMap(prev) && isMap(next) && (prev.type === undefined || next.type === undefined || prev.type === next.type);
          out[at] = sameKind ? mergeValue(ctx, prev, next, [...path, at]) : next;
          locs[at] = ctx.src.key(from, i);
          return;
        }
        if (k !== undefined) index.set(k, out.length);
        push(from, i);
      };
      base.forEach((_, i) => add(base, i));
      over.forEach((_, i) => (ctx.src.tag(over, i) === 'reset' ? undefined : add(over, i)));
    } else if (rule?.kind === 'set') {
      const seen = new Set<string>();
      for (const from of [base, over]) {
        from.forEach((v, i) => {
          const k = JSON.stringify(v);
          if (seen.has(k)) return;
          seen.add(k);
          push(from, i);
        });
      }
    } else {
      base.forEach((_, i) => push(base, i));
      over.forEach((_, i) => push(over, i));
    }
    ctx.src.setSelf(out, ctx.src.self(over) ?? ctx.src.self(base));
    locs.forEach((l, i) => ctx.src.setKey(out, i, l));
    return out;
  }
  return over;
}

/**
 * Removes the values tagged `!reset` from a tree that has nothing beneath it (the first
 * file): resetting to "nothing" is removing.
 */
export function stripResets(ctx: LoadContext, node: unknown): void {
  if (Array.isArray(node)) {
    for (let i = node.length - 1; i >= 0; i--) {
      if (ctx.src.tag(node, i) === 'reset') node.splice(i, 1);
      else stripResets(ctx, node[i]);
    }
  } else if (isMap(node)) {
    for (const k of Object.keys(node)) {
      if (ctx.src.tag(node, k) === 'reset') delete node[k];
      else stripResets(ctx, node[k]);
    }
  }
}

/** A deep copy with positions, for trees shared by several users (a service extended twice). */
export function cloneTree<T>(ctx: LoadContext, v: T): T {
  if (Array.isArray(v)) {
    const out = v.map((x) => cloneTree(ctx, x));
    ctx.src.copy(v, out);
    return out as T;
  }
  if (isObj(v)) {
    const out: Tree = {};
    for (const [k, x] of Object.entries(v)) out[k] = cloneTree(ctx, x);
    ctx.src.copy(v, out);
    return out as T;
  }
  return v;
}
