/** `exec`: a command in a running service container (non-interactive: output streamed, exit code passed on). */
import type { Readable } from 'node:stream';
import type { AppDeps, GlobalOptions } from './context.js';
import { projectOrName } from './project.js';
import { serviceContainer } from './target.js';

export interface ExecCommandOptions {
  service: string;
  command: string[];
  detach?: boolean;
  env?: string[];
  user?: string;
  workdir?: string;
  privileged?: boolean;
  index?: number;
  tty?: boolean;
  stdin?: Readable;
}

export async function exec(deps: AppDeps, g: GlobalOptions, o: ExecCommandOptions): Promise<number> {
  const ref = await projectOrName(deps, g, [o.service]);
  const engine = await deps.connect();
  const c = await serviceContainer(engine, ref.name, o.service, o.index ?? 1, { running: true, known: ref.loaded ? Object.keys(ref.loaded.project.services) : undefined });
  const r = await engine.containerExec(
    c.id,
    {
      cmd: o.command,
      ...(o.env?.length ? { env: o.env } : {}),
      ...(o.user ? { user: o.user } : {}),
      ...(o.workdir ? { workingDir: o.workdir } : {}),
      ...(o.privileged ? { privileged: true } : {}),
      ...(o.detach ? { detach: true } : {}),
      ...(o.stdin ? { stdin: o.stdin } : {}),
      ...(o.tty ? { tty: true } : {}),
    },
    (stream, chunk) => (stream === 'stdout' ? deps.stdout : deps.stderr).write(chunk.toString()),
  );
  return r.exitCode;
}
