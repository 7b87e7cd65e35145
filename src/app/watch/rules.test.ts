import { describe, expect, it } from 'vitest';
import type { Project } from '../../model/types.js';
import { compileRules, matchRules, ruleProblems } from './rules.js';

function project(): Project {
  return {
    name: 'p',
    services: {
      web: {
        build: { context: '/w/web' },
        develop: {
          watch: [
            { path: '/w/web/src', action: 'sync', target: '/app/src', ignore: ['**/*.test.js', 'tmp'] },
            { path: '/w/web/package.json', action: 'rebuild' },
            { path: '/w/web/conf', action: 'sync+restart', target: '/etc/web', include: ['*.conf'] },
          ],
        },
      },
      api: {
        image: 'api',
        develop: { watch: [{ path: '/w/api', action: 'sync+exec', target: '/srv', exec: { command: ['kill', '-HUP', '1'] } }] },
      },
      db: { image: 'db' },
    },
  };
}

const files: Record<string, string> = { '/w/web/.dockerignore': '# ignore\nsrc/generated\n**/*.bak\n' };
const readText = (f: string) => files[f];

describe('watch rules', () => {
  const rules = compileRules(project(), readText);

  it('compiles every rule of every service with develop.watch', () => {
    expect(rules.map((r) => `${r.service}#${r.index}`)).toEqual(['web#0', 'web#1', 'web#2', 'api#0']);
    expect(compileRules(project(), readText, ['api']).map((r) => r.service)).toEqual(['api']);
  });

  it('maps a host path under the rule to the target', () => {
    const [sync] = rules;
    expect(sync!.containerPath('/w/web/src/a/b.js')).toBe('/app/src/a/b.js');
    expect(sync!.containerPath('/w/web/src')).toBe('/app/src');
    expect(rules[1]!.containerPath('/w/web/package.json')).toBeUndefined(); // no target
  });

  it('a path hits only the rules it is under', () => {
    expect(matchRules(rules, '/w/web/src/a.js').map((r) => r.index)).toEqual([0]);
    expect(matchRules(rules, '/w/web/package.json').map((r) => r.index)).toEqual([1]);
    expect(matchRules(rules, '/w/web/package.json.orig')).toEqual([]);
    expect(matchRules(rules, '/w/api/x.py').map((r) => r.service)).toEqual(['api']);
  });

  it('honours the rule ignore globs relative to its path', () => {
    expect(matchRules(rules, '/w/web/src/a.test.js')).toEqual([]);
    expect(matchRules(rules, '/w/web/src/tmp/x.js')).toEqual([]);
    expect(matchRules(rules, '/w/web/src/lib/tmp.js').length).toBe(1);
  });

  it('honours include globs', () => {
    expect(matchRules(rules, '/w/web/conf/nginx.conf').map((r) => r.index)).toEqual([2]);
    expect(matchRules(rules, '/w/web/conf/README')).toEqual([]);
  });

  it("honours the build context's .dockerignore for paths inside the context", () => {
    expect(matchRules(rules, '/w/web/src/generated/x.js')).toEqual([]);
    expect(matchRules(rules, '/w/web/src/x.bak')).toEqual([]);
    expect(matchRules(rules, '/w/web/src/x.js').length).toBe(1);
  });

  it('prefers <Dockerfile>.dockerignore over .dockerignore', () => {
    const p = project();
    p.services.web!.build = { context: '/w/web', dockerfile: 'dev.Dockerfile' };
    const rs = compileRules(p, (f) => ({ ...files, '/w/web/dev.Dockerfile.dockerignore': 'src/only-dev\n' })[f]);
    expect(matchRules(rs, '/w/web/src/only-dev/a').length).toBe(0);
    expect(matchRules(rs, '/w/web/src/generated/x.js').length).toBe(1);
  });

  it('an allow-list .dockerignore ("*" first) ignores nothing for watching, as Compose', () => {
    const rs = compileRules(project(), (f) => (f === '/w/web/.dockerignore' ? '*\n!package.json\n!src/*.js\n' : undefined));
    expect(matchRules(rs, '/w/web/src/lib/deep.ts').length).toBe(1);
    expect(matchRules(rs, '/w/web/conf/site.conf').length).toBe(1);
  });

  it('skips .git and editor scratch files by default', () => {
    for (const p of ['/w/api/.git/index', '/w/api/a/.main.py.swp', '/w/api/main.py~', '/w/api/4913', '/w/api/.#main.py', '/w/api/.idea/x']) {
      expect(matchRules(rules, p), p).toEqual([]);
    }
    expect(matchRules(rules, '/w/api/.gitignore').length).toBe(1);
  });

  it('says when a whole folder can be left unwatched', () => {
    const [sync] = rules;
    expect(sync!.skipsWholeDir('/w/web/src/tmp')).toBe(true);
    expect(sync!.skipsWholeDir('/w/web/src/generated')).toBe(true);
    expect(sync!.skipsWholeDir('/w/web/src/lib')).toBe(false);
    const withBang = compileRules({ name: 'p', services: { s: { image: 'x', develop: { watch: [{ path: '/x', action: 'sync', target: '/y', ignore: ['d', '!d/keep'] }] } } } }, readText);
    expect(withBang[0]!.skipsWholeDir('/x/d')).toBe(false);
    expect(withBang[0]!.accepts('/x/d/keep')).toBe(true);
    expect(withBang[0]!.accepts('/x/d/other')).toBe(false);
  });

  it('reports unusable rules', () => {
    const p: Project = {
      name: 'p',
      services: {
        a: { image: 'a', develop: { watch: [{ path: '/a', action: 'rebuild' }, { path: '/a', action: 'sync' }, { path: '/a', action: 'sync+exec', target: '/t' }] } },
      },
    };
    const problems = ruleProblems(p);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('build');
    expect(problems[1]).toContain('target');
    expect(problems[2]).toContain('exec.command');
    expect(ruleProblems(project())).toEqual([]);
  });
});
