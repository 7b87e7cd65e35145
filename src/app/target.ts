/** Finding the container of a service a command acts on (exec, cp, port ... --index). */
import type { ContainerSummary, Engine } from '../../engine/api/types.js';
import { UserError } from '../diag/diagnostic.js';
import { LABEL } from '../runtime/labels.js';

export async function serviceContainer(engine: Engine, project: string, service: string, index = 1, opts: { running?: boolean; known?: string[] } = {}): Promise<ContainerSummary> {
  if (opts.known && !opts.known.includes(service)) throw new UserError(`no such service: ${service}`);
  const list = await engine.containerList({ all: true, filters: { label: [`${LABEL.project}=${project}`, `${LABEL.service}=${service}`] } });
  const mine = list.filter((c) => c.labels[LABEL.oneoff] !== 'True');
  const c = mine.find((x) => Number(x.labels[LABEL.number]) === index);
  // Compose's words (getSpecifiedContainer), so scripts matching them keep working.
  if (!c) {
    if (!mine.length) throw new UserError(`service ${JSON.stringify(service)} is not running`);
    throw new UserError(`service ${JSON.stringify(service)} is not running container #${index}`);
  }
  if (opts.running && c.state !== 'running') throw new UserError(`container ${(c.names[0] ?? c.id).replace(/^\//, '')} is not running`);
  return c;
}
