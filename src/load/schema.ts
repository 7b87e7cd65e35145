/**
 * The schema validator behind the "validate" pass (validate.ts): checks an interpolated
 * Compose document (one file's tree, or a merged one) against berth's own JSON Schema
 * (schemas/compose.schema.json) and reports each problem once, in YAML words, at the most
 * specific place. The schema asks nothing that only a whole project has (such as an image
 * or a build per service), so a partial override file validates too.
 *
 * ajv reports every failing branch of every anyOf/oneOf, which for a Compose file is mostly
 * noise ("must be string", "must be object", "must match a schema in anyOf" for one typo).
 * We collapse each such group the way compose-go does: re-check the value against every
 * branch on its own, drop the branches whose type did not even match, and keep the branch
 * whose errors lie deepest. The schema follows one convention that makes this exact: a node
 * holding anyOf/oneOf holds nothing else but annotations.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import { suggest } from './suggest.js';

export interface SchemaIssue {
  path: (string | number)[];
  message: string;
  code: 'unknown-key' | 'type' | 'schema' | 'invalid-value';
  hint?: string;
}

type Path = (string | number)[];

/** One problem before it is put into words (its path is relative to the value checked). */
type Found =
  | { kind: 'type'; path: Path; expected: string[]; expect?: string; value: unknown }
  | { kind: 'unknown-key'; path: Path; key: string; candidates: string[]; value: unknown }
  | { kind: 'required'; path: Path; key: string }
  | { kind: 'value'; path: Path; value: unknown; expect?: string; fallback?: string; candidates?: string[] }
  | { kind: 'exclusive'; path: Path; keys: string[] }
  | { kind: 'external'; path: Path; key: string }
  | { kind: 'duplicate'; path: Path; first: number; value: unknown }
  | { kind: 'name'; path: Path; name: string; expect?: string }
  | { kind: 'other'; path: Path; text: string };

interface Compiled {
  ajv: Ajv;
  root: ValidateFunction;
  schemaId: string;
  /** Attributes of a service, for the hint when one is written at the top level. */
  serviceKeys: string[];
  /** Attributes of a service's sections (deploy, healthcheck, ...), for the hint when one is
   * written straight in the service: key → section. */
  sectionOf: Map<string, string>;
  branches: WeakMap<object, ValidateFunction>;
}

let compiled: Compiled | undefined;

/**
 * Checks `doc` (plain data after interpolation and typed conversion) and returns every
 * problem found, in document order. An empty list means the document is valid. The schema
 * is read and compiled on the first call and reused after.
 */
export function validateSchema(doc: unknown): SchemaIssue[] {
  compiled ??= compile();
  const found = dropImpliedRequired(explain(compiled, doc, compiled.root));
  const issues = found.map((f) => render(f, compiled!));
  return sortByDocument(dedupe(issues), doc);
}

// ---------------------------------------------------------------------------------------
// Compilation (once, lazily: ajv code generation costs tens of milliseconds)

/** Where schemas/ lives: the folder holding package.json, above this file in src/ or dist/src/. */
export function schemaFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'schemas', 'compose.schema.json');
    const up = dirname(dir);
    if (up === dir) throw new Error('berth: cannot find package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

function compile(): Compiled {
  const schema = JSON.parse(readFileSync(schemaFile(), 'utf8')) as {
    $id: string;
    definitions: Record<string, { properties?: Record<string, unknown> }>;
  };
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strict: true,
    allowUnionTypes: true,
    // healthcheck.test constrains only its first item; an empty list stays valid.
    strictTuples: false,
    // Compile time is paid by every `berth config`; these two cut it from ~220 to ~90 ms
    // (measured on this schema), while validating 300 services still takes ~5 ms.
    code: { optimize: false },
    inlineRefs: false,
  });
  // `expect` is an annotation: the words a message uses for what the value should be.
  ajv.addKeyword({ keyword: 'expect', schemaType: 'string' });
  // `suggest` is an annotation too: usual values of a pattern-checked field, for hints.
  ajv.addKeyword({ keyword: 'suggest', schemaType: 'array' });
  ajv.addKeyword({
    keyword: 'exclusive',
    type: 'object',
    schemaType: 'array',
    errors: true,
    validate: checkExclusive,
  });
  for (const [name, check] of Object.entries(FORMATS)) {
    ajv.addFormat(name, { type: 'string', validate: check.test });
  }
  ajv.addKeyword({
    keyword: 'externalOnly',
    type: 'object',
    schemaType: 'boolean',
    errors: true,
    validate: checkExternalOnly,
  });
  const root = ajv.compile(schema);
  const keysOf = (def: string): string[] => Object.keys(schema.definitions[def]?.properties ?? {});
  const serviceKeys = keysOf('service');
  const sectionOf = new Map<string, string>();
  for (const [section, def] of SECTIONS) {
    for (const k of keysOf(def)) if (!serviceKeys.includes(k) && !sectionOf.has(k)) sectionOf.set(k, section);
  }
  return { ajv, root, schemaId: schema.$id, serviceKeys, sectionOf, branches: new WeakMap() };
}

