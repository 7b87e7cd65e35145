/**
 * Imports run one way (docs/architecture.md):
 *   diag, progress ← model ← load, graph ← plan ← runtime ← app ← cli
 * engine/api is reached from src/runtime, src/app and src/cli/engine only; engine/* never
 * imports src/. This test reads every import of every source file and fails on an arrow
 * that runs back.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) {
    const spec = m[1] ?? m[2]!;
    if (spec.startsWith('.')) out.push(path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'));
  }
  return out;
}

/** Which layer a file is in: "src/load", "engine/api", ... */
function layerOf(file: string): string {
  const rel = path.relative(ROOT, file).split(path.sep);
  if (rel[0] === 'src' && rel[1] === 'cli' && rel[2] === 'engine') return 'src/cli/engine';
  return rel.slice(0, 2).join('/');
}

// For each src layer, the layers it may import (besides itself).
const SRC_ALLOWED: Record<string, string[]> = {
  'src/diag': [],
  'src/progress': ['src/diag'],
  'src/model': ['src/diag'],
  'src/load': ['src/diag', 'src/model'],
  'src/graph': ['src/diag', 'src/model'],
  'src/plan': ['src/diag', 'src/model', 'src/graph', 'src/progress'],
  'src/runtime': ['src/diag', 'src/model', 'src/graph', 'src/plan', 'src/progress', 'engine/api'],
  'src/app': ['src/diag', 'src/model', 'src/load', 'src/graph', 'src/plan', 'src/runtime', 'src/progress', 'engine/api'],
  'src/cli': ['src/diag', 'src/model', 'src/load', 'src/graph', 'src/plan', 'src/progress', 'src/app', 'src/cli/engine'],
  'src/cli/engine': ['src/diag', 'src/cli', 'src/app', 'src/progress', 'engine/api'],
};

describe('architecture', () => {
  const files = [...walk(path.join(ROOT, 'src')), ...walk(path.join(ROOT, 'engine'))];

  it('finds the source files', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it('engine/ never imports src/', () => {
    const bad = files
      .filter((f) => layerOf(f).startsWith('engine/'))
      .flatMap((f) => importsOf(f).filter((i) => path.relative(ROOT, i).startsWith('src')).map((i) => `${path.relative(ROOT, f)} → ${path.relative(ROOT, i)}`));
    expect(bad).toEqual([]);
  });

  it('engine/api imports nothing else of the engine but engine/common types', () => {
    const bad = files
      .filter((f) => layerOf(f) === 'engine/api')
      .flatMap((f) => importsOf(f).filter((i) => !['engine/api', 'engine/common'].includes(layerOf(i))).map((i) => `${path.relative(ROOT, f)} → ${path.relative(ROOT, i)}`));
    expect(bad).toEqual([]);
  });

  it('src/ layers import only along the flow', () => {
    const bad: string[] = [];
    for (const f of files.filter((f) => layerOf(f).startsWith('src/'))) {
      const from = layerOf(f);
      const allowed = SRC_ALLOWED[from];
      if (!allowed) {
        bad.push(`${path.relative(ROOT, f)}: unknown layer ${from}`);
        continue;
      }
      for (const i of importsOf(f)) {
        const to = layerOf(i);
        if (to === from || allowed.includes(to)) continue;
        bad.push(`${path.relative(ROOT, f)} → ${path.relative(ROOT, i)}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
