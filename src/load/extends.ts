/**
 * Pass "extends" (per file, as Compose): a service with `extends: {service, file?}` is its
 * base service merged with itself (same merge rules as files). Without `file` the base is
 * in the same file. Chains are followed; a cycle is an error that lists the chain. A base
 * from another file has its relative paths resolved against that file's folder first.
 */
import path from 'node:path';
import { isMap, type LoadContext, type Loc, type Tree } from './context.js';
import { cloneTree, mergeTrees } from './merge.js';
import { resolveServicePaths } from './paths.js';

interface Ref {
  file: string; // absolute file the service is defined in ("" = the merged main files)
  service: string;
}

/** Reads another Compose file through the per-file passes (file.ts's loadFile). */
export type FileLoader = (ctx: LoadContext, file: string, from?: Loc) => Tree | undefined;

export function applyExtends(ctx: LoadContext, tree: Tree, projectDir: string, load: FileLoader): void {
  const services = tree.services;
  if (!isMap(services)) return;
  const w: Walk = { done: new Map(), cycles: new Set(), load };
  for (const name of Object.keys(services)) {
    const r = resolve(ctx, { file: '', service: name }, services, projectDir, [], w);
    if (r) services[name] = r;
  }
}

/** One extends walk: services already resolved, cycles already reported. */
interface Walk {
  done: Map<string, Tree>;
  cycles: Set<string>;
  load: FileLoader;
}

function keyOf(r: Ref): string {
  return `${r.file}#${r.service}`;
}

function resolve(ctx: LoadContext, ref: Ref, services: Tree, projectDir: string, chain: Ref[], w: Walk): Tree | undefined {
  const r = resolveOne(ctx, ref, services, projectDir, chain, w);
  if (!r && !ref.file) ctx.broken.add(ref.service);
  return r;
}

function resolveOne(ctx: LoadContext, ref: Ref, services: Tree, projectDir: string, chain: Ref[], w: Walk): Tree | undefined {
  const k = keyOf(ref);
  if (w.done.has(k)) return w.done.get(k);
  const svc = services[ref.service];
  if (!isMap(svc)) return undefined;
  const ext = svc.extends;
  if (ext === undefined || ext === null) {
    w.done.set(k, svc);
    return svc;
  }
  const extLoc = ctx.src.key(svc, 'extends');
  const spec = typeof ext === 'string' ? { service: ext } : isMap(ext) ? ext : undefined;
  if (!spec || typeof spec.service !== 'string') {
    ctx.diag.error('extends', `extends of service "${ref.service}" must name a service`, { loc: extLoc, path: ['services', ref.service, 'extends'] });
    return undefined;
  }
  const herePath = ['services', ref.service, 'extends'];
  let baseRef: Ref;
  let baseServices: Tree;
  // Relative to the file that holds this `extends`.
  const fromFile = extLoc?.file && path.isAbsolute(extLoc.file) ? extLoc.file : ref.file || path.join(projectDir, 'x');
  const abs = typeof spec.file === 'string' ? path.resolve(path.dirname(fromFile), spec.file) : undefined;
  if (abs !== undefined && abs !== fromFile) {
    const other = ctx.io.exists(abs) ? w.load(ctx, abs, extLoc) : undefined;
    if (!ctx.io.exists(abs)) {
      ctx.diag.error('extends', `extends of service "${ref.service}": file ${abs} not found`, { loc: extLoc, path: [...herePath, 'file'] });
      return undefined;
    }
    if (!other) return undefined;
    baseServices = isMap(other.services) ? other.services : {};
    baseRef = { file: abs, service: spec.service };
  } else {
    // No file, or this very file named again: a service of the same file.
    baseServices = services;
    baseRef = { file: ref.file, service: spec.service };
  }
  const nextChain = [...chain, ref];
  if (nextChain.some((r) => keyOf(r) === keyOf(baseRef))) {
    const names = [...nextChain.slice(nextChain.findIndex((r) => keyOf(r) === keyOf(baseRef))), baseRef].map((r) => r.service);
    // Report a cycle once, however many of its members we start from.
    const id = [...new Set(names)].sort().join(',');
    if (w.cycles.has(id)) return undefined;
    w.cycles.add(id);
    ctx.diag.error('extends', `circular extends: ${names.join(' -> ')}`, { loc: extLoc, path: herePath });
    return undefined;
  }
  if (!isMap(baseServices[spec.service])) {
    ctx.diag.error('extends', `service "${ref.service}" extends undefined service "${spec.service}"${baseRef.file && baseRef.file !== ref.file ? ` (in ${baseRef.file})` : ''}`, {
      loc: extLoc,
      path: [...herePath, 'service'],
      hint: typeof spec.file === 'string' ? undefined : 'without "file:", extends names a service of the same file',
    });
    return undefined;
  }
  const resolvedBase = resolve(ctx, baseRef, baseServices, baseRef.file ? path.dirname(baseRef.file) : projectDir, nextChain, w);
  if (!resolvedBase) return undefined;
  const base = cloneTree(ctx, resolvedBase);
  delete base.extends;
  if (baseRef.file && baseRef.file !== ref.file) resolveServicePaths(base, path.dirname(baseRef.file), { home: ctx.home });
  const self: Tree = { ...svc };
  ctx.src.copy(svc, self);
  delete self.extends;
  const merged = mergeTrees(ctx, base, self, ['services', ref.service]);
  w.done.set(k, merged);
  return merged;
}
