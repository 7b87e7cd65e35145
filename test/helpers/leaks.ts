/**
 * The leak check every end-to-end test ends with: nothing berth made for a root may be left
 * after its objects were removed: no mounts under the root, no cgroups, interfaces, network
 * namespaces or firewall chains carrying the root's id, no processes mentioning the root.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { rootId } from '../../engine/common/naming.js';

function sh(cmd: string): string {
  try {
    return execFileSync('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  } catch {
    return '';
  }
}

export interface Leaks {
  mounts: string[];
  cgroups: string[];
  links: string[];
  netns: string[];
  chains: string[];
  processes: string[];
}

export function findLeaks(root: string, opts: { ignoreProcessPids?: number[] } = {}): Leaks {
  const id = rootId(root);
  const mounts = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(root + '/') || l.includes(` ${root} `))
    .map((l) => l.split(' ')[4] ?? l);
  const cgroups = sh(`find /sys/fs/cgroup -maxdepth 3 -type d -name '*${id}*' 2>/dev/null`).split('\n').filter(Boolean);
  const links = sh('ip -o link show').split('\n').filter((l) => l.includes(id)).map((l) => l.split(':')[1]?.trim() ?? l);
  const netns = sh('ip netns list').split('\n').filter((l) => l.includes(id));
  const chains = [
    ...sh('iptables -S 2>/dev/null').split('\n'),
    ...sh('iptables -t nat -S 2>/dev/null').split('\n'),
  ].filter((l) => l.toLowerCase().includes(id));
  const ignore = new Set([process.pid, ...(opts.ignoreProcessPids ?? [])]);
  const processes = sh('ps -eo pid=,args=')
    .split('\n')
    .filter((l) => l.includes(root) && !ignore.has(Number(l.trim().split(/\s+/)[0])) && !l.includes('ps -eo'));
  return { mounts, cgroups, links, netns, chains, processes };
}

export function leakCount(l: Leaks): number {
  return Object.values(l).reduce((n, a) => n + a.length, 0);
}

/** Throws with a readable list when anything is left. */
export function assertNoLeaks(root: string, opts?: { ignoreProcessPids?: number[] }): void {
  const l = findLeaks(root, opts);
  if (leakCount(l) > 0) throw new Error(`leaks for ${root}:\n${JSON.stringify(l, null, 2)}`);
}
