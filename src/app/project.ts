/**
 * Which project a command works on: loaded from its files, or, for commands that only need
 * the name (down, ps, logs, stop ... with -p NAME and no file), the name alone, since every
 * engine object carries the project label.
 */
import { DiagnosticError, formatDiagnostic } from '../diag/diagnostic.js';
import type { Project } from '../model/types.js';
import type { ProjectMeta } from '../runtime/labels.js';
import type { AppDeps, GlobalOptions, Loaded } from './context.js';

export interface ProjectRef {
  name: string;
  loaded?: Loaded;
  meta: ProjectMeta;
}

export function metaOf(deps: AppDeps, l: Loaded): ProjectMeta {
  return { name: l.project.name, workingDir: l.project.working_dir, configFiles: l.files.filter((f) => f !== '-'), envFiles: l.envFiles, version: deps.version };
}

export async function loadProject(deps: AppDeps, g: GlobalOptions, services?: string[]): Promise<ProjectRef> {
  const l = await deps.load(g, services);
  for (const w of l.warnings) deps.stderr.write(formatDiagnostic(w) + '\n');
  return { name: l.project.name, loaded: l, meta: metaOf(deps, l) };
}

/** Loads the project, or with -p and no file found, goes by name alone. */
export async function projectOrName(deps: AppDeps, g: GlobalOptions, services?: string[]): Promise<ProjectRef> {
  try {
    // Services named on the command line are enabled whatever their profiles (as Compose).
    return await loadProject(deps, g, services?.length ? services : undefined);
  } catch (e) {
    const noFile = e instanceof DiagnosticError && e.diagnostics.every((d) => d.code === 'no-compose-file' || d.code === 'file-not-found');
    if (noFile && g.projectName && !g.file?.length) {
      return { name: g.projectName, meta: { name: g.projectName, configFiles: [], envFiles: [], version: deps.version } };
    }
    throw e;
  }
}

/**
 * Every service of the file, whatever the profiles (so containers of a service a profile
 * disabled are not taken for orphans). Loads the files again with every profile on; only
 * called when the engine shows containers of services the loaded project lacks.
 */
export async function allServices(deps: AppDeps, g: GlobalOptions): Promise<string[]> {
  try {
    return Object.keys((await deps.load({ ...g, profile: ['*'] })).project.services);
  } catch {
    return [];
  }
}

/** The network and volume names a project refers to (so observe can find external ones). */
export function objectRefs(project: Project): { networks: string[]; volumes: string[] } {
  return {
    networks: Object.entries(project.networks ?? {}).map(([k, n]) => n.name ?? `${project.name}_${k}`),
    volumes: Object.entries(project.volumes ?? {}).map(([k, v]) => v.name ?? `${project.name}_${k}`),
  };
}
