/**
 * The config hash: a service's canonical JSON, minus what does not change its containers,
 * stable-stringified and hashed. It is stamped on every container
 * (com.docker.compose.config-hash); a differing hash means "recreate". Per-field hashes are
 * stamped too, so the plan can say WHICH field changed ("environment FOO changed") without a
 * state file.
 */
import { createHash } from 'node:crypto';
import type { Project, Service } from '../model/types.js';

/** Fields that do not change a container: scaling, ordering, build recipe, pull timing, dev loop. */
const IGNORED = new Set(['scale', 'depends_on', 'profiles', 'build', 'pull_policy', 'develop']);

/** JSON with object keys sorted at every level, so equal values hash equally. */
export function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : stableJson(x))).join(',')}]`;
  const keys = Object.keys(v as object)
    .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** The service as hashed: ignored fields and deploy.replicas dropped. */
export function hashedView(service: Service): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(service)) {
    if (IGNORED.has(k) || v === undefined) continue;
    if (k === 'deploy' && v && typeof v === 'object') {
      const { replicas: _r, ...rest } = v as Record<string, unknown>;
      if (Object.keys(rest).length) out[k] = rest;
      continue;
    }
    out[k] = v;
  }
  return out;
}

/**
 * Where the composition root leaves the digests of the project's secret and config contents
 * (`secrets.NAME` / `configs.NAME` → sha256), read from files and the environment at load
 * time, so the pure plan can see a content change. A top-level x- key: not Compose's model.
 */
export const CONTENT_DIGESTS = 'x-berth-content-digests';
/** The field name a content change is reported under ("secret/config content changed"). */
const CONTENT_FIELD = 'secret/config content';

/**
 * One digest of the contents of the secrets and configs a service uses, or undefined when it
 * uses none (so such services keep the hash they had). As recent Compose versions, a changed
 * content recreates the service that mounts it.
 */
export function serviceContentDigest(project: Project, service: string): string | undefined {
  const s = project.services[service];
  const digests = project[CONTENT_DIGESTS] as Record<string, string> | undefined;
  if (!s || !digests) return undefined;
  const used: Record<string, string> = {};
  for (const r of s.secrets ?? []) if (digests[`secrets.${r.source}`]) used[`secrets.${r.source}`] = digests[`secrets.${r.source}`]!;
  for (const r of s.configs ?? []) if (digests[`configs.${r.source}`]) used[`configs.${r.source}`] = digests[`configs.${r.source}`]!;
  return Object.keys(used).length ? sha256(stableJson(used)) : undefined;
}

/** sha256 of a secret's or config's content (what serviceContentDigest combines). */
export function contentDigest(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

export function serviceConfigHash(service: Service, contentDigest?: string): string {
  return sha256(stableJson(contentDigest ? { ...hashedView(service), [CONTENT_FIELD]: contentDigest } : hashedView(service)));
}

/**
 * Short hashes per top-level field; environment gets one per variable ("environment.FOO"),
 * since "which variable changed" is the most common question after a recreate.
 */
export function serviceFieldHashes(service: Service, contentDigest?: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (contentDigest) out[CONTENT_FIELD] = contentDigest.slice(0, 8);
  for (const [k, v] of Object.entries(hashedView(service))) {
    if (k === 'environment' && v && typeof v === 'object') {
      for (const [ek, ev] of Object.entries(v as Record<string, unknown>)) out[`environment.${ek}`] = sha256(stableJson(ev)).slice(0, 8);
      continue;
    }
    out[k] = sha256(stableJson(v)).slice(0, 8);
  }
  return out;
}

/** What differs between two field-hash maps, in words: ["environment FOO changed", "ports changed"]. */
export function describeFieldChanges(before: Record<string, string>, after: Record<string, string>): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const out: string[] = [];
  for (const k of keys) {
    if (before[k] === after[k]) continue;
    const verb = before[k] === undefined ? 'added' : after[k] === undefined ? 'removed' : 'changed';
    out.push(k.startsWith('environment.') ? `environment ${k.slice('environment.'.length)} ${verb}` : `${k} ${verb}`);
  }
  return out;
}
