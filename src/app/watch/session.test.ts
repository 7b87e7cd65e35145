/**
 * The watch session end to end over the in-memory engine and real files in a temp folder:
 * real chokidar, real timers, a fake `load` and `up`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncOp, SyncResult } from '../../../engine/api/types.js';
import { FakeEngine } from '../../../test/helpers/fake-engine.js';
import { DiagnosticError } from '../../diag/diagnostic.js';
import type { Project } from '../../model/types.js';
import type { UpOptions } from '../../plan/types.js';
import { LABEL_PROJECT, LABEL_SERVICE } from './apply.js';
import { WatchSession, type Loaded } from './session.js';

class RecordingEngine extends FakeEngine {
  syncs: { id: string; ops: SyncOp[] }[] = [];
  /** The first events() streams fail (an engine restart, say). */
  failEvents = 0;
  override events(...a: Parameters<FakeEngine['events']>): ReturnType<FakeEngine['events']> {
    if (this.failEvents > 0) {
      this.failEvents--;
      return (async function* () {
        throw new Error('connection reset');
      })();
    }
    return super.events(...a);
  }
  override async containerSync(id: string, ops: SyncOp[]): Promise<SyncResult> {
    const r = await super.containerSync(id, ops);
    this.syncs.push({ id, ops });
    return r;
  }
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let dir: string;
let engine: RecordingEngine;
let lines: string[];
let errors: unknown[];
let ups: { project: Project; opts: UpOptions }[];
let ac: AbortController;
let run: Promise<void> | undefined;

function project(extra: Record<string, unknown> = {}): Project {
  return {
    name: 'demo',
    working_dir: dir,
    services: {
      web: {
        build: { context: dir },
        develop: {
          watch: [
            { path: path.join(dir, 'src'), action: 'sync', target: '/app', ignore: ['*.tmp'] },
            { path: path.join(dir, 'package.json'), action: 'rebuild' },
            { path: path.join(dir, 'conf'), action: 'sync+exec', target: '/etc/web', exec: { command: ['echo', 'reloaded'] } },
          ],
        },
      },
      ...extra,
    },
  } as Project;
}

async function startContainer(service: string, n = 1): Promise<string> {
  const { id } = await engine.containerCreate({ name: `demo-${service}-${n}`, image: 'busybox', labels: { [LABEL_PROJECT]: 'demo', [LABEL_SERVICE]: service } });
  await engine.containerStart(id);
  return id;
}

function start(load: () => Promise<Loaded>, opts: ConstructorParameters<typeof WatchSession>[1] = {}): Promise<void> {
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const session = new WatchSession(
    {
      engine,
      load,
      up: async (l, o) => {
        ups.push({ project: l.project, opts: o });
      },
      print: (l) => lines.push(l),
      printError: (e) => errors.push(e),
      signal: ac.signal,
    },
    { noUp: true, quietMs: 10, ...opts, onReady: () => ready() },
  );
  run = session.run();
  run.catch(() => ready());
  return isReady;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-watch-'));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.mkdirSync(path.join(dir, 'conf'));
  fs.writeFileSync(path.join(dir, 'compose.yaml'), 'services: {}\n');
  fs.writeFileSync(path.join(dir, 'package.json'), '{}\n');
  engine = new RecordingEngine({ images: ['busybox'] });
  lines = [];
  errors = [];
  ups = [];
  ac = new AbortController();
});

