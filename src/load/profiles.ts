/**
 * Pass "profiles": keeps the enabled services (no profiles, an active profile, `*`, or named
 * on the command line together with what they depend on). A kept service that depends on a
 * disabled one is an error, unless the dependency is `required: false` (then it is dropped
 * with a warning): Compose never starts a disabled service behind the user's back.
 */
import type { Project } from '../model/types.js';
import { enabledServices } from '../model/profiles.js';
import { serviceDependencies } from '../model/deps.js';
import type { LoadContext } from './context.js';

export function applyProfiles(ctx: LoadContext, project: Project, active: string[], explicit: string[]): Project {
  const enabled = enabledServices(project, active, explicit);
  for (const n of explicit) {
    if (!(n in project.services)) ctx.diag.error('undefined-reference', `no such service: ${n}`);
  }
  const services: Project['services'] = {};
  for (const [name, s] of Object.entries(project.services)) {
    if (!enabled.has(name)) continue;
    for (const dep of serviceDependencies(s)) {
      const target = project.services[dep.service];
      if (!target || enabled.has(dep.service)) continue;
      const at = { loc: ctx.src.key(s, dep.kind), path: ['services', name, dep.kind] };
      const profiles = (target.profiles ?? []).join(', ');
      if (dep.kind === 'depends_on' && s.depends_on?.[dep.service]?.required === false) {
        ctx.diag.warn('profile', `service "${name}" depends on "${dep.service}", which is not enabled by the active profiles; ignoring this optional dependency`, at);
        const { [dep.service]: _dropped, ...rest } = s.depends_on!;
        if (Object.keys(rest).length) s.depends_on = rest;
        else delete s.depends_on;
        continue;
      }
      ctx.diag.error('profile', `service "${dep.service}" is needed by service "${name}" (${dep.kind}) but is not enabled by the active profiles`, {
        ...at,
        hint: `enable a profile of "${dep.service}" (${profiles}) with --profile or COMPOSE_PROFILES, or name "${dep.service}" on the command line`,
      });
    }
    services[name] = s;
  }
  return { ...project, services };
}

/** The active profiles from --profile, else COMPOSE_PROFILES (comma-separated). */
export function activeProfiles(flags: string[] | undefined, vars: Record<string, string | undefined>): string[] {
  if (flags && flags.length > 0) return flags.flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean);
  return (vars.COMPOSE_PROFILES ?? '').split(',').map((p) => p.trim()).filter(Boolean);
}
