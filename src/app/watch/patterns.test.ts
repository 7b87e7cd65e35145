import { describe, expect, it } from 'vitest';
import { cleanPattern, compilePatterns, parseIgnoreFile, relInside } from './patterns.js';

describe('dockerignore-style patterns', () => {
  it('cleans patterns like Docker: leading slash, ./, trailing slash, blanks', () => {
    expect(cleanPattern('/node_modules/')).toEqual({ pattern: 'node_modules', exclusion: false });
    expect(cleanPattern('./a/../b')).toEqual({ pattern: 'b', exclusion: false });
    expect(cleanPattern('!keep.txt')).toEqual({ pattern: 'keep.txt', exclusion: true });
    expect(cleanPattern('   ')).toBeUndefined();
    expect(cleanPattern('.')).toBeUndefined();
  });

  it('a matched folder matches everything below it', () => {
    const m = compilePatterns(['node_modules']);
    expect(m.matches('node_modules')).toBe(true);
    expect(m.matches('node_modules/a/b.js')).toBe(true);
    expect(m.matches('src/node_modules/x')).toBe(false); // anchored at the root, as Docker
    expect(m.matches('node_modules_x')).toBe(false);
  });

  it('* stays in a segment, ** spans segments', () => {
    const m = compilePatterns(['*.log']);
    expect(m.matches('a.log')).toBe(true);
    expect(m.matches('dir/a.log')).toBe(false);
    const deep = compilePatterns(['**/*.log']);
    expect(deep.matches('a.log')).toBe(true);
    expect(deep.matches('dir/sub/a.log')).toBe(true);
    expect(deep.matches('dir/a.txt')).toBe(false);
  });

  it('the last matching line wins; ! re-includes', () => {
    const m = compilePatterns(['*.md', '!README.md']);
    expect(m.matches('NOTES.md')).toBe(true);
    expect(m.matches('README.md')).toBe(false);
    expect(m.hasExclusions).toBe(true);
    const again = compilePatterns(['*.md', '!README.md', 'README*']);
    expect(again.matches('README.md')).toBe(true);
  });

  it('dot files are matched by wildcards; braces are literal', () => {
    expect(compilePatterns(['*']).matches('.env')).toBe(true);
    expect(compilePatterns(['{a,b}']).matches('a')).toBe(false);
  });

  it('never matches the root itself or paths outside it', () => {
    const m = compilePatterns(['**']);
    expect(m.matches('')).toBe(false);
    expect(m.matches('../x')).toBe(false);
    expect(compilePatterns([]).matches('x')).toBe(false);
  });

  it('parses an ignore file: comments and blank lines dropped', () => {
    expect(parseIgnoreFile('# c\n\nnode_modules\n  *.tmp  \r\n!keep\n')).toEqual(['node_modules', '*.tmp', '!keep']);
  });

  it('relInside gives a slash path or undefined outside', () => {
    expect(relInside('/a/b', '/a/b/c/d')).toBe('c/d');
    expect(relInside('/a/b', '/a/b')).toBe('');
    expect(relInside('/a/b', '/a/bc')).toBeUndefined();
    expect(relInside('/a/b', '/a/b/..x')).toBe('..x');
  });
});
