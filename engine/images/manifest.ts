/** OCI / Docker v2 manifest and index shapes, and choosing a platform from an index. */
import { hostArch } from './config.js';
import { MT } from './records.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os: string; architecture: string; variant?: string };
  urls?: string[];
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export const MANIFEST_TYPES = [MT.ociManifest, MT.dockerManifest] as string[];
export const INDEX_TYPES = [MT.ociIndex, MT.dockerList] as string[];
export const ACCEPT = [MT.ociManifest, MT.ociIndex, MT.dockerManifest, MT.dockerList].join(', ');

export function isIndex(doc: { mediaType?: string; manifests?: unknown }, contentType?: string): boolean {
  const t = doc.mediaType ?? contentType ?? '';
  return INDEX_TYPES.includes(t) || (!t && Array.isArray(doc.manifests)) || (t === '' && 'manifests' in doc);
}

/** The linux/<host arch> entry (Docker picks linux/amd64 on this machine). */
export function pickPlatform(index: Index): Descriptor | undefined {
  const arch = hostArch();
  const ms = index.manifests.filter((m) => !m.annotations?.['vnd.docker.reference.type']);
  return (
    ms.find((m) => m.platform?.os === 'linux' && m.platform.architecture === arch && (arch !== 'arm64' || !m.platform.variant || m.platform.variant === 'v8')) ??
    ms.find((m) => !m.platform)
  );
}

/** OCI equivalents of Docker layer media types (for the OCI manifests we write). */
export function ociLayerType(t: string): string {
  if (t === MT.dockerLayerGzip || t === MT.dockerForeign) return MT.ociLayerGzip;
  if (t === MT.dockerLayer) return MT.ociLayer;
  return t;
}

export function dockerLayerType(t: string): string {
  if (t === MT.ociLayerGzip) return MT.dockerLayerGzip;
  if (t === MT.ociLayer) return MT.dockerLayer;
  return t;
}
