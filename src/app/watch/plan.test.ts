import { describe, expect, it } from 'vitest';
import type { Project } from '../../model/types.js';
import { fold, type FileEvent, type PathChange } from './coalesce.js';
import { planBatch, type DirEntry } from './plan.js';
import { compileRules } from './rules.js';

function batch(...evs: FileEvent[]): PathChange[] {
  const m = new Map<string, PathChange>();
  evs.forEach((e, i) => fold(m, e, i));
  return [...m.values()];
}

const project: Project = {
  name: 'p',
  services: {
    web: {
      build: { context: '/w' },
      develop: {
        watch: [
          { path: '/w/src', action: 'sync', target: '/app', ignore: ['**/*.tmp'] },
          { path: '/w/package.json', action: 'rebuild' },
        ],
      },
    },
    api: {
      image: 'api',
      develop: {
        watch: [
          { path: '/a/conf', action: 'sync+restart', target: '/etc/api' },
          { path: '/a/code', action: 'sync+exec', target: '/srv', exec: { command: ['reload'] } },
          { path: '/a/bin', action: 'restart' },
        ],
      },
    },
  },
};
const rules = compileRules(project, () => undefined);
const CONFIG = new Set(['/w/compose.yaml', '/w/.env']);
const opts = { rebuildThreshold: 1000 };

