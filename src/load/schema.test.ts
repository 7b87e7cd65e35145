import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { validateSchema, type SchemaIssue } from './schema.js';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/schema');

function load(file: string): unknown {
  // merge: true expands `<<` keys, as the loader does before validation.
  return parse(readFileSync(file, 'utf8'), { merge: true });
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
}

describe('valid Compose files validate cleanly', () => {
  const dir = join(FIXTURES, 'valid');
  test.each(yamlFiles(dir))('%s', (file) => {
    expect(validateSchema(load(join(dir, file)))).toEqual([]);
  });
});

interface InvalidCase {
  doc: unknown;
  expect: SchemaIssue[];
}

describe('invalid Compose files report exactly the expected issues', () => {
  const dir = join(FIXTURES, 'invalid');
  test.each(yamlFiles(dir))('%s', (file) => {
    const c = load(join(dir, file)) as InvalidCase;
    expect(validateSchema(c.doc)).toEqual(c.expect);
  });
});
