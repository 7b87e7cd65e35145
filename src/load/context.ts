/**
 * What every load pass shares: the collected diagnostics, the positions of the user's
 * values (a side table keyed by the plain objects the passes walk), and the effects the
 * loader may use (reading files). Passes never throw for a user's mistake; they record a
 * Diagnostic and go on, so one run reports every error of a file.
 */
import type { Diagnostic, DiagCode } from '../diag/diagnostic.js';

export type Path = (string | number)[];
export type Tree = Record<string, unknown>;

export interface Loc {
  file: string;
  line: number;
  col: number;
}

interface Meta {
  self?: Loc;
  keys: Map<string | number, Loc>;
  /** Where the key itself is written (for "unknown key"), when it differs from its value. */
  keyNames?: Map<string, Loc>;
  tags?: Map<string | number, 'reset' | 'override'>;
}

/**
 * Positions of values, kept beside the plain JS tree (a WeakMap keyed by each mapping or
 * sequence) so that passes can work on ordinary objects and still point at the user's line.
 */
export class SourceMap {
  private readonly meta = new WeakMap<object, Meta>();

  private get(obj: object): Meta {
    let m = this.meta.get(obj);
    if (!m) {
      m = { keys: new Map() };
      this.meta.set(obj, m);
    }
    return m;
  }

  setSelf(obj: object, loc: Loc | undefined): void {
    if (loc) this.get(obj).self = loc;
  }

  self(obj: unknown): Loc | undefined {
    return isObj(obj) ? this.meta.get(obj)?.self : undefined;
  }

  setKey(obj: object, key: string | number, loc: Loc | undefined): void {
    if (loc) this.get(obj).keys.set(key, loc);
  }

  key(obj: unknown, key: string | number): Loc | undefined {
    return isObj(obj) ? this.meta.get(obj)?.keys.get(key) : undefined;
  }

  setKeyName(obj: object, key: string, loc: Loc | undefined): void {
    if (!loc) return;
    const m = this.get(obj);
    (m.keyNames ??= new Map()).set(key, loc);
  }

  /** The position of the key named by the last segment of `path` (falls back to its value). */
  locateKey(root: unknown, path: Path): Loc | undefined {
    if (path.length === 0) return this.locate(root, path);
    let node: unknown = root;
    for (const seg of path.slice(0, -1)) {
      if (!isObj(node)) return this.locate(root, path);
      node = (node as Record<string | number, unknown>)[seg];
    }
    const last = path[path.length - 1]!;
    const named = isObj(node) && typeof last === 'string' ? this.meta.get(node)?.keyNames?.get(last) : undefined;
    return named ?? this.locate(root, path);
  }

  setTag(obj: object, key: string | number, tag: 'reset' | 'override'): void {
    const m = this.get(obj);
    (m.tags ??= new Map()).set(key, tag);
  }

  tag(obj: unknown, key: string | number): 'reset' | 'override' | undefined {
    return isObj(obj) ? this.meta.get(obj)?.tags?.get(key) : undefined;
  }

  /** Gives `to` the positions `from` has (keys `to` already has keep theirs unless `overwrite`). */
  copy(from: unknown, to: object, overwrite = true): void {
    if (!isObj(from)) return;
    const src = this.meta.get(from);
    if (!src) return;
    const dst = this.get(to);
    if (src.self && (overwrite || !dst.self)) dst.self = src.self;
    for (const [k, v] of src.keys) if (overwrite || !dst.keys.has(k)) dst.keys.set(k, v);
  }

  /** Every key of `obj` (and obj itself) points at `loc`: for objects made from one short-syntax string. */
  setAll(obj: object, loc: Loc | undefined): void {
    if (!loc) return;
    this.setSelf(obj, loc);
    for (const k of Object.keys(obj)) this.setKey(obj, Array.isArray(obj) ? Number(k) : k, loc);
  }

  /** The most precise known position of the value at `path` under `root`. */
  locate(root: unknown, path: Path): Loc | undefined {
    let best = this.self(root);
    let node: unknown = root;
    for (const seg of path) {
      if (!isObj(node)) break;
      const k = this.key(node, seg);
      if (k) best = k;
      node = (node as Record<string | number, unknown>)[seg];
      const s = this.self(node);
      if (s) best = s;
    }
    return best;
  }
}

export function isObj(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

export function isMap(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Collects diagnostics; `error()` never throws. */
export class Diagnostics {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  private readonly seen = new Set<string>();

  /**
   * Keeps the first error reported at one place (file, position and key path): the schema
   * check runs before the passes that would find the same malformed value again.
   */
  add(d: Diagnostic): void {
    const where = d.file && d.line ? `${d.file}|${d.line}|${d.col}|${(d.path ?? []).join('.')}` : `${d.code}|${d.message}`;
    // Warnings carry their message in the key: two unset variables in one value are two warnings.
    const key = d.severity === 'error' ? `error|${where}` : `warning|${where}|${d.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    (d.severity === 'error' ? this.errors : this.warnings).push(d);
  }

  error(code: DiagCode, message: string, at?: { loc?: Loc; path?: Path; hint?: string }): void {
    this.add(mk('error', code, message, at));
  }

  warn(code: DiagCode, message: string, at?: { loc?: Loc; path?: Path; hint?: string }): void {
    this.add(mk('warning', code, message, at));
  }
}

function mk(severity: 'error' | 'warning', code: DiagCode, message: string, at?: { loc?: Loc; path?: Path; hint?: string }): Diagnostic {
  const d: Diagnostic = { code, severity, message };
  if (at?.loc) {
    d.file = at.loc.file;
    d.line = at.loc.line;
    d.col = at.loc.col;
  }
  if (at?.path && at.path.length) d.path = at.path;
  if (at?.hint) d.hint = at.hint;
  return d;
}

/** Effects the loader needs, injectable for tests. */
export interface LoadIO {
  readFile(path: string): string;
  exists(path: string): boolean;
  isDir(path: string): boolean;
}

export interface LoadContext {
  diag: Diagnostics;
  src: SourceMap;
  io: LoadIO;
  /** Variables for interpolation (shell over .env). */
  vars: Record<string, string | undefined>;
  interpolate: boolean;
  /** Interpolation bookkeeping for `config --variables` and the "unset" warning once per name. */
  variables: Map<string, VariableUse>;
  warnedUnset: Set<string>;
  /** Schema check per file (schema.ts), when available. */
  validator?: ((doc: unknown) => { path: (string | number)[]; message: string; code: 'unknown-key' | 'type' | 'schema' | 'invalid-value'; hint?: string }[]) | undefined;
  /** Files already read, by absolute path (extends may name one several times). */
  cache: Map<string, Tree | undefined>;
  /** Text of standard input, when a file is "-". */
  stdin?: string;
  /** Services whose errors were already reported (a failed extends): later checks skip them. */
  broken: Set<string>;
  /** COMPOSE_PROJECT_NAME for interpolation when the user did not set it (-p, `name:`, or the directory). */
  implicitProjectName?: string;
  /** The project directory (for standard input, which has no folder of its own). */
  projectDir: string;
  /** $HOME for `~` in paths. */
  home?: string;
}

export interface VariableUse {
  name: string;
  required: boolean;
  defaultValue?: string;
  alternateValue?: string;
  value?: string;
}
