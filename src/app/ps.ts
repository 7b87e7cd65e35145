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
  /** --no-trunc: the whole command. */
  noTrunc?: boolean;
  /** --orphans=false: leave out containers of services the project does not have. */
  orphans?: boolean;
}

export function portsText(ports: PublishedPort[]): string {
  return ports
    .map((p) => (p.hostPort ? `${p.hostIp === '' ? '0.0.0.0' : p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}` : `${p.containerPort}/${p.protocol}`))
    .join(', ');
}

/** go-units HumanDuration, as Docker and Compose print CREATED ("About a minute"). */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3_600_000 / 24 / 365)} years`;
}

/** "3 minutes ago", as docker prints CREATED. */
export function ago(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  return `${humanDuration(Math.max(0, now - t))} ago`;
}

/** Compose's COMMAND: cut to 20 characters (19 and "…") unless --no-trunc, then Go-quoted. */
export function commandCell(cmd: string, trunc: boolean): string {
  const chars = [...cmd];
  return JSON.stringify(trunc && chars.length > 20 ? `${chars.slice(0, 19).join('')}…` : cmd);
}

/** Go's time.Time.String() of a unix second in the local zone ("2026-11-28 08:09:48 +0000 UTC"). */
export function goTimeString(iso: string): string {
  const d = new Date(Math.floor(Date.parse(iso) / 1000) * 1000);
  if (Number.isNaN(d.getTime())) return iso;
  const off = -d.getTimezoneOffset();
  const p = (n: number) => String(Math.abs(n)).padStart(2, '0');
  const local = new Date(d.getTime() + off * 60_000).toISOString().slice(0, 19).replace('T', ' ');
  const zone = off === 0 ? 'UTC' : new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((x) => x.type === 'timeZoneName')?.value ?? '';
  return `${local} ${off < 0 ? '-' : '+'}${p(Math.trunc(off / 60))}${p(off % 60)} ${zone}`;
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

export async function projectContainers(deps: AppDeps, g: GlobalOptions, all: boolean, services?: string[]): Promise<{ name: string; containers: ContainerSummary[]; services?: string[] }> {
  const ref = await projectOrName(deps, g, services);
  for (const s of services ?? []) if (ref.loaded && !ref.loaded.project.services[s]) throw new UserError(`no such service: ${s}`);
  const engine = await deps.connect();
  const list = await engine.containerList({ all, filters: projectFilter(ref.name) });
  const containers = list
    .filter((c) => !services?.length || services.includes(c.labels[LABEL.service] ?? ''))
    .sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
  return { name: ref.name, containers, ...(ref.loaded ? { services: Object.keys(ref.loaded.project.services) } : {}) };
}

/**
 * A row of `ps --format json`: the fields of Compose v2.21+ (its docker/cli container context,
 * keys in Go's sorted order, Labels/Names/Networks/Mounts as comma-joined text), plus `Created`
 * (unix seconds) that Compose printed before 2.21. The ID stays whole (Compose cuts it to 12
 * unless --no-trunc): berth's other commands and events speak whole ids.
 */
export function psRow(c: ContainerSummary, now: number, trunc: boolean): Record<string, unknown> {
  const ports = shownPorts(c);
  const created = Date.parse(c.created);
  return {
    Command: commandCell(commandOf(c), trunc),
    Created: Number.isFinite(created) ? Math.floor(created / 1000) : 0,
    CreatedAt: goTimeString(c.created),
    ExitCode: c.exitCode,
    Health: c.health ?? '',
    ID: c.id,
    Image: c.image,
    Labels: Object.entries(c.labels).map(([k, v]) => `${k}=${v}`).join(','),
    // Volumes are named mounts; binds show their host path.
    LocalVolumes: String(c.mounts.filter((m) => !m.startsWith('/')).length),
    Mounts: c.mounts.map((m) => ([...m].length > 15 && trunc ? `${[...m].slice(0, 14).join('')}…` : m)).join(','),
    Name: nameOf(c),
    Names: c.names.map((n) => n.replace(/^\//, '')).join(','),
    Networks: c.networks.join(','),
    Ports: portsText(ports),
    Project: c.labels[LABEL.project] ?? '',
    Publishers: ports.map((p) => ({ URL: p.hostIp, TargetPort: p.containerPort, PublishedPort: p.hostPort, Protocol: p.protocol })),
    RunningFor: ago(c.created, now),
    Service: c.labels[LABEL.service] ?? '',
    Size: '0B',
    State: c.state,
    Status: c.status,
  };
}

export async function ps(deps: AppDeps, g: GlobalOptions, o: PsOptions): Promise<number> {
  const { containers, services } = await projectContainers(deps, g, !!o.all || !!o.status?.length, o.filterServices);
  const shown = containers.filter((c) => (!o.status?.length || o.status.includes(c.state)) && (o.orphans !== false || !services || services.includes(c.labels[LABEL.service] ?? '')));
  if (o.services) {
    for (const s of [...new Set(shown.map((c) => c.labels[LABEL.service] ?? ''))].sort()) deps.stdout.write(s + '\n');
    return 0;
  }
  if (o.quiet) {
    for (const c of shown) deps.stdout.write(c.id + '\n');
    return 0;
  }
  if (o.format === 'json' || o.template) {
    const rows = shown.map((c) => psRow(c, deps.clock.now(), !o.noTrunc));
    // As Compose v2.21+: one JSON object per line.
    for (const r of rows) deps.stdout.write((o.template ? o.template(r) : JSON.stringify(r)) + '\n');
    return 0;
  }
  deps.stdout.write(
    table(
      ['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'],
      shown.map((c) => {
        return [nameOf(c), c.image, commandCell(commandOf(c), !o.noTrunc), c.labels[LABEL.service] ?? '', ago(c.created, deps.clock.now()), c.status, portsText(shownPorts(c))];
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
      // Compose lists running containers only unless -a: a project's status then counts only those.
      for (const c of cs) if (o.all || c.state === 'running') counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
      const status = [...counts].sort().map(([s, n]) => `${s}(${n})`).join(', ');
      const files = cs.find((c) => c.labels[LABEL.configFiles])?.labels[LABEL.configFiles] ?? '';
      return { Name: name, Status: status, ConfigFiles: files, running: counts.get('running') ?? 0 };
    })
    .filter((r) => o.all || r.running > 0)
    .sort((a, b) => a.Name.localeCompare(b.Name));
  if (o.quiet) rows.forEach((r) => deps.stdout.write(r.Name + '\n'));
  else if (o.format === 'json') deps.stdout.write(JSON.stringify(rows.map(({ running: _r, ...r }) => r)) + '\n');
  else deps.stdout.write(table(['NAME', 'STATUS', 'CONFIG FILES'], rows.map((r) => [r.Name, r.Status, r.ConfigFiles]), 20));
  return 0;
}