/** Sections of a service whose attributes are often written one level too high. */
const SECTIONS: [string, string][] = [
  ['deploy', 'deploy'],
  ['healthcheck', 'healthcheck'],
  ['build', 'build_long'],
  ['logging', 'logging'],
  ['develop', 'develop'],
];

/** Custom keyword `exclusive: [[a, b], ...]`: keys that must not be set together. */
function checkExclusive(groups: string[][], data: Record<string, unknown>): boolean {
  const errors: Partial<ErrorObject>[] = [];
  for (const group of groups) {
    const set = group.filter((k) => data[k] !== undefined);
    if (set.length > 1) errors.push({ keyword: 'exclusive', message: 'exclusive', params: { keys: set } });
  }
  (checkExclusive as { errors?: Partial<ErrorObject>[] }).errors = errors;
  return errors.length === 0;
}

const TRUE_WORDS = new Set(['true', 'yes', 'on', 'y']);

/**
 * Custom keyword `externalOnly: true`: an external resource is managed outside the project,
 * so the Spec rejects any attribute but `name` (and x- extensions) beside `external`.
 */
function checkExternalOnly(enabled: boolean, data: Record<string, unknown>): boolean {
  const ext = data.external;
  const isExternal =
    ext === true ||
    (typeof ext === 'string' && TRUE_WORDS.has(ext.toLowerCase())) ||
    (ext !== null && typeof ext === 'object');
  const extra = enabled && isExternal
    ? Object.keys(data).filter((k) => k !== 'external' && k !== 'name' && !k.startsWith('x-'))
    : [];
  (checkExternalOnly as { errors?: Partial<ErrorObject>[] }).errors = extra.map((key) => ({
    keyword: 'externalOnly',
    message: 'externalOnly',
    params: { key },
  }));
  return extra.length === 0;
}

function branchValidator(c: Compiled, branch: AnySchema): ValidateFunction {
  if (typeof branch !== 'object' || branch === null) return c.ajv.compile(branch);
  let v = c.branches.get(branch);
  if (!v) {
    // Compiled alone, a branch's local refs ("#/definitions/x") would point into the branch
    // itself: make them absolute so they resolve in the registered root schema.
    v = c.ajv.compile(absoluteRefs(branch, c.schemaId) as AnySchema);
    c.branches.set(branch, v);
  }
  return v;
}

