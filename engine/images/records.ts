/**
 * Image records and references. The image id is the digest of its config blob; a record
 * says which layer blobs carry its diff_ids (for save and push) and where it came from.
 * refs.json maps normalized "repo:tag" names to ids; it is rewritten atomically.
 */
import fs from 'node:fs/promises';
import { readJson, writeJsonAtomic } from '../common/fsutil.js';
import type { StorePaths } from './paths.js';

export interface LayerRef {
  /** Blob digest (of the compressed blob when it came compressed). */
  digest: string;
  mediaType: string;
  size: number;
  diffId: string;
}

export interface ImageRecord {
  id: string;
  layers: LayerRef[];
  /** Registry manifest digests, "repo@sha256:..." (normalized repo). */
  repoDigests: string[];
  /** When it entered this store. */
  added: string;
  /** Parent image id for build/commit results (Docker's `Parent`). */
  parent?: string;
  /** Other blobs kept with the image: the registry manifests it was pulled or pushed as. */
  extraBlobs?: string[];
}

export const MT = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeign: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

export class Records {
  constructor(private p: StorePaths) {}

  async get(id: string): Promise<ImageRecord | undefined> {
    return readJson<ImageRecord>(this.p.imageMeta(id));
  }

  async put(r: ImageRecord): Promise<void> {
    await writeJsonAtomic(this.p.imageMeta(r.id), r);
  }

  async remove(id: string): Promise<void> {
    await fs.rm(this.p.imageMeta(id), { force: true });
  }

  async ids(): Promise<string[]> {
    try {
      return (await fs.readdir(this.p.meta)).filter((n) => /^[a-f0-9]{64}\.json$/.test(n)).map((n) => `sha256:${n.slice(0, 64)}`);
    } catch {
      return [];
    }
  }

  async refs(): Promise<Record<string, string>> {
    return (await readJson<Record<string, string>>(this.p.refs)) ?? {};
  }

  async saveRefs(refs: Record<string, string>): Promise<void> {
    const sorted: Record<string, string> = {};
    for (const k of Object.keys(refs).sort()) sorted[k] = refs[k]!;
    await writeJsonAtomic(this.p.refs, sorted);
  }
}

/** Serializes store mutations in this process (refs.json read-modify-write). */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
