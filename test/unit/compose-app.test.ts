/**
 * The Compose use cases end to end on the in-memory FakeEngine: up (detached and attached),
 * plan's exit codes, ps, logs, down without the file, the project lock.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ContainerInspect } from '../../engine/api/types.js';
import { FakeEngine } from '../helpers/fake-engine.js';
import type { AppDeps, Loaded } from '../../src/app/context.js';
import { up, planCommand } from '../../src/app/up.js';
import { down } from '../../src/app/down.js';
import { ps } from '../../src/app/ps.js';
import { logs } from '../../src/app/logs.js';
import { lockProject } from '../../src/app/lock.js';
import { DiagnosticError } from '../../src/diag/diagnostic.js';
import type { Project } from '../../src/model/types.js';
import { recordingSink, systemClock } from '../../src/progress/events.js';

class HealthFake extends FakeEngine {
  override async containerInspect(id: string): Promise<ContainerInspect> {
    const r = await super.containerInspect(id);
    if (r.config.healthcheck && r.state.running) r.state.health = { status: 'healthy', failingStreak: 0, log: [] };
    return r;
  }
}

const IMG = 'busybox:latest';
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-compose-app-'));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));
function project(env: Record<string, string> = {}): Project {
  return {
    name: 'shop',
    working_dir: '/src/shop',
    services: {
      db: { image: IMG, command: ['sleep', 'infinity'], healthcheck: { test: ['CMD', 'true'] }, networks: { default: null } },
      web: { image: IMG, command: ['sh', '-c', 'echo hello from web; sleep infinity'], environment: env, depends_on: { db: { condition: 'service_healthy', required: true } }, networks: { default: null } },
    },
    networks: { default: { name: 'shop_default' } },
  };
}

function deps(engine: FakeEngine, p: Project | undefined) {
  const out: string[] = [];
  const err: string[] = [];
  const interrupts = new Set<() => void>();
  const sink = recordingSink();
  const d: AppDeps = {
    connect: async () => engine,
    load: async () => {
      if (!p) throw new DiagnosticError([{ code: 'no-compose-file', severity: 'error', message: 'no compose file' }]);
      return { project: structuredClone(p), warnings: [], files: ['/src/shop/compose.yaml'], envFiles: [] } satisfies Loaded;
    },
    sink,
    clock: systemClock,
    env: {},
    stdout: { write: (s) => void out.push(s) },
    stderr: { write: (s) => void err.push(s) },
    version: 'test',
    onInterrupt: (h) => {
      interrupts.add(h);
      return () => interrupts.delete(h);
    },
    color: false,
    lockDir: fs.mkdtempSync(path.join(TMP, 'locks-')),
  };
  return { d, out, err, sink, interrupt: () => [...interrupts].forEach((h) => h()) };
}

describe('compose use cases on the fake engine', () => {
  it('plan 2, up -d, plan 0, second up says up to date, ps lists', async () => {
    const engine = new HealthFake();
    engine.addImage(IMG);
    const a = deps(engine, project());
    expect(await planCommand(a.d, {}, {})).toBe(2);
    expect(a.out.join('')).toContain('#1 CreateNetwork shop_default: new network');
    expect(await up(a.d, {}, { detach: true })).toBe(0);
    const b = deps(engine, project());
    expect(await planCommand(b.d, {}, {})).toBe(0);
    expect(await up(b.d, {}, { detach: true })).toBe(0);
    // As Compose: a "Running" line per untouched running container, nothing created or started.
    expect(b.sink.events.filter((e) => e.text === 'Running').map((e) => e.name)).toContain('shop-web-1');
    expect(b.sink.events.filter((e) => /Creat|Start/.test(e.text))).toEqual([]);
    const c = deps(engine, project());
    await ps(c.d, {}, {});
    const table = c.out.join('');
    expect(table.split('\n')[0]).toMatch(/^NAME +IMAGE +COMMAND +SERVICE +CREATED +STATUS +PORTS$/);
    expect(table).toMatch(/shop-db-1 +busybox:latest/);
    expect(table).toMatch(/shop-web-1 .* web /);
  });

  it('up --dry-run prints the plan and changes nothing', async () => {
    const engine = new HealthFake();
    engine.addImage(IMG);
    const a = deps(engine, project());
    expect(await up(a.d, {}, { dryRun: true })).toBe(0);
    expect(a.out.join('')).toMatch(/^DRY-RUN: #1 CreateNetwork shop_default: new network$/m);
    expect(await engine.containerList({ all: true })).toEqual([]);
  });

  it('logs prints prefixed lines; down works by name alone', async () => {
    const engine = new HealthFake();
    engine.addImage(IMG);
    await up(deps(engine, project()).d, {}, { detach: true });
    await new Promise((r) => setTimeout(r, 50));
    const l = deps(engine, project());
    await logs(l.d, {}, {});
    expect(l.out.join('')).toContain('web-1  | hello from web\n');
    const byName = deps(engine, undefined);
    expect(await down(byName.d, { projectName: 'shop' }, { volumes: true })).toBe(0);
    expect(await engine.containerList({ all: true })).toEqual([]);
    expect((await engine.networkList()).map((n) => n.name)).not.toContain('shop_default');
  });

  it('attached up ends with --exit-code-from', async () => {
    const engine = new HealthFake();
    engine.addImage(IMG);
    const p = project();
    p.services.tester = { image: IMG, command: ['sh', '-c', 'echo testing; sleep 0.2; exit 4'], networks: { default: null } };
    const a = deps(engine, p);
    const code = await up(a.d, {}, { exitCodeFrom: 'tester', timeout: 1 });
    expect(code).toBe(4);
    const text = a.out.join('');
    expect(text).toContain('tester-1 exited with code 4');
    expect(text).toContain('Aborting on container exit...');
    const running = await engine.containerList();
    expect(running).toEqual([]);
  });

  it('attached up: Ctrl+C stops the stack gracefully', async () => {
    const engine = new HealthFake();
    engine.addImage(IMG);
    const a = deps(engine, project());
    const done = up(a.d, {}, {});
    await new Promise((r) => setTimeout(r, 300));
    a.interrupt();
    expect(await done).toBe(130);
    expect(await engine.containerList()).toEqual([]);
    expect((await engine.containerList({ all: true })).length).toBe(2);
  });

  it('a second command on the project waits for the lock and says so', async () => {
    const dir = fs.mkdtempSync(path.join(TMP, 'lock-'));
    const said: string[] = [];
    const first = await lockProject(dir, 'shop', systemClock, (t) => said.push(t));
    let got = false;
    const second = lockProject(dir, 'shop', systemClock, (t) => said.push(t)).then((l) => {
      got = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toBe(false);
    expect(said).toEqual([`waiting for another berth command on project shop (pid ${process.pid}) to finish`]);
    first.release();
    (await second).release();
    expect(got).toBe(true);
  });
});
