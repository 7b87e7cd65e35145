/**
 * Pass "canonical": short syntaxes become the long forms `docker compose config` prints
 * (ports, volumes, depends_on, secrets, configs, env_file, environment/labels as maps,
 * command/entrypoint as argv arrays, ...). Runs per file, after validation and before
 * merging, so the merge rules can key sequences (volumes by target, ports by
 * ip/target/published/protocol) whatever syntax each file used.
 * Shapes the schema already rejected are left alone (their error is reported).
 */
import { isMap, type LoadContext, type Loc, type Path, type Tree } from './context.js';
import { parsePortShort, parseVolumeShort } from './shortsyntax.js';
import { splitShellWords } from './shellwords.js';

export function canonicalizeTree(ctx: LoadContext, tree: Tree): void {
  const services = tree.services;
  if (isMap(services)) {
    for (const [name, svc] of Object.entries(services)) {
      if (svc === null) {
        const empty = {};
        ctx.src.setSelf(empty, ctx.src.key(services, name));
        services[name] = empty;
        continue;
      }
      if (isMap(svc)) canonicalService(ctx, svc, ['services', name]);
    }
  }
  for (const kind of ['networks', 'volumes', 'secrets', 'configs'] as const) {
    const m = tree[kind];
    if (!isMap(m)) continue;
    for (const [k, v] of Object.entries(m)) {
      if (v === null) m[k] = {};
      else if (isMap(v)) {
        // Legacy `external: {name: x}` means external with that name.
        if (isMap(v.external)) {
          const n = v.external.name;
          v.external = true;
          if (typeof n === 'string' && v.name === undefined) v.name = n;
        }
        if (v.labels !== undefined) v.labels = toMap(ctx, v, 'labels', [kind, k, 'labels']);
        if (isMap(v.driver_opts)) for (const [ok, ov] of Object.entries(v.driver_opts)) if (typeof ov === 'number' || typeof ov === 'boolean') v.driver_opts[ok] = String(ov);
      }
    }
  }
}

