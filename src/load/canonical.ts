/**
 * Pass "canonical": short syntaxes become the long forms `docker compose config` prints
 * (ports, volumes, depends_on, secrets, configs, env_file, environment/labels as maps,
 * command/entrypoint as argv arrays, ...). Runs per file, after validation and before
 * merging, so the merge rules can key sequences (volumes by target, ports by
 * ip/target/published/protocol) whatever syntax each file used.
 *
 * The rules are one table of path patterns (read it top to bottom); a generic walker applies
 * the rule matching each path, then walks into the result, so nested rules see long forms.
 * Shapes the schema already rejected are left alone (their error is reported).
 */
import { isMap, type LoadContext, type Loc, type Path, type Tree } from './context.js';
import { matches, pattern } from './pattern.js';
import { parsePortShort, parseVolumeShort } from './shortsyntax.js';
import { splitShellWords } from './shellwords.js';

/** Where a value sits: its parent, its key there, its path from the root. */
interface At {
  parent: object;
  key: string | number;
  path: Path;
  loc: Loc | undefined;
}

type Rule = (ctx: LoadContext, v: unknown, at: At) => unknown;

// Rule builders, used by the table below.
const nullToMap: Rule = (ctx, v, at) => (v === null ? withLoc(ctx, {}, at.loc) : v);
const stringToList: Rule = (_ctx, v) => (typeof v === 'string' || typeof v === 'number' ? [v] : v);
const listOfStrings: Rule = (_ctx, v) => {
  const list = typeof v === 'string' || typeof v === 'number' ? [v] : v;
  return Array.isArray(list) ? list.map((x) => (typeof x === 'number' ? String(x) : x)) : list;
};
const words: Rule = (ctx, v, at) => {
  if (typeof v !== 'string') return v;
  const w = splitShellWords(v);
  if (w) return w;
  ctx.diag.error('invalid-value', `unterminated quote in "${v}"`, { loc: at.loc, path: at.path });
  return v;
};
/** "KEY=VALUE" lists (or mappings) as mappings of strings; a bare KEY is null when `nullable` (taken from the shell later). */
const mapOf =
  (nullable: boolean): Rule =>
  (ctx, v, at) =>
    toMap(ctx, v, at.path, nullable);
