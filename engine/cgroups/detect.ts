import fs from 'node:fs';
import path from 'node:path';

export const CGROUP_ROOT = '/sys/fs/cgroup';

export interface CgroupLayout {
  /** 2 when the root is a pure cgroup2 mount; 1 otherwise (v1 or hybrid). */
  version: 1 | 2;
  mountRoot: string;
  /** v1 only: hierarchy folder names under mountRoot (cpu, memory, pids, name=systemd as "systemd"...). */
  v1: string[];
  /** A cgroup2 mount next to the v1 hierarchies ("unified"), when there is one. */
  unified?: string;
  /** True when the unified mount has controllers enabled: crun refuses such hosts. */
  hybridWithControllers: boolean;
}

function read(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

export function detectCgroups(mountRoot = CGROUP_ROOT): CgroupLayout {
  if (read(path.join(mountRoot, 'cgroup.controllers')) !== undefined) {
    return { version: 2, mountRoot, v1: [], hybridWithControllers: false };
  }
  const v1: string[] = [];
  let unified: string | undefined;
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(mountRoot);
  } catch {
    // no cgroup filesystem at all: nothing to manage
  }
  for (const name of entries) {
    const dir = path.join(mountRoot, name);
    try {
      if (!fs.statSync(dir).isDirectory() || fs.lstatSync(dir).isSymbolicLink()) continue;
    } catch {
      continue;
    }
    if (read(path.join(dir, 'cgroup.controllers')) !== undefined) unified = dir;
    else if (read(path.join(dir, 'cgroup.procs')) !== undefined) v1.push(name);
  }
  const ctl = unified ? (read(path.join(unified, 'cgroup.controllers')) ?? '').trim() : '';
  return { version: 1, mountRoot, v1: v1.sort(), unified, hybridWithControllers: ctl.length > 0 };
}

/** The folder of a cgroup path for one controller ("memory", "cpu", "cpuacct", "pids", "freezer"...). */
export function controllerDir(layout: CgroupLayout, controller: string, cgroupPath: string): string {
  const rel = cgroupPath.replace(/^\/+/, '');
  if (layout.version === 2) return path.join(layout.mountRoot, rel);
  // v1 hierarchies can be co-mounted ("cpu,cpuacct"): find the one holding the controller.
  const h = layout.v1.find((n) => n === controller || n.split(',').includes(controller)) ?? controller;
  return path.join(layout.mountRoot, h, rel);
}

/** Every folder a cgroup path has on this host (each v1 hierarchy, the unified mount, or the v2 root). */
export function allDirs(layout: CgroupLayout, cgroupPath: string): string[] {
  const rel = cgroupPath.replace(/^\/+/, '');
  if (layout.version === 2) return [path.join(layout.mountRoot, rel)];
  const dirs = layout.v1.map((h) => path.join(layout.mountRoot, h, rel));
  if (layout.unified) dirs.push(path.join(layout.unified, rel));
  return dirs;
}
