/**
 * Malformed input of every shape must end as diagnostics (a DiagnosticError), never as a
 * crash: test/fixtures/load/robustness-snippets.txt holds documents separated by "---" lines.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadProject } from '../../src/load/index.js';
import { DiagnosticError } from '../../src/diag/diagnostic.js';

const snippets = fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/load/robustness-snippets.txt'), 'utf8').split('\n---\n');

describe('loader robustness', () => {
  it('has snippets', () => expect(snippets.length).toBeGreaterThan(20));
  snippets.forEach((text, i) => {
    it(`snippet ${i}: ${JSON.stringify(text.slice(0, 40))}`, async () => {
      try {
        const r = await loadProject({ env: {}, cwd: os.tmpdir(), files: ['-'], projectName: 'fz', readStdin: async () => text });
        expect(r.project.name).toBe('fz');
      } catch (e) {
        expect(e).toBeInstanceOf(DiagnosticError);
        const ds = (e as DiagnosticError).diagnostics;
        expect(ds.length).toBeGreaterThan(0);
        for (const d of ds) expect(d.message.length).toBeGreaterThan(5);
      }
    });
  });
});
