/**
 * ImageStore: the engine's image part (contract in engine/common/contracts.ts).
 * Thin: each operation lives in its own module; this class wires them to the core.
 *
 *   core.ts       lookups, registration, tags, deletion      reference.ts  name rules
 *   blobs.ts      content-addressed blobs                    layers.ts     unpacked layers
 *   unpack.ts     safe layer extraction (whiteouts)          pack.ts       dir -> layer tar
 *   rootfs.ts     overlay mounts per container               diff.ts       step rootfs -> layer
 *   import.ts / load.ts / save.ts / commit.ts               registry/     pull, push, auth
 *   build/        Dockerfile parser, .dockerignore, context, cache, builder
 */
import picomatch from 'picomatch';
import type { Readable } from 'node:stream';
import type { BuildOptions, DiskUsage, ImageHistoryEntry, ImageInspect, ImageListOptions, ImageSummary, ProgressFn } from '../api/types.js';
import { EngineError } from '../api/types.js';
import type { BuildRunner, EngineContext, ImageStore } from '../common/contracts.js';
import { ImageCore, type LoadedImage } from './core.js';
import { importTarball } from './import.js';
import { familiarName, looksLikeId, normalizeTagged, parseReference } from './reference.js';
import { Snapshots } from './rootfs.js';
import { BuildCache } from './build/cache.js';
import { buildImage } from './build/builder.js';
import { commitContainer } from './commit.js';
import { loadArchive } from './load.js';
import { saveArchive } from './save.js';
import { Registries } from './registry/index.js';

export class ImageStoreImpl implements ImageStore {
  readonly core: ImageCore;
  readonly snaps: Snapshots;
  readonly registries: Registries;
  readonly buildCache: BuildCache;

  constructor(readonly ctx: EngineContext) {
    this.core = new ImageCore(ctx);
    this.snaps = new Snapshots(this.core.p);
    this.registries = new Registries(this.core);
    this.buildCache = new BuildCache(this.core.p.cache, this.core.lock);
  }

  init(): Promise<void> {
    return this.core.init();
  }

  async list(opts: ImageListOptions = {}): Promise<ImageSummary[]> {
    const { imgs, refs } = await this.core.list();
    const all = await Promise.all(imgs.map((i) => this.core.summary(i, refs)));
    const f = opts.filters ?? {};
    const timeOf = async (ref: string): Promise<number> => Date.parse((await this.inspect(ref)).created);
    const since = f.since?.length ? await timeOf(f.since[0]!) : undefined;
    const before = f.before?.length ? await timeOf(f.before[0]!) : undefined;
    const out = all.filter((s) => {
      const t = Date.parse(s.created);
      if (since !== undefined && !(t > since)) return false;
      if (before !== undefined && !(t < before)) return false;
      if (f.dangling?.length) {
        const want = f.dangling[0] === 'true' || f.dangling[0] === '1';
        if (want !== (s.repoTags.length === 0)) return false;
      }
      for (const l of f.label ?? []) {
        const eq = l.indexOf('=');
        const k = eq < 0 ? l : l.slice(0, eq);
        if (!(k in s.labels)) return false;
        if (eq >= 0 && s.labels[k] !== l.slice(eq + 1)) return false;
      }
      if (f.reference?.length) {
        const ok = f.reference.some((pat) => {
          const m = picomatch(pat);
          return s.repoTags.some((t) => m(t) || m(t.replace(/:[^:/]+$/, '')));
        });
        if (!ok) return false;
      }
      return true;
    });
    out.sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
    return out.map((s) => ({ id: s.id, repoTags: s.repoTags, repoDigests: s.repoDigests, created: s.created, size: s.size, labels: s.labels, containers: s.containers }));
  }

  async inspect(ref: string): Promise<ImageInspect> {
    const img = await this.core.mustLoad(ref);
    return this.core.summary(img);
  }

  async find(ref: string): Promise<ImageInspect | undefined> {
    const img = await this.core.load(ref).catch((e: unknown) => {
      if (e instanceof EngineError && e.code === 'INVALID') return undefined;
      throw e;
    });
    return img ? this.core.summary(img) : undefined;
  }

  history(ref: string): Promise<ImageHistoryEntry[]> {
    return this.core.history(ref);
  }

  import(source: Readable, ref: string | undefined, changes: string[]): Promise<string> {
    return importTarball(this.core, source, ref, changes);
  }

  load(source: Readable, onProgress?: ProgressFn): Promise<string[]> {
    return loadArchive(this.core, source, onProgress);
  }

  save(refs: string[]): Promise<Readable> {
    return saveArchive(this.core, refs);
  }

  pull(ref: string, onProgress?: ProgressFn): Promise<string> {
    return this.registries.pull(ref, onProgress);
  }

  push(ref: string, onProgress?: ProgressFn): Promise<string> {
    return this.registries.push(ref, onProgress);
  }

  build(opts: BuildOptions, runner: BuildRunner, onProgress?: ProgressFn): Promise<string> {
    return buildImage(this.core, this.registries, opts, runner, onProgress);
  }

  tag(source: string, target: string): Promise<void> {
    return this.core.tag(source, target);
  }

  login(server: string, username: string, password: string): Promise<void> {
    return this.registries.login(server, username, password);
  }

  search(term: string, registry?: string): Promise<string[]> {
    return this.registries.search(term, registry);
  }

  /** Layers the build cache still needs (kept when images go). */
  keepDiffIds(): Promise<Set<string>> {
    return this.buildCache.diffIds();
  }

