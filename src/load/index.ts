/**
 * loadProject: Compose files on disk → the canonical, typed Project (the shape of
 * `docker compose config --format json`). Collects every error and throws them together as
 * one DiagnosticError; warnings come back with the result. See pipeline.ts for the passes
 * and docs/loading.md for their order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DiagnosticError, type Diagnostic } from '../diag/diagnostic.js';
import { Diagnostics, SourceMap, type LoadContext, type LoadIO } from './context.js';
import { discoverFiles, STDIN } from './discover.js';
import { readProjectEnv } from './envfiles.js';
import { newState, PROJECT_PASSES, runPasses, TREE_PASSES } from './pipeline.js';
import { normalizeProjectName } from './name.js';
import type { LoadOptions, LoadResult, VariableInfo } from './types.js';

export type { LoadOptions, LoadResult, VariableInfo } from './types.js';

export const nodeIO: LoadIO = {
  readFile: (p) => fs.readFileSync(p, 'utf8'),
  exists: (p) => fs.existsSync(p),
  isDir: (p) => {
    try {
      return fs.statSync(p).isDirectory();
    } catch {
      return false;
    }
  },
};

/** The path separator of COMPOSE_FILE (COMPOSE_PATH_SEPARATOR, default ":"). */
function composeFileList(vars: Record<string, string | undefined>): string[] {
  const v = vars.COMPOSE_FILE;
  if (!v) return [];
  const sep = vars.COMPOSE_PATH_SEPARATOR || path.delimiter;
  return v.split(sep).filter(Boolean);
}

export async function loadProject(opts: LoadOptions, io: LoadIO = nodeIO): Promise<LoadResult> {
  const diag = new Diagnostics();
  const cwd = path.resolve(opts.cwd);
  const shell = opts.env;
  const explicitFiles = opts.files ?? [];
  // --env-file and COMPOSE_ENV_FILES name files relative to the working directory.
  const envFilesOpt = (opts.envFiles && opts.envFiles.length > 0 ? opts.envFiles : shell.COMPOSE_ENV_FILES ? shell.COMPOSE_ENV_FILES.split(',').filter(Boolean) : undefined)?.map((f) =>
    path.resolve(cwd, f),
  );

  // The .env that may hold COMPOSE_FILE & co. lives in the project directory if given,
  // else beside the first -f file, else in the working directory (as Compose does).
  const firstReal = explicitFiles.find((f) => f !== STDIN);
  const envDir = opts.projectDirectory ? path.resolve(cwd, opts.projectDirectory) : firstReal ? path.dirname(path.resolve(cwd, firstReal)) : cwd;
  let env = readProjectEnv(io, diag, shell, envFilesOpt, envDir);

  const fromVar = explicitFiles.length === 0 ? composeFileList(env.vars) : [];
  const wanted = explicitFiles.length > 0 ? explicitFiles : fromVar;
  const baseForRelative = explicitFiles.length > 0 ? cwd : envDir;
  const found = discoverFiles(io, diag, wanted, baseForRelative, opts.projectDirectory ? envDir : cwd);
  if (!found) throw new DiagnosticError(inDocumentOrder(diag.errors));
  const files = found.files;
  const firstFile = files.find((f) => f !== STDIN);
  const projectDir = opts.projectDirectory ? path.resolve(cwd, opts.projectDirectory) : firstFile ? path.dirname(firstFile) : cwd;
  if (projectDir !== envDir && !envFilesOpt && env.files.length === 0) env = readProjectEnv(io, diag, shell, undefined, projectDir);

  // -p is what ${COMPOSE_PROJECT_NAME} means in the files (it wins over the shell's).
  if (opts.projectName !== undefined) env.vars = { ...env.vars, COMPOSE_PROJECT_NAME: opts.projectName };
  const stdin = files.includes(STDIN) ? await (opts.readStdin ?? readAllStdin)() : undefined;
  const ctx: LoadContext = {
    diag,
    src: new SourceMap(),
    io,
    vars: env.vars,
    interpolate: opts.interpolate !== false,
    variables: new Map(),
    warnedUnset: new Set(),
    // Loaded here, not at the top: ajv is heavy and most importers never load a file.
    validator: (await import('./schema.js')).validateSchema,
    broken: new Set(),
    cache: new Map(),
    home: shell.HOME,
    projectDir,
    implicitProjectName: normalizeProjectName(path.basename(projectDir)),
  };
  if (stdin !== undefined) ctx.stdin = stdin;

  const state = newState(ctx, files, projectDir);
  if (opts.projectName !== undefined) state.explicitName = opts.projectName;
  if (opts.profiles) state.profileFlags = opts.profiles;
  state.explicitServices = opts.services ?? [];
  state.resolvePaths = opts.resolvePaths !== false;
  try {
    runPasses(state, TREE_PASSES);
    runPasses(state, PROJECT_PASSES);
  } catch (e) {
    // A pass that trips over a shape already reported as wrong is a consequence of the
    // user's mistake, not a bug: report the mistakes. With nothing reported, it is a bug.
    if (diag.errors.length === 0) throw e;
  }
  if (diag.errors.length > 0) throw new DiagnosticError(inDocumentOrder(diag.errors));

  const variables: VariableInfo[] = [...ctx.variables.values()].sort((a, b) => a.name.localeCompare(b.name)).map((v) => ({ ...v }));
  return {
    project: state.project!,
    warnings: inDocumentOrder(diag.warnings),
    files,
    envFiles: env.files,
    variables,
    profiles: state.profiles,
    activeProfiles: state.active,
  };
}

/** Errors sorted by file, line and column (a stable sort: same-place errors keep pass order). */
function inDocumentOrder(ds: Diagnostic[]): Diagnostic[] {
  const files: string[] = [];
  for (const d of ds) if (d.file && !files.includes(d.file)) files.push(d.file);
  const rank = (d: Diagnostic) => (d.file ? files.indexOf(d.file) : -1);
  return [...ds].sort((a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
