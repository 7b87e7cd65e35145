/** Removing berth's cgroups: the container's own (when the runtime left it) and the root's parent once empty. */
import fs from 'node:fs';
import path from 'node:path';
import { allDirs, type CgroupLayout } from './detect.js';

/** cgroupfs folders are removed with rmdir (their files are virtual); the children first. */
function rmdirDeep(dir: string): void {
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) rmdirDeep(path.join(dir, e.name));
  try {
    fs.rmdirSync(dir);
  } catch {
    // busy (processes still inside) or gone: leave it
  }
}

/** Removes a container's cgroup in every hierarchy (a no-op where the runtime already did). */
export function removeCgroup(layout: CgroupLayout, cgroupPath: string): void {
  for (const dir of allDirs(layout, cgroupPath)) rmdirDeep(dir);
}

/** Removes the parent (e.g. "/berth-abc123") in every hierarchy where it has no child left. */
export function removeParentIfEmpty(layout: CgroupLayout, parentPath: string): void {
  for (const dir of allDirs(layout, parentPath)) {
    let children: fs.Dirent[];
    try {
      children = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    if (children.some((c) => c.isDirectory())) continue;
    try {
      fs.rmdirSync(dir);
    } catch {
      // a container appeared meanwhile
    }
  }
}