function absoluteRefs(node: unknown, id: string): unknown {
  if (Array.isArray(node)) return node.map((x) => absoluteRefs(x, id));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#') ? id + v : absoluteRefs(v, id);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Explaining ajv's errors

function explain(c: Compiled, value: unknown, validate: ValidateFunction): Found[] {
  if (validate(value)) return [];
  const errors = [...(validate.errors ?? [])];
  // ajv lists a combinator's branch errors just before the combinator's own error, all of
  // them at or under its instance path: drop that run, the combinator is re-explained below.
  const kept: ErrorObject[] = [];
  const nameExpect = new Map<string, string | undefined>();
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      while (kept.length && isUnder(kept[kept.length - 1]!.instancePath, e.instancePath)) kept.pop();
    }
    if (e.propertyName !== undefined) {
      // An error about a key name (propertyNames): keep only the words, reported once below.
      nameExpect.set(e.instancePath + '\0' + e.propertyName, expectOf(e.parentSchema));
      continue;
    }
    kept.push(e);
  }
  const out: Found[] = [];
  for (const e of kept) {
    const at = toPath(value, e.instancePath);
    switch (e.keyword) {
      case 'anyOf':
      case 'oneOf':
        out.push(...explainBranches(c, e, at));
        break;
      case 'type':
        out.push({ kind: 'type', path: at, expected: typesOf(e.params.type), value: e.data });
        break;
      case 'additionalProperties': {
        const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
        out.push({
          kind: 'unknown-key',
          path: [...at, String(e.params.additionalProperty)],
          key: String(e.params.additionalProperty),
          candidates: Object.keys(props ?? {}),
          value: (e.data as Record<string, unknown>)[String(e.params.additionalProperty)],
        });
        break;
      }
      case 'required':
        out.push({ kind: 'required', path: at, key: String(e.params.missingProperty) });
        break;
      case 'exclusive':
        out.push({ kind: 'exclusive', path: at, keys: (e.params as { keys: string[] }).keys });
        break;
      case 'uniqueItems': {
        const [first, dup] = [Number(e.params.i), Number(e.params.j)].sort((a, b) => a - b) as [number, number];
        const list = e.data as unknown[];
        out.push({ kind: 'duplicate', path: [...at, dup], first, value: list[dup] });
        break;
      }
      case 'externalOnly':
        out.push({ kind: 'external', path: [...at, String(e.params.key)], key: String(e.params.key) });
        break;
      case 'propertyNames': {
        const name = String(e.params.propertyName);
        out.push({ kind: 'name', path: [...at, name], name, expect: nameExpect.get(e.instancePath + '\0' + name) });
        break;
      }
      case 'enum':
      case 'const':
        out.push({
          kind: 'value',
          path: at,
          value: e.data,
          expect: expectOf(e.parentSchema),
          fallback: oneOfWords(e),
          candidates: allowedOf(e).filter((x): x is string => typeof x === 'string'),
        });
        break;
      case 'pattern':
        out.push({
          kind: 'value',
          path: at,
          value: e.data,
          expect: expectOf(e.parentSchema),
          candidates: suggestionsOf(e.parentSchema),
        });
        break;
      case 'format':
        out.push({
          kind: 'value',
          path: at,
          value: e.data,
          expect: FORMATS[String(e.params.format)]?.expect ?? expectOf(e.parentSchema),
        });
        break;
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        out.push({
          kind: 'value',
          path: at,
          value: e.data,
          expect: expectOf(e.parentSchema),
          fallback: `a number ${String(e.params.comparison)} ${String(e.params.limit)}`,
        });
        break;
      default:
        out.push({ kind: 'other', path: at, text: e.message ?? e.keyword });
    }
  }
  return out;
}

/**
 * Re-checks the value under an anyOf/oneOf against each branch alone and keeps the branch
 * that explains the error best: among branches whose type matched, the one whose errors lie
 * deepest (then the one with fewer errors, then the first). When no branch's type matched,
 * one type error names all the accepted types.
 */
function explainBranches(c: Compiled, e: ErrorObject, at: Path): Found[] {
  const value = e.data;
  const expect = expectOf(e.parentSchema);
  const branches = e.schema as AnySchema[];
  const results = branches.map((b) => explain(c, value, branchValidator(c, b)));
  if (results.some((r) => r.length === 0)) {
    // Only oneOf fails with a matching branch: the value matched several branches.
    return [{ kind: 'other', path: at, text: 'matches more than one allowed form' }];
  }
  const matched = results.filter((r) => !r.some((f) => f.kind === 'type' && f.path.length === 0));
  if (matched.length === 0) {
    const expected = [...new Set(results.flatMap((r) => r.flatMap((f) => (f.kind === 'type' ? f.expected : []))))];
    return [{ kind: 'type', path: at, expected, expect, value }];
  }
  let best = matched[0]!;
  for (const r of matched.slice(1)) {
    const d = depth(r) - depth(best);
    if (d > 0 || (d === 0 && r.length < best.length)) best = r;
  }
  return best.map((f) => {
    const shifted = { ...f, path: [...at, ...f.path] } as Found;
    // A value error at the branch's root that has no words of its own borrows the combinator's.
    if (shifted.kind === 'value' && shifted.expect === undefined && f.path.length === 0) shifted.expect = expect;
    return shifted;
  });
}

