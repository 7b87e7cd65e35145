/**
 * Pass "consistency": cross-references and values the schema cannot check. Every service
 * named by depends_on, links, volumes_from, network_mode/ipc/pid `service:` exists; every
 * network, named volume, secret and config a service uses is defined at the top level;
 * durations and sizes parse; a service has an image or a build; and there is no dependency
 * cycle (reported once, deterministically, as `a -> b -> a`).
 */
import type { Project, Service } from '../model/types.js';
import { findCycle } from '../model/deps.js';
import { parseDuration, parseSize } from '../model/units.js';
import { isMap, type LoadContext, type Path } from './context.js';

export function checkConsistency(ctx: LoadContext, project: Project, allServices: Set<string>): void {
  const at = (s: object, path: Path, ...keys: (string | number)[]) => {
    let loc = ctx.src.self(s);
    let node: unknown = s;
    for (const k of keys) {
      if (!isMap(node) && !Array.isArray(node)) break;
      loc = ctx.src.key(node, k) ?? loc;
      node = (node as Record<string | number, unknown>)[k];
    }
    return { loc, path: [...path, ...keys] };
  };
  for (const name of Object.keys(project.services).sort()) {
    const s = project.services[name]!;
    const base: Path = ['services', name];
    for (const ref of references(ctx, s)) {
      if (!allServices.has(ref.service)) {
        ctx.diag.error('undefined-reference', `service "${name}" refers to undefined service "${ref.service}" in ${ref.keys[0]}`, at(s, base, ...ref.keys));
      }
    }
    for (const net of Object.keys(s.networks ?? {})) {
      if (!project.networks || !(net in project.networks)) {
        ctx.diag.error('undefined-reference', `service "${name}" refers to undefined network "${net}"`, {
          ...at(s, base, 'networks', net),
          hint: `define it under the top-level "networks:"`,
        });
      }
    }
    (s.volumes ?? []).forEach((v, i) => {
      if (!isMap(v)) return;
      if (typeof v.target !== 'string' || v.target === '') {
        ctx.diag.error('invalid-value', `volumes[${i}] of service "${name}" has no target (the path inside the container)`, at(s, base, 'volumes', i));
      }
      if (v.type === 'bind' && !v.source) ctx.diag.error('invalid-value', `volumes[${i}] of service "${name}" is a bind mount without a source`, at(s, base, 'volumes', i));
      if (v.type === 'volume' && v.source && (!project.volumes || !(v.source in project.volumes))) {
        ctx.diag.error('undefined-reference', `service "${name}" refers to undefined volume "${v.source}"`, {
          ...at(s, base, 'volumes', i),
          hint: `define it under the top-level "volumes:", or write a path ("./${v.source}") for a bind mount`,
        });
      }
    });
    for (const kind of ['secrets', 'configs'] as const) {
      (s[kind] ?? []).forEach((r, i) => {
        if (isMap(r) && typeof r.source === 'string' && !(project[kind] && r.source in project[kind]!)) {
          ctx.diag.error('undefined-reference', `service "${name}" refers to undefined ${kind.slice(0, -1)} "${r.source}"`, at(s, base, kind, i));
        }
      });
    }
    // A `provider` service (run by a plugin, not from an image) needs neither, as in compose-go.
    const provider = (s as unknown as Record<string, unknown>).provider;
    if (s.image === undefined && s.build === undefined && provider === undefined && !ctx.broken.has(name)) {
      ctx.diag.error('invalid-value', `service "${name}" has neither an image nor a build context specified`, { ...at(s, base), hint: 'add "image:" or "build:"' });
    }
    checkUnits(ctx, s, base, at);
  }
  const cycle = findCycle(project);
  if (cycle) {
    const first = project.services[cycle[0]!]!;
    ctx.diag.error('dependency-cycle', `dependency cycle detected: ${cycle.join(' -> ')}`, at(first, ['services', cycle[0]!], 'depends_on'));
  }
}

/**
 * Every service named by `s`, once per place the user wrote it (depends_on entries the
 * loader added for links & co. have no position and are skipped: their origin is reported).
 */
