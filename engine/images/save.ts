/**
 * `image save`: one tar that both `docker load` (manifest.json, as Docker 25+ writes it)
 * and OCI tools (oci-layout, index.json, blobs/sha256) read. Blobs are written once even
 * when images share them. Manifests kept from a pull or load are reused byte for byte so
 * digests survive a round trip.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { EngineError } from '../api/types.js';
import type { ImageCore, LoadedImage } from './core.js';
import { ociLayerType, type Descriptor, type Manifest } from './manifest.js';
import { MT } from './records.js';
import { familiarName, normalizeTagged, parseReference } from './reference.js';

/** The OCI manifest for an image: a kept one when we have it, else one made from the record. */
export async function manifestFor(core: ImageCore, img: LoadedImage, prefer?: 'oci' | 'docker'): Promise<{ bytes: Buffer; mediaType: string; digest: string }> {
  for (const d of img.record.extraBlobs ?? []) {
    const bytes = await core.blobs.read(d).catch(() => undefined);
    if (!bytes) continue;
    const m = JSON.parse(bytes.toString()) as Manifest;
    const mt = m.mediaType ?? MT.ociManifest;
    if (m.config?.digest === img.id && (!prefer || (prefer === 'oci') === (mt === MT.ociManifest))) return { bytes, mediaType: mt, digest: d };
  }
  const docker = prefer === 'docker';
  const cfgSize = await core.blobs.size(img.id);
  const m: Manifest = {
    schemaVersion: 2,
    mediaType: docker ? MT.dockerManifest : MT.ociManifest,
    config: { mediaType: docker ? MT.dockerConfig : MT.ociConfig, digest: img.id, size: cfgSize },
    layers: img.record.layers.map((l) => ({ mediaType: docker ? dockerType(l.mediaType) : ociLayerType(l.mediaType), digest: l.digest, size: l.size })),
  };
  const bytes = Buffer.from(JSON.stringify(m));
  const { digest } = await core.blobs.putBytes(bytes);
  return { bytes, mediaType: m.mediaType!, digest };
}

function dockerType(t: string): string {
  if (t === MT.ociLayerGzip) return MT.dockerLayerGzip;
  if (t === MT.ociLayer) return MT.dockerLayer;
  return t;
}

export async function saveArchive(core: ImageCore, refs: string[]): Promise<Readable> {
  if (!refs.length) throw new EngineError('INVALID', 'save needs at least one image');
  // Resolve everything first so that a bad name fails before any byte is streamed.
  const items: { img: LoadedImage; tags: string[] }[] = [];
  for (const ref of refs) {
    const img = await core.mustLoad(ref);
    let tags: string[] = [];
    try {
      const r = parseReference(ref);
      if (!r.digest && !/^[a-f0-9]{6,64}$/.test(ref) && !ref.startsWith('sha256:')) tags = [normalizeTagged(ref)];
    } catch {
      tags = [];
    }
    const prev = items.find((i) => i.img.id === img.id);
    if (prev) prev.tags.push(...tags.filter((t) => !prev.tags.includes(t)));
    else items.push({ img, tags });
  }
  const manifests = await Promise.all(items.map((i) => manifestFor(core, i.img, 'oci')));
  const pack = tar.pack();
  const written = new Set<string>();
  const epoch = new Date(0);
  const addBytes = (name: string, data: Buffer | string): Promise<void> =>
    new Promise((res, rej) => pack.entry({ name, mtime: epoch, mode: 0o644 }, data, (e) => (e ? rej(e) : res())));
  const addBlob = async (digest: string): Promise<void> => {
    if (written.has(digest)) return;
    written.add(digest);
    const size = await core.blobs.size(digest);
    const w = pack.entry({ name: `blobs/sha256/${digest.slice(7)}`, size, mtime: epoch, mode: 0o644 });
    await pipeline(createReadStream(core.blobs.path(digest)), w);
  };
  const produce = async (): Promise<void> => {
    for (const d of ['blobs/', 'blobs/sha256/']) {
      await new Promise<void>((res, rej) => pack.entry({ name: d, type: 'directory', mtime: epoch, mode: 0o755 }, (e) => (e ? rej(e) : res())));
    }
    const index: { schemaVersion: 2; mediaType: string; manifests: Descriptor[] } = { schemaVersion: 2, mediaType: MT.ociIndex, manifests: [] };
    const dockerManifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
    for (const [i, it] of items.entries()) {
      const m = manifests[i]!;
      for (const l of it.img.record.layers) await addBlob(l.digest);
      await addBlob(it.img.id);
      await addBlob(m.digest);
      const base: Descriptor = { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length };
      if (it.tags.length) {
        for (const t of it.tags) {
          const tag = t.slice(t.lastIndexOf(':') + 1);
          index.manifests.push({ ...base, annotations: { 'io.containerd.image.name': t, 'org.opencontainers.image.ref.name': tag } });
        }
      } else index.manifests.push(base);
      dockerManifest.push({
        Config: `blobs/sha256/${it.img.id.slice(7)}`,
        RepoTags: it.tags.map(familiarName),
        Layers: it.img.record.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
      });
    }
    await addBytes('oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await addBytes('index.json', JSON.stringify(index));
    await addBytes('manifest.json', JSON.stringify(dockerManifest));
    pack.finalize();
    for (const it of items) for (const t of it.tags.length ? it.tags : [it.img.id]) core.emit('save', it.img.id, t.startsWith('sha256:') ? undefined : familiarName(t));
  };
  const out = Readable.from(pack);
  produce().catch((e: unknown) => {
    pack.destroy(e as Error);
    out.destroy(e as Error);
  });
  return out;
}
