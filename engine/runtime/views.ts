/** A container record as the API shows it: inspect and list entries. Pure. */
import path from 'node:path';
import type { ContainerInspect, ContainerSummary } from '../api/types.js';
import type { ContainerPaths, ContainerRecord } from './records.js';
import { statusString } from './status.js';
import { INIT_PATH } from './spec.js';

export function stateOf(rec: ContainerRecord): ContainerInspect['state'] {
  const s = rec.state;
  return {
    status: s.status,
    // Docker counts a restarting container as running
    running: s.status === 'running' || s.status === 'paused' || s.status === 'restarting',
    paused: s.status === 'paused',
    restarting: s.status === 'restarting',
    oomKilled: s.oomKilled,
    dead: s.status === 'dead',
    pid: s.pid,
    exitCode: s.exitCode,
    error: s.error,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    ...(rec.health ? { health: { ...rec.health, log: [...rec.health.log] } } : {}),
  };
}

export function toInspect(rec: ContainerRecord, p: ContainerPaths): ContainerInspect {
  const dir = p.dir(rec.id);
  return {
    id: rec.id,
    name: `/${rec.name}`,
    created: rec.created,
    image: rec.image,
    imageId: rec.imageId,
    path: rec.path,
    args: rec.args,
    state: stateOf(rec),
    restartCount: rec.restartCount,
    config: rec.config,
    networkMode: rec.networkMode,
    networks: rec.networks,
    ports: rec.ports,
    mounts: rec.mounts.map((m) => ({ type: m.volume ? 'volume' : m.type, ...(m.volume ? { name: m.volume } : {}), source: m.source, destination: m.target, rw: !m.options.includes('ro') })),
    logPath: p.log(rec.id),
    hostnamePath: path.join(dir, 'hostname'),
    hostsPath: path.join(dir, 'hosts'),
    resolvConfPath: path.join(dir, 'resolv.conf'),
  };
}

/**
 * Docker's container-list command: the path, then each argument, in single quotes when it
 * holds a space (no escaping, as Docker does). A record from an older engine may still carry
 * the init wrapper: it is not shown.
 */
export function commandString(path: string, args: string[]): string {
  if (path === INIT_PATH && args[0] === '--' && args.length > 1) return commandString(args[1]!, args.slice(2));
  return [path, ...args.map((a) => (a.includes(' ') ? `'${a}'` : a))].join(' ');
}

export function toSummary(rec: ContainerRecord, now: number): ContainerSummary {
  return {
    id: rec.id,
    names: [`/${rec.name}`],
    image: rec.image,
    imageId: rec.imageId,
    command: commandString(rec.path, rec.args),
    created: rec.created,
    state: rec.state.status,
    status: statusString(stateOf(rec), now),
    ...(rec.health ? { health: rec.health.status } : {}),
    exitCode: rec.state.exitCode,
    labels: rec.config.labels ?? {},
    ports: rec.ports,
    networks: Object.keys(rec.networks),
    mounts: rec.mounts.map((m) => m.volume ?? m.source),
  };
}
