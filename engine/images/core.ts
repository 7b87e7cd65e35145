/**
 * The store's core: lookups, registration of new images, tagging and deletion. Import,
 * load, save, pull, push and build are built on these few operations.
 */
import fs from 'node:fs/promises';
import type { ImageHistoryEntry, ImageInspect, ImageSummary } from '../api/types.js';
import { EngineError } from '../api/types.js';
import type { EngineContext } from '../common/contracts.js';
import { BlobStore, sha256 } from './blobs.js';
import type { HistoryEntry, ImageConfigJson } from './config.js';
import { LayerStore } from './layers.js';
import { StorePaths } from './paths.js';
import { mountsUnder, unmount } from './rootfs.js';
import { Mutex, Records, type ImageRecord, type LayerRef } from './records.js';
import { familiarName, formatReference, looksLikeId, normalizeTagged, parseReference, repoName } from './reference.js';

export interface LoadedImage {
  id: string;
  record: ImageRecord;
  config: ImageConfigJson;
}

export class ImageCore {
  readonly p: StorePaths;
  readonly blobs: BlobStore;
  readonly layers: LayerStore;
  readonly records: Records;
  readonly lock = new Mutex();
  /** Blob digests and diff_ids an operation in flight relies on: garbage collection skips them. */
  private pins = new Map<string, number>();

  constructor(readonly ctx: EngineContext) {
    this.p = new StorePaths(ctx.naming.root);
    this.blobs = new BlobStore(this.p);
    this.layers = new LayerStore(this.p, this.blobs);
    this.records = new Records(this.p);
  }

  async init(): Promise<void> {
    for (const d of [this.p.blobs, this.p.layers, this.p.meta, this.p.empty, this.p.snapshots]) await fs.mkdir(d, { recursive: true });
    // build steps interrupted by a crash may have left overlay mounts in tmp
    for (const mp of await mountsUnder(this.p.tmp)) await unmount(mp);
    await fs.rm(this.p.tmp, { recursive: true, force: true });
    await this.layers.recover();
  }

  emit(action: string, id: string, name?: string): void {
    this.ctx.events.emit({ type: 'image', action, id, attributes: name ? { name } : {} });
  }

  /** Resolves a name, "sha256:<id>", an id or a unique id prefix; undefined when missing. */
  async resolve(ref: string): Promise<string | undefined> {
    const refs = await this.records.refs();
    let parsed: ReturnType<typeof parseReference> | undefined;
    try {
      parsed = parseReference(ref);
    } catch {
      parsed = undefined;
    }
    if (parsed) {
      if (parsed.digest) {
        const want = `${repoName(parsed)}@${parsed.digest}`;
        for (const id of await this.records.ids()) {
          const r = await this.records.get(id);
          if (r?.repoDigests.includes(want)) return id;
        }
        // a digest that is the image id itself
        if ((await this.records.get(parsed.digest)) && !parsed.tag) return parsed.digest;
      } else {
        const id = refs[formatReference({ ...parsed, tag: parsed.tag ?? 'latest' })];
        if (id) return id;
      }
    }
    if (looksLikeId(ref)) {
      const hex = ref.replace(/^sha256:/, '');
      const matches = (await this.records.ids()).filter((id) => id.slice(7).startsWith(hex));
      if (matches.length === 1) return matches[0];
      if (matches.length > 1) throw new EngineError('INVALID', `image id prefix "${ref}" is ambiguous`);
    }
    return undefined;
  }

  async load(ref: string): Promise<LoadedImage | undefined> {
    const id = await this.resolve(ref);
    if (!id) return undefined;
    return this.loadId(id);
  }

  async loadId(id: string): Promise<LoadedImage | undefined> {
    const record = await this.records.get(id);
    if (!record) return undefined;
    const config = JSON.parse((await this.blobs.read(id)).toString()) as ImageConfigJson;
    return { id, record, config };
  }

  async mustLoad(ref: string): Promise<LoadedImage> {
    const img = await this.load(ref);
    if (!img) throw new EngineError('NOT_FOUND', `No such image: ${ref}`);
    return img;
  }

