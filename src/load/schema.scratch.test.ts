import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'vitest';
import { parse } from 'yaml';
import { validateSchema } from './schema.js';
test('dump', () => {
  const dir = 'test/fixtures/schema/invalid';
  for (const f of readdirSync(dir).sort()) {
    const c = parse(readFileSync(`${dir}/${f}`, 'utf8'), { merge: true });
    console.log('### ' + f);
    for (const i of validateSchema(c.doc)) console.log('  ' + JSON.stringify(i));
  }
});