/**
 * `condtion: x` where `condition` is required gives two errors for one typo: the unknown key
 * and the missing one. The unknown key, with its "did you mean", says it all.
 */
function dropImpliedRequired(found: Found[]): Found[] {
  const typoFor = new Set<string>();
  for (const f of found) {
    if (f.kind !== 'unknown-key') continue;
    const near = suggest(f.key, f.candidates);
    if (near !== undefined) typoFor.add(JSON.stringify([...f.path.slice(0, -1), near]));
  }
  return found.filter((f) => f.kind !== 'required' || !typoFor.has(JSON.stringify([...f.path, f.key])));
}

function depth(found: Found[]): number {
  return Math.max(...found.map((f) => f.path.length));
}

function isUnder(path: string, parent: string): boolean {
  return path === parent || path.startsWith(parent + '/');
}

function expectOf(schema: unknown): string | undefined {
  if (schema && typeof schema === 'object' && typeof (schema as { expect?: unknown }).expect === 'string') {
    return (schema as { expect: string }).expect;
  }
  return undefined;
}

function allowedOf(e: ErrorObject): unknown[] {
  return e.keyword === 'const' ? [e.params.allowedValue] : (e.params.allowedValues as unknown[]);
}

function oneOfWords(e: ErrorObject): string {
  const allowed = allowedOf(e);
  return allowed.length === 1 ? show(allowed[0]) : `one of ${allowed.map(show).join(', ')}`;
}

/** The `suggest` annotation: the usual words of a pattern-checked value, for "did you mean". */
function suggestionsOf(schema: unknown): string[] | undefined {
  const list = schema && typeof schema === 'object' ? (schema as { suggest?: unknown }).suggest : undefined;
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : undefined;
}

function typesOf(t: unknown): string[] {
  return Array.isArray(t) ? t.map(String) : String(t).split(',');
}

/** A JSON pointer relative to `value` as a key path; indexes of sequences become numbers. */
function toPath(value: unknown, pointer: string): Path {
  if (pointer === '') return [];
  const out: Path = [];
  let cur: unknown = value;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      out.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      out.push(seg);
      cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Words

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a sequence',
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  null: 'null',
};

/** The YAML name of a value's type, for "(found ...)". */
function yamlType(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a sequence';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return TYPE_WORDS[typeof value] ?? typeof value;
}

function typesPhrase(types: string[]): string {
  // integer is a kind of number: "a number or an integer" says nothing more than "a number".
  let t = types.filter((x) => x !== 'null');
  if (t.includes('number')) t = t.filter((x) => x !== 'integer');
  const words = t.map((x) => TYPE_WORDS[x] ?? x);
  if (words.length === 0) return 'null';
  if (words.length === 1) return words[0]!;
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return Array.isArray(v) ? 'a sequence' : 'a mapping';
  return String(v);
}

const RESOURCE_WORDS: Record<string, string> = {
  services: 'service',
  networks: 'network',
  volumes: 'volume',
  secrets: 'secret',
  configs: 'config',
  models: 'model',
};

function dotted(path: Path): string {
  return path
    .map((p, i) => {
      if (typeof p === 'number') return `[${p}]`;
      // Keys such as label names hold dots themselves: bracket them so the path stays readable.
      if (!/^[\w-]+$/.test(p)) return `[${JSON.stringify(p)}]`;
      return i === 0 ? p : `.${p}`;
    })
    .join('');
}