const scalarsToStrings: Rule = (_ctx, v) => {
  if (isMap(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'number' || typeof x === 'boolean') v[k] = String(x);
  return v;
};
const fileMounts: Rule = (ctx, v) => (Array.isArray(v) ? mapItems(ctx, v, (x, loc) => (typeof x === 'string' ? withLoc(ctx, { source: x }, loc) : x)) : v);

/** The table: first matching pattern wins at each path. */
const RULES: [string, Rule][] = [
  ['services.*', nullToMap],
  ['services.*.build', (ctx, v, at) => (typeof v === 'string' ? withLoc(ctx, { context: v }, at.loc) : v)],
  ['services.*.build.args', mapOf(true)],
  ['services.*.build.labels', mapOf(false)],
  ['services.*.build.additional_contexts', mapOf(false)],
  ['services.*.build.cache_from', stringToList],
  ['services.*.build.cache_to', stringToList],
  ['services.*.build.tags', stringToList],
  ['services.*.build.platforms', stringToList],
  ['services.*.build.ssh', stringToList],
  ['services.*.build.secrets', fileMounts],
  ['services.*.build.extra_hosts', (_ctx, v) => extraHosts(v)],
  ['services.*.command', words],
  ['services.*.entrypoint', words],
  ['services.*.environment', (ctx, v, at) => (v === null ? v : toMap(ctx, v, at.path, true))],
  ['services.*.labels', (ctx, v, at) => (v === null ? v : toMap(ctx, v, at.path, false))],
  ['services.*.annotations', (ctx, v, at) => (v === null ? v : toMap(ctx, v, at.path, false))],
  ['services.*.sysctls', (ctx, v, at) => (v === null ? v : scalarsToStrings(ctx, toMap(ctx, v, at.path, false), at))],
  ['services.*.devices', (ctx, v, at) => (Array.isArray(v) ? mapItems(ctx, v, (d, loc, i) => device(ctx, d, loc, [...at.path, i])) : v)],
  ['services.*.dns', stringToList],
  ['services.*.dns_search', stringToList],
  ['services.*.dns_opt', stringToList],
  ['services.*.tmpfs', stringToList],
  ['services.*.cap_add', stringToList],
  ['services.*.cap_drop', stringToList],
  ['services.*.security_opt', stringToList],
  ['services.*.external_links', stringToList],
  ['services.*.links', stringToList],
  ['services.*.profiles', stringToList],
  ['services.*.label_file', stringToList],
  ['services.*.expose', listOfStrings],
  ['services.*.group_add', listOfStrings],
  ['services.*.env_file', envFile],
  ['services.*.extra_hosts', (_ctx, v) => extraHosts(v)],
  ['services.*.ports', ports],
  ['services.*.volumes', volumes],
  ['services.*.depends_on', dependsOn],
  ['services.*.networks', serviceNetworks],
  ['services.*.networks.*.aliases', stringToList],
  ['services.*.secrets', fileMounts],
  ['services.*.configs', fileMounts],
  ['services.*.healthcheck.test', (_ctx, v) => (typeof v === 'string' ? ['CMD-SHELL', v] : v)],
  ['services.*.post_start.[].command', words],
  ['services.*.pre_stop.[].command', words],
  ['services.*.post_start.[].environment', mapOf(true)],
  ['services.*.pre_stop.[].environment', mapOf(true)],
  ['services.*.develop.watch', watchRules],
  ['services.*.develop.watch.[].ignore', stringToList],
  ['services.*.develop.watch.[].include', stringToList],
  ['services.*.develop.watch.[].exec.command', words],
  ['services.*.logging.options', scalarsToStrings],
  ['services.*.deploy.labels', mapOf(false)],
  ['networks.*', resource],
  ['volumes.*', resource],
  ['secrets.*', resource],
  ['configs.*', resource],
  ['networks.*.labels', mapOf(false)],
  ['volumes.*.labels', mapOf(false)],
  ['secrets.*.labels', mapOf(false)],
  ['configs.*.labels', mapOf(false)],
  ['networks.*.driver_opts', scalarsToStrings],
  ['volumes.*.driver_opts', scalarsToStrings],
];

/** Rules indexed by path length and last segment: most paths match none, found in one lookup. */
const INDEX = new Map<string, [string[], Rule][]>();
for (const [p, rule] of RULES) {
  const pat = pattern(p);
  const k = `${pat.length}|${pat[pat.length - 1]}`;
  INDEX.set(k, [...(INDEX.get(k) ?? []), [pat, rule]]);
}

function ruleFor(path: Path): Rule | undefined {
  const last = path[path.length - 1]!;
  const named = INDEX.get(`${path.length}|${String(last)}`) ?? [];
  const wild = INDEX.get(`${path.length}|${typeof last === 'number' ? '[]' : '*'}`) ?? [];
  for (const [pat, rule] of [...named, ...wild]) if (matches(pat, path)) return rule;
  return undefined;
}

const WALKED = new Set(['services', 'networks', 'volumes', 'secrets', 'configs']);

export function canonicalizeTree(ctx: LoadContext, tree: Tree): void {
  for (const top of Object.keys(tree)) if (WALKED.has(top) && isMap(tree[top])) walk(ctx, tree[top] as Tree, [top]);
}

function walk(ctx: LoadContext, node: object, path: Path): void {
  const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
  for (const key of keys) {
    const p = [...path, key];
    const rec = node as Record<string | number, unknown>;
    const rule = ruleFor(p);
    if (rule) rec[key] = rule(ctx, rec[key], { parent: node, key, path: p, loc: ctx.src.key(node, key) });
    const v = rec[key];
    if (typeof v === 'object' && v !== null) walk(ctx, v, p);
  }
}

function withLoc<T extends object>(ctx: LoadContext, o: T, loc: Loc | undefined): T {
  ctx.src.setAll(o, loc);
  return o;
}

/** Maps a sequence item by item, keeping each item's position (and the sequence's). */
function mapItems(ctx: LoadContext, list: unknown[], f: (x: unknown, loc: Loc | undefined, i: number) => unknown): unknown[] {
  const out = list.map((x, i) => f(x, ctx.src.key(list, i), i));
  ctx.src.copy(list, out);
  return out;
}

function resource(ctx: LoadContext, v: unknown, at: At): unknown {
  if (v === null) return withLoc(ctx, {}, at.loc);
  // Legacy `external: {name: x}` means external with that name.
  if (isMap(v) && isMap(v.external)) {
    const n = v.external.name;
    v.external = true;
    if (typeof n === 'string' && v.name === undefined) v.name = n;
  }
  return v;
}

function envFile(ctx: LoadContext, v: unknown): unknown {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list)) return v;
  const out = list.map((e, i) => {
    const loc = ctx.src.key(list, i) ?? ctx.src.self(list);
    if (typeof e === 'string') return withLoc(ctx, { path: e, required: true }, loc);
    if (isMap(e) && e.required === undefined) e.required = true;
    return e;
  });
  ctx.src.copy(list, out);
  return out;
}

function ports(ctx: LoadContext, v: unknown, at: At): unknown {
  if (!Array.isArray(v)) return v;
  const out: unknown[] = [];
  v.forEach((p, i) => {
    const loc = ctx.src.key(v, i);
    const keep = (x: unknown) => {
      ctx.src.setKey(out, out.length, loc);
      out.push(x);
    };
    if (typeof p === 'string' && !ctx.interpolate && p.includes('$')) return keep(p); // not interpolated: as written
    if (typeof p === 'number' || typeof p === 'string') {
      const r = parsePortShort(String(p));
      if (typeof r === 'string') {
        ctx.diag.error('invalid-value', r, { loc, path: [...at.path, i] });
        return;
      }
      for (const x of r) keep(withLoc(ctx, x, loc));
      return;
    }
    if (isMap(p)) {
      if (typeof p.published === 'number') p.published = String(p.published);
      p.mode ??= 'ingress';
      p.protocol ??= 'tcp';
    }
    keep(p);
  });
  ctx.src.setSelf(out, ctx.src.self(v));
  return out;
}

