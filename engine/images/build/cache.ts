/**
 * The build cache: a cache key (parent key + instruction + digest of its inputs) maps to
 * the resulting image state. Layers named here are kept when images are removed, until
 * `image prune --all` clears the cache.
 */
import fs from 'node:fs/promises';
import { readJson, writeJsonAtomic } from '../../common/fsutil.js';
import type { ImageConfigJson } from '../config.js';
import type { Mutex, LayerRef } from '../records.js';

export interface BuildState {
  config: ImageConfigJson;
  layers: LayerRef[];
}

interface CacheFile {
  entries: Record<string, BuildState & { at: string }>;
}

export class BuildCache {
  constructor(
    private file: string,
    private lock: Mutex,
  ) {}

  async get(key: string): Promise<BuildState | undefined> {
    const f = await readJson<CacheFile>(this.file);
    const e = f?.entries[key];
    return e ? { config: e.config, layers: e.layers } : undefined;
  }

  async put(key: string, s: BuildState): Promise<void> {
    await this.lock.run(async () => {
      const f = (await readJson<CacheFile>(this.file)) ?? { entries: {} };
      f.entries[key] = { ...structuredClone(s), at: new Date().toISOString() };
      await writeJsonAtomic(this.file, f);
    });
  }

  async diffIds(): Promise<Set<string>> {
    const f = await readJson<CacheFile>(this.file);
    const out = new Set<string>();
    for (const e of Object.values(f?.entries ?? {})) for (const l of e.layers) out.add(l.diffId);
    return out;
  }

  async clear(): Promise<void> {
    await fs.rm(this.file, { force: true });
  }
}
