/**
 * Pass "interpolate": substitutes variables in every string value of one file (keys are
 * never interpolated), then converts the values of typed fields (numbers, booleans) that are
 * strings, because a value like `${REPLICAS}` is only a number after substitution and the
 * schema checks types. Runs per file, before merging, as Compose does.
 */
import { isObj, type LoadContext, type Path, type Tree } from './context.js';
import { matches, pattern } from './pattern.js';
import { substitute } from './template.js';
import { normalizeProjectName } from './name.js';

type Cast = 'int' | 'float' | 'bool' | 'number-or-string' | 'filemode';

/** Which fields are converted after interpolation (compose-go's list, by path pattern). */
const CASTS: [string, Cast][] = [
  ['services.*.cpu_count', 'int'],
  ['services.*.cpu_percent', 'float'],
  ['services.*.cpu_period', 'int'],
  ['services.*.cpu_quota', 'int'],
  ['services.*.cpu_rt_period', 'int'],
  ['services.*.cpu_rt_runtime', 'int'],
  ['services.*.cpus', 'float'],
  ['services.*.cpu_shares', 'int'],
  ['services.*.init', 'bool'],
  ['services.*.mem_swappiness', 'int'],
  ['services.*.oom_kill_disable', 'bool'],
  ['services.*.oom_score_adj', 'int'],
  ['services.*.pids_limit', 'int'],
  ['services.*.privileged', 'bool'],
  ['services.*.read_only', 'bool'],
  ['services.*.scale', 'int'],
  ['services.*.stdin_open', 'bool'],
  ['services.*.tty', 'bool'],
  ['services.*.deploy.replicas', 'int'],
  ['services.*.deploy.update_config.parallelism', 'int'],
  ['services.*.deploy.update_config.max_failure_ratio', 'float'],
  ['services.*.deploy.rollback_config.parallelism', 'int'],
  ['services.*.deploy.rollback_config.max_failure_ratio', 'float'],
  ['services.*.deploy.restart_policy.max_attempts', 'int'],
  ['services.*.deploy.placement.max_replicas_per_node', 'int'],
  ['services.*.deploy.resources.limits.pids', 'int'],
  ['services.*.deploy.resources.limits.cpus', 'float'],
  ['services.*.deploy.resources.reservations.cpus', 'float'],
  ['services.*.healthcheck.retries', 'int'],
  ['services.*.healthcheck.disable', 'bool'],
  ['services.*.ports.[].target', 'int'],
  // compose-go's FileMode reads a string as octal ("0440" and "440" are 288).
  ['services.*.secrets.[].mode', 'filemode'],
  ['services.*.configs.[].mode', 'filemode'],
  ['services.*.build.secrets.[].mode', 'filemode'],
  ['services.*.ulimits.*', 'int'],
  ['services.*.ulimits.*.hard', 'int'],
  ['services.*.ulimits.*.soft', 'int'],
  ['services.*.volumes.[].read_only', 'bool'],
  ['services.*.volumes.[].volume.nocopy', 'bool'],
  ['services.*.volumes.[].bind.create_host_path', 'bool'],
  ['services.*.volumes.[].tmpfs.mode', 'int'],
  ['services.*.depends_on.*.required', 'bool'],
  ['services.*.depends_on.*.restart', 'bool'],
  ['services.*.build.no_cache', 'bool'],
  ['services.*.build.pull', 'bool'],
  ['services.*.build.privileged', 'bool'],
  ['services.*.networks.*.priority', 'int'],
  ['services.*.networks.*.gw_priority', 'int'],
  ['services.*.develop.watch.[].initial_sync', 'bool'],
  ['networks.*.external', 'bool'],
  ['networks.*.internal', 'bool'],
  ['networks.*.attachable', 'bool'],
  ['networks.*.enable_ipv6', 'bool'],
  ['networks.*.enable_ipv4', 'bool'],
  ['volumes.*.external', 'bool'],
  ['secrets.*.external', 'bool'],
  ['configs.*.external', 'bool'],
];
/** Patterns by their last segment: most values are not typed, and this finds that in one lookup. */
const CAST_BY_LAST = new Map<string, [string[], Cast][]>();
for (const [p, c] of CASTS) {
  const pat = pattern(p);
  const last = pat[pat.length - 1]!;
  const list = CAST_BY_LAST.get(last) ?? [];
  list.push([pat, c]);
  CAST_BY_LAST.set(last, list);
}

