/**
 * Pass "include": each entry of the top-level `include:` is loaded as a project of its own
 * (its own project directory and .env, paths resolved there), and its services, networks,
 * volumes, secrets and configs are added to this project. A name defined on both sides is
 * an error unless both definitions are equal: Compose does not merge across an include.
 */
import path from 'node:path';
import { isMap, type LoadContext, type Tree } from './context.js';
import { absPath } from './paths.js';

export type SubLoader = (files: string[], projectDir: string, envFiles: string[] | undefined, chain: string[]) => Tree | undefined;

const KINDS = ['services', 'networks', 'volumes', 'secrets', 'configs'] as const;

export function applyInclude(ctx: LoadContext, tree: Tree, baseDir: string, chain: string[], loadSub: SubLoader): void {
  const inc = tree.include;
  delete tree.include;
  if (inc === undefined || inc === null) return;
  if (!Array.isArray(inc)) {
    ctx.diag.error('include', 'include must be a sequence', { loc: ctx.src.self(inc) });
    return;
  }
  inc.forEach((entry, i) => {
    const loc = ctx.src.key(inc, i);
    const at = { loc, path: ['include', i] };
    let paths: string[];
    let projectDir: string | undefined;
    let envFiles: string[] | undefined;
    if (typeof entry === 'string') paths = [entry];
    else if (isMap(entry)) {
      paths = typeof entry.path === 'string' ? [entry.path] : Array.isArray(entry.path) ? entry.path.filter((p): p is string => typeof p === 'string') : [];
      if (typeof entry.project_directory === 'string') projectDir = absPath(entry.project_directory, baseDir, { home: ctx.home });
      if (typeof entry.env_file === 'string') envFiles = [entry.env_file];
      else if (Array.isArray(entry.env_file)) envFiles = entry.env_file.filter((p): p is string => typeof p === 'string');
    } else {
      ctx.diag.error('include', 'an include entry must be a path or a mapping with "path"', at);
      return;
    }
    if (paths.length === 0) {
      ctx.diag.error('include', 'an include entry needs a path', at);
      return;
    }
    const files = paths.map((p) => absPath(p, baseDir, { home: ctx.home }));
    for (const f of files) {
      if (chain.includes(f)) {
        ctx.diag.error('include', `include cycle: ${[...chain, f].map((x) => path.basename(x)).join(' -> ')}`, at);
        return;
      }
      if (!ctx.io.exists(f)) {
        ctx.diag.error('include', `included file ${f} not found`, at);
        return;
      }
    }
    const dir = projectDir ?? path.dirname(files[0]!);
    // Like the include's path and project_directory, env_file is relative to the including file.
    const envs = envFiles?.map((e) => absPath(e, baseDir, { home: ctx.home }));
    const sub = loadSub(files, dir, envs, [...chain, ...files]);
    if (!sub) return;
    for (const kind of KINDS) {
      const from = sub[kind];
      if (!isMap(from)) continue;
      const into = isMap(tree[kind]) ? (tree[kind] as Tree) : (tree[kind] = {});
      for (const [k, v] of Object.entries(from)) {
        if (k in into) {
          if (JSON.stringify(into[k]) !== JSON.stringify(v)) {
            ctx.diag.error('include', `${kind}.${k} conflicts with imported resource from ${files.join(', ')}`, {
              loc: ctx.src.key(into, k) ?? loc,
              path: [kind, k],
            });
          }
          continue;
        }
        into[k] = v;
        ctx.src.setKey(into, k, ctx.src.key(from, k));
      }
    }
  });
}