function canonicalService(ctx: LoadContext, s: Tree, path: Path): void {
  const loc = (k: string) => ctx.src.key(s, k);
  if (typeof s.build === 'string') {
    s.build = { context: s.build };
    ctx.src.setAll(s.build as object, loc('build'));
  }
  if (isMap(s.build)) {
    const b = s.build;
    for (const k of ['args', 'labels', 'additional_contexts']) if (b[k] !== undefined) b[k] = toMap(ctx, b, k, [...path, 'build', k], k === 'args');
    for (const k of ['cache_from', 'cache_to', 'tags', 'platforms', 'ssh']) if (typeof b[k] === 'string') b[k] = [b[k]];
    if (Array.isArray(b.secrets)) b.secrets = b.secrets.map((x) => (typeof x === 'string' ? { source: x } : x));
    if (b.extra_hosts !== undefined) b.extra_hosts = extraHosts(b.extra_hosts);
  }
  for (const k of ['command', 'entrypoint']) {
    if (typeof s[k] === 'string') s[k] = words(ctx, s[k] as string, loc(k), [...path, k]);
  }
  for (const k of ['environment', 'labels', 'annotations', 'sysctls']) {
    if (s[k] !== undefined && s[k] !== null) s[k] = toMap(ctx, s, k, [...path, k], k === 'environment');
  }
  if (isMap(s.sysctls)) for (const [k, v] of Object.entries(s.sysctls)) if (typeof v === 'boolean') s.sysctls[k] = String(v);
  if (Array.isArray(s.devices)) s.devices = s.devices.map((d, i) => device(ctx, d, ctx.src.key(s.devices, i), [...path, 'devices', i]));
  for (const k of ['dns', 'dns_search', 'dns_opt', 'tmpfs', 'cap_add', 'cap_drop', 'security_opt', 'expose', 'external_links', 'links', 'group_add', 'profiles', 'label_file']) {
    if (typeof s[k] === 'string' || typeof s[k] === 'number') s[k] = [s[k]];
    if (Array.isArray(s[k]) && (k === 'expose' || k === 'group_add')) s[k] = (s[k] as unknown[]).map((x) => (typeof x === 'number' ? String(x) : x));
  }
  if (s.env_file !== undefined && s.env_file !== null) {
    const list = typeof s.env_file === 'string' ? [s.env_file] : Array.isArray(s.env_file) ? s.env_file : null;
    if (list) {
      const out = list.map((e) => {
        if (typeof e === 'string') return { path: e, required: true };
        if (isMap(e)) return { ...e, required: e.required ?? true };
        return e;
      });
      ctx.src.copy(list, out);
      out.forEach((o, i) => isMap(o) && ctx.src.setAll(o, ctx.src.key(list, i)));
      s.env_file = out;
    }
  }
  if (s.extra_hosts !== undefined) s.extra_hosts = extraHosts(s.extra_hosts);
  if (Array.isArray(s.ports)) {
    const out: unknown[] = [];
    const srcList = s.ports;
    srcList.forEach((p, i) => {
      const at = ctx.src.key(srcList, i);
      if (typeof p === 'string' && !ctx.interpolate && p.includes('$')) {
        ctx.src.setKey(out, out.length, at);
        out.push(p); // not interpolated: kept as written
      } else if (typeof p === 'number' || typeof p === 'string') {
        const r = parsePortShort(String(p));
        if (typeof r === 'string') {
          ctx.diag.error('invalid-value', r, { loc: at, path: [...path, 'ports', i] });
          return;
        }
        for (const x of r) {
          ctx.src.setAll(x, at);
          ctx.src.setKey(out, out.length, at);
          out.push(x);
        }
      } else if (isMap(p)) {
        if (typeof p.published === 'number') p.published = String(p.published);
        p.mode ??= 'ingress';
        p.protocol ??= 'tcp';
        ctx.src.setKey(out, out.length, at);
        out.push(p);
      } else out.push(p);
    });
    ctx.src.setSelf(out, ctx.src.self(srcList));
    s.ports = out;
  }
  if (Array.isArray(s.volumes)) {
    const list = s.volumes;
    s.volumes = list.map((v, i) => {
      if (typeof v !== 'string' || (!ctx.interpolate && v.includes('$'))) return v;
      const r = parseVolumeShort(v);
      if (typeof r === 'string') {
        ctx.diag.error('invalid-value', r, { loc: ctx.src.key(list, i), path: [...path, 'volumes', i] });
        return v;
      }
      ctx.src.setAll(r, ctx.src.key(list, i));
      return r;
    });
    ctx.src.copy(list, s.volumes as object);
  }
  if (Array.isArray(s.depends_on)) {
    const list = s.depends_on;
    const m: Tree = {};
    list.forEach((d, i) => {
      if (typeof d !== 'string') return;
      m[d] = { condition: 'service_started', required: true };
      ctx.src.setKey(m, d, ctx.src.key(list, i));
      ctx.src.setAll(m[d] as object, ctx.src.key(list, i));
    });
    ctx.src.setSelf(m, ctx.src.self(list));
    s.depends_on = m;
  } else if (isMap(s.depends_on)) {
    for (const [k, d] of Object.entries(s.depends_on)) {
      if (d === null) s.depends_on[k] = { condition: 'service_started', required: true };
      else if (isMap(d)) {
        d.condition ??= 'service_started';
        d.required ??= true;
      }
    }
  }
  if (Array.isArray(s.networks)) {
    const list = s.networks;
    const m: Tree = {};
    list.forEach((n, i) => {
      if (typeof n !== 'string') return;
      m[n] = null;
      ctx.src.setKey(m, n, ctx.src.key(list, i));
    });
    ctx.src.setSelf(m, ctx.src.self(list));
    s.networks = m;
  } else if (isMap(s.networks)) {
    for (const v of Object.values(s.networks)) {
      if (isMap(v) && typeof v.aliases === 'string') v.aliases = [v.aliases];
    }
  }
  for (const k of ['secrets', 'configs']) {
    const list = s[k];
    if (!Array.isArray(list)) continue;
    s[k] = list.map((x, i) => {
      if (typeof x !== 'string') return x;
      const o = { source: x };
      ctx.src.setAll(o, ctx.src.key(list, i));
      return o;
    });
    ctx.src.copy(list, s[k] as object);
  }
  if (isMap(s.healthcheck)) {
    const h = s.healthcheck;
    if (typeof h.test === 'string') h.test = ['CMD-SHELL', h.test];
  }
  for (const hook of ['post_start', 'pre_stop']) {
    const list = s[hook];
    if (!Array.isArray(list)) continue;
    for (const h of list) {
      if (isMap(h) && typeof h.command === 'string') h.command = words(ctx, h.command, ctx.src.key(h, 'command'), [...path, hook, 'command']);
      if (isMap(h) && h.environment !== undefined) h.environment = toMap(ctx, h, 'environment', [...path, hook, 'environment'], true);
    }
  }
  if (isMap(s.develop) && Array.isArray(s.develop.watch)) {
    // A rule may list several paths: it stands for one rule per path.
    const rules = s.develop.watch.flatMap((w: unknown) => (isMap(w) && Array.isArray(w.path) ? w.path.map((p) => ({ ...w, path: p })) : [w]));
    s.develop.watch = rules;
    for (const w of rules) {
      if (!isMap(w)) continue;
      if (typeof w.ignore === 'string') w.ignore = [w.ignore];
      if (typeof w.include === 'string') w.include = [w.include];
      if (isMap(w.exec) && typeof w.exec.command === 'string') w.exec.command = words(ctx, w.exec.command, ctx.src.key(w.exec, 'command'), path);
    }
  }
  if (isMap(s.logging) && isMap(s.logging.options)) {
    for (const [k, v] of Object.entries(s.logging.options)) if (typeof v === 'number' || typeof v === 'boolean') s.logging.options[k] = String(v);
  }
  if (isMap(s.deploy) && s.deploy.labels !== undefined) s.deploy.labels = toMap(ctx, s.deploy, 'labels', [...path, 'deploy', 'labels']);
}

function words(ctx: LoadContext, text: string, loc: Loc | undefined, path: Path): string[] | string {
  const w = splitShellWords(text);
  if (!w) {
    ctx.diag.error('invalid-value', `unterminated quote in "${text}"`, { loc, path });
    return text;
  }
  return w;
}

/**
 * A list of "KEY=VALUE" (or a mapping) as a mapping with string values. In `environment`
 * and `build.args` a bare `KEY` (or `KEY:` with no value) means "take it from the shell":
 * null until the environment pass resolves it.
 */
function toMap(ctx: LoadContext, parent: Tree, key: string, path: Path, nullable = false): unknown {
  const v = parent[key];
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
    return v;
  }
  return v;
}

/** "SOURCE[:TARGET[:PERMISSIONS]]" → {source, target, permissions} (Compose's long form). */
function device(ctx: LoadContext, d: unknown, loc: Loc | undefined, path: Path): unknown {
  if (typeof d !== 'string') return d;
  const parts = d.split(':');
  if (parts.length > 3 || parts[0] === '') {
    ctx.diag.error('invalid-value', `confusing device mapping "${d}": use SOURCE[:TARGET[:PERMISSIONS]] or the long syntax`, { loc, path });
    return d;
  }
  const o = { source: parts[0]!, target: parts[1] || parts[0]!, permissions: parts[2] ?? 'rwm' };
  ctx.src.setAll(o, loc);
  return o;
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