export function interpolateTree(ctx: LoadContext, tree: Tree): void {
  // COMPOSE_PROJECT_NAME is defined for interpolation even when the user did not set it
  // (Compose does the same): -p, else this file's `name:` (interpolated first), else the
  // project directory's name.
  if (ctx.vars.COMPOSE_PROJECT_NAME === undefined && typeof tree.name === 'string') {
    const n = interpolateString(ctx, tree.name, tree, 'name', ['name']);
    tree.name = n;
    if (n) ctx.implicitProjectName = normalizeProjectName(n);
  }
  walk(ctx, tree, []);
}

function walk(ctx: LoadContext, node: object, path: Path): void {
  const entries: [string | number, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
  for (const [k, v] of entries) {
    const p = [...path, k];
    if (typeof v === 'string') {
      let out: unknown = interpolateString(ctx, v, node, k, p);
      // Without interpolation a "${X}" stays as written: there is nothing to convert yet.
      if (typeof out === 'string' && (ctx.interpolate || !out.includes('$'))) out = cast(ctx, out, node, k, p);
      (node as Record<string | number, unknown>)[k] = out;
    } else if (isObj(v)) walk(ctx, v, p);
  }
}

export function interpolateString(ctx: LoadContext, v: string, parent: object, key: string | number, path: Path): string {
  if (!v.includes('$')) return v;
  const lookup = (name: string) => ctx.vars[name] ?? (name === 'COMPOSE_PROJECT_NAME' ? ctx.implicitProjectName : undefined);
  const r = substitute(v, lookup);
  for (const ref of r.refs) {
    const use = ctx.variables.get(ref.name) ?? { name: ref.name, required: false };
    use.required ||= ref.required;
    if (ref.defaultValue !== undefined) use.defaultValue ??= ref.defaultValue;
    if (ref.alternateValue !== undefined) use.alternateValue ??= ref.alternateValue;
    const val = lookup(ref.name);
    if (val !== undefined) use.value = val;
    ctx.variables.set(ref.name, use);
  }
  // Without interpolation the refs are only recorded (for `config --variables`).
  if (!ctx.interpolate) return v;
  const loc = ctx.src.key(parent, key);
  for (const name of r.unset) {
    if (ctx.warnedUnset.has(name)) continue;
    ctx.warnedUnset.add(name);
    ctx.diag.warn('unset-variable', `the "${name}" variable is not set; defaulting to a blank string`, { loc, path });
  }
  if (!r.ok) {
    if (r.error === 'required') ctx.diag.error('required-variable', r.message, { loc, path, hint: `set ${r.name} in the shell or in the .env file` });
    else ctx.diag.error('interpolation', r.message, { loc, path, hint: 'write "$$" for a literal "$"' });
    return v;
  }
  return r.value;
}

function cast(ctx: LoadContext, v: string, parent: object, key: string | number, path: Path): unknown {
  if (path[0] !== 'services' && path[0] !== 'networks' && path[0] !== 'volumes' && path[0] !== 'secrets' && path[0] !== 'configs') return v;
  const last = path[path.length - 1]!;
  const candidates = [...(CAST_BY_LAST.get(String(last)) ?? []), ...(typeof last === 'string' ? (CAST_BY_LAST.get('*') ?? []) : [])];
  const hit = candidates.find(([p]) => matches(p, path));
  if (!hit) return v;
  const s = v.trim();
  const fail = (what: string) => {
    ctx.diag.error('type', `${path.join('.')} must be ${what}, got "${v}"`, { loc: ctx.src.key(parent, key), path });
    return v;
  };
  switch (hit[1]) {
    case 'int':
      if (/^[-+]?\d+$/.test(s)) return parseInt(s, 10);
      // ulimits accept "unlimited"? Compose requires numbers; -1 is unlimited.
      return fail('an integer');
    case 'filemode':
      if (/^0?[0-7]+$/.test(s)) return parseInt(s, 8);
      if (/^0o[0-7]+$/i.test(s)) return parseInt(s.slice(2), 8);
      return fail('a file mode such as "0440"');
    case 'float':
      if (/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Number(s);
      return fail('a number');
    case 'bool': {
      const l = s.toLowerCase();
      if (['true', 'yes', 'y', 'on', '1'].includes(l)) return true;
      if (['false', 'no', 'n', 'off', '0'].includes(l)) return false;
      return fail('a boolean');
    }
    default:
      return v;
  }
}