  async tagsOf(id: string, refs?: Record<string, string>): Promise<string[]> {
    const all = refs ?? (await this.records.refs());
    return Object.entries(all)
      .filter(([, v]) => v === id)
      .map(([k]) => k);
  }

  async layerSizes(diffIds: string[]): Promise<number[]> {
    return Promise.all(diffIds.map(async (d) => (await this.layers.get(d))?.size ?? 0));
  }

  async summary(img: LoadedImage, refs?: Record<string, string>): Promise<ImageInspect> {
    const tags = (await this.tagsOf(img.id, refs)).map(familiarName);
    const sizes = await this.layerSizes(img.config.rootfs.diff_ids);
    const c = img.config;
    return {
      id: img.id,
      repoTags: tags,
      repoDigests: img.record.repoDigests.map(familiarName),
      created: c.created ?? img.record.added,
      size: sizes.reduce((a, b) => a + b, 0),
      labels: c.config?.Labels ?? {},
      containers: -1,
      architecture: c.architecture,
      os: c.os,
      config: c.config ?? {},
      rootfs: { type: 'layers', diff_ids: [...c.rootfs.diff_ids] },
      history: c.history ?? [],
      author: c.author,
      comment: c.comment,
      parent: img.record.parent,
    };
  }

  async history(ref: string): Promise<ImageHistoryEntry[]> {
    const img = await this.mustLoad(ref);
    const sizes = await this.layerSizes(img.config.rootfs.diff_ids);
    const hist: HistoryEntry[] = img.config.history?.length ? img.config.history : img.config.rootfs.diff_ids.map(() => ({}));
    let li = 0;
    const out: ImageHistoryEntry[] = hist.map((h) => {
      const size = h.empty_layer ? 0 : (sizes[li++] ?? 0);
      return { id: '<missing>', created: h.created ?? '', createdBy: h.created_by ?? '', size, comment: h.comment ?? '' };
    });
    out.reverse();
    if (out[0]) out[0].id = img.id;
    return out;
  }

  /**
   * Stores a config blob and the image record, then points `tags` at it. Layers and layer
   * blobs must already be in the store: the record is written last, so an interrupted
   * operation leaves at most unreferenced blobs, never half an image.
   */
  async register(configBytes: Buffer | string, layers: LayerRef[], opts: { tags?: string[]; repoDigests?: string[]; parent?: string; extraBlobs?: string[] }): Promise<string> {
    const { digest: id } = await this.blobs.putBytes(configBytes);
    const cfg = JSON.parse(configBytes.toString()) as ImageConfigJson;
    if (cfg.rootfs?.diff_ids?.length !== layers.length) {
      throw new EngineError('INVALID', `image config lists ${cfg.rootfs?.diff_ids?.length ?? 0} layers but ${layers.length} were given`);
    }
    for (const d of cfg.rootfs.diff_ids) {
      if (!(await this.layers.get(d))) throw new EngineError('INTERNAL', `layer ${d} missing while registering ${id}`);
    }
    await this.lock.run(async () => {
      const old = await this.records.get(id);
      const repoDigests = [...new Set([...(old?.repoDigests ?? []), ...(opts.repoDigests ?? [])])];
      const extraBlobs = [...new Set([...(old?.extraBlobs ?? []), ...(opts.extraBlobs ?? [])])];
      await this.records.put({ id, layers, repoDigests, added: old?.added ?? new Date().toISOString(), parent: opts.parent ?? old?.parent, extraBlobs });
      if (opts.tags?.length) {
        const refs = await this.records.refs();
        for (const t of opts.tags) refs[normalizeTagged(t)] = id;
        await this.records.saveRefs(refs);
      }
    });
    return id;
  }

  async tag(source: string, target: string): Promise<void> {
    const id = await this.resolve(source);
    if (!id) throw new EngineError('NOT_FOUND', `No such image: ${source}`);
    const name = normalizeTagged(target);
    await this.lock.run(async () => {
      const refs = await this.records.refs();
      refs[name] = id;
      await this.records.saveRefs(refs);
    });
    this.emit('tag', id, familiarName(name));
  }

