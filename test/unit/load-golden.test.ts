/**
 * Golden tests of the loader: every folder under test/fixtures/load/ is one case.
 *   case.json      optional: { files, env, profiles, projectName, projectDirectory, envFiles,
 *                  services, cwd, interpolate }
 *   expected.json  the canonical model (`config --format json`), fixture path as <DIR>
 *   expected.txt   or: the diagnostics, formatted as the CLI prints them
 *   warnings.txt   optional: the warnings of a valid case
 * Valid cases also go through the round trip: the YAML `config` prints loads again to the
 * same model. UPDATE_GOLDEN=1 rewrites the expected files (review the diff!).
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { loadProject, type LoadOptions } from '../../src/load/index.js';
import { canonicalObject, renderProject } from '../../src/load/render.js';
import { DiagnosticError, formatDiagnostic, type Diagnostic } from '../../src/diag/diagnostic.js';

const ROOT = path.resolve(import.meta.dirname, '../fixtures/load');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

interface Case {
  files?: string[];
  env?: Record<string, string>;
  profiles?: string[];
  projectName?: string;
  projectDirectory?: string;
  envFiles?: string[];
  services?: string[];
  cwd?: string;
  interpolate?: boolean;
}

function scrub(text: string, dir: string): string {
  return text.split(dir).join('<DIR>');
}

function formatAll(ds: Diagnostic[], dir: string): string {
  const src = (f?: string) => {
    try {
      return f ? fs.readFileSync(f, 'utf8') : undefined;
    } catch {
      return undefined;
    }
  };
  return scrub(ds.map((d) => formatDiagnostic(d, src(d.file))).join('\n') + '\n', dir);
}

function check(file: string, actual: string): void {
  if (UPDATE || !fs.existsSync(file)) {
    fs.writeFileSync(file, actual);
    if (!UPDATE) throw new Error(`wrote missing golden file ${file}; review it and run again`);
    return;
  }
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}

const cases = fs.readdirSync(ROOT, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();

describe('loader golden files', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(10));

  for (const name of cases) {
    it(name, async () => {
      const dir = path.join(ROOT, name);
      const c: Case = fs.existsSync(path.join(dir, 'case.json')) ? JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8')) : {};
      const opts: LoadOptions = { env: { HOME: '/home/user', ...c.env }, cwd: path.join(dir, c.cwd ?? '.') };
      if (c.files) opts.files = c.files;
      if (c.profiles) opts.profiles = c.profiles;
      if (c.projectName) opts.projectName = c.projectName;
      if (c.projectDirectory) opts.projectDirectory = c.projectDirectory;
      if (c.envFiles) opts.envFiles = c.envFiles;
      if (c.services) opts.services = c.services;
      if (c.interpolate === false) opts.interpolate = false;
      const expectError = fs.existsSync(path.join(dir, 'expected.txt'));
      let result;
      try {
        result = await loadProject(opts);
      } catch (e) {
        if (!(e instanceof DiagnosticError)) throw e;
        if (!expectError && !UPDATE) throw new Error(`unexpected errors:\n${formatAll(e.diagnostics, dir)}`);
        check(path.join(dir, 'expected.txt'), formatAll(e.diagnostics, dir));
        return;
      }
      expect(expectError, 'the case expects errors but loaded').toBe(false);
      const json = scrub(JSON.stringify(canonicalObject(result.project, c.interpolate !== false), null, 2) + '\n', dir);
      check(path.join(dir, 'expected.json'), json);
      const warnFile = path.join(dir, 'warnings.txt');
      if (result.warnings.length || fs.existsSync(warnFile)) check(warnFile, formatAll(result.warnings, dir));

      if (c.interpolate === false) return;
      // Round trip: what `config` prints loads again to the same output.
      const yamlText = await renderProject(result.project, 'yaml');
      // The same profiles and named services, or the disabled services would drop out.
      const again = await loadProject({ env: {}, cwd: dir, files: ['-'], readStdin: async () => yamlText, projectDirectory: dir, profiles: c.profiles ?? [], services: c.services ?? [] });
      expect(scrub(JSON.stringify(canonicalObject(again.project), null, 2) + '\n', dir)).toBe(json);
    });
  }
});
