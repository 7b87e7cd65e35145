/** top, port, images, events, stats, cp, wait: reading the project's containers. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ContainerStats } from '../../engine/api/types.js';
import { UserError } from '../diag/diagnostic.js';
import { LABEL, projectFilter } from '../runtime/labels.js';
import type { AppDeps, GlobalOptions } from './context.js';
import { projectOrName } from './project.js';
import { nameOf, projectContainers } from './ps.js';
import { table } from './table.js';
import { packTree, unpackTree } from './tar-out.js';
import { serviceContainer } from './target.js';

export async function top(deps: AppDeps, g: GlobalOptions, services: string[]): Promise<number> {
  const { containers } = await projectContainers(deps, g, false, services);
  const engine = await deps.connect();
  for (const c of containers) {
    const t = await engine.containerTop(c.id);
    deps.stdout.write(`${nameOf(c)}\n${topTable(t.titles, t.processes)}`);
  }
  return 0;
}

/**
 * `compose top`'s table: Go's tabwriter (min width 5, padding 3) over a header line without a
 * final tab and process lines that end in one, so every process cell, the last too, is padded
 * while the header's last title is not; then an empty line.
 */
export function topTable(titles: string[], rows: string[][]): string {
  const n = Math.max(titles.length, ...rows.map((r) => r.length));
  const width = (i: number): number => Math.max(5, Math.max(i < titles.length - 1 ? titles[i]!.length : 0, ...rows.map((r) => (r[i] ?? '').length)) + 3);
  const widths = Array.from({ length: n }, (_, i) => width(i));
  const head = titles.map((t, i) => (i === titles.length - 1 ? t : t.padEnd(widths[i]!))).join('');
  const body = rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join(''));
  return [head, ...body, ''].join('\n') + '\n';
}

export async function port(deps: AppDeps, g: GlobalOptions, o: { service: string; port: number; protocol?: 'tcp' | 'udp'; index?: number }): Promise<number> {
  const ref = await projectOrName(deps, g, [o.service]);
  const engine = await deps.connect();
  const c = await serviceContainer(engine, ref.name, o.service, o.index ?? 1);
  const p = c.ports.find((x) => x.containerPort === o.port && x.protocol === (o.protocol ?? 'tcp') && x.hostPort);
  if (!p) throw new UserError(`no public port ${o.port}/${o.protocol ?? 'tcp'} published for ${nameOf(c)}`);
  deps.stdout.write(`${p.hostIp || '0.0.0.0'}:${p.hostPort}\n`);
  return 0;
}

export async function images(deps: AppDeps, g: GlobalOptions, services: string[], o: { quiet?: boolean; format?: 'table' | 'json' }): Promise<number> {
  const { containers } = await projectContainers(deps, g, true, services);
  const engine = await deps.connect();
  const rows: { container: string; repo: string; tag: string; id: string; size: number }[] = [];
  for (const c of containers) {
    const img = await engine.imageInspect(c.imageId).catch(() => undefined);
    const [repo, tag] = c.image.includes(':') && !c.image.endsWith(']') ? [c.image.slice(0, c.image.lastIndexOf(':')), c.image.slice(c.image.lastIndexOf(':') + 1)] : [c.image, 'latest'];
    rows.push({ container: nameOf(c), repo: repo!, tag: tag!, id: (img?.id ?? c.imageId).replace(/^sha256:/, '').slice(0, 12), size: img?.size ?? 0 });
  }
  if (o.quiet) for (const id of new Set(rows.map((r) => r.id))) deps.stdout.write(id + '\n');
  else if (o.format === 'json') deps.stdout.write(JSON.stringify(rows.map((r) => ({ ContainerName: r.container, Repository: r.repo, Tag: r.tag, ID: r.id, Size: r.size }))) + '\n');
  else deps.stdout.write(table(['CONTAINER', 'REPOSITORY', 'TAG', 'IMAGE ID', 'SIZE'], rows.map((r) => [r.container, r.repo, r.tag, r.id, decimalSize(r.size)]), 20));
  return 0;
}

