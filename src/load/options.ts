/**
 * The glue from the CLI's global options (-f, -p, --project-directory, --profile,
 * --env-file) and the process environment to LoadOptions. Every command that loads a
 * project uses it, so they all honour the same flags and COMPOSE_* variables.
 */
import type { LoadOptions } from './types.js';

export interface GlobalLoadFlags {
  file?: string[];
  projectName?: string;
  projectDirectory?: string;
  profile?: string[];
  envFile?: string[];
}

export function loadOptionsFrom(globals: GlobalLoadFlags, env: Record<string, string | undefined>, cwd: string): LoadOptions {
  const o: LoadOptions = { env, cwd };
  if (globals.file && globals.file.length) o.files = globals.file;
  if (globals.projectName !== undefined) o.projectName = globals.projectName;
  if (globals.projectDirectory !== undefined) o.projectDirectory = globals.projectDirectory;
  if (globals.profile && globals.profile.length) o.profiles = globals.profile;
  if (globals.envFile && globals.envFile.length) o.envFiles = globals.envFile;
  return o;
}