  async remove(ref: string, opts: { force?: boolean }, inUse: Set<string>): Promise<string[]> {
    const id = await this.core.resolve(ref);
    if (!id) throw new EngineError('NOT_FOUND', `No such image: ${ref}`);
    const refs = await this.core.records.refs();
    const tags = await this.core.tagsOf(id, refs);
    const out: string[] = [];
    // Removing by name while other names remain only untags (Docker's rule).
    let byName: string | undefined;
    if (!(looksLikeId(ref) && !tags.includes(safeTag(ref)))) {
      try {
        const r = parseReference(ref);
        if (!r.digest) byName = normalizeTagged(ref);
      } catch {
        byName = undefined;
      }
    }
    if (byName && tags.includes(byName) && tags.length > 1) {
      await this.untag([byName]);
      return [`Untagged: ${familiarName(byName)}`];
    }
    if (!byName && tags.length > 1 && !opts.force) {
      throw new EngineError('CONFLICT', `unable to delete ${id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`);
    }
    if (inUse.has(id) && !opts.force) {
      throw new EngineError('CONFLICT', `unable to remove image ${familiarName(byName ?? id)}: image is being used by a container`);
    }
    await this.untag(tags);
    for (const t of tags) out.push(`Untagged: ${familiarName(t)}`);
    if (inUse.has(id)) return out; // forced on an image in use: untag only, as Docker does
    await this.core.deleteImage(id, await this.keepDiffIds());
    this.core.emit('delete', id);
    out.push(`Deleted: ${id}`);
    return out;
  }

  private async untag(names: string[]): Promise<void> {
    if (!names.length) return;
    const ids: [string, string][] = [];
    await this.core.lock.run(async () => {
      const refs = await this.core.records.refs();
      for (const n of names) {
        if (refs[n]) ids.push([n, refs[n]]);
        delete refs[n];
      }
      await this.core.records.saveRefs(refs);
    });
    for (const [n, id] of ids) this.core.emit('untag', id, familiarName(n));
  }

  async prune(opts: { all?: boolean; filters?: Record<string, string[]> }, inUse: Set<string>): Promise<{ deleted: string[]; reclaimed: number }> {
    const { imgs, refs } = await this.core.list();
    const deleted: string[] = [];
    let reclaimed = 0;
    if (opts.all) await this.buildCache.clear();
    const keep = await this.keepDiffIds();
    const until = opts.filters?.until?.[0];
    const untilMs = until ? parseUntil(until) : undefined;
    for (const img of imgs) {
      if (inUse.has(img.id)) continue;
      const tags = await this.core.tagsOf(img.id, refs);
      if (tags.length && !opts.all) continue;
      const s = await this.core.summary(img, refs);
      if (untilMs !== undefined && !(Date.parse(s.created) < untilMs)) continue;
      let labelOk = true;
      for (const l of opts.filters?.label ?? []) {
        const eq = l.indexOf('=');
        const k = eq < 0 ? l : l.slice(0, eq);
        if (!(k in s.labels) || (eq >= 0 && s.labels[k] !== l.slice(eq + 1))) labelOk = false;
      }
      if (!labelOk) continue;
      await this.untag(tags);
      reclaimed += await this.core.deleteImage(img.id, keep);
      this.core.emit('delete', img.id);
      deleted.push(img.id);
    }
    reclaimed += await this.core.sweep(keep);
    return { deleted, reclaimed };
  }

  async diskUsage(inUse: Set<string>): Promise<DiskUsage['images']> {
    const { imgs } = await this.core.list();
    const layerUsers = new Map<string, { size: number; used: boolean }>();
    for (const img of imgs) {
      const sizes = await this.core.layerSizes(img.config.rootfs.diff_ids);
      img.config.rootfs.diff_ids.forEach((d, i) => {
        const e = layerUsers.get(d) ?? { size: sizes[i] ?? 0, used: false };
        if (inUse.has(img.id)) e.used = true;
        layerUsers.set(d, e);
      });
    }
    let size = 0;
    let reclaimable = 0;
    for (const e of layerUsers.values()) {
      size += e.size;
      if (!e.used) reclaimable += e.size;
    }
    return { count: imgs.length, size, reclaimable };
  }

  async mountRootfs(containerId: string, imageId: string): Promise<string> {
    let diffIds: string[] = [];
    if (imageId) {
      const img: LoadedImage = await this.core.mustLoad(imageId);
      diffIds = img.config.rootfs.diff_ids;
    }
    return this.snaps.mount(containerId, diffIds);
  }

  unmountRootfs(containerId: string): Promise<void> {
    return this.snaps.unmount(containerId);
  }

  removeRootfs(containerId: string): Promise<void> {
    return this.snaps.remove(containerId);
  }

  commit(containerId: string, imageId: string, ref: string | undefined, opts: { changes?: string[]; message?: string; author?: string; createdBy?: string }): Promise<string> {
    return commitContainer(this.core, this.snaps, containerId, imageId, ref, opts);
  }
}

function safeTag(ref: string): string {
  try {
    return normalizeTagged(ref);
  } catch {
    return '';
  }
}

/** until=<RFC3339 | unix seconds | Go duration like 24h> */
function parseUntil(s: string): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const m = /^(\d+)(s|m|h)$/.exec(s);
  if (m) return Date.now() - Number(m[1]) * { s: 1e3, m: 6e4, h: 36e5 }[m[2] as 's' | 'm' | 'h'];
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new EngineError('INVALID', `bad until filter "${s}"`);
  return t;
}
