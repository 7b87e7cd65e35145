/**
 * The interpolation language of the Compose Specification: `$VAR`, `${VAR}`, `${VAR:-d}`,
 * `${VAR-d}`, `${VAR:?msg}`, `${VAR?msg}`, `${VAR:+alt}`, `${VAR+alt}`, nesting inside the
 * default/alternate/message word, and `$$` for a literal `$`. A `$` that starts nothing valid
 * is kept as written. Pure: the caller supplies `lookup` and reads what was used.
 */

export interface VarRef {
  name: string;
  required: boolean;
  defaultValue?: string;
  alternateValue?: string;
}

export type SubstResult =
  | { ok: true; value: string; refs: VarRef[]; unset: string[] }
  | { ok: false; error: 'required'; name: string; message: string; refs: VarRef[]; unset: string[] }
  | { ok: false; error: 'syntax'; message: string; refs: VarRef[]; unset: string[] };

const NAME_START = /[_a-zA-Z]/;
const NAME_CHAR = /[_a-zA-Z0-9]/;

class Failure {
  constructor(readonly kind: 'required' | 'syntax', readonly message: string, readonly name = '') {}
}

export function substitute(text: string, lookup: (name: string) => string | undefined): SubstResult {
  const refs: VarRef[] = [];
  const unset: string[] = [];
  try {
    const [value, end] = parse(text, 0, false, lookup, refs, unset);
    if (end !== text.length) throw new Failure('syntax', `invalid interpolation format for "${text}"`);
    return { ok: true, value, refs, unset };
  } catch (e) {
    if (e instanceof Failure) {
      return e.kind === 'required'
        ? { ok: false, error: 'required', name: e.name, message: e.message, refs, unset }
        : { ok: false, error: 'syntax', message: e.message, refs, unset };
    }
    throw e;
  }
}

/** Reads text until the end (or, inside a braced word, until the unmatched `}`). */
function parse(s: string, i: number, inBraces: boolean, lookup: (n: string) => string | undefined, refs: VarRef[], unset: string[]): [string, number] {
  let out = '';
  while (i < s.length) {
    const c = s[i]!;
    if (inBraces && c === '}') return [out, i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const n = s[i + 1];
    if (n === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (n !== undefined && NAME_START.test(n)) {
      let j = i + 1;
      while (j < s.length && NAME_CHAR.test(s[j]!)) j++;
      const name = s.slice(i + 1, j);
      refs.push({ name, required: false });
      const v = lookup(name);
      if (v === undefined) unset.push(name);
      out += v ?? '';
      i = j;
      continue;
    }
    if (n === '{') {
      const [v, j] = braced(s, i + 2, lookup, refs, unset);
      out += v;
      i = j;
      continue;
    }
    out += '$'; // a lone `$` stays as written
    i++;
  }
  if (inBraces) throw new Failure('syntax', `invalid interpolation format for "${s}": missing "}"`);
  return [out, i];
}

/** Parses `NAME[op word]}` starting after `${`; returns the value and the index after `}`. */
function braced(s: string, i: number, lookup: (n: string) => string | undefined, refs: VarRef[], unset: string[]): [string, number] {
  let j = i;
  if (j >= s.length || !NAME_START.test(s[j]!)) throw new Failure('syntax', `invalid interpolation format for "${s}": a variable name must follow "\${"`);
  while (j < s.length && NAME_CHAR.test(s[j]!)) j++;
  const name = s.slice(i, j);
  const value = lookup(name);
  if (s[j] === '}') {
    refs.push({ name, required: false });
    if (value === undefined) unset.push(name);
    return [value ?? '', j + 1];
  }
  let op = '';
  for (const cand of [':-', ':?', ':+', '-', '?', '+']) {
    if (s.startsWith(cand, j)) {
      op = cand;
      break;
    }
  }
  if (!op) throw new Failure('syntax', `invalid interpolation format for "${s}": unsupported syntax after "\${${name}"`);
  // The word is evaluated lazily in the shell, but errors in it are syntax either way;
  // evaluate it with a lookup that records nothing when it is not used.
  const wordRefs: VarRef[] = [];
  const wordUnset: string[] = [];
  const [word, end] = parse(s, j + op.length, true, lookup, wordRefs, wordUnset);
  const next = end + 1;
  const emptyOrUnset = value === undefined || value === '';
  const ref: VarRef = { name, required: op.includes('?') };
  if (op.includes('-')) ref.defaultValue = word;
  if (op.includes('+')) ref.alternateValue = word;
  refs.push(ref);
  const useWord = (): [string, number] => {
    refs.push(...wordRefs);
    unset.push(...wordUnset);
    return [word, next];
  };
  switch (op) {
    case ':-':
      return emptyOrUnset ? useWord() : [value!, next];
    case '-':
      return value === undefined ? useWord() : [value, next];
    case ':+':
      return emptyOrUnset ? ['', next] : useWord();
    case '+':
      return value === undefined ? ['', next] : useWord();
    case ':?':
      if (emptyOrUnset) throw new Failure('required', `required variable ${name} is missing a value${word ? `: ${word}` : ''}`, name);
      return [value!, next];
    default: // '?'
      if (value === undefined) throw new Failure('required', `required variable ${name} is missing a value${word ? `: ${word}` : ''}`, name);
      return [value, next];
  }
}
