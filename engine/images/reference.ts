/**
 * Image references as Docker users type them: `busybox`, `redis:7`, `ghcr.io/a/b:v1`,
 * `localhost:5000/x:y`, `name@sha256:<hex>`. Normalized the way Docker does it, so that
 * `busybox` and `docker.io/library/busybox:latest` name the same image.
 */
import { EngineError } from '../api/types.js';

export const DEFAULT_DOMAIN = 'docker.io';
export const DEFAULT_TAG = 'latest';

export interface Reference {
  /** Registry host[:port], "docker.io" for Docker Hub. */
  domain: string;
  /** Repository path inside the registry ("library/busybox"). */
  path: string;
  tag?: string;
  /** "sha256:<hex>" */
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/;

function invalid(ref: string, why: string): EngineError {
  return new EngineError('INVALID', `invalid reference format "${ref}": ${why}`);
}

/** Parses and normalizes; a missing tag stays missing (see withDefaultTag). */
export function parseReference(ref: string): Reference {
  const s = ref.trim();
  if (!s) throw invalid(ref, 'empty');
  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(ref, 'digest must be sha256:<64 hex>');
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(ref, `bad tag "${tag}"`);
  }
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    // Docker's rule: the first component is a registry when it looks like a host.
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      domain = first;
      path = rest.slice(slash + 1);
      if (!DOMAIN.test(domain)) throw invalid(ref, `bad registry "${domain}"`);
    }
  }
  if (domain === 'index.docker.io' || domain === 'registry-1.docker.io') domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `library/${path}`;
  if (!path) throw invalid(ref, 'empty repository name');
  for (const c of path.split('/')) {
    if (!COMPONENT.test(c)) throw invalid(ref, c !== c.toLowerCase() ? 'repository name must be lowercase' : `bad name component "${c}"`);
  }
  if (`${domain}/${path}`.length > 255) throw invalid(ref, 'name too long');
  return { domain, path, tag, digest };
}

export function withDefaultTag(r: Reference): Reference {
  return r.tag || r.digest ? r : { ...r, tag: DEFAULT_TAG };
}

/** "docker.io/library/busybox" */
export function repoName(r: Reference): string {
  return `${r.domain}/${r.path}`;
}

/** Full normalized string: "docker.io/library/busybox:latest", "host/x@sha256:...". */
export function formatReference(r: Reference): string {
  let s = repoName(r);
  if (r.tag) s += `:${r.tag}`;
  if (r.digest) s += `@${r.digest}`;
  return s;
}

/** What Docker prints: "busybox:latest", "user/app:1", "localhost:5000/x:y". */
export function familiarName(full: string): string {
  let s = full;
  if (s.startsWith(`${DEFAULT_DOMAIN}/`)) {
    s = s.slice(DEFAULT_DOMAIN.length + 1);
    if (s.startsWith('library/') && !s.slice(8).split(/[:@]/)[0]!.includes('/')) s = s.slice(8);
  }
  return s;
}

/** Normalized "repo:tag" (default tag) for tagging/lookup; throws when the ref has a digest only. */
export function normalizeTagged(ref: string): string {
  const r = withDefaultTag(parseReference(ref));
  if (!r.tag) throw invalid(ref, 'a tag is needed here, not a digest');
  return `${repoName(r)}:${r.tag}`;
}

/** True when `s` looks like an image id or id prefix rather than a name. */
export function looksLikeId(s: string): boolean {
  return /^sha256:[a-f0-9]{1,64}$/.test(s) || /^[a-f0-9]{6,64}$/.test(s);
}
