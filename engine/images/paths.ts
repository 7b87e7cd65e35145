/**
 * On-disk layout of the image store, all under the engine root:
 *
 *   images/blobs/sha256/<hex>     content-addressed blobs: configs, manifests, layer tars
 *   images/layers/<16hex>/diff    a layer unpacked once (overlay lower dir), keyed by diff_id
 *   images/layers/<16hex>/meta.json  { diffId, size }
 *   images/meta/<hex>.json        per image: its layer blobs and where it came from
 *   images/refs.json              "docker.io/library/busybox:latest" -> "sha256:<id>"
 *   images/empty                  an empty lower dir for images without layers
 *   snapshots/<containerId>/{upper,work,merged}
 *
 * Layer dirs use a 16-hex prefix so that overlay's lowerdir option (one page, ~4 KB) fits
 * ~180 layers when mounted with relative paths from images/layers.
 */
import path from 'node:path';

export class StorePaths {
  readonly images: string;
  readonly blobs: string;
  readonly layers: string;
  readonly meta: string;
  readonly refs: string;
  readonly empty: string;
  readonly snapshots: string;
  readonly tmp: string;
  readonly auth: string;
  readonly cache: string;

  constructor(readonly root: string) {
    this.images = path.join(root, 'images');
    this.blobs = path.join(this.images, 'blobs', 'sha256');
    this.layers = path.join(this.images, 'layers');
    this.meta = path.join(this.images, 'meta');
    this.refs = path.join(this.images, 'refs.json');
    this.empty = path.join(this.images, 'empty');
    this.snapshots = path.join(root, 'snapshots');
    this.tmp = path.join(this.images, 'tmp');
    this.auth = path.join(root, 'auth.json');
    this.cache = path.join(this.images, 'buildcache.json');
  }

  blob(digest: string): string {
    return path.join(this.blobs, hexOf(digest));
  }
  layerKey(diffId: string): string {
    return hexOf(diffId).slice(0, 16);
  }
  layerDir(diffId: string): string {
    return path.join(this.layers, this.layerKey(diffId));
  }
  layerDiff(diffId: string): string {
    return path.join(this.layerDir(diffId), 'diff');
  }
  imageMeta(id: string): string {
    return path.join(this.meta, `${hexOf(id)}.json`);
  }
  snapshot(containerId: string): string {
    return path.join(this.snapshots, containerId);
  }
}

export function hexOf(digest: string): string {
  const h = digest.startsWith('sha256:') ? digest.slice(7) : digest;
  if (!/^[a-f0-9]{64}$/.test(h)) throw new Error(`not a sha256 digest: ${digest}`);
  return h;
}
