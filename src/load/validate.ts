/**
 * Pass "validate": the file's interpolated, typed tree against berth's JSON Schema
 * (schemas/compose.schema.json, compiled once in schema.ts). Each issue's key path becomes
 * file:line:col through the SourceMap. Runs per file before canonicalization, so the user
 * is told about the syntax they wrote, not the long form we made of it.
 */
import type { LoadContext, Path, Tree } from './context.js';

export interface SchemaIssue {
  path: (string | number)[];
  message: string;
  code: 'unknown-key' | 'type' | 'schema' | 'invalid-value';
  hint?: string;
}

export type SchemaValidator = (doc: unknown) => SchemaIssue[];

export function validateTree(ctx: LoadContext, tree: Tree, validator: SchemaValidator | undefined): boolean {
  if (!validator) return true;
  // Without interpolation, a value still holding "${X}" cannot be judged yet.
  // A value tagged !reset is not a value: it only removes what a file before set.
  const issues = validator(tree).filter((i) => (ctx.interpolate || !holdsVariable(tree, i.path)) && !underReset(ctx, tree, i.path));
  for (const i of issues) {
    const at: { loc?: ReturnType<LoadContext['src']['locate']>; path: Path; hint?: string } = {
      loc: i.code === 'unknown-key' ? ctx.src.locateKey(tree, i.path) : ctx.src.locate(tree, i.path),
      path: i.path,
    };
    if (i.hint) at.hint = i.hint;
    ctx.diag.error(i.code, i.message, at);
  }
  return issues.length === 0;
}

function holdsVariable(tree: Tree, path: Path): boolean {
  let v: unknown = tree;
  for (const k of path) v = typeof v === 'object' && v !== null ? (v as Record<string | number, unknown>)[k] : undefined;
  return typeof v === 'string' && v.includes('$');
}

function underReset(ctx: LoadContext, tree: Tree, path: Path): boolean {
  let v: unknown = tree;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return false;
    if (ctx.src.tag(v, k) === 'reset') return true;
    v = (v as Record<string | number, unknown>)[k];
  }
  return false;
}