/** How a message names the thing at `path`: `service "web"`, `ports[0] of service "web"`. */
export function subject(path: Path): string {
  if (path.length === 0) return 'the file';
  const [top, name, ...rest] = path;
  const word = typeof top === 'string' ? RESOURCE_WORDS[top] : undefined;
  if (word && name !== undefined) {
    const owner = `${word} ${JSON.stringify(String(name))}`;
    return rest.length === 0 ? owner : `${dotted(rest)} of ${owner}`;
  }
  return dotted(path);
}

function where(path: Path): string {
  return path.length === 0 ? 'at the top level' : `in ${subject(path)}`;
}

function render(f: Found, c: Compiled): SchemaIssue {
  switch (f.kind) {
    case 'type':
      return {
        path: f.path,
        code: 'type',
        message: `${subject(f.path)} must be ${f.expect ?? typesPhrase(f.expected)} (found ${yamlType(f.value)})`,
      };
    case 'unknown-key': {
      const parent = f.path.slice(0, -1);
      const near = suggest(f.key, f.candidates);
      const issue: SchemaIssue = {
        path: f.path,
        code: 'unknown-key',
        message: `unknown key ${JSON.stringify(f.key)} ${where(parent)}`,
      };
      if (near !== undefined) issue.hint = `did you mean ${JSON.stringify(near)}?`;
      else if (parent.length === 0 && c.serviceKeys.includes(f.key)) {
        issue.hint = `${JSON.stringify(f.key)} is a service attribute: put it under services.<name>`;
      } else if (parent.length === 0 && looksLikeService(f.value, c.serviceKeys)) {
        // The version-1 layout: services at the top level, without "services:".
        issue.hint = `${JSON.stringify(f.key)} looks like a service: put it under "services:"`;
      } else if (parent.length === 2 && parent[0] === 'services' && c.sectionOf.has(f.key)) {
        const section = c.sectionOf.get(f.key)!;
        issue.hint = `${JSON.stringify(f.key)} is an attribute of ${section}: put it under "${section}:"`;
      }
      return issue;
    }
    case 'required':
      return {
        path: f.path,
        code: 'schema',
        message: `${subject(f.path)} is missing the required key ${JSON.stringify(f.key)}`,
      };
    case 'value': {
      const issue: SchemaIssue = {
        path: f.path,
        code: 'invalid-value',
        message: `${subject(f.path)} has an invalid value ${show(f.value)}${expected(f.expect ?? f.fallback)}`,
      };
      const near = typeof f.value === 'string' && f.candidates ? suggest(f.value, f.candidates) : undefined;
      if (near !== undefined) issue.hint = `did you mean ${JSON.stringify(near)}?`;
      return issue;
    }
    case 'exclusive':
      return {
        path: [...f.path, f.keys[f.keys.length - 1]!],
        code: 'invalid-value',
        message: `${f.keys.map((k) => JSON.stringify(k)).join(' and ')} cannot both be set ${where(f.path)}`,
      };
    case 'duplicate': {
      const list = f.path.slice(0, -1);
      return {
        path: f.path,
        code: 'invalid-value',
        message: `${subject(list)} lists ${show(f.value)} twice (items ${f.first} and ${String(f.path[f.path.length - 1])})`,
      };
    }
    case 'external': {
      const owner = f.path.slice(0, -1);
      return {
        path: f.path,
        code: 'invalid-value',
        message: `${subject(owner)} is external, so ${JSON.stringify(f.key)} cannot be set (only "name" may be)`,
      };
    }
    case 'name': {
      const parent = f.path.slice(0, -1);
      const word = parent.length === 1 && typeof parent[0] === 'string' ? RESOURCE_WORDS[parent[0]] : undefined;
      return {
        path: f.path,
        code: 'invalid-value',
        message: `invalid ${word ?? 'key'} name ${JSON.stringify(f.name)}${expected(f.expect)}`,
      };
    }
    case 'other':
      return { path: f.path, code: 'schema', message: `${subject(f.path)} ${f.text}` };
  }
}

