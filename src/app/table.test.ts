import { describe, expect, it } from 'vitest';
import { table } from './table.js';

describe('tables as Go tabwriter draws them', () => {
  it('width = widest cell + 3, at least the minimum; the last column unpadded; empty last cells keep the padding', () => {
    expect(table(['NAME', 'SERVICE', 'PORTS'], [['demo-db-1', 'db', ''], ['demo-web-1', 'web', '127.0.0.1:8080->80/tcp']])).toBe(
      'NAME         SERVICE   PORTS\n' + 'demo-db-1    db        \n' + 'demo-web-1   web       127.0.0.1:8080->80/tcp\n',
    );
    expect(table(['NAME', 'STATUS', 'CONFIG FILES'], [['demo', 'running(4)', '/src/demo/compose.yaml']], 20)).toBe(
      'NAME                STATUS              CONFIG FILES\n' + 'demo                running(4)          /src/demo/compose.yaml\n',
    );
  });
});
