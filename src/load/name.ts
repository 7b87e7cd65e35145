/**
 * Pass "name": the project name. -p, then COMPOSE_PROJECT_NAME, then the top-level `name:`,
 * then the project directory's name. An explicit name must already be valid (lowercase
 * letters, digits, "-" and "_", starting with a letter or digit); only the directory's name
 * is normalized to fit.
 */
import path from 'node:path';
import type { LoadContext, Tree } from './context.js';

export const PROJECT_NAME_RE = /^[a-z0-9][a-z0-9_-]*$/;

export function normalizeProjectName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[_-]+/, '');
}

export function resolveProjectName(ctx: LoadContext, tree: Tree, explicit: string | undefined, projectDir: string): string {
  const candidates: [string | undefined, string][] = [
    [explicit, '-p'],
    [ctx.vars.COMPOSE_PROJECT_NAME, 'COMPOSE_PROJECT_NAME'],
    [typeof tree.name === 'string' ? tree.name : undefined, 'name'],
  ];
  for (const [v, source] of candidates) {
    if (v === undefined || v === '') continue;
    if (!PROJECT_NAME_RE.test(v)) {
      ctx.diag.error('project-name', `invalid project name "${v}" (from ${source}): it must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit`, {
        loc: source === 'name' ? ctx.src.key(tree, 'name') : undefined,
        path: source === 'name' ? ['name'] : undefined,
        hint: `try "${normalizeProjectName(v) || 'myproject'}"`,
      });
      return normalizeProjectName(v) || 'default';
    }
    return v;
  }
  const n = normalizeProjectName(path.basename(projectDir));
  if (!n) {
    ctx.diag.error('project-name', `cannot derive a project name from the directory "${projectDir}"`, { hint: 'set one with -p NAME or a top-level "name:"' });
    return 'default';
  }
  return n;
}
