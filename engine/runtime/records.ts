/**
 * The container record: what the engine knows about one container, kept as
 * <root>/containers/<id>/container.json (atomic writes), beside the bundle's config.json,
 * the log, conmon's pid file and persist dir. Re-adoption starts from these records.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ContainerCreateRequest, ContainerStatus, EndpointInfo, HealthLogEntry, HealthStatus, ImageRunConfig, PublishedPort } from '../api/types.js';
import type { ResolvedMount } from '../common/contracts.js';
import { readJson, writeJsonAtomic } from '../common/fsutil.js';
import type { RuntimeName } from './driver.js';

export interface ContainerRecord {
  id: string;
  /** Without the leading slash. */
  name: string;
  created: string;
  image: string;
  imageId: string;
  config: ContainerCreateRequest;
  /** The image's config as it was at create (entrypoint, env, healthcheck, stop signal...). */
  imageConfig: ImageRunConfig;
  path: string;
  args: string[];
  state: {
    status: ContainerStatus;
    pid: number;
    exitCode: number;
    oomKilled: boolean;
    error: string;
    startedAt: string;
    finishedAt: string;
    conmonPid: number;
    /** /proc/<pid>/stat start time of conmon, so a reused pid is never taken for it. */
    conmonStart?: number;
  };
  health?: { status: HealthStatus; failingStreak: number; log: HealthLogEntry[] };
  restartCount: number;
  /** Stopped or killed by a user: restart policies do not bring it back. */
  manuallyStopped: boolean;
  networkMode: string;
  networks: Record<string, EndpointInfo>;
  ports: PublishedPort[];
  mounts: ResolvedMount[];
  runtime: RuntimeName;
  cgroupsPath: string;
  /** The netns a running container joined (another container can share it). */
  netnsPath?: string;
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export class ContainerPaths {
  constructor(readonly root: string) {}
  get containers(): string {
    return path.join(this.root, 'containers');
  }
  get run(): string {
    return path.join(this.root, 'run');
  }
  get exitDir(): string {
    return path.join(this.run, 'exits');
  }
  get socketDir(): string {
    return path.join(this.run, 'sock');
  }
  dir(id: string): string {
    return path.join(this.containers, id);
  }
  record(id: string): string {
    return path.join(this.dir(id), 'container.json');
  }
  log(id: string): string {
    return path.join(this.dir(id), 'ctr.log');
  }
  persist(id: string): string {
    return path.join(this.dir(id), 'persist');
  }
  conmonPid(id: string): string {
    return path.join(this.dir(id), 'conmon.pid');
  }
  pidFile(id: string): string {
    return path.join(this.dir(id), 'pidfile');
  }
  exitFile(id: string): string {
    return path.join(this.exitDir, id);
  }
}

export async function saveRecord(p: ContainerPaths, rec: ContainerRecord): Promise<void> {
  await writeJsonAtomic(p.record(rec.id), rec);
}

export async function loadRecords(p: ContainerPaths, log: (m: string) => void): Promise<ContainerRecord[]> {
  let ids: string[] = [];
  try {
    ids = await fs.readdir(p.containers);
  } catch {
    return [];
  }
  const out: ContainerRecord[] = [];
  for (const id of ids) {
    if (id.startsWith('.')) {
      // a removal that a crash interrupted (removeTree renames first): finish it
      await fs.rm(path.join(p.containers, id), { recursive: true, force: true });
      continue;
    }
    try {
      const rec = await readJson<ContainerRecord>(p.record(id));
      if (rec) out.push(rec);
      else await fs.rm(p.dir(id), { recursive: true, force: true }); // create crashed before its record
    } catch (e) {
      log(`container ${id}: unreadable record: ${(e as Error).message}`);
    }
  }
  return out;
}
