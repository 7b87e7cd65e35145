import type { Project, Service } from './types.js';

export type DependencyKind = 'depends_on' | 'links' | 'volumes_from' | 'network_mode' | 'ipc' | 'pid' | 'uts' | 'cgroup' | 'extends';

export interface ServiceDependency {
  service: string;
  kind: DependencyKind;
}

/** serviceDependencies lists the other services `s` needs started first, and why (one entry per service). */
export function serviceDependencies(s: Service): ServiceDependency[] {
  const out: ServiceDependency[] = [];
  const strings = (xs: unknown): string[] => (Array.isArray(xs) ? xs.filter((x): x is string => typeof x === 'string') : []);
  for (const l of strings(s.links)) out.push({ service: l.split(':')[0]!, kind: 'links' });
  for (const v of strings(s.volumes_from)) {
    if (v.startsWith('container:')) continue;
    const name = v.startsWith('service:') ? v.slice(8) : v;
    out.push({ service: name.split(':')[0]!, kind: 'volumes_from' });
  }
  for (const key of ['network_mode', 'ipc', 'pid', 'uts', 'cgroup'] as const) {
    const v = s[key];
    if (typeof v === 'string' && v.startsWith('service:')) out.push({ service: v.slice(8), kind: key as DependencyKind });
  }
  // depends_on last: the loader copies the other kinds into depends_on, and a message
  // should name the attribute the user wrote.
  if (s.depends_on && typeof s.depends_on === 'object' && !Array.isArray(s.depends_on)) for (const d of Object.keys(s.depends_on)) out.push({ service: d, kind: 'depends_on' });
  const seen = new Set<string>();
  return out.filter((d) => !seen.has(d.service) && !!seen.add(d.service));
}

/**
 * findCycle returns the first dependency cycle as a list of service names, the first name
 * repeated at the end (`['a', 'b', 'a']`), or undefined. Walks services in sorted order so
 * the same project always reports the same cycle.
 */
export function findCycle(project: Project): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const names = Object.keys(project.services).sort();
  const visit = (n: string): string[] | undefined => {
    state.set(n, 'visiting');
    stack.push(n);
    const deps = [...new Set(serviceDependencies(project.services[n]!).map((d) => d.service))].filter((d) => d in project.services).sort();
    for (const d of deps) {
      const st = state.get(d);
      if (st === 'visiting') return [...stack.slice(stack.indexOf(d)), d];
      if (st === undefined) {
        const c = visit(d);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of names) {
    if (state.has(n)) continue;
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}
