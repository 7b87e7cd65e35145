/**
 * A small evaluator for the Go-template subset Docker users type in `--format` and
 * `inspect -f`: field paths (`{{.State.ExitCode}}`), `json`, `index`, `join`, `upper`,
 * `lower`, `title`, `len`, `split`, `printf`, `print`, `println`, `eq`/`ne`/`not`/`and`/`or`,
 * pipelines (`{{.Name | upper}}`), `range` (with `$k, $v :=`), `if`/`else`, `with`, and the
 * `{{-`/`-}}` trim markers. Values print as Go prints them (`[a b]`, `map[k:v]`, `<no value>`).
 */

export class TemplateError extends Error {
  constructor(message: string) {
    super(`template: ${message}`);
    this.name = 'UserError';
  }
}

type Node =
  | { t: 'text'; text: string }
  | { t: 'action'; pipe: string }
  | { t: 'if' | 'with'; pipe: string; body: Node[]; else: Node[] }
  | { t: 'range'; pipe: string; key?: string; value?: string; body: Node[]; else: Node[] };

// ------------------------------------------------------------------ parse

function lex(src: string): ({ text: string } | { action: string })[] {
  const out: ({ text: string } | { action: string })[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src[start] === '-' && /\s/.test(src[start + 1] ?? '')) {
      text = text.replace(/\s+$/, '');
      start++;
    }
    if (text) out.push({ text });
    // find the closing braces outside string literals
    let j = start;
    let quote: string | undefined;
    for (; j < src.length; j++) {
      const ch = src[j]!;
      if (quote) {
        if (ch === '\\') j++;
        else if (ch === quote) quote = undefined;
      } else if (ch === '"' || ch === '`') quote = ch;
      else if (src.startsWith('}}', j)) break;
    }
    if (j >= src.length) throw new TemplateError(`unclosed action in ${JSON.stringify(src)}`);
    let action = src.slice(start, j);
    i = j + 2;
    if (/\s-$/.test(action)) {
      action = action.slice(0, -1);
      const m = /^\s+/.exec(src.slice(i));
      if (m) i += m[0].length;
    }
    out.push({ action: action.trim() });
  }
  return out;
}

export function parse(src: string): Node[] {
  const toks = lex(src);
  let pos = 0;
  const block = (closers: string[]): { nodes: Node[]; closer: string } => {
    const nodes: Node[] = [];
    while (pos < toks.length) {
      const tok = toks[pos++]!;
      if ('text' in tok) {
        nodes.push({ t: 'text', text: tok.text });
        continue;
      }
      const a = tok.action;
      if (a.startsWith('/*')) continue; // comment
      const word = /^(\w+)\b\s*(.*)$/s.exec(a);
      const kw = word?.[1];
      if (kw && closers.includes(kw)) return { nodes, closer: kw };
      if (kw === 'if' || kw === 'with') {
        const body = block(['else', 'end']);
        const els = body.closer === 'else' ? block(['end']).nodes : [];
        nodes.push({ t: kw, pipe: word![2]!, body: body.nodes, else: els });
      } else if (kw === 'range') {
        let pipe = word![2]!;
        let key: string | undefined;
        let value: string | undefined;
        const decl = /^(\$\w+)\s*(?:,\s*(\$\w+))?\s*:=\s*(.*)$/s.exec(pipe);
        if (decl) {
          if (decl[2]) [key, value] = [decl[1], decl[2]];
          else value = decl[1];
          pipe = decl[3]!;
        }
        const body = block(['else', 'end']);
        const els = body.closer === 'else' ? block(['end']).nodes : [];
        nodes.push({ t: 'range', pipe, key, value, body: body.nodes, else: els });
      } else if (kw === 'end' || kw === 'else') {
        throw new TemplateError(`unexpected {{${kw}}}`);
      } else nodes.push({ t: 'action', pipe: a });
    }
    if (closers.length) throw new TemplateError(`missing {{end}}`);
    return { nodes, closer: '' };
  };
  return block([]).nodes;
}

