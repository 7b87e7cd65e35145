/**
 * Pass "discover": which Compose files to read, and the project directory.
 * -f files (or COMPOSE_FILE) in order; otherwise the first of compose.yaml, compose.yml,
 * docker-compose.yml, docker-compose.yaml in the working directory or the nearest parent
 * that has one, plus its compose.override.* / docker-compose.override.* companion.
 */
import path from 'node:path';
import type { Diagnostics, LoadIO } from './context.js';

export const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];
export const OVERRIDE_FILES = ['compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yml', 'docker-compose.override.yaml'];

export const STDIN = '-';

export interface Discovered {
  /** Absolute paths, or "-" for standard input. */
  files: string[];
}

export function discoverFiles(io: LoadIO, diag: Diagnostics, explicit: string[], cwd: string, searchDir: string): Discovered | undefined {
  if (explicit.length > 0) {
    const files: string[] = [];
    for (const f of explicit) {
      if (f === STDIN) {
        files.push(STDIN);
        continue;
      }
      const abs = path.resolve(cwd, f);
      if (!io.exists(abs)) diag.error('file-not-found', `compose file ${abs} not found`, { hint: 'check the -f path (or COMPOSE_FILE)' });
      else if (io.isDir(abs)) {
        // Compose accepts a directory and looks for the default names inside it.
        const inner = DEFAULT_FILES.map((n) => path.join(abs, n)).find((p) => io.exists(p));
        if (inner) files.push(inner);
        else diag.error('file-not-found', `no compose file found in directory ${abs}`);
      } else files.push(abs);
    }
    return files.length === explicit.length ? { files } : undefined;
  }
  let dir = path.resolve(searchDir);
  for (;;) {
    const found = DEFAULT_FILES.filter((n) => io.exists(path.join(dir, n)));
    if (found.length > 0) {
      if (found.length > 1) diag.warn('no-compose-file', `found multiple config files with supported names: ${found.map((n) => path.join(dir, n)).join(', ')}; using ${path.join(dir, found[0]!)}`);
      const files = [path.join(dir, found[0]!)];
      const ov = OVERRIDE_FILES.find((n) => io.exists(path.join(dir, n)));
      if (ov) files.push(path.join(dir, ov));
      return { files };
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  diag.error('no-compose-file', `no configuration file provided: not found (looked for ${DEFAULT_FILES.join(', ')} in ${searchDir} and its parents)`, {
    hint: 'create compose.yaml or pass -f FILE',
  });
  return undefined;
}
