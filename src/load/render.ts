/**
 * The canonical model as `config` prints it: `name` first, then services, networks,
 * volumes, secrets, configs and top-level x- extensions, keys sorted so the output is
 * stable. Like `docker compose config`, every `$` in a value is written `$$` (unless
 * interpolation was off), so the output loads again to the same model.
 */
import type { Project } from '../model/types.js';
import { composeShape } from './compose-shape.js';

const TOP = ['name', 'services', 'networks', 'volumes', 'secrets', 'configs'];

export function canonicalObject(project: Project, escapeDollars = true, format: 'json' | 'yaml' = 'json'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const p = project as unknown as Record<string, unknown>;
  for (const k of TOP) if (p[k] !== undefined && !(k !== 'name' && k !== 'services' && isEmpty(p[k]))) out[k] = p[k];
  for (const k of Object.keys(p).filter((k) => k.startsWith('x-')).sort()) out[k] = p[k];
  // normalize copies (so reshaping never touches the model), then sort again what was added.
  const copy = normalize(out, escapeDollars, true) as Record<string, unknown>;
  return normalize(composeShape(copy, format), false, true) as Record<string, unknown>;
}

function isEmpty(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Object.keys(v).length === 0;
}

function normalize(v: unknown, esc: boolean, top = false): unknown {
  if (typeof v === 'string') return esc ? v.replace(/\$/g, '$$$$') : v;
  if (Array.isArray(v)) return v.map((x) => normalize(x, esc));
  if (typeof v === 'object' && v !== null) {
    const keys = top ? Object.keys(v) : Object.keys(v).sort();
    const o: Record<string, unknown> = {};
    for (const k of keys) {
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined) continue;
      o[k] = normalize(x, esc);
    }
    return o;
  }
  return v;
}

export async function renderProject(project: Project, format: 'yaml' | 'json', escapeDollars = true): Promise<string> {
  const obj = canonicalObject(project, escapeDollars, format);
  if (format === 'json') return JSON.stringify(obj, null, 2) + '\n';
  const { stringify } = await import('yaml');
  return stringify(obj, { lineWidth: 0, aliasDuplicateObjects: false, nullStr: 'null' });
}
