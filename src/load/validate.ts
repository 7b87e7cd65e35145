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
  const issues = validator(tree);
  for (const i of issues) {
    const at: { loc?: ReturnType<LoadContext['src']['locate']>; path: Path; hint?: string } = { loc: ctx.src.locate(tree, i.path), path: i.path };
    if (i.hint) at.hint = i.hint;
    ctx.diag.error(i.code, i.message, at);
  }
  return issues.length === 0;
}
