/**
 * The corpus: Compose files of real projects (test/fixtures/corpus/<case>/, see its README).
 * For each case:
 *   expected.json   the `config --format json` Docker Compose v2 prints (paths as <DIR>); the
 *                   loader's output must be equal to it;
 *   oracle-v1.yaml  when present, what docker-compose v1.29 printed for the same files; the
 *                   normalizing comparator (corpus/comparator.ts) must find no difference
 *                   between it and berth's model, except the ones listed in oracle-diff.txt
 *                   (each a known v1-vs-v2 difference, explained in the README);
 *   expected.txt    for a file Compose rejects: substrings the message must contain; every
 *                   diagnostic must name file:line:col.
 * case.json (optional): { env, files, profiles }. UPDATE_GOLDEN=1 rewrites expected.json and
 * oracle-diff.txt (review the diff!).
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadProject, type LoadOptions } from '../../src/load/index.js';
import { canonicalObject } from '../../src/load/render.js';
import { DiagnosticError, formatDiagnostic } from '../../src/diag/diagnostic.js';
import { differences, fromV1, reduce } from '../fixtures/corpus/comparator.js';

const ROOT = path.resolve(import.meta.dirname, '../fixtures/corpus');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const HOME = '/home/user';

interface Case {
  env?: Record<string, string>;
  files?: string[];
  profiles?: string[];
}

const cases = fs
  .readdirSync(ROOT, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

function scrub(text: string, dir: string): string {
  return text.split(dir).join('<DIR>');
}

function golden(file: string, actual: string): void {
  if (UPDATE || !fs.existsSync(file)) {
    fs.writeFileSync(file, actual);
    if (!UPDATE) throw new Error(`wrote missing golden file ${file}; review it and run again`);
    return;
  }
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}

async function load(dir: string) {
  const c: Case = fs.existsSync(path.join(dir, 'case.json')) ? JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8')) : {};
  const opts: LoadOptions = { env: { HOME, ...c.env }, cwd: dir };
  if (c.files) opts.files = c.files;
  if (c.profiles) opts.profiles = c.profiles;
  return { c, result: await loadProject(opts) };
}

describe('corpus of real Compose files', () => {
  it('has 30+ cases, valid and invalid', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(cases.filter((n) => fs.existsSync(path.join(ROOT, n, 'expected.txt'))).length).toBeGreaterThanOrEqual(3);
  });

  for (const name of cases) {
    const dir = path.join(ROOT, name);
    const invalid = fs.existsSync(path.join(dir, 'expected.txt'));
    it(name, async () => {
      if (invalid) {
        const err = await load(dir).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, 'Compose rejects this file; berth must too').toBeInstanceOf(DiagnosticError);
        const ds = (err as DiagnosticError).diagnostics;
        const text = ds.map((d) => formatDiagnostic(d)).join('\n');
        for (const d of ds) {
          expect(d.file, text).toBeTruthy();
          expect(d.line, text).toBeGreaterThan(0);
          expect(d.col, text).toBeGreaterThan(0);
        }
        const wanted = fs.readFileSync(path.join(dir, 'expected.txt'), 'utf8').split('\n').filter((l) => l.trim() !== '');
        for (const w of wanted) expect(scrub(text, dir)).toContain(w);
        return;
      }
      const { c, result } = await load(dir);
      const model = canonicalObject(result.project, false);
      golden(path.join(dir, 'expected.json'), scrub(JSON.stringify(canonicalObject(result.project), null, 2) + '\n', dir));

      const oracleFile = path.join(dir, 'oracle-v1.yaml');
      if (!fs.existsSync(oracleFile)) return;
      // v1 prints every service, whatever its profiles (v2 and the Spec keep the active ones).
      // The active profiles: case.json, else COMPOSE_PROFILES of the case's .env.
      const dotenv = fs.existsSync(path.join(dir, '.env')) ? fs.readFileSync(path.join(dir, '.env'), 'utf8') : '';
      const fromEnv = /^COMPOSE_PROFILES=(.*)$/m.exec(dotenv)?.[1]?.split(',') ?? [];
      const active = new Set(c.profiles ?? fromEnv);
      const v1 = parse(fs.readFileSync(oracleFile, 'utf8').split('<DIR>').join(dir).replace(/\$\$/g, '$')) as Record<string, unknown>;
      const v1Services = (v1.services ?? {}) as Record<string, { profiles?: string[] }>;
      for (const [k, s] of Object.entries(v1Services)) if (s.profiles && !s.profiles.some((p) => active.has(p) || p === '*')) delete v1Services[k];
      const projectName = String(model.name);
      const diffs = differences(reduce(fromV1(v1 as never), projectName), reduce(JSON.parse(JSON.stringify(model)), projectName));
      const diffText = diffs.map((d) => scrub(d, dir) + '\n').join('');
      const known = path.join(dir, 'oracle-diff.txt');
      if (UPDATE) {
        if (diffText) fs.writeFileSync(known, diffText);
        else fs.rmSync(known, { force: true });
        return;
      }
      expect(diffText).toBe(fs.existsSync(known) ? fs.readFileSync(known, 'utf8') : '');
    });
  }
});
