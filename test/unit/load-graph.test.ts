import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/graph/index.js';
import { DiagnosticError } from '../../src/diag/diagnostic.js';
import type { Project } from '../../src/model/types.js';

const dep = { condition: 'service_started' as const, required: true };

function project(): Project {
  return {
    name: 'g',
    services: {
      web: { image: 'web', depends_on: { api: { ...dep, condition: 'service_healthy' } }, networks: { front: null } },
      api: { image: 'api', depends_on: { db: dep }, networks: { front: null, back: null }, volumes: [{ type: 'volume', source: 'cache', target: '/c' }] },
      db: { image: 'db', networks: { back: null }, volumes: [{ type: 'volume', source: 'data', target: '/d' }, { type: 'bind', source: '/x', target: '/x' }] },
      sidecar: { image: 's', network_mode: 'service:web', volumes_from: ['db:ro'] },
      lone: { image: 'l' },
    },
    networks: { front: { name: 'g_front' }, back: { name: 'g_back' } },
    volumes: { data: { name: 'g_data' }, cache: { name: 'g_cache' } },
  };
}

describe('buildGraph', () => {
  it('orders services after what they need', () => {
    const g = buildGraph(project());
    const order = g.serviceOrder();
    expect(order.sort()).toEqual(['api', 'db', 'lone', 'sidecar', 'web']);
    const o = buildGraph(project()).serviceOrder();
    const before = (a: string, b: string) => expect(o.indexOf(a), `${a} before ${b}`).toBeLessThan(o.indexOf(b));
    before('db', 'api');
    before('api', 'web');
    before('web', 'sidecar');
    before('db', 'sidecar');
  });

  it('has edges to networks, named volumes and services, with kinds', () => {
    const g = buildGraph(project());
    expect(g.directDependenciesOf('service:api').sort()).toEqual(['network:back', 'network:front', 'service:db', 'volume:cache']);
    expect(g.directDependenciesOf('service:sidecar').sort()).toEqual(['service:db', 'service:web']);
    expect(g.dependenciesOf('service:web')).toContain('volume:data');
    expect(g.dependantsOf('volume:data').sort()).toEqual(['service:api', 'service:db', 'service:sidecar', 'service:web']);
    const json = g.toJSON();
    expect(json.nodes.map((n) => n.id)).toContain('volume:cache');
    expect(json.nodes.some((n) => n.id === 'volume:/x')).toBe(false);
    expect(json.edges).toContainEqual({ from: 'service:web', to: 'service:api', kind: 'depends_on', condition: 'service_healthy' });
    expect(json.edges).toContainEqual({ from: 'service:sidecar', to: 'service:web', kind: 'network_mode' });
    expect(json.edges).toContainEqual({ from: 'service:sidecar', to: 'service:db', kind: 'volumes_from' });
  });

  it('renders DOT and Mermaid deterministically', () => {
    const a = buildGraph(project());
    const b = buildGraph(project());
    expect(a.toDot()).toBe(b.toDot());
    expect(a.toDot()).toMatch(/^digraph "g" \{\n/);
    expect(a.toDot()).toContain('"service:web" -> "service:api" [label="depends_on (service_healthy)"];');
    const m = a.toMermaid();
    expect(m).toMatch(/^graph LR\n/);
    expect(m).toContain('["service: web"]');
    expect(m).toMatch(/-->\|depends_on service_healthy\|/);
  });

  it('reports a cycle with a deterministic path', () => {
    const p = project();
    p.services.db!.depends_on = { web: dep };
    let err: unknown;
    try {
      buildGraph(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DiagnosticError);
    const d = (err as DiagnosticError).diagnostics[0]!;
    expect(d.code).toBe('dependency-cycle');
    expect(d.message).toBe('dependency cycle detected: api -> db -> web -> api');
  });
});
