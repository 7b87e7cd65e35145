/**
 * volumes_from: the engine has no such field, so the mounts of the source container are
 * read at create time and added to the request (the service's own mounts win on a target).
 */
import type { ContainerCreateRequest, Engine, MountSpec } from '../../engine/api/types.js';
import type { Project } from '../model/types.js';
import { containerName } from '../plan/names.js';

export async function addVolumesFrom(engine: Engine, project: Project, service: string, req: ContainerCreateRequest): Promise<void> {
  const list = project.services[service]?.volumes_from ?? [];
  if (!list.length) return;
  const taken = new Set((req.mounts ?? []).map((m) => m.target));
  const mounts = [...(req.mounts ?? [])];
  for (const entry of list) {
    const parts = entry.split(':');
    let source: string;
    let mode: string | undefined;
    if (parts[0] === 'container') {
      source = parts[1]!;
      mode = parts[2];
    } else {
      const svc = parts[0] === 'service' ? parts[1]! : parts[0]!;
      mode = parts[0] === 'service' ? parts[2] : parts[1];
      source = containerName(project.name, svc, 1, project.services[svc]);
    }
    const info = await engine.containerInspect(source);
    for (const m of info.mounts) {
      if (taken.has(m.destination) || m.type === 'tmpfs') continue;
      const readOnly = mode === 'ro' || (mode !== 'rw' && !m.rw);
      const spec: MountSpec = m.type === 'volume' ? { type: 'volume', source: m.name ?? m.source, target: m.destination } : { type: 'bind', source: m.source, target: m.destination };
      if (readOnly) spec.readOnly = true;
      mounts.push(spec);
      taken.add(m.destination);
    }
  }
  req.mounts = mounts;
}