// ------------------------------------------------------------------ values

/** Go's fmt %v of a JSON-ish value. */
export function goString(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (typeof v === 'object') {
    const keys = Object.keys(v as object).sort();
    return `map[${keys.map((k) => `${k}:${goString((v as Record<string, unknown>)[k])}`).join(' ')}]`;
  }
  return String(v);
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

function field(obj: unknown, name: string): unknown {
  if (obj === null || typeof obj !== 'object') return undefined;
  const o = obj as Record<string, unknown>;
  if (name in o) return o[name];
  // Be forgiving about case (Docker users write .Id and .ID).
  const k = Object.keys(o).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : o[k];
}

type Scope = { dot: unknown; vars: Record<string, unknown> };

const FUNCS: Record<string, (...a: unknown[]) => unknown> = {
  json: (v) => JSON.stringify(v ?? null),
  index: (v, ...keys) => keys.reduce<unknown>((acc, k) => (Array.isArray(acc) ? acc[Number(k)] : field(acc, String(k))), v),
  join: (v, sep) => (Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : goString(x))).join(String(sep ?? '')) : goString(v)),
  split: (v, sep) => String(v ?? '').split(String(sep)),
  upper: (v) => String(v ?? '').toUpperCase(),
  lower: (v) => String(v ?? '').toLowerCase(),
  title: (v) => String(v ?? '').replace(/\b\w/g, (c) => c.toUpperCase()),
  len: (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
  truncate: (v, n) => String(v ?? '').slice(0, Number(n)),
  pad: (v, l, r) => `${' '.repeat(Number(l))}${String(v ?? '')}${' '.repeat(Number(r))}`,
  print: (...a) => a.map((x) => (typeof x === 'string' ? x : goString(x))).join(''),
  println: (...a) => a.map((x) => (typeof x === 'string' ? x : goString(x))).join(' ') + '\n',
  printf: (fmt, ...a) => {
    let i = 0;
    return String(fmt).replace(/%([-+ 0#]*\d*(?:\.\d+)?)([svdqtfx%])/g, (_m, _flags: string, verb: string) => {
      if (verb === '%') return '%';
      const v = a[i++];
      if (verb === 'q') return JSON.stringify(typeof v === 'string' ? v : goString(v));
      if (verb === 'd') return String(Math.trunc(Number(v)));
      if (verb === 'x') return Number(v).toString(16);
      return typeof v === 'string' ? v : goString(v);
    });
  },
  eq: (a, ...b) => b.some((x) => x === a || String(x) === String(a)),
  ne: (a, b) => !(a === b || String(a) === String(b)),
  not: (a) => !truthy(a),
  and: (...a) => a.reduce((acc, x) => (truthy(acc) ? x : acc)),
  or: (...a) => a.reduce((acc, x) => (truthy(acc) ? acc : x)),
};

function tokenizeCmd(src: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '"' || ch === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== ch) j += src[j] === '\\' && ch === '"' ? 2 : 1;
      out.push(src.slice(i, j + 1));
      i = j + 1;
    } else if (ch === '(') {
      let depth = 0;
      let j = i;
      for (; j < src.length; j++) {
        if (src[j] === '(') depth++;
        else if (src[j] === ')' && --depth === 0) break;
      }
      // A field chain may follow the group: (index .X "k").Field
      let k = j + 1;
      while (k < src.length && !/\s/.test(src[k]!)) k++;
      out.push(src.slice(i, k));
      i = k;
    } else {
      let j = i;
      while (j < src.length && !/\s/.test(src[j]!)) j++;
      out.push(src.slice(i, j));
      i = j;
    }
  }
  return out;
}

function splitPipes(src: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let cur = '';
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (quote) {
      cur += ch;
      if (ch === '\\' && quote === '"') cur += src[++i] ?? '';
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === '`') quote = ch;
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === '|' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter(Boolean);
}

