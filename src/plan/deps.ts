/**
 * A service's direct dependencies, from depends_on and from the implicit edges Compose
 * draws: sharing a namespace (network_mode/ipc/pid `service:x`), volumes_from and links.
 */
import type { Project, Service } from '../model/types.js';

export interface Dependency {
  service: string;
  condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
  required: boolean;
  restart: boolean;
  /** The dependant shares a namespace or volumes with it: recreate along, start after. */
  shares?: 'network' | 'ipc' | 'pid' | 'volumes';
}

function serviceRef(v: string | undefined): string | undefined {
  return v?.startsWith('service:') ? v.slice('service:'.length) : undefined;
}

export function directDeps(s: Service): Dependency[] {
  const out = new Map<string, Dependency>();
  for (const [name, d] of Object.entries(s.depends_on ?? {})) {
    out.set(name, { service: name, condition: d.condition ?? 'service_started', required: d.required !== false, restart: !!d.restart });
  }
  const share = (name: string | undefined, what: Dependency['shares']): void => {
    if (!name) return;
    const prev = out.get(name);
    out.set(name, { service: name, condition: prev?.condition ?? 'service_started', required: prev?.required ?? true, restart: prev?.restart ?? false, shares: what });
  };
  share(serviceRef(s.network_mode), 'network');
  share(serviceRef(s.ipc), 'ipc');
  share(serviceRef(s.pid), 'pid');
  for (const vf of s.volumes_from ?? []) {
    const parts = vf.split(':');
    if (parts[0] === 'container') continue;
    share(parts[0] === 'service' ? parts[1] : parts[0], 'volumes');
  }
  for (const l of s.links ?? []) {
    const name = l.split(':')[0]!;
    if (!out.has(name)) out.set(name, { service: name, condition: 'service_started', required: true, restart: false });
  }
  return [...out.values()].sort((a, b) => a.service.localeCompare(b.service));
}

/** The named services plus everything they depend on, transitively (dependencies missing from the project are skipped). */
export function withDependencies(project: Project, names: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (n: string): void => {
    if (seen.has(n) || !project.services[n]) return;
    seen.add(n);
    for (const d of directDeps(project.services[n]!)) visit(d.service);
  };
  names.forEach(visit);
  return seen;
}

/** Services in dependency order (dependencies first), ties by name; a cycle falls back to name order. */
export function dependencyOrder(project: Project): string[] {
  const names = Object.keys(project.services).sort();
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: string[] = [];
  const visit = (n: string): void => {
    if (done.has(n) || visiting.has(n) || !project.services[n]) return;
    visiting.add(n);
    for (const d of directDeps(project.services[n]!)) visit(d.service);
    visiting.delete(n);
    done.add(n);
    out.push(n);
  };
  names.forEach(visit);
  return out;
}