afterEach(async () => {
  ac.abort();
  await run?.catch(() => undefined);
  run = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const loaded = (p: Project): Loaded => ({ project: p, files: [path.join(dir, 'compose.yaml')] });

describe('WatchSession', () => {
  it('syncs an edit into every replica, and a delete deletes', async () => {
    const a = await startContainer('web', 1);
    const b = await startContainer('web', 2);
    await start(async () => loaded(project()));
    fs.writeFileSync(path.join(dir, 'src', 'a.js'), 'one');
    await until(() => engine.syncs.length >= 2);
    expect(engine.syncs.map((s) => s.id).sort()).toEqual([a, b].sort());
    expect(engine.syncs[0]!.ops).toEqual([{ op: 'copy', hostPath: path.join(dir, 'src', 'a.js'), containerPath: '/app/a.js' }]);
    expect(lines.some((l) => /web: synced 1 file into demo-web-[12] in \d+ ms/.test(l))).toBe(true);
    engine.syncs = [];
    fs.rmSync(path.join(dir, 'src', 'a.js'));
    await until(() => engine.syncs.length >= 2);
    expect(engine.syncs[0]!.ops).toEqual([{ op: 'delete', containerPath: '/app/a.js' }]);
  });

  it('ignores what the rule ignores', async () => {
    await startContainer('web');
    await start(async () => loaded(project()));
    fs.writeFileSync(path.join(dir, 'src', 'x.tmp'), 'no');
    fs.writeFileSync(path.join(dir, 'src', 'y.js'), 'yes');
    await until(() => engine.syncs.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    const synced = engine.syncs.flatMap((s) => s.ops.map((o) => o.containerPath));
    expect(synced).toEqual(['/app/y.js']);
  });

  it('a quick second write is not lost to the watcher throttle', async () => {
    await startContainer('web');
    await start(async () => loaded(project()));
    const f = path.join(dir, 'src', 'fast.js');
    fs.writeFileSync(f, 'v1');
    await until(() => engine.syncs.length >= 1);
    const before = engine.syncs.length;
    fs.writeFileSync(f, 'v2');
    await new Promise((r) => setTimeout(r, 5));
    fs.writeFileSync(f, 'v3-longer');
    // a sync after the last write must come (from the event or the settle sweep)
    await until(() => engine.syncs.length > before);
    await new Promise((r) => setTimeout(r, 200));
    const last = engine.syncs.at(-1)!;
    expect(last.ops.map((o) => o.containerPath)).toContain('/app/fast.js');
  });

  it('sync+exec runs the command after the sync', async () => {
    await startContainer('web');
    await start(async () => loaded(project()));
    fs.writeFileSync(path.join(dir, 'conf', 'site.conf'), 'x');
    await until(() => lines.some((l) => l.includes('ran `echo reloaded`')));
    const syncAt = engine.calls.lastIndexOf(engine.calls.find((c) => c.startsWith('containerSync'))!);
    const execAt = engine.calls.findIndex((c) => c.startsWith('containerExec'));
    expect(syncAt).toBeGreaterThanOrEqual(0);
    expect(execAt).toBeGreaterThan(syncAt);
    expect(lines).toContain('demo-web-1 | reloaded');
  });

  it('a rebuild rule builds the image and recreates the service through up', async () => {
    await startContainer('web');
    await start(async () => loaded(project()));
    fs.writeFileSync(path.join(dir, 'package.json'), '{"v":2}');
    await until(() => ups.length >= 1);
    expect(ups[0]!.opts).toMatchObject({ services: ['web'], noDeps: true, build: true, forceRecreate: true });
    await until(() => lines.some((l) => l.startsWith('web: rebuilt and recreated')));
  });

  it('a new container catches up on what was synced before it started', async () => {
    await startContainer('web', 1);
    await start(async () => loaded(project()));
    fs.writeFileSync(path.join(dir, 'src', 'early.js'), 'x');
    await until(() => engine.syncs.length >= 1);
    const fresh = await startContainer('web', 2);
    await until(() => engine.syncs.some((s) => s.id === fresh));
    const ops = engine.syncs.find((s) => s.id === fresh)!.ops;
    expect(ops).toEqual([{ op: 'copy', hostPath: path.join(dir, 'src', 'early.js'), containerPath: '/app/early.js' }]);
    expect(lines.some((l) => l.includes('caught up 1 file into demo-web-2'))).toBe(true);
  });

  it('an edit made while no container runs arrives when one starts', async () => {
    const id = await startContainer('web', 1);
    await start(async () => loaded(project()));
    await engine.containerStop(id);
    fs.writeFileSync(path.join(dir, 'src', 'late.js'), 'x');
    await until(() => lines.some((l) => l.includes('none running')));
    await engine.containerStart(id);
    await until(() => engine.syncs.some((s) => s.id === id));
    expect(engine.syncs.find((s) => s.id === id)!.ops.map((o) => o.containerPath)).toEqual(['/app/late.js']);
  });

  it('a compose file edit reloads and applies; an invalid one keeps the stack', async () => {
    await startContainer('web');
    let next: Project | Error = project();
    await start(async () => {
      if (next instanceof Error) throw next;
      return loaded(next);
    });
    next = project({ worker: { image: 'busybox' } });
    fs.writeFileSync(path.join(dir, 'compose.yaml'), 'services: {worker: {}}\n');
    await until(() => ups.length >= 1);
    expect(Object.keys(ups[0]!.project.services).sort()).toEqual(['web', 'worker']);
    expect(lines.some((l) => l.includes('compose.yaml changed: reloaded (added worker)'))).toBe(true);
    next = new DiagnosticError([{ code: 'yaml-syntax', severity: 'error', message: 'bad yaml' }]);
    fs.writeFileSync(path.join(dir, 'compose.yaml'), 'services: [\n');
    await until(() => errors.length >= 1);
    expect(ups).toHaveLength(1);
    expect(lines.some((l) => l.includes('does not load; the stack is left as it is'))).toBe(true);
    // the watch still works afterwards
    fs.writeFileSync(path.join(dir, 'src', 'still.js'), 'x');
    await until(() => engine.syncs.some((s) => s.ops.some((o) => o.containerPath === '/app/still.js')));
  });

  it('a burst of 2000 new files is coalesced into a few syncs, none lost', async () => {
    await startContainer('web');
    // (this project has a rebuild rule: keep the burst a sync)
    await start(async () => loaded(project()), { rebuildThreshold: 100_000 });
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) fs.writeFileSync(path.join(dir, 'src', `f${i}.js`), String(i));
    const count = () => new Set(engine.syncs.flatMap((s) => s.ops.map((o) => o.containerPath))).size;
    await until(() => count() === 2000, 15_000).catch((e) => {
      throw new Error(`${String(e)}: ${count()} of 2000 synced in ${engine.syncs.length} syncs after ${Math.round(performance.now() - t0)} ms\n${lines.filter((l) => !l.includes('synced')).join('\n')}`);
    });
    const ms = performance.now() - t0;
    expect(engine.syncs.length).toBeLessThan(50);
    expect(ms).toBeLessThan(15_000);
  }, 30_000);

  it('past the threshold a burst becomes a rebuild', async () => {
    await startContainer('web');
    await start(async () => loaded(project()), { rebuildThreshold: 100 });
    const d = path.join(dir, 'src', 'many');
    fs.mkdirSync(d);
    for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(d, `f${i}.js`), String(i));
    await until(() => ups.length >= 1);
    expect(ups[0]!.opts).toMatchObject({ services: ['web'], build: true, forceRecreate: true });
    expect(lines.some((l) => /web: rebuilding \(\d+ files changed at once\)/.test(l))).toBe(true);
  });

  it('a compose file replaced by rename (as editors save) is reloaded', async () => {
    await startContainer('web');
    let loads = 0;
    await start(async () => {
      loads++;
      return loaded(project(loads > 1 ? { worker: { image: 'busybox' } } : {}));
    });
    const f = path.join(dir, 'compose.yaml');
    fs.writeFileSync(f + '.new', 'services: {worker: {}}\n');
    fs.renameSync(f + '.new', f);
    await until(() => ups.length >= 1);
    // and once more: the watch follows the new file, not the old inode
    fs.writeFileSync(f + '.new', 'services: {worker: {}, x: {}}\n');
    fs.renameSync(f + '.new', f);
    await until(() => loads >= 3);
  });

  it('initial_sync copies the rule path into the running containers at start', async () => {
    fs.writeFileSync(path.join(dir, 'src', 'a.js'), 'a');
    fs.writeFileSync(path.join(dir, 'src', 'b.tmp'), 'b');
    const p = project();
    p.services.web!.develop!.watch![0]!.initial_sync = true;
    await startContainer('web');
    await start(async () => loaded(p));
    await until(() => engine.syncs.length >= 1);
    expect(engine.syncs[0]!.ops).toEqual([{ op: 'copy', hostPath: path.join(dir, 'src', 'a.js'), containerPath: '/app/a.js' }]);
  });

  it('a rule path made after the watch started is watched and synced once it appears', async () => {
    await startContainer('web');
    fs.rmSync(path.join(dir, 'src'), { recursive: true });
    await start(async () => loaded(project()));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'first.js'), '1');
    await until(() => engine.syncs.some((s) => s.ops.some((o) => o.containerPath === '/app' || o.containerPath === '/app/first.js')));
    // and from then on, edits inside it are seen
    fs.writeFileSync(path.join(dir, 'src', 'second.js'), '2');
    await until(() => engine.syncs.some((s) => s.ops.some((o) => o.containerPath === '/app/second.js')));
  });

  it('skips a sync rule whose path is bind-mounted into the service', async () => {
    const p = project();
    p.services.web!.volumes = [{ type: 'bind', source: dir, target: '/app' }];
    await startContainer('web');
    await start(async () => loaded(p));
    expect(lines.some((l) => l.includes('is bind-mounted into the container; its sync rule is skipped'))).toBe(true);
    fs.writeFileSync(path.join(dir, 'src', 'x.js'), '1');
    await new Promise((r) => setTimeout(r, 200));
    expect(engine.syncs.flatMap((s) => s.ops.map((o) => o.containerPath))).not.toContain('/app/x.js');
  });

  it('follows engine events again after the stream broke', async () => {
    await startContainer('web', 1);
    engine.failEvents = 1;
    await start(async () => loaded(project()));
    fs.writeFileSync(path.join(dir, 'src', 'early.js'), 'x');
    await until(() => engine.syncs.length >= 1);
    await until(() => lines.some((l) => l.includes('engine events interrupted (connection reset); retrying')));
    await new Promise((r) => setTimeout(r, 1200));
    const fresh = await startContainer('web', 2);
    await until(() => engine.syncs.some((s) => s.id === fresh));
  });

  it('a reload that adds a watch rule watches its path from then on', async () => {
    await startContainer('web');
    fs.mkdirSync(path.join(dir, 'assets'));
    let withAssets = false;
    await start(async () => {
      const p = project();
      if (withAssets) p.services.web!.develop!.watch!.push({ path: path.join(dir, 'assets'), action: 'sync', target: '/assets' });
      return loaded(p);
    });
    withAssets = true;
    fs.writeFileSync(path.join(dir, 'compose.yaml'), 'services: {web: {develop: {}}}\n');
    await until(() => lines.some((l) => l.includes('compose.yaml changed: reloaded (changed web)')));
    fs.writeFileSync(path.join(dir, 'assets', 'logo.svg'), '<svg/>');
    await until(() => engine.syncs.some((s) => s.ops.some((o) => o.containerPath === '/assets/logo.svg')));
  });

  it('a compose file deleted and made again (a branch switch) is reloaded when it is back', async () => {
    await startContainer('web');
    let loads = 0;
    let missing = false;
    await start(async () => {
      loads++;
      if (missing) throw new DiagnosticError([{ code: 'no-compose-file', severity: 'error', message: 'no compose file' }]);
      return loaded(project(loads > 1 ? { worker: { image: 'busybox' } } : {}));
    });
    const f = path.join(dir, 'compose.yaml');
    missing = true;
    fs.rmSync(f);
    await until(() => errors.length >= 1);
    missing = false;
    fs.writeFileSync(f, 'services: {worker: {}}\n');
    await until(() => ups.length >= 1);
    expect(Object.keys(ups[0]!.project.services)).toContain('worker');
  });

  it('a .dockerignore made while watching is honoured from then on', async () => {
    await startContainer('web');
    await start(async () => loaded(project()));
    fs.writeFileSync(path.join(dir, '.dockerignore'), 'src/secret*\n');
    await until(() => lines.some((l) => l.includes('.dockerignore changed: watch rules updated')));
    fs.writeFileSync(path.join(dir, 'src', 'secret.key'), 'k');
    fs.writeFileSync(path.join(dir, 'src', 'public.js'), 'p');
    await until(() => engine.syncs.some((s) => s.ops.some((o) => o.containerPath === '/app/public.js')));
    await new Promise((r) => setTimeout(r, 100));
    expect(engine.syncs.flatMap((s) => s.ops.map((o) => o.containerPath))).not.toContain('/app/secret.key');
  });

  it('a .env made while watching reloads the project', async () => {
    await startContainer('web');
    let loads = 0;
    await start(async () => {
      loads++;
      return loaded(project(loads > 1 ? { worker: { image: 'busybox' } } : {}));
    });
    fs.writeFileSync(path.join(dir, '.env'), 'X=1\n');
    await until(() => ups.length >= 1);
    expect(lines.some((l) => l.includes('.env changed: reloaded (added worker)'))).toBe(true);
  });

  it('refuses a project without watch rules', async () => {
    const p: Project = { name: 'demo', services: { db: { image: 'busybox' } } };
    await start(async () => loaded(p));
    await expect(run).rejects.toThrow(/configured for watch/);
  });
});