describe('planBatch', () => {
  it('a changed file becomes one copy into the mapped target', () => {
    const p = planBatch(batch({ kind: 'change', path: '/w/src/a.js' }), rules, CONFIG, opts);
    expect(p.reload).toEqual([]);
    expect(p.services).toHaveLength(1);
    expect(p.services[0]).toMatchObject({ service: 'web', rebuild: false, restart: false, exec: [] });
    expect(p.services[0]!.sync.map((s) => s.op)).toEqual([{ op: 'copy', hostPath: '/w/src/a.js', containerPath: '/app/a.js' }]);
  });

  it('a delete deletes; a rename deletes the old path and copies the new', () => {
    const p = planBatch(batch({ kind: 'unlink', path: '/w/src/gone.js' }, { kind: 'rename', from: '/w/src/o.js', path: '/w/src/n.js' }), rules, CONFIG, opts);
    expect(p.services[0]!.sync.map((s) => s.op)).toEqual([
      { op: 'delete', containerPath: '/app/gone.js' },
      { op: 'delete', containerPath: '/app/o.js' },
      { op: 'copy', hostPath: '/w/src/n.js', containerPath: '/app/n.js' },
    ]);
  });

  it('ignored paths produce nothing', () => {
    const p = planBatch(batch({ kind: 'add', path: '/w/src/x.tmp' }, { kind: 'add', path: '/w/src/.git/HEAD' }), rules, CONFIG, opts);
    expect(p.services).toEqual([]);
  });

  it('a new folder is copied once, swallowing its children', () => {
    const p = planBatch(
      batch({ kind: 'addDir', path: '/w/src/d' }, { kind: 'add', path: '/w/src/d/1.js' }, { kind: 'addDir', path: '/w/src/d/e' }, { kind: 'add', path: '/w/src/d/e/2.js' }),
      rules,
      CONFIG,
      opts,
    );
    expect(p.services[0]!.sync.map((s) => s.op)).toEqual([{ op: 'copy', hostPath: '/w/src/d', containerPath: '/app/d' }]);
  });

  it('a deleted folder is one delete', () => {
    const p = planBatch(batch({ kind: 'unlink', path: '/w/src/d/1.js' }, { kind: 'unlink', path: '/w/src/d/e/2.js' }, { kind: 'unlinkDir', path: '/w/src/d/e' }, { kind: 'unlinkDir', path: '/w/src/d' }), rules, CONFIG, opts);
    expect(p.services[0]!.sync.map((s) => s.op)).toEqual([{ op: 'delete', containerPath: '/app/d' }]);
  });

  it('a folder removed and made again is deleted first, so stale files go', () => {
    const p = planBatch(batch({ kind: 'unlink', path: '/w/src/d/old.js' }, { kind: 'unlinkDir', path: '/w/src/d' }, { kind: 'addDir', path: '/w/src/d' }, { kind: 'add', path: '/w/src/d/new.js' }), rules, CONFIG, opts);
    expect(p.services[0]!.sync.map((s) => s.op)).toEqual([
      { op: 'delete', containerPath: '/app/d' },
      { op: 'copy', hostPath: '/w/src/d', containerPath: '/app/d' },
    ]);
  });

  it('a changed file in a folder that is only changed (not replaced) keeps its delete', () => {
    const p = planBatch(batch({ kind: 'addDir', path: '/w/src/d' }, { kind: 'unlink', path: '/w/src/d/x.js' }), rules, CONFIG, opts);
    expect(p.services[0]!.sync.map((s) => s.op.op)).toEqual(['delete', 'copy']);
  });

  it('a new folder holding ignored files is copied file by file', () => {
    const tree: Record<string, DirEntry[]> = {
      '/w/src/d': [
        { path: '/w/src/d/a.js', isDir: false },
        { path: '/w/src/d/b.tmp', isDir: false },
        { path: '/w/src/d/empty', isDir: true },
        { path: '/w/src/d/sub', isDir: true },
        { path: '/w/src/d/sub/c.js', isDir: false },
      ],
    };
    const p = planBatch(batch({ kind: 'addDir', path: '/w/src/d' }), rules, CONFIG, { ...opts, expandDir: (d) => tree[d] ?? [] });
    expect(p.services[0]!.sync.map((s) => s.op)).toEqual([
      { op: 'copy', hostPath: '/w/src/d/a.js', containerPath: '/app/d/a.js' },
      { op: 'copy', hostPath: '/w/src/d/empty', containerPath: '/app/d/empty' },
      { op: 'copy', hostPath: '/w/src/d/sub/c.js', containerPath: '/app/d/sub/c.js' },
    ]);
  });

  it('a rebuild rule asks for a rebuild; a config file asks for a reload', () => {
    const p = planBatch(batch({ kind: 'change', path: '/w/package.json' }, { kind: 'change', path: '/w/compose.yaml' }), rules, CONFIG, opts);
    expect(p.reload).toEqual(['/w/compose.yaml']);
    expect(p.services).toEqual([expect.objectContaining({ service: 'web', rebuild: true, sync: [] })]);
  });

  it('sync+restart syncs then restarts; sync+exec runs its rule once; restart restarts', () => {
    const p = planBatch(
      batch({ kind: 'change', path: '/a/conf/x' }, { kind: 'change', path: '/a/code/1.py' }, { kind: 'change', path: '/a/code/2.py' }, { kind: 'change', path: '/a/bin/tool' }),
      rules,
      CONFIG,
      opts,
    );
    const api = p.services.find((s) => s.service === 'api')!;
    expect(api.restart).toBe(true);
    expect(api.exec).toEqual([1]);
    expect(api.sync.map((s) => s.op.containerPath).sort()).toEqual(['/etc/api/x', '/srv/1.py', '/srv/2.py']);
    const onlyBin = planBatch(batch({ kind: 'change', path: '/a/bin/tool' }), rules, CONFIG, opts);
    expect(onlyBin.services[0]).toMatchObject({ service: 'api', restart: true, sync: [], exec: [] });
  });

  it('past the threshold a sync becomes a rebuild when the service has a rebuild rule', () => {
    const evs: FileEvent[] = [];
    for (let i = 0; i < 30; i++) evs.push({ kind: 'add', path: `/w/src/f${i}.js` });
    const p = planBatch(batch(...evs), rules, CONFIG, { rebuildThreshold: 20 });
    expect(p.services[0]).toMatchObject({ service: 'web', rebuild: true, sync: [], syncPromoted: 30 });
    const under = planBatch(batch(...evs), rules, CONFIG, { rebuildThreshold: 40 });
    expect(under.services[0]).toMatchObject({ rebuild: false });
    expect(under.services[0]!.sync).toHaveLength(30);
    // api has no rebuild rule: it keeps syncing however many files changed
    const many: FileEvent[] = [];
    for (let i = 0; i < 30; i++) many.push({ kind: 'add', path: `/a/code/f${i}.py` });
    const api = planBatch(batch(...many), rules, CONFIG, { rebuildThreshold: 20 });
    expect(api.services[0]).toMatchObject({ service: 'api', rebuild: false });
    expect(api.services[0]!.sync).toHaveLength(30);
  });
});
