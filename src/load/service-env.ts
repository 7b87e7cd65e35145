/**
 * Pass "service environment": each service's final environment, in the Spec's precedence:
 * `environment` over `env_file` (later env files over earlier ones); a bare `KEY` in
 * `environment` takes the value from the shell / .env, and stays null when there is none.
 * env files are read here (after paths became absolute). `env_file` stays in the output.
 */
import path from 'node:path';
import { isMap, type LoadContext, type Tree } from './context.js';
import { parseDotenv } from './dotenv.js';

export function resolveServiceEnvironment(ctx: LoadContext, tree: Tree, projectDir: string): void {
  const services = tree.services;
  if (!isMap(services)) return;
  for (const [name, s] of Object.entries(services)) {
    if (!isMap(s)) continue;
    // A bare build arg (`- VERSION`) takes its value from the shell / .env, like environment.
    if (isMap(s.build) && isMap(s.build.args)) {
      for (const [k, v] of Object.entries(s.build.args)) if (v === null && ctx.vars[k] !== undefined) s.build.args[k] = ctx.vars[k]!;
    }
    const fromFiles: Record<string, string> = {};
    if (Array.isArray(s.env_file)) {
      s.env_file.forEach((e, i) => {
        if (!isMap(e) || typeof e.path !== 'string') return;
        if (!ctx.interpolate && e.path.includes('$')) return; // not interpolated: nothing to read yet
        const loc = ctx.src.key(s.env_file, i) ?? ctx.src.key(s, 'env_file');
        // Relative only when path resolution is off: still read the file the path means.
        const file = path.resolve(projectDir, e.path);
        if (!ctx.io.exists(file) || ctx.io.isDir(file)) {
          if (e.required !== false) {
            ctx.diag.error('env-file', `env file ${e.path} not found`, { loc, path: ['services', name, 'env_file', i], hint: 'create it, or mark it `required: false`' });
          }
          return;
        }
        let text: string;
        try {
          text = ctx.io.readFile(file);
        } catch (err) {
          ctx.diag.error('env-file', `cannot read env file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { loc, path: ['services', name, 'env_file', i] });
          return;
        }
        const r = parseDotenv(text, (n) => ctx.vars[n], e.format === 'raw');
        for (const err of r.errors) ctx.diag.error('env-file', err.message.replace(/^line \d+: /, ''), { loc: { file, line: err.line, col: 1 } });
        Object.assign(fromFiles, r.values);
      });
    }
    const env = isMap(s.environment) ? s.environment : undefined;
    if (!env && Object.keys(fromFiles).length === 0) continue;
    const out: Record<string, string | null> = { ...fromFiles };
    for (const [k, v] of Object.entries(env ?? {})) {
      if (v === null || v === undefined) {
        const fromShell = ctx.vars[k];
        out[k] = fromShell !== undefined ? fromShell : k in fromFiles ? fromFiles[k]! : null;
      } else out[k] = String(v);
    }
    if (env) ctx.src.copy(env, out);
    s.environment = out;
  }
}
