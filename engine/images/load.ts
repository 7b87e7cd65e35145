/**
 * `image load`: `docker save` archives (manifest.json; layers plain or gzip) and OCI image
 * layouts/archives (oci-layout + index.json). Every blob is checked against its digest and
 * every layer against the config's diff_ids before the image is registered.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { ProgressFn } from '../api/types.js';
import { EngineError } from '../api/types.js';
import { ArchiveDir } from './archive-read.js';
import { adoptFile } from './blobs.js';
import type { ImageConfigJson } from './config.js';
import type { ImageCore } from './core.js';
import { isIndex, pickPlatform, type Descriptor, type Index, type Manifest } from './manifest.js';
import { MT, type LayerRef } from './records.js';
import { familiarName, formatReference, normalizeTagged, parseReference, withDefaultTag } from './reference.js';

interface DockerSaveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

export async function loadArchive(core: ImageCore, src: Readable, onProgress?: ProgressFn): Promise<string[]> {
  await fs.mkdir(core.p.tmp, { recursive: true });
  const dir = await fs.mkdtemp(path.join(core.p.tmp, 'load-'));
  try {
    const a = await ArchiveDir.extract(src, dir);
    const dockerManifest = await a.readJson<DockerSaveEntry[]>('manifest.json');
    const index = await a.readJson<Index>('index.json');
    if (dockerManifest) return await loadDocker(core, a, dockerManifest, index, onProgress);
    if (index) return await loadOci(core, a, index, onProgress);
    throw new EngineError('INVALID', 'not an image archive: neither manifest.json (docker save) nor index.json (OCI) found');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r');
  try {
    const b = Buffer.alloc(2);
    await fh.read(b, 0, 2, 0);
    return b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

async function addImage(
  core: ImageCore,
  configFile: string,
  layerFiles: { file: string; digest?: string; mediaType?: string }[],
  tags: string[],
  onProgress?: ProgressFn,
  manifestFile?: { file: string; digest: string },
): Promise<string> {
  const cfgBytes = await fs.readFile(configFile);
  const cfg = JSON.parse(cfgBytes.toString()) as ImageConfigJson;
  const diffIds = cfg.rootfs?.diff_ids ?? [];
  if (diffIds.length !== layerFiles.length) {
    throw new EngineError('INVALID', `image config lists ${diffIds.length} layers, the archive has ${layerFiles.length}`);
  }
  const layers: LayerRef[] = [];
  const pinned: string[] = [];
  try {
    for (const [i, lf] of layerFiles.entries()) {
      const gz = await isGzip(lf.file);
      const blob = await adoptFile(core.blobs, lf.file, lf.digest);
      pinned.push(blob.digest);
      core.pin([blob.digest]);
      onProgress?.({ id: blob.digest.slice(7, 19), status: 'Loading layer', current: i + 1, total: layerFiles.length });
      await core.layers.ensureFromBlob(blob.digest, diffIds[i]);
      layers.push({ digest: blob.digest, size: blob.size, diffId: diffIds[i]!, mediaType: lf.mediaType ?? (gz ? MT.ociLayerGzip : MT.ociLayer) });
    }
    const extraBlobs: string[] = [];
    if (manifestFile) extraBlobs.push((await adoptFile(core.blobs, manifestFile.file, manifestFile.digest)).digest);
    const id = await core.register(cfgBytes, layers, { tags, extraBlobs });
    return id;
  } finally {
    core.unpinAll(pinned);
  }
}

async function loadDocker(core: ImageCore, a: ArchiveDir, entries: DockerSaveEntry[], _index: Index | undefined, onProgress?: ProgressFn): Promise<string[]> {
  const out: string[] = [];
  for (const e of entries) {
    const tags = (e.RepoTags ?? []).map((t) => normalizeTagged(t));
    const id = await addImage(
      core,
      a.resolve(e.Config),
      e.Layers.map((l) => ({ file: a.resolve(l) })),
      tags,
      onProgress,
    );
    announce(core, id, tags, out);
  }
  return out;
}

function announce(core: ImageCore, id: string, tags: string[], out: string[]): void {
  if (!tags.length) {
    out.push(id);
    core.emit('load', id);
  }
  for (const t of tags) {
    out.push(familiarName(t));
    core.emit('load', id, familiarName(t));
  }
}

function blobPath(a: ArchiveDir, d: Descriptor): string {
  const [alg, hex] = d.digest.split(':');
  if (alg !== 'sha256' || !/^[a-f0-9]{64}$/.test(hex ?? '')) throw new EngineError('INVALID', `unsupported digest ${d.digest}`);
  return a.resolve(`blobs/${alg}/${hex}`);
}

/** A tag from OCI annotations: containerd's full name, else ref.name (a tag or a full reference). */
function tagFromAnnotations(ann: Record<string, string> | undefined): string | undefined {
  const full = ann?.['io.containerd.image.name'];
  if (full) return normalizeTagged(full);
  const name = ann?.['org.opencontainers.image.ref.name'];
  if (!name) return undefined;
  try {
    return formatReference(withDefaultTag(parseReference(name)));
  } catch {
    return undefined; // a bare tag like "latest" without a repository: nothing to name it by
  }
}

async function loadOci(core: ImageCore, a: ArchiveDir, index: Index, onProgress?: ProgressFn): Promise<string[]> {
  const out: string[] = [];
  for (const top of index.manifests) {
    let desc: Descriptor | undefined = top;
    let doc = await readBlobJson<Manifest & Index>(a, desc);
    for (let depth = 0; isIndex(doc, desc.mediaType) && depth < 4; depth++) {
      desc = pickPlatform(doc);
      if (!desc) throw new EngineError('INVALID', `no linux image for this platform in the archive's index`);
      doc = await readBlobJson<Manifest & Index>(a, desc);
    }
    const m = doc as Manifest;
    await verify(blobPath(a, m.config), m.config.digest);
    const tag = tagFromAnnotations(top.annotations);
    const tags = tag ? [tag] : [];
    const id = await addImage(
      core,
      blobPath(a, m.config),
      m.layers.map((l) => ({ file: blobPath(a, l), digest: l.digest, mediaType: l.mediaType })),
      tags,
      onProgress,
      { file: blobPath(a, desc), digest: desc.digest },
    );
    announce(core, id, tags, out);
  }
  return out;
}

async function verify(file: string, digest: string): Promise<void> {
  const { sha256 } = await import('./blobs.js');
  const got = sha256(await fs.readFile(file));
  if (got !== digest) throw new EngineError('INVALID', `archive blob ${digest} does not match its content (${got})`);
}

async function readBlobJson<T>(a: ArchiveDir, d: Descriptor): Promise<T> {
  const file = blobPath(a, d);
  await verify(file, d.digest);
  return JSON.parse(await fs.readFile(file, 'utf8')) as T;
}
