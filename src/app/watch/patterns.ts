/**
 * .dockerignore-style path patterns, the syntax Compose uses for `develop.watch` ignore and
 * include lists and for the build context's .dockerignore:
 * - patterns are relative to a root folder (a leading "/" is dropped, "./" and trailing "/"
 *   are cleaned away);
 * - `*` and `?` stay inside one path segment, `**` spans any number of segments;
 * - a line starting with `!` re-includes what an earlier line excluded; the LAST matching
 *   line wins;
 * - a pattern that matches a folder matches everything below it (Docker's
 *   MatchesOrParentMatches), so `node_modules` ignores `node_modules/a/b.js`.
 * Matching is done with picomatch, with braces and extglobs switched off because Docker's
 * syntax has neither.
 */
import path from 'node:path';
import picomatch from 'picomatch';

export interface PathMatcher {
  /** `rel` is a "/"-separated path relative to the matcher's root, without "./". */
  matches(rel: string): boolean;
  /** True when some pattern starts with "!": a matched folder may still hold kept files. */
  readonly hasExclusions: boolean;
  readonly empty: boolean;
}

interface Compiled {
  exclusion: boolean;
  test: (s: string) => boolean;
}

/** Cleans one pattern the way Docker does; undefined when it is blank or names the root. */
export function cleanPattern(raw: string): { pattern: string; exclusion: boolean } | undefined {
  let p = raw.trim();
  if (!p) return undefined;
  let exclusion = false;
  if (p.startsWith('!')) {
    exclusion = true;
    p = p.slice(1).trim();
  }
  p = path.posix.normalize(p.replace(/\\(?=[^*?[\]\\])/g, '/'));
  p = p.replace(/^\/+/, '').replace(/\/+$/, '');
  if (p === '' || p === '.') return undefined;
  return { pattern: p, exclusion };
}

export function compilePatterns(patterns: readonly string[] | undefined): PathMatcher {
  const compiled: Compiled[] = [];
  for (const raw of patterns ?? []) {
    const c = cleanPattern(raw);
    if (!c) continue;
    compiled.push({ exclusion: c.exclusion, test: picomatch(c.pattern, { dot: true, nobrace: true, noextglob: true }) });
  }
  const hasExclusions = compiled.some((c) => c.exclusion);
  return {
    hasExclusions,
    empty: compiled.length === 0,
    matches(rel: string): boolean {
      if (compiled.length === 0 || rel === '' || rel === '.' || rel.startsWith('../') || rel === '..') return false;
      // The path itself and each of its parents, checked against every pattern in order.
      const parts = rel.split('/');
      const candidates: string[] = [];
      for (let i = 1; i <= parts.length; i++) candidates.push(parts.slice(0, i).join('/'));
      let matched = false;
      for (const c of compiled) {
        if (matched === !c.exclusion) continue; // cannot change the outcome
        if (candidates.some((s) => c.test(s))) matched = !c.exclusion;
      }
      return matched;
    },
  };
}

/** The lines of a .dockerignore file: comments (`#` first) and blank lines dropped. */
export function parseIgnoreFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** "/"-separated path of `abs` relative to `root`, or undefined when `abs` is not inside it. */
export function relInside(root: string, abs: string): string | undefined {
  if (abs === root) return '';
  const rel = path.relative(root, abs);
  if (rel === '') return '';
  if (rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}