  async list(): Promise<{ imgs: LoadedImage[]; refs: Record<string, string> }> {
    const refs = await this.records.refs();
    const imgs: LoadedImage[] = [];
    for (const id of await this.records.ids()) {
      const img = await this.loadId(id).catch(() => undefined);
      if (img) imgs.push(img);
    }
    return { imgs, refs };
  }

  /**
   * Deletes an image record and its config, then every layer and blob no remaining image
   * (or build-cache entry, via keepDiffIds) uses.
   */
  async deleteImage(id: string, keepDiffIds: Set<string>): Promise<number> {
    return this.lock.run(async () => {
      const img = await this.loadId(id);
      if (!img) return 0;
      const refs = await this.records.refs();
      let changed = false;
      for (const [k, v] of Object.entries(refs)) {
        if (v === id) {
          delete refs[k];
          changed = true;
        }
      }
      if (changed) await this.records.saveRefs(refs);
      await this.records.remove(id);
      const u = await this.usage();
      const usedBlobs = u.blobs;
      const usedLayers = new Set<string>([...u.layers, ...keepDiffIds]);
      let reclaimed = 0;
      for (const l of img.record.layers) {
        if (!usedBlobs.has(l.digest)) await this.blobs.remove(l.digest);
        if (!usedLayers.has(l.diffId)) {
          reclaimed += (await this.layers.get(l.diffId))?.size ?? 0;
          await this.layers.remove(l.diffId);
        }
      }
      for (const b of img.record.extraBlobs ?? []) if (!usedBlobs.has(b)) await this.blobs.remove(b);
      if (!usedBlobs.has(id)) await this.blobs.remove(id);
      return reclaimed;
    });
  }

  pin(keys: string[]): () => void {
    for (const k of keys) this.pins.set(k, (this.pins.get(k) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      for (const k of keys) {
        const n = (this.pins.get(k) ?? 1) - 1;
        if (n <= 0) this.pins.delete(k);
        else this.pins.set(k, n);
      }
    };
  }

  unpinAll(keys: string[]): void {
    for (const k of keys) {
      const n = (this.pins.get(k) ?? 1) - 1;
      if (n <= 0) this.pins.delete(k);
      else this.pins.set(k, n);
    }
  }

  private async usage(): Promise<{ blobs: Set<string>; layers: Set<string> }> {
    const blobs = new Set<string>();
    const layers = new Set<string>();
    for (const id of await this.records.ids()) {
      const o = await this.records.get(id);
      if (!o) continue;
      blobs.add(id);
      for (const b of o.extraBlobs ?? []) blobs.add(b);
      for (const l of o.layers) {
        blobs.add(l.digest);
        layers.add(l.diffId);
      }
    }
    for (const k of this.pins.keys()) {
      blobs.add(k);
      layers.add(k);
    }
    return { blobs, layers };
  }

  /** Removes the given blobs (and layers of the same digest) when nothing uses them. */
  async dropIfUnused(digests: string[]): Promise<void> {
    await this.lock.run(async () => {
      const u = await this.usage();
      for (const d of digests) {
        if (!u.blobs.has(d)) await this.blobs.remove(d);
        if (!u.layers.has(d) && (await this.layers.get(d))) await this.layers.remove(d);
      }
    });
  }

  /** Sweeps blobs and layers no image, cache entry or operation in flight uses. Returns bytes freed. */
  async sweep(keepDiffIds: Set<string>): Promise<number> {
    return this.lock.run(async () => {
      const u = await this.usage();
      let freed = 0;
      for (const name of await fs.readdir(this.p.blobs).catch(() => [] as string[])) {
        const d = `sha256:${name}`;
        if (/^[a-f0-9]{64}$/.test(name) && !u.blobs.has(d) && !keepDiffIds.has(d)) {
          freed += (await fs.stat(this.blobs.path(d)).catch(() => ({ size: 0 }))).size;
          await this.blobs.remove(d);
        }
      }
      for (const l of await this.layers.list()) {
        if (!u.layers.has(l.diffId) && !keepDiffIds.has(l.diffId)) {
          freed += l.size;
          await this.layers.remove(l.diffId);
        }
      }
      return freed;
    });
  }

  configDigest(bytes: Buffer | string): string {
    return sha256(bytes);
  }
}
