/**
 * `image pull`: manifest (an index resolves to linux/<arch>), config and layers by digest,
 * each verified; layers download in parallel and unpack as they complete; the image is
 * registered only when everything is in place.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ProgressFn } from '../../api/types.js';
import { EngineError } from '../../api/types.js';
import { sha256 } from '../blobs.js';
import type { ImageConfigJson } from '../config.js';
import type { ImageCore } from '../core.js';
import { ACCEPT, isIndex, pickPlatform, type Index, type Manifest } from '../manifest.js';
import type { LayerRef } from '../records.js';
import { familiarName, formatReference, parseReference, repoName, withDefaultTag, type Reference } from '../reference.js';
import type { RegistryClient } from './client.js';

export async function fetchManifest(client: RegistryClient, r: Reference, refOrDigest: string): Promise<{ bytes: Buffer; mediaType: string; digest: string }> {
  const res = await client.request(`/v2/${r.path}/manifests/${refOrDigest}`, { headers: { accept: ACCEPT }, scope: `repository:${r.path}:pull` });
  const bytes = Buffer.from(await res.arrayBuffer());
  const digest = sha256(bytes);
  if (refOrDigest.startsWith('sha256:') && digest !== refOrDigest) {
    throw new EngineError('REGISTRY', `manifest digest mismatch: asked ${refOrDigest}, got ${digest}`);
  }
  const header = res.headers.get('docker-content-digest');
  if (header && header.startsWith('sha256:') && header !== digest) throw new EngineError('REGISTRY', `manifest digest mismatch: registry says ${header}, content is ${digest}`);
  const ct = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const doc = JSON.parse(bytes.toString()) as { mediaType?: string; schemaVersion?: number };
  if (doc.schemaVersion === 1) throw new EngineError('REGISTRY', 'schema 1 manifests are not supported');
  return { bytes, mediaType: doc.mediaType ?? ct, digest };
}

/** Runs fn over items with at most `n` at a time. */
export async function parallel<T, R>(items: T[], n: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (next < items.length && failed === undefined) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (e) {
        failed = failed ?? e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  if (failed !== undefined) throw failed;
  return out;
}

export async function pullImage(core: ImageCore, client: RegistryClient, ref: string, onProgress?: ProgressFn): Promise<string> {
  const r = withDefaultTag(parseReference(ref));
  const name = formatReference(r);
  const progress = onProgress ?? (() => undefined);
  progress({ id: familiarName(name), status: 'Pulling' });
  const top = await fetchManifest(client, r, r.digest ?? r.tag!);
  const repoDigest = `${repoName(r)}@${top.digest}`;
  let m = top;
  for (let depth = 0; isIndex(JSON.parse(m.bytes.toString()) as Index, m.mediaType) && depth < 3; depth++) {
    const pick = pickPlatform(JSON.parse(m.bytes.toString()) as Index);
    if (!pick) throw new EngineError('NOT_FOUND', `${familiarName(name)}: no linux image for this machine's architecture in the index`);
    m = await fetchManifest(client, r, pick.digest);
  }
  const manifest = JSON.parse(m.bytes.toString()) as Manifest;
  if (!manifest.config || !Array.isArray(manifest.layers)) throw new EngineError('REGISTRY', `${familiarName(name)}: unexpected manifest type ${m.mediaType}`);
  const scope = `repository:${r.path}:pull`;
  const blobStream = async (digest: string): Promise<Readable> => {
    const res = await client.request(`/v2/${r.path}/blobs/${digest}`, { scope });
    if (!res.body) throw new EngineError('REGISTRY', `empty body for blob ${digest}`);
    return Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
  };
  const keys = [manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
  const unpin = core.pin(keys);
  let unpinDiffs = (): void => undefined;
  try {
    if (!(await core.blobs.has(manifest.config.digest))) await core.blobs.putStream(await blobStream(manifest.config.digest), manifest.config.digest);
    const cfgBytes = await core.blobs.read(manifest.config.digest);
    const cfg = JSON.parse(cfgBytes.toString()) as ImageConfigJson;
    const diffIds = cfg.rootfs?.diff_ids ?? [];
    if (diffIds.length !== manifest.layers.length) throw new EngineError('REGISTRY', `${familiarName(name)}: config has ${diffIds.length} diff_ids for ${manifest.layers.length} layers`);
    unpinDiffs = core.pin(diffIds);
    const layers: LayerRef[] = await parallel(manifest.layers, 3, async (l, i) => {
      const id = l.digest.slice(7, 19);
      const diffId = diffIds[i]!;
      const ref: LayerRef = { digest: l.digest, mediaType: l.mediaType, size: l.size, diffId };
      if ((await core.blobs.has(l.digest)) && (await core.layers.get(diffId))) {
        progress({ id, status: 'Already exists' });
        return ref;
      }
      let cur = 0;
      let last = 0;
      const onBytes = (n: number): void => {
        cur += n;
        if (cur - last > 512 * 1024 || cur === l.size) {
          last = cur;
          progress({ id, status: 'Downloading', current: cur, total: l.size });
        }
      };
      if (await core.blobs.has(l.digest)) {
        progress({ id, status: 'Extracting' });
        await core.layers.ensureFromBlob(l.digest, diffId);
      } else if (await core.layers.get(diffId)) {
        await core.blobs.putStream(await blobStream(l.digest), l.digest, onBytes);
      } else {
        // Unpack while downloading: one pass over the bytes; the blob is kept for push/save.
        await core.blobs.putStreamWith(await blobStream(l.digest), l.digest, onBytes, (s) => core.layers.ensureFromStream(s, diffId, undefined, l.digest));
      }
      progress({ id, status: 'Pull complete' });
      return ref;
    });
    const imageId = await core.register(cfgBytes, layers, {
      tags: r.tag && !r.digest ? [name] : [],
      repoDigests: [repoDigest],
      extraBlobs: [(await core.blobs.putBytes(m.bytes)).digest, ...(top !== m ? [(await core.blobs.putBytes(top.bytes)).digest] : [])],
    });
    progress({ id: familiarName(name), status: 'Digest', message: top.digest });
    core.emit('pull', imageId, familiarName(name));
    return imageId;
  } finally {
    unpin();
    unpinDiffs();
  }
}
