/** `logs`: the project's logs, multiplexed; -f follows across restarts, recreates and scaling. */
import { followProject } from '../runtime/follow.js';
import type { AppDeps, GlobalOptions } from './context.js';
import { makePrinter, shortName } from './printer.js';
import { LABEL, projectFilter } from '../runtime/labels.js';
import { projectOrName } from './project.js';
import { UserError } from '../diag/diagnostic.js';

export interface LogsOptions {
  services?: string[];
  follow?: boolean;
  tail?: number;
  since?: string;
  until?: string;
  timestamps?: boolean;
  noColor?: boolean;
  noLogPrefix?: boolean;
  index?: number;
}

export async function logs(deps: AppDeps, g: GlobalOptions, o: LogsOptions): Promise<number> {
  const ref = await projectOrName(deps, g, o.services);
  for (const s of o.services ?? []) if (ref.loaded && !ref.loaded.project.services[s]) throw new UserError(`no such service: ${s}`);
  const engine = await deps.connect();
  const ac = new AbortController();
  const off = deps.onInterrupt(() => ac.abort());
  const known = await engine.containerList({ all: true, filters: projectFilter(ref.name) });
  const names = known.filter((c) => !o.services?.length || o.services.includes(c.labels[LABEL.service] ?? '')).map((c) => shortName(ref.name, { container: (c.names[0] ?? '').replace(/^\//, ''), service: c.labels[LABEL.service] ?? '', number: Number(c.labels[LABEL.number] ?? 0) }));
  const print = makePrinter((s) => deps.stdout.write(s), { project: ref.name, color: deps.color && !o.noColor, prefix: !o.noLogPrefix, timestamps: !!o.timestamps, names });
  try {
    await followProject(
      engine,
      ref.name,
      { services: o.services, follow: !!o.follow, endWhenStopped: true, tail: o.tail, since: o.since, until: o.until, timestamps: o.timestamps },
      (l) => {
        if (o.index === undefined || l.number === o.index) print(l);
      },
      ac.signal,
    );
  } finally {
    off();
  }
  return 0;
}
