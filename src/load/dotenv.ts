/**
 * The .env syntax Compose reads (for the project's .env, --env-file and a service's
 * env_file): `KEY=VALUE` lines, an optional `export ` prefix, `#` comments,
 * single quotes (literal), double quotes (escapes, may span lines), unquoted values with
 * inline comments (a `#` after whitespace), and `${VAR}` interpolation of unquoted and
 * double-quoted values from `lookup` (the shell first) and earlier keys of the file.
 */
import { substitute } from './template.js';

export interface DotenvError {
  line: number;
  message: string;
}

export interface DotenvResult {
  values: Record<string, string>;
  /** Line of each key (1-based), for diagnostics. */
  lines: Record<string, number>;
  errors: DotenvError[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.\-]*$/;

export function parseDotenv(text: string, lookup: (name: string) => string | undefined = () => undefined, raw = false): DotenvResult {
  const values: Record<string, string> = {};
  const lines: Record<string, number> = {};
  const errors: DotenvError[] = [];
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const all = src.split('\n');
  const look = (name: string): string | undefined => {
    const v = lookup(name);
    return v !== undefined ? v : values[name];
  };
  for (let i = 0; i < all.length; i++) {
    const lineNo = i + 1;
    let line = all[i]!;
    if (raw) {
      if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const k = line.slice(0, eq).trim();
      values[k] = line.slice(eq + 1);
      lines[k] = lineNo;
      continue;
    }
    line = line.trimStart();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('export ') || line.startsWith('export\t')) line = line.slice(7).trimStart();
    const m = /^([^=:\s]+)\s*([=:])?\s*/.exec(line);
    if (!m) {
      errors.push({ line: lineNo, message: `line ${lineNo}: cannot parse "${line}"` });
      continue;
    }
    const key = m[1]!;
    if (!KEY.test(key)) {
      errors.push({ line: lineNo, message: `line ${lineNo}: unexpected character in variable name "${key}"` });
      continue;
    }
    if (!m[2]) {
      // A bare KEY takes its value from the environment, if any.
      if (line.slice(m[0].length).trim() !== '' && !line.slice(m[0].length).trimStart().startsWith('#')) {
        errors.push({ line: lineNo, message: `line ${lineNo}: expected "=" after "${key}"` });
        continue;
      }
      const v = lookup(key);
      if (v !== undefined) {
        values[key] = v;
        lines[key] = lineNo;
      }
      continue;
    }
    let rest = line.slice(m[0].length);
    let value: string;
    const q = rest[0];
    if (q === "'" || q === '"') {
      // Find the closing quote, possibly on a later line.
      let body = rest.slice(1);
      let end = findClose(body, q);
      while (end < 0 && i + 1 < all.length) {
        i++;
        body += '\n' + all[i];
        end = findClose(body, q);
      }
      if (end < 0) {
        errors.push({ line: lineNo, message: `line ${lineNo}: unterminated quoted value for "${key}"` });
        continue;
      }
      const inner = body.slice(0, end);
      if (q === "'") value = inner;
      else value = expand(unescape(inner), look);
    } else {
      const hash = rest.search(/\s#/);
      if (hash >= 0) rest = rest.slice(0, hash);
      value = expand(rest.trim(), look);
    }
    values[key] = value;
    lines[key] = lineNo;
  }
  return { values, lines, errors };
}

function findClose(s: string, q: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && q === '"') {
      i++;
      continue;
    }
    if (s[i] === q) return i;
  }
  return -1;
}

function unescape(s: string): string {
  return s.replace(/\\(.)/gs, (_, c: string) => {
    switch (c) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case '"':
        return '"';
      case '\\':
        return '\\';
      case '$':
        return '\\$'; // kept escaped for expand(): a literal dollar
      default:
        return '\\' + c;
    }
  });
}

function expand(value: string, look: (name: string) => string | undefined): string {
  // `\$` is a literal dollar in .env files; protect it from substitution.
  const protectedValue = value.replace(/\\\$/g, '$$$$');
  const r = substitute(protectedValue, look);
  return r.ok ? r.value : value;
}
