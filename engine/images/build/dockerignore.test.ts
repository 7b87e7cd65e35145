import { describe, expect, it } from 'vitest';
import { DockerIgnore } from './dockerignore.js';

describe('.dockerignore', () => {
  it('follows Docker pattern rules', () => {
    const ig = new DockerIgnore(['# comment', '*.log', '/tmp', 'node_modules', '**/*.bak', 'docs/*/draft', '!keep.log', 'secret?', ''].join('\n'));
    expect(ig.ignores('a.log')).toBe(true);
    expect(ig.ignores('dir/a.log')).toBe(false); // * does not cross /
    expect(ig.ignores('keep.log')).toBe(false); // last match wins
    expect(ig.ignores('tmp/x/y')).toBe(true); // a matched directory covers its contents
    expect(ig.ignores('node_modules/a/b.js')).toBe(true);
    expect(ig.ignores('src/node_modules')).toBe(false);
    expect(ig.ignores('x.bak')).toBe(true);
    expect(ig.ignores('a/b/c.bak')).toBe(true);
    expect(ig.ignores('docs/v1/draft')).toBe(true);
    expect(ig.ignores('docs/v1/v2/draft')).toBe(false);
    expect(ig.ignores('secret1')).toBe(true);
    expect(ig.ignores('secret12')).toBe(false);
    expect(ig.ignores('src/main.ts')).toBe(false);
  });
  it('re-includes below an excluded directory only through exceptions', () => {
    const ig = new DockerIgnore('data\n!data/keep.txt\n');
    expect(ig.ignores('data/drop.txt')).toBe(true);
    expect(ig.ignores('data/keep.txt')).toBe(false);
    expect(ig.canSkipDir('data')).toBe(false);
    expect(new DockerIgnore('data\n').canSkipDir('data')).toBe(true);
  });
  it('cleans paths and handles character classes', () => {
    const ig = new DockerIgnore('./a/../b/[xy].txt\n**\n!src\n');
    expect(ig.ignores('README')).toBe(true);
    expect(ig.ignores('src/index.ts')).toBe(false);
    expect(new DockerIgnore('b/[xy].txt').ignores('b/x.txt')).toBe(true);
    expect(new DockerIgnore('b/[xy].txt').ignores('b/z.txt')).toBe(false);
  });
});
