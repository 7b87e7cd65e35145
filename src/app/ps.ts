/** `ps` and `ls`: what runs, from labels. */
import type { ContainerSummary, PublishedPort } from '../../engine/api/types.js';
import { UserError } from '../diag/diagnostic.js';
import { LABEL, projectFilter } from '../runtime/labels.js';
import { observeProjects } from '../runtime/observe.js';
import type { AppDeps, GlobalOptions } from './context.js';
import { projectOrName } from './project.js';
import { table } from './table.js';

export interface PsOptions {
  all?: boolean;
  quiet?: boolean;
  services?: boolean;
  status?: string[];
  format?: 'table' | 'json';
  /** A Go template (`--format '{{.Name}}'`), rendered by the CLI, per row. */
  template?: (row: Record<string, unknown>) => string;
  filterServices?: string[];
}

export function portsText(ports: PublishedPort[]): string {
  return ports
    .map((p) => (p.hostPort ? `${p.hostIp === '' ? '0.0.0.0' : p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}` : `${p.containerPort}/${p.protocol}`))
    .join(', ');
}

/** "3 minutes ago", as docker prints CREATED. */
export function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(s)) return iso;
  const unit = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'} ago`;
  if (s < 60) return unit(s, 'second');
  if (s < 3600) return unit(Math.round(s / 60), 'minute');
  if (s < 86400) return unit(Math.round(s / 3600), 'hour');
  return unit(Math.round(s / 86400), 'day');
}

/** The command as the service gave it: an init the engine runs in front is a detail. */
export function commandOf(c: ContainerSummary): string {
  return c.command.replace(/^\/sbin\/docker-init -- /, '');
}

/** Docker shows the ports of running containers only. */
function shownPorts(c: ContainerSummary): PublishedPort[] {
  return c.state === 'running' || c.state === 'paused' || c.state === 'restarting' ? c.ports : [];
}

export function nameOf(c: ContainerSummary): string {
  return (c.names[0] ?? c.id).replace(/^\//, '');
}

export async function projectContainers(deps: AppDeps, g: GlobalOptions, all: boolean, services?: string[]): Promise<{ name: string; containers: ContainerSummary[] }> {
  const ref = await projectOrName(deps, g, services);
  for (const s of services ?? []) if (ref.loaded && !ref.loaded.project.services[s]) throw new UserError(`no such service: ${s}`);
  const engine = await deps.connect();
  const list = await engine.containerList({ all, filters: projectFilter(ref.name) });
  const containers = list
    .filter((c) => !services?.length || services.includes(c.labels[LABEL.service] ?? ''))
    .sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
  return { name: ref.name, containers };
}

export async function ps(deps: AppDeps, g: GlobalOptions, o: PsOptions): Promise<number> {
  const { containers } = await projectContainers(deps, g, !!o.all || !!o.status?.length, o.filterServices);
  const shown = containers.filter((c) => !o.status?.length || o.status.includes(c.state));
  if (o.services) {
    for (const s of [...new Set(shown.map((c) => c.labels[LABEL.service] ?? ''))].sort()) deps.stdout.write(s + '\n');
    return 0;
  }
  if (o.quiet) {
    for (const c of shown) deps.stdout.write(c.id + '\n');
    return 0;
  }
  if (o.format === 'json' || o.template) {
    const rows = shown.map((c) => ({
      ID: c.id,
      Name: nameOf(c),
      Image: c.image,
      Command: commandOf(c),
      Project: c.labels[LABEL.project],
      Service: c.labels[LABEL.service],
      Created: c.created,
      State: c.state,
      Status: c.status,
      Health: c.health ?? '',
      ExitCode: c.exitCode,
      Publishers: shownPorts(c).map((p) => ({ URL: p.hostIp, TargetPort: p.containerPort, PublishedPort: p.hostPort, Protocol: p.protocol })),
      Ports: portsText(shownPorts(c)),
      Labels: c.labels,
    }));
    // As Compose v2.21+: one JSON object per line.
    for (const r of rows) deps.stdout.write((o.template ? o.template(r) : JSON.stringify(r)) + '\n');
    return 0;
  }
  deps.stdout.write(
    table(
      ['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'],
      shown.map((c) => {
        const cmd = commandOf(c);
        return [nameOf(c), c.image, JSON.stringify(cmd.length > 30 ? cmd.slice(0, 29) + '…' : cmd), c.labels[LABEL.service] ?? '', ago(c.created, deps.clock.now()), c.status, portsText(shownPorts(c))];
      }),
    ),
  );
  return 0;
}

export async function ls(deps: AppDeps, o: { all?: boolean; format?: 'table' | 'json'; quiet?: boolean }): Promise<number> {
  const engine = await deps.connect();
  const projects = await observeProjects(engine, true);
  const rows = [...projects]
    .map(([name, cs]) => {
      const counts = new Map<string, number>();
      for (const c of cs) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
      const status = [...counts].sort().map(([s, n]) => `${s}(${n})`).join(', ');
      const files = cs.find((c) => c.labels[LABEL.configFiles])?.labels[LABEL.configFiles] ?? '';
      return { Name: name, Status: status, ConfigFiles: files, running: counts.get('running') ?? 0 };
    })
    .filter((r) => o.all || r.running > 0)
    .sort((a, b) => a.Name.localeCompare(b.Name));
  if (o.quiet) rows.forEach((r) => deps.stdout.write(r.Name + '\n'));
  else if (o.format === 'json') deps.stdout.write(JSON.stringify(rows.map(({ running: _r, ...r }) => r)) + '\n');
  else deps.stdout.write(table(['NAME', 'STATUS', 'CONFIG FILES'], rows.map((r) => [r.Name, r.Status, r.ConfigFiles])));
  return 0;
}
