/**
 * Argument forms shared by Dockerfile instructions and `--change` lines: the JSON (exec)
 * form, shell form, and KEY=VALUE lists with Docker's quoting rules.
 */

/** `["a","b"]` when the text is a JSON array of strings, else undefined (shell form). */
export function parseJsonArray(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // not JSON: Docker then treats the text as shell form
  }
  return undefined;
}

/**
 * Splits on unquoted whitespace; double and single quotes group and are removed; a
 * backslash escapes the next character (outside single quotes).
 */
export function splitWords(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length && (text[i + 1] === '"' || text[i + 1] === '\\')) cur += text[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated quote in: ${text}`);
  if (inWord) out.push(cur);
  return out;
}

/**
 * ENV / LABEL / ARG pairs: `K=V K2="v 2"`, or the legacy `K V with spaces` form (one pair,
 * the rest of the line is the value) when the first word has no '='.
 */
export function parseKeyValues(text: string, allowBareKeys = false): [string, string | undefined][] {
  const t = text.trim();
  const firstWord = t.split(/\s+/, 1)[0] ?? '';
  if (!firstWord.includes('=')) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(t);
    if (m) return [[m[1]!, m[2]!.trim()]];
    if (allowBareKeys && t) return [[t, undefined]];
    throw new Error(`needs KEY=VALUE: ${text}`);
  }
  const pairs: [string, string | undefined][] = [];
  for (const w of splitWords(t)) {
    const eq = w.indexOf('=');
    if (eq < 0) {
      if (allowBareKeys) pairs.push([w, undefined]);
      else throw new Error(`needs KEY=VALUE, got "${w}"`);
    } else {
      const k = w.slice(0, eq);
      if (!k) throw new Error(`empty key in "${w}"`);
      pairs.push([k, w.slice(eq + 1)]);
    }
  }
  return pairs;
}