/**
 * A line of `compose events`: local time with microseconds, "container", the action, the id,
 * the attributes; Compose's Event.String() ends in a newline and is then Println'd, so an empty
 * line follows each event.
 */
export function eventLine(time: string, action: string, id: string, attributes: Record<string, string>): string {
  const t = new Date(Date.parse(time));
  const micros = (/\.(\d+)/.exec(time)?.[1] ?? '').padEnd(6, '0').slice(0, 6);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const local = Number.isNaN(t.getTime()) ? time : `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())} ${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())}.${micros}`;
  const attrs = Object.entries(attributes).map(([k, v]) => `${k}=${v}`).join(', ');
  return `${local} container ${action} ${id} (${attrs})\n\n`;
}

export async function events(deps: AppDeps, g: GlobalOptions, services: string[], o: { json?: boolean }): Promise<number> {
  const ref = await projectOrName(deps, g, services);
  const engine = await deps.connect();
  const ac = new AbortController();
  const off = deps.onInterrupt(() => ac.abort());
  try {
    for await (const e of engine.events({ filters: { type: ['container'], ...projectFilter(ref.name) } }, ac.signal)) {
      const service = e.attributes[LABEL.service] ?? '';
      if (services.length && !services.includes(service)) continue;
      // Compose drops its own labels from the attributes (both forms).
      const attributes = Object.fromEntries(Object.entries(e.attributes).filter(([k]) => !k.startsWith('com.docker.compose.') && !k.startsWith('dev.berth.')));
      if (o.json) {
        deps.stdout.write(JSON.stringify({ action: e.action, attributes, id: e.id, service, time: e.time, type: 'container' }) + '\n');
      } else {
        deps.stdout.write(eventLine(e.time, e.action, e.id, attributes));
      }
    }
  } catch (e) {
    if (!ac.signal.aborted) throw e;
  } finally {
    off();
  }
  return 0;
}

