/**
 * `container cp` arguments → a copy direction and paths, with Docker's rules: exactly one side
 * is CONTAINER:PATH (a path containing "/" before the colon is a host path); copying out onto
 * an existing host directory keeps the source's name; copying in, the engine decides with
 * docker cp's rules (SyncOp mode 'cp').
 */
import path from 'node:path';
import { UserError } from '../../diag/diagnostic.js';

export type CpPlan = { dir: 'out' | 'in'; container: string; containerPath: string; hostPath: string };

function split(arg: string): { container: string; path: string } | undefined {
  const i = arg.indexOf(':');
  if (i <= 0 || arg.slice(0, i).includes('/') || arg.startsWith('.')) return undefined;
  return { container: arg.slice(0, i), path: arg.slice(i + 1) || '/' };
}

export function cpPlan(src: string, dest: string, cwd: string, isHostDir: (p: string) => boolean): CpPlan {
  const s = split(src);
  const d = split(dest);
  if (s && d) throw new UserError('copying between containers is not supported');
  if (!s && !d) throw new UserError('must specify at least one container source (CONTAINER:PATH)');
  if (s) {
    if (dest === '-') throw new UserError('cp to standard output (a tar stream) is not supported; give a host path');
    const cpath = path.posix.resolve('/', s.path);
    let hostPath = path.resolve(cwd, dest);
    if (isHostDir(hostPath)) hostPath = path.join(hostPath, path.posix.basename(cpath) || 'root');
    return { dir: 'out', container: s.container, containerPath: cpath, hostPath };
  }
  if (src === '-') throw new UserError('cp from standard input (a tar stream) is not supported; give a host path');
  // Resolved here, against the user's directory (the engine runs elsewhere); "SRC/." (copy a
  // directory's content) and a destination's trailing "/" carry meaning and are kept: the
  // engine applies docker cp's rules with what exists in the container (SyncOp mode 'cp').
  const hostPath = path.resolve(cwd, src) + (/(^|\/)\.$/.test(src) ? '/.' : '');
  const resolved = path.posix.resolve('/', d!.path);
  const cpath = d!.path.endsWith('/') && resolved !== '/' ? `${resolved}/` : resolved;
  return { dir: 'in', container: d!.container, containerPath: cpath, hostPath };
}
