/**
 * .dockerignore with Docker's rules: one pattern per line, `#` comments, paths cleaned and
 * taken relative to the context root (a leading "/" is dropped), `*` and `?` do not cross
 * "/", `**` matches any number of directories, `!` re-includes, the LAST matching line
 * wins, and a pattern that matches a directory excludes everything below it.
 */
import path from 'node:path';

interface Rule {
  re: RegExp;
  negate: boolean;
  dirs: string[];
}

export function patternToRegExp(p: string): RegExp {
  let re = '^';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*') {
      if (p[i + 1] === '*') {
        i++;
        // "**/" matches zero or more directories
        if (p[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = p.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        let cls = p.slice(i + 1, close).replace(/\\/g, '\\\\');
        if (cls.startsWith('^') || cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += `[${cls}]`;
        i = close;
      }
    } else if (c === '\\' && i + 1 < p.length) re += '\\' + p[++i];
    else re += c.replace(/[.+^${}()|\]\\/]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

export class DockerIgnore {
  private rules: Rule[] = [];

  constructor(text = '') {
    for (let line of text.split(/\r?\n/)) {
      line = line.trim();
      if (!line || line.startsWith('#')) continue;
      let negate = false;
      if (line.startsWith('!')) {
        negate = true;
        line = line.slice(1).trim();
      }
      let p = path.posix.normalize(line);
      p = p.replace(/^\/+/, '').replace(/\/+$/, '');
      if (p === '.' || !p) p = '**';
      this.rules.push({ re: patternToRegExp(p), negate, dirs: p.split('/') });
    }
  }

  get hasExceptions(): boolean {
    return this.rules.some((r) => r.negate);
  }

  /** True when the context-relative path (posix) is excluded. */
  ignores(rel: string): boolean {
    const parts = rel.split('/');
    let ignored = false;
    for (const r of this.rules) {
      let hit = r.re.test(rel);
      // a match on a parent directory covers everything below it
      for (let n = 1; !hit && n < parts.length; n++) if (r.re.test(parts.slice(0, n).join('/'))) hit = true;
      if (hit) ignored = !r.negate;
    }
    return ignored;
  }

  /**
   * Whether a walk may skip an ignored directory entirely: only when no exception pattern
   * could re-include something below it.
   */
  canSkipDir(rel: string): boolean {
    if (!this.ignores(rel)) return false;
    return !this.rules.some((r) => r.negate && (r.dirs[0]!.includes('*') || r.dirs.join('/').startsWith(rel + '/') || rel.startsWith(r.dirs[0]!)));
  }
}