function references(ctx: LoadContext, s: Service): { service: string; keys: (string | number)[] }[] {
  const out: { service: string; keys: (string | number)[] }[] = [];
  if (isMap(s.depends_on)) for (const d of Object.keys(s.depends_on)) if (ctx.src.key(s.depends_on, d)) out.push({ service: d, keys: ['depends_on', d] });
  const list = (kind: 'links' | 'volumes_from', name: (x: string) => string | undefined) => {
    const v = s[kind];
    if (Array.isArray(v)) v.forEach((x, i) => typeof x === 'string' && name(x) !== undefined && out.push({ service: name(x)!, keys: [kind, i] }));
  };
  list('links', (x) => x.split(':')[0]);
  list('volumes_from', (x) => (x.startsWith('container:') ? undefined : (x.startsWith('service:') ? x.slice(8) : x).split(':')[0]));
  for (const kind of ['network_mode', 'ipc', 'pid', 'uts', 'cgroup']) {
    const v = (s as Record<string, unknown>)[kind];
    if (typeof v === 'string' && v.startsWith('service:')) out.push({ service: v.slice(8), keys: [kind] });
  }
  return out;
}

type At = (s: object, path: Path, ...keys: (string | number)[]) => { loc: ReturnType<LoadContext['src']['key']>; path: Path };

const DURATIONS: string[][] = [
  ['healthcheck', 'interval'],
  ['healthcheck', 'timeout'],
  ['healthcheck', 'start_period'],
  ['healthcheck', 'start_interval'],
  ['stop_grace_period'],
  ['deploy', 'restart_policy', 'delay'],
  ['deploy', 'restart_policy', 'window'],
  ['deploy', 'update_config', 'delay'],
  ['deploy', 'update_config', 'monitor'],
  ['deploy', 'rollback_config', 'delay'],
  ['deploy', 'rollback_config', 'monitor'],
];
const SIZES: string[][] = [['shm_size'], ['mem_limit'], ['memswap_limit'], ['mem_reservation'], ['build', 'shm_size'], ['deploy', 'resources', 'limits', 'memory'], ['deploy', 'resources', 'reservations', 'memory']];

function get(s: Service, keys: string[]): unknown {
  let v: unknown = s;
  for (const k of keys) v = isMap(v) ? v[k] : undefined;
  return v;
}

function checkUnits(ctx: LoadContext, s: Service, base: Path, at: At): void {
  for (const keys of DURATIONS) {
    const v = get(s, keys);
    if (v === undefined || v === null || (typeof v === 'string' && !ctx.interpolate && v.includes('$'))) continue;
    if ((typeof v !== 'string' && typeof v !== 'number') || parseDuration(v) === undefined) {
      ctx.diag.error('invalid-value', `${[...base, ...keys].join('.')}: "${String(v)}" is not a duration (write e.g. "30s", "1m30s", "500ms")`, at(s, base, ...keys));
    }
  }
  for (const keys of SIZES) {
    const v = get(s, keys);
    if (v === undefined || v === null || (typeof v === 'string' && !ctx.interpolate && v.includes('$'))) continue;
    // -1 is "unlimited" for memswap_limit, which compose-go reads as any byte count.
    if (keys[0] === 'memswap_limit' && String(v).trim() === '-1') continue;
    if ((typeof v !== 'string' && typeof v !== 'number') || parseSize(v) === undefined) {
      ctx.diag.error('invalid-value', `${[...base, ...keys].join('.')}: "${String(v)}" is not a size (write e.g. "512m", "1g", or bytes)`, at(s, base, ...keys));
    }
  }
  (s.volumes ?? []).forEach((v, i) => {
    const size = isMap(v) && isMap(v.tmpfs) ? v.tmpfs.size : undefined;
    if (size !== undefined && (typeof size !== 'string' && typeof size !== 'number' || parseSize(size) === undefined)) {
      ctx.diag.error('invalid-value', `"${String(size)}" is not a size`, at(s, base, 'volumes', i));
    }
  });
}
