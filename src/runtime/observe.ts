/**
 * observe(): the engine objects carrying a project's label → ObservedState (plain data).
 * Reads labels only, so it works without the stack file.
 */
import { isEngineError, type ContainerSummary, type Engine } from '../../engine/api/types.js';
import type { ObservedContainer, ObservedState } from '../plan/types.js';
import { LABEL, parseDependsOnLabel, parseFieldHashes, projectFilter } from './labels.js';

export function toObservedContainer(c: ContainerSummary): ObservedContainer {
  const l = c.labels;
  const o: ObservedContainer = {
    id: c.id,
    name: (c.names[0] ?? c.id).replace(/^\//, ''),
    service: l[LABEL.service] ?? '',
    number: Number(l[LABEL.number] ?? '0') || 0,
    oneoff: l[LABEL.oneoff] === 'True',
    status: c.state,
    exitCode: c.exitCode,
    configHash: l[LABEL.configHash] ?? '',
    dependsOn: parseDependsOnLabel(l[LABEL.dependsOn]),
    image: c.image,
  };
  if (c.health) o.health = c.health;
  const fh = parseFieldHashes(l[LABEL.fieldHashes]);
  if (fh) o.fieldHashes = fh;
  if (l[LABEL.image]) o.imageId = l[LABEL.image];
  return o;
}

/** Which of `names` exist, whoever made them. */
async function existing(names: string[], inspect: (n: string) => Promise<unknown>): Promise<string[]> {
  const found = await Promise.all(
    [...new Set(names)].map(async (n) => {
      try {
        await inspect(n);
        return n;
      } catch (e) {
        if (isEngineError(e, 'NOT_FOUND')) return undefined;
        throw e;
      }
    }),
  );
  return found.filter((n): n is string => !!n).sort();
}

/**
 * `imageRefs`: the references the project uses, resolved to ids (absent = not present).
 * `refs`: network and volume names the project refers to, checked whoever made them (external
 * objects carry no project label).
 */
export async function observe(engine: Engine, project: string, imageRefs: string[] = [], refs: { networks: string[]; volumes: string[] } = { networks: [], volumes: [] }): Promise<ObservedState> {
  const filters = projectFilter(project);
  const [containers, networks, volumes] = await Promise.all([
    engine.containerList({ all: true, filters }),
    engine.networkList({ filters }),
    engine.volumeList({ filters }),
  ]);
  const images: Record<string, string> = {};
  await Promise.all(
    [...new Set(imageRefs)].map(async (ref) => {
      try {
        images[ref] = (await engine.imageInspect(ref)).id;
      } catch (e) {
        if (!isEngineError(e, 'NOT_FOUND')) throw e;
      }
    }),
  );
  const mineN = new Set(networks.filter((n) => n.labels[LABEL.project] === project).map((n) => n.name));
  const mineV = new Set(volumes.filter((v) => v.labels[LABEL.project] === project).map((v) => v.name));
  const [extNets, extVols] = await Promise.all([
    existing(refs.networks.filter((n) => !mineN.has(n)), (n) => engine.networkInspect(n)),
    existing(refs.volumes.filter((v) => !mineV.has(v)), (v) => engine.volumeInspect(v)),
  ]);
  // Anonymous volumes by target, for the containers that have one (a replacement inherits them).
  // Anonymous volumes: the ones berth labelled, and the ones the engine made for an image's
  // VOLUME (no labels), all listed only when the project has containers.
  const mine = containers.filter((c) => c.labels[LABEL.project] === project);
  const anonymous = new Set(volumes.filter((v) => v.labels[LABEL.project] === project && (v.anonymous || !v.labels[LABEL.volume])).map((v) => v.name));
  if (mine.length) for (const v of await engine.volumeList()) if (v.anonymous) anonymous.add(v.name);
  const observedContainers = mine.map(toObservedContainer);
  await Promise.all(
    observedContainers.map(async (o, i) => {
      const c = mine[i]!;
      if (!anonymous.size || c.labels[LABEL.oneoff] === 'True') return;
      const info = await engine.containerInspect(c.id).catch(() => undefined);
      const anon = (info?.mounts ?? []).filter((m) => m.type === 'volume' && m.name && anonymous.has(m.name)).map((m) => ({ target: m.destination, volume: m.name! }));
      if (anon.length) o.anonymousVolumes = anon;
    }),
  );
  return {
    project,
    existing: { networks: extNets, volumes: extVols },
    // The engine filters by label; filtering again keeps a fake or older engine honest.
    containers: observedContainers,
    networks: networks
      .filter((n) => n.labels[LABEL.project] === project)
      .map((n) => ({ id: n.id, name: n.name, key: n.labels[LABEL.network], ...(n.labels[LABEL.configHash] ? { configHash: n.labels[LABEL.configHash] } : {}) })),
    volumes: volumes
      .filter((v) => v.labels[LABEL.project] === project)
      .map((v) => ({ name: v.name, key: v.labels[LABEL.volume], anonymous: v.anonymous || !v.labels[LABEL.volume], ...(v.labels[LABEL.configHash] ? { configHash: v.labels[LABEL.configHash] } : {}) })),
    images,
  };
}

/** Every project with at least one container (for `ls`): name → its containers. */
export async function observeProjects(engine: Engine, all: boolean): Promise<Map<string, ContainerSummary[]>> {
  const list = await engine.containerList({ all, filters: { label: [LABEL.project] } });
  const out = new Map<string, ContainerSummary[]>();
  for (const c of list) {
    const p = c.labels[LABEL.project];
    if (!p) continue;
    (out.get(p) ?? out.set(p, []).get(p)!).push(c);
  }
  return out;
}