function volumes(ctx: LoadContext, v: unknown, at: At): unknown {
  if (!Array.isArray(v)) return v;
  return mapItems(ctx, v, (x, loc, i) => {
    if (typeof x !== 'string' || (!ctx.interpolate && x.includes('$'))) return x;
    const r = parseVolumeShort(x);
    if (typeof r === 'string') {
      ctx.diag.error('invalid-value', r, { loc, path: [...at.path, i] });
      return x;
    }
    return withLoc(ctx, r, loc);
  });
}

function dependsOn(ctx: LoadContext, v: unknown): unknown {
  if (Array.isArray(v)) {
    const m: Tree = {};
    v.forEach((d, i) => {
      if (typeof d !== 'string') return;
      const loc = ctx.src.key(v, i);
      m[d] = withLoc(ctx, { condition: 'service_started', required: true }, loc);
      ctx.src.setKey(m, d, loc);
    });
    ctx.src.setSelf(m, ctx.src.self(v));
    return m;
  }
  if (isMap(v)) {
    for (const [k, d] of Object.entries(v)) {
      if (d === null) v[k] = withLoc(ctx, { condition: 'service_started', required: true }, ctx.src.key(v, k));
      else if (isMap(d)) {
        d.condition ??= 'service_started';
        d.required ??= true;
      }
    }
  }
  return v;
}

function serviceNetworks(ctx: LoadContext, v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  const m: Tree = {};
  v.forEach((n, i) => {
    if (typeof n !== 'string') return;
    m[n] = null;
    ctx.src.setKey(m, n, ctx.src.key(v, i));
  });
  ctx.src.setSelf(m, ctx.src.self(v));
  return m;
}

/** A watch rule may list several paths: it stands for one rule per path. */
function watchRules(_ctx: LoadContext, v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  return v.flatMap((w: unknown) => (isMap(w) && Array.isArray(w.path) ? w.path.map((p) => ({ ...w, path: p })) : [w]));
}

/** "SOURCE[:TARGET[:PERMISSIONS]]" → {source, target, permissions} (Compose's long form). */
function device(ctx: LoadContext, d: unknown, loc: Loc | undefined, path: Path): unknown {
  if (typeof d !== 'string') return d;
  const parts = d.split(':');
  if (parts.length > 3 || parts[0] === '') {
    ctx.diag.error('invalid-value', `confusing device mapping "${d}": use SOURCE[:TARGET[:PERMISSIONS]] or the long syntax`, { loc, path });
    return d;
  }
  return withLoc(ctx, { source: parts[0]!, target: parts[1] || parts[0]!, permissions: parts[2] ?? 'rwm' }, loc);
}

/**
 * A list of "KEY=VALUE" (or a mapping) as a mapping with string values. In `environment`
 * and `build.args` a bare `KEY` (or `KEY:` with no value) means "take it from the shell":
 * null until the environment pass resolves it.
 */
function toMap(ctx: LoadContext, v: unknown, path: Path, nullable: boolean): unknown {
  if (Array.isArray(v)) {
    const m: Tree = {};
    v.forEach((item, i) => {
      if (typeof item !== 'string' && typeof item !== 'number') return;
      const s = String(item);
      const eq = s.indexOf('=');
      const k = eq < 0 ? s : s.slice(0, eq);
      const val = eq < 0 ? (nullable ? null : '') : s.slice(eq + 1);
      if (k in m) ctx.diag.warn('duplicate-key', `"${k}" is set twice in ${path.join('.')}; the last value wins`, { loc: ctx.src.key(v, i), path: [...path, i] });
      m[k] = val;
      ctx.src.setKey(m, k, ctx.src.key(v, i));
    });
    ctx.src.setSelf(m, ctx.src.self(v));
    return m;
  }
  if (isMap(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === 'number' || typeof x === 'boolean') v[k] = String(x);
      else if (x === null && !nullable) v[k] = '';
    }
  }
  return v;
}

/** extra_hosts as a list of "host=ip" (Compose's canonical form; "host:ip" is accepted). */
function extraHosts(v: unknown): unknown {
  if (Array.isArray(v)) {
    return v.map((x) => {
      if (typeof x !== 'string' || x.includes('=')) return x;
      const i = x.indexOf(':');
      return i < 0 ? x : `${x.slice(0, i)}=${x.slice(i + 1)}`;
    });
  }
  if (isMap(v)) {
    const out: string[] = [];
    for (const [h, ip] of Object.entries(v)) for (const one of Array.isArray(ip) ? ip : [ip]) out.push(`${h}=${String(one)}`);
    return out;
  }
  return v;
}
