/**
 * buildGraph: the Project as a dependency graph. Nodes are `service:<name>`,
 * `network:<key>` and `volume:<key>`; an edge A → B means "A needs B first": a service
 * needs its networks, the named volumes it mounts, and the services it depends on
 * (depends_on, links, volumes_from, network_mode/ipc/pid `service:x`).
 * A dependency cycle throws a DiagnosticError ('dependency-cycle') that lists the cycle.
 */
import { DepGraph } from 'dependency-graph';
import { DiagnosticError } from '../diag/diagnostic.js';
import type { Project } from '../model/types.js';
import { findCycle, serviceDependencies, type DependencyKind } from '../model/deps.js';
import { toDot, toMermaid } from './render.js';

export type NodeKind = 'service' | 'network' | 'volume';
export type EdgeKind = DependencyKind | 'network' | 'volume';

export interface GraphNode {
  id: string;
  kind: NodeKind;
  name: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  /** depends_on condition, when the edge comes from depends_on. */
  condition?: string;
}

export interface GraphJSON {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface ProjectGraph {
  readonly nodes: GraphNode[];
  readonly edges: GraphEdge[];
  /** Service names, every service after the services it needs (ties broken by name). */
  serviceOrder(): string[];
  /** Node ids `node` needs, transitively (dependencies first). */
  dependenciesOf(node: string): string[];
  /** Node ids that need `node`, transitively. */
  dependantsOf(node: string): string[];
  directDependenciesOf(node: string): string[];
  directDependantsOf(node: string): string[];
  toDot(): string;
  toMermaid(): string;
  toJSON(): GraphJSON;
}

export const serviceNode = (name: string) => `service:${name}`;
export const networkNode = (key: string) => `network:${key}`;
export const volumeNode = (key: string) => `volume:${key}`;

export function buildGraph(project: Project): ProjectGraph {
  const cycle = findCycle(project);
  if (cycle) {
    throw new DiagnosticError([
      { code: 'dependency-cycle', severity: 'error', message: `dependency cycle detected: ${cycle.join(' -> ')}`, path: ['services', cycle[0]!, 'depends_on'] },
    ]);
  }
  const g = new DepGraph<GraphNode>();
  const nodes: GraphNode[] = [];
  const add = (kind: NodeKind, name: string) => {
    const id = `${kind}:${name}`;
    if (g.hasNode(id)) return id;
    const n = { id, kind, name };
    g.addNode(id, n);
    nodes.push(n);
    return id;
  };
  for (const k of Object.keys(project.networks ?? {}).sort()) add('network', k);
  for (const k of Object.keys(project.volumes ?? {}).sort()) add('volume', k);
  const names = Object.keys(project.services).sort();
  for (const n of names) add('service', n);
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  const edge = (e: GraphEdge) => {
    const key = `${e.from}|${e.to}`;
    if (seen.has(key) || !g.hasNode(e.to)) return;
    seen.add(key);
    g.addDependency(e.from, e.to);
    edges.push(e);
  };
  for (const n of names) {
    const s = project.services[n]!;
    const from = serviceNode(n);
    for (const d of serviceDependencies(s)) {
      const e: GraphEdge = { from, to: serviceNode(d.service), kind: d.kind };
      const cond = d.kind === 'depends_on' ? s.depends_on?.[d.service]?.condition : undefined;
      if (cond) e.condition = cond;
      edge(e);
    }
    for (const net of Object.keys(s.networks ?? {}).sort()) edge({ from, to: networkNode(net), kind: 'network' });
    for (const v of s.volumes ?? []) if (v.type === 'volume' && v.source) edge({ from, to: volumeNode(v.source), kind: 'volume' });
  }
  const json = (): GraphJSON => ({ nodes: nodes.map((n) => ({ ...n })), edges: edges.map((e) => ({ ...e })) });
  return {
    nodes,
    edges,
    serviceOrder: () => g.overallOrder().filter((id) => id.startsWith('service:')).map((id) => id.slice(8)),
    dependenciesOf: (node) => g.dependenciesOf(node),
    dependantsOf: (node) => g.dependantsOf(node),
    directDependenciesOf: (node) => g.directDependenciesOf(node),
    directDependantsOf: (node) => g.directDependantsOf(node),
    toDot: () => toDot(project.name, json()),
    toMermaid: () => toMermaid(json()),
    toJSON: json,
  };
}
