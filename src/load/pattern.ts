/**
 * Path patterns for the rule tables (merge rules, type conversion): dot-separated keys where
 * `*` matches any mapping key and `[]` any sequence index, e.g. `services.*.ports.[].target`.
 */
import type { Path } from './context.js';

export type Pattern = string[];

export function pattern(p: string): Pattern {
  return p.split('.');
}

export function matches(pat: Pattern, path: Path): boolean {
  if (pat.length !== path.length) return false;
  for (let i = 0; i < pat.length; i++) {
    const p = pat[i]!;
    const s = path[i]!;
    if (p === '[]') {
      if (typeof s !== 'number') return false;
    } else if (p === '*') {
      if (typeof s !== 'string') return false;
    } else if (p !== s) return false;
  }
  return true;
}
