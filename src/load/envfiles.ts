/**
 * Pass "environment": the variables interpolation sees. The project's .env (or the
 * --env-file / COMPOSE_ENV_FILES list, later files winning) under the shell's variables:
 * the shell always wins over a file.
 */
import path from 'node:path';
import type { Diagnostics, LoadIO } from './context.js';
import { parseDotenv } from './dotenv.js';

export interface ProjectEnv {
  vars: Record<string, string | undefined>;
  /** Absolute env files read. */
  files: string[];
}

export function readProjectEnv(
  io: LoadIO,
  diag: Diagnostics,
  shell: Record<string, string | undefined>,
  envFiles: string[] | undefined,
  dir: string,
): ProjectEnv {
  const explicit = envFiles && envFiles.length > 0;
  const list = explicit ? envFiles.map((f) => path.resolve(dir, f)) : [path.join(dir, '.env')];
  const fromFiles: Record<string, string> = {};
  const files: string[] = [];
  if (shell.COMPOSE_DISABLE_ENV_FILE && /^(1|true)$/i.test(shell.COMPOSE_DISABLE_ENV_FILE) && !explicit) return { vars: { ...shell }, files };
  for (const f of list) {
    if (!io.exists(f)) {
      if (explicit) diag.error('env-file', `env file ${f} not found`, { loc: { file: f, line: 0, col: 0 } });
      continue;
    }
    if (io.isDir(f)) {
      if (explicit) diag.error('env-file', `env file ${f} is a directory`);
      continue;
    }
    let text: string;
    try {
      text = io.readFile(f);
    } catch (e) {
      diag.error('env-file', `cannot read env file ${f}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      continue;
    }
    const r = parseDotenv(text, (n) => shell[n] ?? fromFiles[n]);
    for (const e of r.errors) diag.error('env-file', e.message.replace(/^line \d+: /, ''), { loc: { file: f, line: e.line, col: 1 } });
    Object.assign(fromFiles, r.values);
    files.push(f);
  }
  const vars: Record<string, string | undefined> = { ...fromFiles };
  for (const [k, v] of Object.entries(shell)) if (v !== undefined) vars[k] = v;
  return { vars, files };
}
