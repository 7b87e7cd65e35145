/**
 * The config hash: a service's canonical JSON, minus what does not change its containers,
 * stable-stringified and hashed. It is stamped on every container
 * (com.docker.compose.config-hash); a differing hash means "recreate". Per-field hashes are
 * stamped too, so the plan can say WHICH field changed ("environment FOO changed") without a
 * state file.
 */
import { createHash } from 'node:crypto';
import type { Service } from '../model/types.js';

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

export function serviceConfigHash(service: Service): string {
  return sha256(stableJson(hashedView(service)));
}

/**
 * Short hashes per top-level field; environment gets one per variable ("environment.FOO"),
 * since "which variable changed" is the most common question after a recreate.
 */
export function serviceFieldHashes(service: Service): Record<string, string> {
  const out: Record<string, string> = {};
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