/** go-units CustomSize: divide by `base` while it fits, then `digits` significant digits (%.Ng). */
function goSize(n: number, base: number, units: string[], digits: number): string {
  let i = 0;
  while (n >= base && i < units.length - 1) {
    n /= base;
    i++;
  }
  return `${Number(n.toPrecision(digits))}${units[i]}`;
}
/** units.BytesSize ("7.629GiB"), as docker stats prints memory. */
const bytesSize = (n: number): string => goSize(n, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'], 4);
/** units.HumanSizeWithPrecision(n, 3) ("1.2kB"), as docker stats prints net and block I/O. */
const decimalSize = (n: number): string => goSize(n, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB'], 3);

export const STATS_HEADERS = ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'];

/**
 * A `docker stats` row. An unlimited container's limit is the host's memory, as Docker reports
 * it (the cgroup says "max"; Docker caps the limit at the machine's total).
 */
export function statsRow(id: string, name: string, s: ContainerStats | undefined, hostMemory: number): string[] {
  if (!s) return [id.slice(0, 12), name, '--', '-- / --', '--', '-- / --', '-- / --', '--'];
  const limit = s.memoryLimit > 0 && (hostMemory <= 0 || s.memoryLimit < hostMemory) ? s.memoryLimit : hostMemory;
  const memPct = limit > 0 ? (s.memoryUsage / limit) * 100 : 0;
  return [
    id.slice(0, 12),
    name,
    `${s.cpuPercent.toFixed(2)}%`,
    `${bytesSize(s.memoryUsage)} / ${bytesSize(limit)}`,
    `${memPct.toFixed(2)}%`,
    `${decimalSize(s.netRx)} / ${decimalSize(s.netTx)}`,
    `${decimalSize(s.blockRead)} / ${decimalSize(s.blockWrite)}`,
    String(s.pids),
  ];
}

export async function stats(deps: AppDeps, g: GlobalOptions, services: string[], o: { noStream?: boolean; all?: boolean }): Promise<number> {
  const engine = await deps.connect();
  const ac = new AbortController();
  const off = deps.onInterrupt(() => ac.abort());
  try {
    do {
      const { containers } = await projectContainers(deps, g, !!o.all, services);
      const rows = await Promise.all(
        containers.map(async (c) => statsRow(c.id, nameOf(c), await engine.containerStats(c.id).catch(() => undefined), deps.hostMemory ?? 0)),
      );
      const text = table(STATS_HEADERS, rows);
      deps.stdout.write(o.noStream || !deps.stdout.isTTY ? text : `\x1b[2J\x1b[H${text}`);
      if (o.noStream) break;
      await deps.clock.sleep(2000, ac.signal);
    } while (!ac.signal.aborted);
  } finally {
    off();
  }
  return 0;
}

/**
 * `cp SERVICE:SRC DEST` or `cp SRC SERVICE:DEST`, with docker cp's rules: relative host paths
 * are the user's (`cwd`), and a destination that is an existing directory (or ends in "/")
 * receives the source under its own name.
 */
export async function cp(
  deps: AppDeps,
  g: GlobalOptions,
  o: { src: string; dest: string; index?: number; cwd: string; tarOut?: (chunk: Uint8Array) => void; tarIn?: NodeJS.ReadableStream },
): Promise<number> {
  const split = (s: string): [string, string] | undefined => {
    const i = s.indexOf(':');
    return i > 0 && !s.startsWith('/') && !s.startsWith('.') ? [s.slice(0, i), s.slice(i + 1)] : undefined;
  };
  const from = split(o.src);
  const to = split(o.dest);
  if (!!from === !!to) throw new UserError('cp copies between a service container and the host: one of SRC and DEST must be SERVICE:PATH');
  const ref = await projectOrName(deps, g, [(from ?? to)![0]]);
  const engine = await deps.connect();
  if (from) {
    const c = await serviceContainer(engine, ref.name, from[0], o.index ?? 1);
    if (o.dest === '-') {
      // A tar archive on standard output, as docker cp.
      if (!o.tarOut) throw new UserError('cp: cannot write an archive here');
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cp-'));
      try {
        const name = path.posix.basename(from[1].replace(/\/+$/, '')) || 'root';
        await engine.containerCopyOut(c.id, from[1], path.join(tmp, name));
        await packTree(path.join(tmp, name), name, o.tarOut);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
      return 0;
    }
    let dest = path.resolve(o.cwd, o.dest);
    if (o.dest.endsWith('/') || isDir(dest)) dest = path.join(dest, path.posix.basename(from[1].replace(/\/+$/, '')));
    await engine.containerCopyOut(c.id, from[1], dest);
  } else {
    const c = await serviceContainer(engine, ref.name, to![0], o.index ?? 1);
    if (o.src === '-') {
      // A tar archive from standard input, extracted into DEST (docker cp).
      if (!o.tarIn) throw new UserError('cp: no archive on standard input');
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cp-'));
      try {
        await unpackTree(o.tarIn, tmp);
        const r = await engine.containerSync(c.id, [{ op: 'copy', mode: 'cp', hostPath: `${tmp}/.`, containerPath: to![1] }]);
        if (r.failed.length) throw new UserError(`cp: ${r.failed.map((f) => `${f.containerPath}: ${f.error}`).join('; ')}`);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
      return 0;
    }
    // The engine applies docker cp's rules (onto an existing directory the source goes inside
    // it, SRC/. copies a directory's content), on a stopped container too. path.resolve would
    // drop a trailing "/." that means "the content": keep it.
    const src = path.resolve(o.cwd, o.src) + (/\/\.$/.test(o.src) ? '/.' : '');
    const r = await engine.containerSync(c.id, [{ op: 'copy', mode: 'cp', hostPath: src, containerPath: to![1] }]);
    if (r.failed.length) throw new UserError(`cp: ${r.failed.map((f) => `${f.containerPath}: ${f.error}`).join('; ')}`);
  }
  return 0;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** `wait`: blocks until the services' containers stop; returns the first exit code. */
export async function wait(deps: AppDeps, g: GlobalOptions, services: string[]): Promise<number> {
  const { containers } = await projectContainers(deps, g, true, services);
  const engine = await deps.connect();
  if (!containers.length) throw new UserError('no containers to wait for');
  const codes = await Promise.all(containers.map((c) => engine.containerWait(c.id, { condition: 'not-running' })));
  return codes[0]?.exitCode ?? 0;
}
