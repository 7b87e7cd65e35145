/** Text forms of the graph: Graphviz DOT and Mermaid. Stable: nodes and edges in build order (sorted). */
import type { GraphJSON } from './index.js';

const SHAPE = { service: 'box', network: 'ellipse', volume: 'cylinder' } as const;

function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function toDot(name: string, g: GraphJSON): string {
  const lines = [`digraph ${q(name)} {`, '  rankdir=LR;'];
  for (const n of g.nodes) lines.push(`  ${q(n.id)} [label=${q(`${n.kind}\n${n.name}`)}, shape=${SHAPE[n.kind]}];`);
  for (const e of g.edges) {
    const label = e.condition ? `${e.kind} (${e.condition})` : e.kind;
    lines.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(label)}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

export function toMermaid(g: GraphJSON): string {
  // Mermaid ids allow few characters; number the nodes so no two names collide.
  const ids = new Map(g.nodes.map((n, i) => [n.id, `n${i}`]));
  const mid = (id: string) => ids.get(id) ?? id;
  const lines = ['graph LR'];
  for (const n of g.nodes) {
    const label = `${n.kind}: ${n.name}`.replace(/"/g, '#quot;');
    const shape = n.kind === 'service' ? [`["`, `"]`] : n.kind === 'network' ? [`(("`, `"))`] : [`[("`, `")]`];
    lines.push(`  ${mid(n.id)}${shape[0]}${label}${shape[1]}`);
  }
  for (const e of g.edges) {
    const label = e.condition ? `${e.kind} ${e.condition}` : e.kind;
    lines.push(`  ${mid(e.from)} -->|${label}| ${mid(e.to)}`);
  }
  return lines.join('\n') + '\n';
}
