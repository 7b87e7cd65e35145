/**
 * planDown(): reconcile against an empty project. Works from labels alone (`down -p NAME`
 * without the file): containers stop dependants first (order from the project's depends_on
 * when the file is there, else from the depends_on labels), then are removed; then the
 * project's networks, and with -v its volumes; with --rmi its images.
 */
import type { Project } from '../model/types.js';
import { PlanBuilder } from './builder.js';
import { directDeps } from './deps.js';
import { stopTimeoutSeconds } from './durations.js';
import type { DownOptions, ObservedContainer, ObservedState, Plan } from './types.js';

export function planDown(project: Project | undefined, observed: ObservedState, options: DownOptions = {}): Plan {
  const b = new PlanBuilder(observed.project);
  const scoped = !!options.services?.length;
  const known = new Set(options.knownServices ?? []);
  const inProject = (c: ObservedContainer): boolean => !project || !!project.services[c.service] || known.has(c.service);
  let containers = observed.containers.filter((c) => (scoped ? options.services!.includes(c.service) : true));
  // --profile: only the services those profiles enable; the others' containers stay, quietly.
  if (options.profileScoped && project) containers = containers.filter((c) => !!project.services[c.service] || !known.has(c.service));
  if (!scoped && project && !options.removeOrphans) {
    const orphans = containers.filter((c) => !inProject(c) && !c.oneoff);
    if (orphans.length) b.warnings.push(`Found orphan containers ([${orphans.map((c) => c.name).sort().join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`);
    containers = containers.filter((c) => inProject(c) || c.oneoff);
  }
  containers.sort((a, c) => a.name.localeCompare(c.name));

  const dependsOn = (service: string): string[] => {
    const s = project?.services[service];
    if (s) return directDeps(s).map((d) => d.service);
    return observed.containers.find((c) => c.service === service)?.dependsOn ?? [];
  };
  // Which services depend on each service: their containers stop first.
  const dependants = new Map<string, Set<string>>();
  for (const c of containers) for (const d of dependsOn(c.service)) (dependants.get(d) ?? dependants.set(d, new Set()).get(d)!).add(c.service);

  const stopOf = new Map<string, string[]>(); // service → stop op ids
  const removes: string[] = [];
  const planned = new Set<string>();
  const visiting = new Set<string>();
  const visit = (service: string): void => {
    if (planned.has(service) || visiting.has(service)) return;
    visiting.add(service);
    const before = [...(dependants.get(service) ?? [])].sort();
    before.forEach(visit);
    const after = before.flatMap((d) => stopOf.get(d) ?? []);
    const ids: string[] = [];
    for (const c of containers.filter((x) => x.service === service)) {
      const cause = !inProject(c) && project ? 'orphan' : scoped ? 'service removed' : 'down';
      const timeout = options.timeout ?? stopTimeoutSeconds(project?.services[c.service]?.stop_grace_period);
      const deps = [...after];
      if (c.status === 'running' || c.status === 'paused' || c.status === 'restarting') {
        b.add({ kind: 'StopContainer', id: `stop:${c.name}`, service: c.service, name: c.name, containerId: c.id, timeout, cause, after });
        ids.push(`stop:${c.name}`);
        deps.push(`stop:${c.name}`);
      }
      removes.push(b.add({ kind: 'RemoveContainer', id: `remove:${c.name}`, service: c.service, name: c.name, containerId: c.id, volumes: !!options.volumes, cause, after: deps }).id);
    }
    // No running container here: what waits on this service waits on its dependants instead,
    // so the order holds across a stopped job in the middle of a chain.
    stopOf.set(service, ids.length ? ids : after);
    visiting.delete(service);
    planned.add(service);
  };
  [...new Set(containers.map((c) => c.service))].sort().forEach(visit);

  if (scoped) return b.build();
  for (const n of [...observed.networks].sort((x, y) => x.name.localeCompare(y.name))) {
    b.add({ kind: 'RemoveNetwork', id: `network:${n.name}`, name: n.name, cause: 'down', after: removes });
  }
  if (options.volumes) {
    for (const v of [...observed.volumes].sort((x, y) => x.name.localeCompare(y.name))) {
      b.add({ kind: 'RemoveVolume', id: `volume:${v.name}`, name: v.name, cause: v.anonymous ? 'down -v (anonymous volume)' : 'down -v', after: removes });
    }
  }
  if (options.rmi) {
    const refs = new Set<string>();
    const services = project ? Object.keys(project.services) : [...new Set(observed.containers.map((c) => c.service))];
    for (const s of services) {
      const given = project?.services[s]?.image;
      const builtName = `${observed.project}-${s}`;
      const ref = given ?? observed.containers.find((c) => c.service === s)?.image ?? builtName;
      if (options.rmi === 'all' && ref) refs.add(ref);
      // local: only images without a custom tag, i.e. the ones berth named after the service.
      if (options.rmi === 'local' && (project ? !given : ref === builtName)) refs.add(builtName);
    }
    for (const r of [...refs].sort()) b.add({ kind: 'RemoveImage', id: `image:${r}`, image: r, cause: `--rmi ${options.rmi}`, after: removes });
  }
  return b.build();
}
