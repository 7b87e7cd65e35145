import type { Project, Service } from './types.js';
import { serviceDependencies } from './deps.js';

/**
 * withProfiles returns a copy of `project` holding only the services that are enabled:
 * those without `profiles`, those with a profile in `active` (`*` enables all), and those in
 * `explicit` (named on the command line) together with everything they depend on.
 * Networks, volumes, secrets and configs are kept: they are always active.
 */
export function withProfiles(project: Project, active: string[], explicit: string[] = []): Project {
  const enabled = enabledServices(project, active, explicit);
  const services: Record<string, Service> = {};
  for (const name of Object.keys(project.services)) if (enabled.has(name)) services[name] = project.services[name]!;
  return { ...project, services };
}

export function isServiceActive(service: Service, active: string[]): boolean {
  const p = service.profiles;
  if (!p || p.length === 0) return true;
  if (active.includes('*')) return true;
  return p.some((x) => active.includes(x));
}

export function enabledServices(project: Project, active: string[], explicit: string[] = []): Set<string> {
  const enabled = new Set<string>();
  for (const [name, s] of Object.entries(project.services)) if (isServiceActive(s, active)) enabled.add(name);
  const stack = explicit.filter((n) => n in project.services);
  while (stack.length) {
    const n = stack.pop()!;
    if (enabled.has(n) && !explicit.includes(n)) continue;
    enabled.add(n);
    const s = project.services[n]!;
    for (const { service: dep } of serviceDependencies(s)) if (dep in project.services && !enabled.has(dep)) stack.push(dep);
  }
  return enabled;
}

/** Every profile named by some service, sorted. */
export function allProfiles(project: Project): string[] {
  const set = new Set<string>();
  for (const s of Object.values(project.services)) for (const p of s.profiles ?? []) set.add(p);
  return [...set].sort();
}

/** withSelectedServices returns a copy of `project` holding `names` and everything they depend on (depends_on, links, volumes_from, service: modes). */
export function withSelectedServices(project: Project, names: string[]): Project {
  const keep = new Set<string>();
  const stack = names.filter((n) => n in project.services);
  while (stack.length) {
    const n = stack.pop()!;
    if (keep.has(n)) continue;
    keep.add(n);
    for (const d of serviceDependencies(project.services[n]!)) if (d.service in project.services) stack.push(d.service);
  }
  const services: Record<string, Service> = {};
  for (const n of Object.keys(project.services)) if (keep.has(n)) services[n] = project.services[n]!;
  return { ...project, services };
}