function looksLikeService(value: unknown, serviceKeys: string[]): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => serviceKeys.includes(k) || k.startsWith('x-'));
}

function expected(words: string | undefined): string {
  return words ? `: expected ${words}` : '';
}

function dedupe(issues: SchemaIssue[]): SchemaIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = JSON.stringify([i.path, i.message]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Orders issues as their places appear in the document (ajv follows the schema's order). */
function sortByDocument(issues: SchemaIssue[], doc: unknown): SchemaIssue[] {
  if (issues.length < 2) return issues;
  const rank = new Map<string, number>();
  let n = 0;
  const walk = (v: unknown, p: Path): void => {
    rank.set(JSON.stringify(p), n++);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  walk(doc, []);
  const rankOf = (p: Path): number => {
    for (let len = p.length; len >= 0; len--) {
      const r = rank.get(JSON.stringify(p.slice(0, len)));
      if (r !== undefined) return r;
    }
    return 0;
  };
  return issues
    .map((issue, i) => ({ issue, i, r: rankOf(issue.path) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.issue);
}

// ---------------------------------------------------------------------------------------
// Formats of short syntaxes (the Spec's grammar; the loader parses them later)

interface FormatCheck {
  test: (s: string) => boolean;
  expect: string;
}

const RANGE = /^[0-9]+(-[0-9]+)?$/;

function portsOk(s: string): boolean {
  let rest = s;
  const proto = /\/([A-Za-z]+)$/.exec(rest);
  if (proto) rest = rest.slice(0, proto.index);
  const inRange = (r: string): boolean => r.split('-').every((p) => Number(p) <= 65535);
  const last = rest.lastIndexOf(':');
  if (last < 0) return RANGE.test(rest) && inRange(rest);
  const container = rest.slice(last + 1);
  if (!RANGE.test(container) || !inRange(container)) return false;
  const front = rest.slice(0, last);
  const sep = front.lastIndexOf(':');
  // "HOST:CONTAINER" or "IP:HOST:CONTAINER" (IP may be IPv6, bracketed or not; HOST may be empty).
  const host = sep < 0 ? front : front.slice(sep + 1);
  const ip = sep < 0 ? '' : front.slice(0, sep);
  if (host !== '' && !(RANGE.test(host) && inRange(host))) return false;
  // An empty HOST_PORT (":80", "127.0.0.1::80") asks for an ephemeral port.
  return sep < 0 || isIP(ip.replace(/^\[(.*)\]$/, '$1')) !== 0;
}

function volumeOk(s: string): boolean {
  if (s.trim() === '') return false;
  // A Windows drive letter ("C:\\data") holds a colon that is not a separator.
  const parts: string[] = [];
  for (const p of s.split(':')) {
    const prev = parts[parts.length - 1];
    if (prev !== undefined && /^[A-Za-z]$/.test(prev) && /^[\\/]/.test(p)) parts[parts.length - 1] = `${prev}:${p}`;
    else parts.push(p);
  }
  if (parts.length > 3) return false;
  return parts.every((p) => p !== '');
}

const FORMATS: Record<string, FormatCheck> = {
  duration: {
    test: (s) => s === '0' || /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/.test(s),
    expect: 'a duration such as "1m30s" (units h, m, s, ms, us, ns)',
  },
  bytes: {
    test: (s) => /^\d+(\.\d+)? ?([kKmMgGtTpP])?[iI]?[bB]?$/.test(s),
    expect: 'a byte value such as "512m" or "1gb", or a number of bytes',
  },
  ports: {
    test: portsOk,
    expect: 'a port mapping "[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]" such as "8080:80"',
  },
  expose: {
    test: (s) => /^[0-9]+(-[0-9]+)?(\/[A-Za-z]+)?$/.test(s),
    expect: 'a port or a port range, with an optional protocol ("8080-8085/tcp")',
  },
  volume: {
    test: volumeOk,
    expect: 'a mount "[SOURCE:]TARGET[:MODE]" such as "./data:/data:ro"',
  },
};
