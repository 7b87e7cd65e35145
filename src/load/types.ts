import type { Diagnostic } from '../diag/diagnostic.js';
import type { Project } from '../model/types.js';

export interface LoadOptions {
  /** -f files in order ("-" is standard input); empty → COMPOSE_FILE, then discovery. */
  files?: string[];
  /** -p */
  projectName?: string;
  /** --project-directory */
  projectDirectory?: string;
  /** --profile (empty → COMPOSE_PROFILES) */
  profiles?: string[];
  /** --env-file (empty → COMPOSE_ENV_FILES, then <project dir>/.env) */
  envFiles?: string[];
  /** The shell environment (usually process.env). */
  env: Record<string, string | undefined>;
  cwd: string;
  /** Substitute variables (default true). `config --no-interpolate` turns it off. */
  interpolate?: boolean;
  /** Make paths absolute (default true). */
  resolvePaths?: boolean;
  /** Standard input, read only when a file is "-". */
  readStdin?: () => Promise<string>;
  /** Services named on the command line: they (and their dependencies) are enabled whatever their profiles. */
  services?: string[];
}

export interface VariableInfo {
  name: string;
  required: boolean;
  defaultValue?: string;
  alternateValue?: string;
  /** The value it had (shell or .env), when set. */
  value?: string;
}

export interface LoadResult {
  project: Project;
  warnings: Diagnostic[];
  /** Absolute config files used ("-" for standard input). */
  files: string[];
  /** Absolute env files read for interpolation. */
  envFiles: string[];
  /** Every variable the files refer to, sorted by name. */
  variables?: VariableInfo[];
  /** Every profile named by a service (before profiles were applied), sorted. */
  profiles?: string[];
  /** The active profiles. */
  activeProfiles?: string[];
}
