/** Names Compose gives: containers `<project>-<service>-<n>`, built images `<project>-<service>`. */
import type { Project, Service } from '../model/types.js';

export function containerName(project: string, service: string, number: number, s?: Service): string {
  if (s?.container_name) return s.container_name;
  return `${project}-${service}-${number}`;
}

/** The image reference a service runs: its `image`, or the name Compose gives a build. */
export function imageRef(project: Project, service: string): string {
  const s = project.services[service];
  return s?.image ?? `${project.name}-${service}`;
}

/** Replicas wanted: --scale, then `scale`, then deploy.replicas, then 1. */
export function desiredScale(s: Service, override?: number): number {
  if (override !== undefined) return override;
  if (typeof s.scale === 'number') return s.scale;
  if (typeof s.deploy?.replicas === 'number') return s.deploy.replicas;
  return 1;
}
