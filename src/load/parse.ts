/**
 * Pass "parse": YAML text → a plain JS tree, with the position of every value recorded in the
 * SourceMap. We walk the `yaml` package's node tree ourselves (rather than `toJS()`) because
 * only the nodes carry ranges, and because `!reset` / `!override` must be seen as tags.
 * Duplicate keys, syntax errors and non-mapping documents become diagnostics.
 */
import { isAlias, isMap as isYamlMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, Scalar } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { LoadContext, Loc, Tree } from './context.js';

const MAX_NODES = 500_000; // alias bombs ("billion laughs") stop here; a 300-service file has ~20k

/**
 * parseYaml returns one tree per YAML document of the file (Compose merges several
 * documents of one file in order), or undefined when the file has errors.
 */
export function parseYaml(ctx: LoadContext, file: string, text: string): Tree[] | undefined {
  const lc = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lc, merge: true, uniqueKeys: true, prettyErrors: false, strict: false });
  const docs = Array.isArray(parsed) ? parsed : [parsed];
  const at = (offset: number): Loc => {
    const p = lc.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  let ok = true;
  const trees: Tree[] = [];
  for (const doc of docs) {
    for (const e of doc.errors) {
      ok = false;
      const dup = e.code === 'DUPLICATE_KEY';
      const key = dup ? /^\s*(["']?)([^"':\n]+)\1\s*:/.exec(text.slice(e.pos[0]))?.[2] : undefined;
      ctx.diag.error(dup ? 'duplicate-key' : 'yaml-syntax', dup ? `duplicate key${key ? ` "${key.trim()}"` : ''} in one mapping` : `YAML syntax error: ${firstLine(e.message)}`, {
        loc: at(e.pos[0]),
        path: dup ? pathAt(doc.contents, e.pos[0], []) : undefined,
        hint: dup ? 'a mapping may name each key once; remove or merge the repeated one' : undefined,
      });
    }
    for (const w of doc.warnings) {
      if (w.code === 'TAG_RESOLVE_FAILED' && /!(reset|override)/.test(w.message)) continue;
      ctx.diag.warn('yaml-syntax', `YAML: ${firstLine(w.message)}`, { loc: at(w.pos[0]) });
    }
    if (!ok) continue;
    const root = doc.contents as YamlNode | null;
    if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) continue; // an empty document adds nothing
    if (!isYamlMap(root)) {
      ctx.diag.error('type', 'a Compose file must be a mapping at the top level', { loc: at(root.range?.[0] ?? 0) });
      ok = false;
      continue;
    }
    try {
      trees.push(convert(ctx, doc, root, at, { count: 0 }, new Set()) as Tree);
    } catch (e) {
      if (!(e instanceof AliasLimit)) throw e;
      ctx.diag.error('yaml-syntax', `aliases expand to more than ${MAX_NODES} values (an alias bomb?)`, { loc: at(root.range?.[0] ?? 0), hint: 'use fewer nested aliases' });
      ok = false;
    }
  }
  if (!ok) return undefined;
  return trees.length ? trees : [{}];
}

/** The key path of the key written at `offset` (for a duplicate key), searched through the node tree. */
function pathAt(node: unknown, offset: number, path: (string | number)[]): (string | number)[] | undefined {
  if (isYamlMap(node)) {
    for (const pair of node.items) {
      const k = pair.key as YamlNode | null;
      const name = isScalar(k) ? String(k.value) : String(k);
      if (k?.range && k.range[0] === offset) return [...path, name];
      const v = pair.value as YamlNode | null;
      if (v?.range && offset >= v.range[0] && offset <= v.range[2]) return pathAt(v, offset, [...path, name]);
    }
  } else if (isSeq(node)) {
    for (let i = 0; i < node.items.length; i++) {
      const v = node.items[i] as YamlNode | null;
      if (v?.range && offset >= v.range[0] && offset <= v.range[2]) return pathAt(v, offset, [...path, i]);
    }
  }
  return undefined;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

type At = (offset: number) => Loc;

class AliasLimit extends Error {}

function convert(ctx: LoadContext, doc: Document, node: unknown, at: At, state: { count: number }, resolving: Set<unknown>): unknown {
  if (++state.count > MAX_NODES) throw new AliasLimit();
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (!target || resolving.has(target)) return null;
    resolving.add(target);
    const v = convert(ctx, doc, target, at, state, resolving);
    resolving.delete(target);
    return v;
  }
  if (isYamlMap(node)) {
    const obj: Tree = {};
    ctx.src.setSelf(obj, node.range ? at(node.range[0]) : undefined);
    const merged: [string, unknown, Loc | undefined][] = [];
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const k = pair.key as YamlNode | null;
      if (isScalar(k) && typeof k.value === 'symbol') {
        // merge key `<<`: explicit keys of this mapping win, then earlier sources win.
        const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
        for (const s of sources) {
          const v = convert(ctx, doc, s, at, state, resolving);
          if (v && typeof v === 'object' && !Array.isArray(v)) {
            for (const [mk, mv] of Object.entries(v)) merged.push([mk, mv, ctx.src.key(v, mk)]);
          }
        }
        continue;
      }
      const key = k === null ? '' : isScalar(k) ? String(k.value ?? '') : String((k as { toString(): string }).toString());
      const valNode = pair.value as YamlNode | null;
      const val = valNode === null ? null : convert(ctx, doc, valNode, at, state, resolving);
      obj[key] = val;
      const pos = valNode?.range ? at(valNode.range[0]) : k && (k as YamlNode).range ? at((k as YamlNode).range![0]) : undefined;
      ctx.src.setKey(obj, key, pos);
      if (k && (k as YamlNode).range) ctx.src.setKeyName(obj, key, at((k as YamlNode).range![0]));
      const tag = valNode && !isAlias(valNode) ? (valNode as { tag?: string }).tag : undefined;
      if (tag === '!reset' || tag === '!override') ctx.src.setTag(obj, key, tag === '!reset' ? 'reset' : 'override');
    }
    for (const [mk, mv, loc] of merged) {
      if (!(mk in obj)) {
        obj[mk] = mv;
        ctx.src.setKey(obj, mk, loc);
      }
    }
    return obj;
  }
  if (isSeq(node)) {
    const arr: unknown[] = [];
    ctx.src.setSelf(arr, node.range ? at(node.range[0]) : undefined);
    node.items.forEach((item, i) => {
      arr.push(convert(ctx, doc, item, at, state, resolving));
      const r = (item as YamlNode | null)?.range;
      ctx.src.setKey(arr, i, r ? at(r[0]) : undefined);
      const tag = item && !isAlias(item) ? (item as { tag?: string }).tag : undefined;
      if (tag === '!reset' || tag === '!override') ctx.src.setTag(arr, i, tag === '!reset' ? 'reset' : 'override');
    });
    return arr;
  }
  if (isScalar(node)) return scalarValue(node);
  return null;
}

/**
 * Scalars as Compose (go-yaml v3) reads them: the YAML 1.2 core schema, except that a plain
 * number with a leading zero is octal (file modes like `0440`).
 */
function scalarValue(s: Scalar): unknown {
  if (s.type === 'PLAIN' && typeof s.source === 'string' && /^0[0-7]+$/.test(s.source)) return parseInt(s.source, 8);
  if (s.type === 'PLAIN' && typeof s.source === 'string' && /^0o[0-7]+$/.test(s.source)) return parseInt(s.source.slice(2), 8);
  const v = s.value;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (v instanceof Date) return s.source ?? v.toISOString();
  return v === undefined ? null : v;
}