function term(tok: string, s: Scope): unknown {
  if (tok.startsWith('"')) return JSON.parse(tok) as string;
  if (tok.startsWith('`')) return tok.slice(1, -1);
  if (tok.startsWith('(')) {
    const close = tok.lastIndexOf(')');
    const inner = pipeline(tok.slice(1, close), s);
    const rest = tok.slice(close + 1);
    return rest ? rest.slice(1).split('.').reduce<unknown>((acc, f) => field(acc, f), inner) : inner;
  }
  if (/^-?\d+(\.\d+)?$/.test(tok)) return Number(tok);
  if (tok === 'true' || tok === 'false') return tok === 'true';
  if (tok === 'nil') return null;
  if (tok === '.') return s.dot;
  if (tok.startsWith('.')) return tok.slice(1).split('.').reduce<unknown>((acc, f) => field(acc, f), s.dot);
  if (tok.startsWith('$')) {
    const [name, ...path] = tok.split('.');
    if (!(name! in s.vars)) throw new TemplateError(`undefined variable ${name}`);
    return path.reduce<unknown>((acc, f) => field(acc, f), s.vars[name!]);
  }
  throw new TemplateError(`function "${tok}" not defined`);
}

function command(src: string, s: Scope, piped: unknown[]): unknown {
  const toks = tokenizeCmd(src);
  const head = toks[0];
  if (head === undefined) throw new TemplateError('empty command');
  const fn = FUNCS[head];
  if (fn) return fn(...toks.slice(1).map((t) => term(t, s)), ...piped);
  if (/^[a-zA-Z]\w*$/.test(head) && !['true', 'false', 'nil'].includes(head)) throw new TemplateError(`function "${head}" not defined`);
  if (toks.length > 1 || piped.length) throw new TemplateError(`can't give arguments to non-function ${head}`);
  return term(head, s);
}

function pipeline(src: string, s: Scope): unknown {
  let value: unknown[] = [];
  for (const part of splitPipes(src)) value = [command(part, s, value)];
  return value[0];
}

function render(nodes: Node[], s: Scope): string {
  let out = '';
  for (const n of nodes) {
    switch (n.t) {
      case 'text':
        out += n.text;
        break;
      case 'action': {
        const decl = /^(\$\w+)\s*:?=\s*(.*)$/s.exec(n.pipe);
        if (decl) {
          s.vars[decl[1]!] = pipeline(decl[2]!, s);
          break;
        }
        const v = pipeline(n.pipe, s);
        out += typeof v === 'string' ? v : goString(v);
        break;
      }
      case 'if': {
        out += render(truthy(pipeline(n.pipe, s)) ? n.body : n.else, s);
        break;
      }
      case 'with': {
        const v = pipeline(n.pipe, s);
        out += truthy(v) ? render(n.body, { dot: v, vars: s.vars }) : render(n.else, s);
        break;
      }
      case 'range': {
        const v = pipeline(n.pipe, s);
        const entries: [unknown, unknown][] = Array.isArray(v)
          ? v.map((x, i) => [i, x])
          : v && typeof v === 'object'
            ? Object.keys(v)
                .sort()
                .map((k) => [k, (v as Record<string, unknown>)[k]])
            : [];
        if (!entries.length) {
          out += render(n.else, s);
          break;
        }
        for (const [k, x] of entries) {
          const vars = { ...s.vars };
          if (n.key) vars[n.key] = k;
          if (n.value) vars[n.value] = x;
          out += render(n.body, { dot: x, vars });
        }
        break;
      }
    }
  }
  return out;
}

/** Compiles once, renders many (one line per listed object). */
export function compileTemplate(src: string): (data: unknown) => string {
  const nodes = parse(src);
  return (data) => render(nodes, { dot: data, vars: { $: data } });
}

export function renderTemplate(src: string, data: unknown): string {
  return compileTemplate(src)(data);
}
