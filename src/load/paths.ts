/**
 * Pass "paths": relative paths become absolute. Paths of the -f files resolve against the
 * project directory; a service taken from another file by `extends`, and everything an
 * `include` brings, resolve against their own file's folder first (so they arrive absolute
 * and this pass leaves them alone). `~` is the user's home.
 */
import path from 'node:path';
import { isMap, type Tree } from './context.js';

export interface PathEnv {
  home?: string;
}

export function absPath(p: string, dir: string, env: PathEnv): string {
  if (p === '~' || p.startsWith('~/')) return path.join(env.home ?? '/root', p.slice(1));
  if (path.isAbsolute(p) || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\')) return p;
  return path.resolve(dir, p);
}

/** A remote build context (git or URL) is never a path. */
function isRemote(ctx: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(ctx) || ctx.startsWith('git@') || ctx.startsWith('github.com/');
}

export function resolveServicePaths(s: Tree, dir: string, env: PathEnv): void {
  if (isMap(s.build)) {
    const b = s.build;
    const c = typeof b.context === 'string' ? b.context : '.';
    if (!isRemote(c)) b.context = absPath(c, dir, env);
    else b.context = c;
    if (isMap(b.additional_contexts)) {
      for (const [k, v] of Object.entries(b.additional_contexts)) {
        if (typeof v === 'string' && !isRemote(v) && !v.startsWith('docker-image:') && !v.startsWith('service:') && !v.startsWith('oci-layout:')) {
          b.additional_contexts[k] = absPath(v, dir, env);
        }
      }
    }
  }
  if (Array.isArray(s.env_file)) for (const e of s.env_file) if (isMap(e) && typeof e.path === 'string') e.path = absPath(e.path, dir, env);
  if (Array.isArray(s.label_file)) s.label_file = s.label_file.map((f) => (typeof f === 'string' ? absPath(f, dir, env) : f));
  else if (typeof s.label_file === 'string') s.label_file = [absPath(s.label_file, dir, env)];
  if (Array.isArray(s.volumes)) {
    for (const v of s.volumes) {
      if (isMap(v) && v.type === 'bind' && typeof v.source === 'string') v.source = absPath(v.source, dir, env);
    }
  }
  if (isMap(s.develop) && Array.isArray(s.develop.watch)) {
    for (const w of s.develop.watch) if (isMap(w) && typeof w.path === 'string') w.path = absPath(w.path, dir, env);
  }
  if (isMap(s.extends) && typeof s.extends.file === 'string') s.extends.file = absPath(s.extends.file, dir, env);
}

export function resolveTreePaths(tree: Tree, dir: string, env: PathEnv): void {
  if (isMap(tree.services)) for (const s of Object.values(tree.services)) if (isMap(s)) resolveServicePaths(s, dir, env);
  for (const kind of ['secrets', 'configs']) {
    const m = tree[kind];
    if (!isMap(m)) continue;
    for (const v of Object.values(m)) if (isMap(v) && typeof v.file === 'string') v.file = absPath(v.file, dir, env);
  }
  if (isMap(tree.volumes)) {
    // A local volume that binds a host folder (`o: bind`, `device: ./data`) names a path.
    for (const v of Object.values(tree.volumes)) {
      if (!isMap(v) || !isMap(v.driver_opts)) continue;
      const o = v.driver_opts;
      if (typeof o.device === 'string' && typeof o.o === 'string' && o.o.split(',').includes('bind')) o.device = absPath(o.device, dir, env);
    }
  }
}
