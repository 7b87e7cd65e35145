/**
 * The config hash of a service: what decides whether a container must be recreated.
 * Like Compose, fields that do not change the container are left out (build, pull_policy,
 * scale, deploy.replicas, depends_on, profiles), and the rest is hashed as JSON with
 * sorted keys so the same service always hashes the same.
 */
import { createHash } from 'node:crypto';
import type { Service } from './types.js';

export function serviceHashInput(service: Service): Record<string, unknown> {
  const { build: _b, pull_policy: _p, scale: _s, depends_on: _d, profiles: _pr, ...rest } = service;
  const o: Record<string, unknown> = { ...rest };
  delete o.name;
  if (service.deploy) {
    const { replicas: _r, ...deploy } = service.deploy;
    if (Object.keys(deploy).length) o.deploy = deploy;
    else delete o.deploy;
  }
  return o;
}

export function stableJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJSON).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const entries = Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJSON((v as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** serviceHash(service) → 64 hex characters (sha256 of the stable JSON of serviceHashInput). */
export function serviceHash(service: Service): string {
  return createHash('sha256').update(stableJSON(serviceHashInput(service))).digest('hex');
}
