/**
 * One file through the per-file passes, in order: read → parse → interpolate (+ typed
 * conversion) → validate → canonical → extends. What comes out is ready to be merged
 * (after its `include`s, which pipeline.ts adds).
 */
import path from 'node:path';
import type { LoadContext, Loc, Tree } from './context.js';
import { parseYaml } from './parse.js';
import { interpolateTree } from './interpolate.js';
import { validateTree } from './validate.js';
import { canonicalizeTree } from './canonical.js';
import { STDIN } from './discover.js';
import { applyExtends } from './extends.js';
import { mergeTrees } from './merge.js';

/** Marks a file in the cache while its passes run. */
const LOADING: Tree = Object.freeze({}) as Tree;

/** Label used in diagnostics for standard input. */
export const STDIN_NAME = '<stdin>';

export function loadFile(ctx: LoadContext, file: string, from?: Loc): Tree | undefined {
  if (ctx.cache.has(file)) {
    const t = ctx.cache.get(file);
    // Still being read: files that extend each other in a loop (a.yaml → b.yaml → a.yaml).
    if (t === LOADING) {
      ctx.diag.error('extends', `extends loops back to ${file}, which is still being read`, { loc: from, hint: 'extends across files must not form a cycle' });
      return undefined;
    }
    return t;
  }
  ctx.cache.set(file, LOADING);
  let text: string;
  let name = file;
  if (file === STDIN) {
    text = ctx.stdin ?? '';
    name = STDIN_NAME;
  } else {
    try {
      text = ctx.io.readFile(file);
    } catch (e) {
      ctx.diag.error('file-not-found', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      ctx.cache.set(file, undefined);
      return undefined;
    }
  }
  const docs = parseYaml(ctx, name, text);
  let tree: Tree | undefined;
  for (const doc of docs ?? []) {
    interpolateTree(ctx, doc);
    // Canonicalize even after schema errors: later passes then report more, and every
    // error of the file is shown in one run (shapes the schema rejected are left alone).
    validateTree(ctx, doc, ctx.validator);
    canonicalizeTree(ctx, doc);
    applyExtends(ctx, doc, ctx.projectDir, loadFile);
    // Several YAML documents in one file merge in order, like several files.
    tree = tree === undefined ? doc : mergeTrees(ctx, tree, doc);
  }
  ctx.cache.set(file, tree);
  return tree;
}

export function dirOf(file: string, projectDir: string): string {
  return file === STDIN ? projectDir : path.dirname(file);
}
