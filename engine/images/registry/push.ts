/**
 * `image push`: every blob the registry lacks (HEAD first), uploaded with POST + a
 * monolithic PUT ?digest=, then the manifest under the tag. A manifest kept from a pull or
 * load is pushed unchanged, so digests are the same on both sides.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ProgressFn } from '../../api/types.js';
import { EngineError } from '../../api/types.js';
import type { ImageCore } from '../core.js';
import { manifestFor } from '../save.js';
import { familiarName, formatReference, parseReference, repoName, withDefaultTag } from '../reference.js';
import type { RegistryClient } from './client.js';
import { parallel } from './pull.js';

export async function pushImage(core: ImageCore, client: RegistryClient, ref: string, onProgress?: ProgressFn): Promise<string> {
  const r = withDefaultTag(parseReference(ref));
  if (!r.tag) throw new EngineError('INVALID', 'push needs a tag');
  const name = formatReference(r);
  const img = await core.mustLoad(ref);
  const progress = onProgress ?? (() => undefined);
  const scope = `repository:${r.path}:pull,push`;
  const m = await manifestFor(core, img);
  const blobs = [...img.record.layers.map((l) => ({ digest: l.digest, size: l.size })), { digest: img.id, size: await core.blobs.size(img.id) }];
  progress({ id: familiarName(name), status: 'Pushing' });
  // Authenticate with a bodiless request first: a streamed body cannot be replayed after a 401.
  await client.request(`/v2/${r.path}/blobs/${blobs[0]!.digest}`, { method: 'HEAD', scope, ok: [404] });
  await parallel(blobs, 3, async (b) => {
    const id = b.digest.slice(7, 19);
    const head = await client.request(`/v2/${r.path}/blobs/${b.digest}`, { method: 'HEAD', scope, ok: [404] });
    if (head.status === 200) {
      progress({ id, status: 'Layer already exists' });
      return;
    }
    const start = await client.request(`/v2/${r.path}/blobs/uploads/`, { method: 'POST', scope, headers: { 'content-length': '0' } });
    const loc = start.headers.get('location');
    if (!loc) throw new EngineError('REGISTRY', `${r.domain}: upload started without a Location`);
    const url = new URL(loc, client.base);
    url.searchParams.set('digest', b.digest);
    let cur = 0;
    let last = 0;
    const body = createReadStream(core.blobs.path(b.digest));
    body.on('data', (c) => {
      cur += c.length;
      if (cur - last > 512 * 1024 || cur === b.size) {
        last = cur;
        progress({ id, status: 'Pushing', current: cur, total: b.size });
      }
    });
    await client.request(url.toString(), {
      method: 'PUT',
      scope,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(b.size) },
      body: Readable.toWeb(body) as unknown as RequestInit['body'],
      ok: [201, 204],
    });
    progress({ id, status: 'Pushed' });
  });
  const put = await client.request(`/v2/${r.path}/manifests/${r.tag}`, { method: 'PUT', scope, headers: { 'content-type': m.mediaType }, body: m.bytes, ok: [201] });
  const said = put.headers.get('docker-content-digest');
  if (said && said !== m.digest) throw new EngineError('REGISTRY', `registry stored manifest as ${said}, expected ${m.digest}`);
  await core.register(await core.blobs.read(img.id), img.record.layers, { repoDigests: [`${repoName(r)}@${m.digest}`], extraBlobs: [m.digest] });
  progress({ id: familiarName(name), status: 'Digest', message: m.digest });
  core.emit('push', img.id, familiarName(name));
  return m.digest;
}
