/**
 * berth watch on the real engine: one busybox stack brought up by the watch itself, then
 * edits on the host checked from inside the containers (exec), restarts, sync+exec,
 * ignore globs and .dockerignore, compose.yaml edits (a new service; a broken file), and a
 * rebuild rule (a new image, a recreated container).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerSummary, Engine } from '../../engine/api/types.js';
import type { AppDeps, GlobalOptions } from '../../src/app/context.js';
import { down } from '../../src/app/down.js';
import { connectEngine, stopEngine } from '../../src/app/engine.js';
import { runWatch } from '../../src/app/watch/index.js';
import { loadProject } from '../../src/load/index.js';
import { loadOptionsFrom } from '../../src/load/options.js';
import { nullSink, systemClock } from '../../src/progress/events.js';
import { BUSYBOX_CHANGES, busyboxTarball } from '../helpers/busybox.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';

requireRoot();

const PROJECT = 'wdemo';
let root: string;
let dir: string;
let engine: Engine;
let deps: AppDeps;
const g: GlobalOptions = { projectName: PROJECT };
const out: string[] = [];
const err: string[] = [];
let ac: AbortController;
let watching: Promise<void>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}\nwatch output:\n${out.join('')}\n${err.join('')}`);
    await sleep(25);
  }
}

async function containers(service: string, all = false): Promise<ContainerSummary[]> {
  return engine.containerList({ all, filters: { label: [`com.docker.compose.project=${PROJECT}`, `com.docker.compose.service=${service}`] } });
}

async function one(service: string): Promise<ContainerSummary> {
  return until(`a running ${service} container`, async () => (await containers(service)).find((c) => c.state === 'running'));
}

async function sh(service: string, script: string): Promise<{ code: number; out: string }> {
  const c = await one(service);
  const r = await engine.containerExec(c.id, { cmd: ['sh', '-c', script] });
  return { code: r.exitCode, out: r.stdout };
}

function write(rel: string, text: string): void {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
}

const COMPOSE = `
name: ${PROJECT}
services:
  web:
    image: busybox:latest
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    develop:
      watch:
        - path: ./src
          action: sync
          target: /app
          ignore: ["*.tmp"]
        - path: ./conf
          action: sync+restart
          target: /etc/web
        - path: ./seed
          action: sync
          target: /seed
          initial_sync: true
        - path: ./hooks
          action: sync+exec
          target: /hooks
          exec:
            command: ["sh", "-c", "cat /hooks/h > /tmp/exec-ran"]
  api:
    image: busybox:latest
    build: ./api
    command: ["sleep", "3600"]
    environment:
      GREETING: \${GREETING:-none}
    stop_signal: SIGKILL
    develop:
      watch:
        - path: ./api
          action: sync
          target: /srv
`;

const WORKER = `
  worker:
    image: busybox:latest
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
`;

beforeAll(async () => {
  root = tempRoot('watch');
  dir = fs.mkdtempSync(path.join(root, 'proj-'));
  const env = { ...process.env, BERTH_ROOT: root };
  write('compose.yaml', COMPOSE);
  write('src/keep.txt', 'keep');
  write('conf/web.conf', 'v0');
  write('hooks/h', 'h0');
  write('seed/sub/s.txt', 'seeded');
  write('seed/Dockerfile', 'not synced by initial_sync, as Compose');
  write('api/.dockerignore', 'secret.env\n');
  write('api/Dockerfile', 'FROM busybox:latest\n');
  write('.env', 'GREETING=hello\n');
  engine = await connectEngine({ root, env });
  await engine.imageImport(fs.createReadStream(busyboxTarball()), 'busybox:latest', BUSYBOX_CHANGES);
  deps = {
    connect: async () => engine,
    load: async (gl) => {
      const r = await loadProject(loadOptionsFrom(gl, env, dir));
      return { project: r.project, warnings: r.warnings, files: r.files, envFiles: r.envFiles };
    },
    sink: nullSink(),
    clock: systemClock,
    env,
    stdout: { write: (t: string) => void out.push(t) },
    stderr: { write: (t: string) => void err.push(t) },
    version: '0.0.0-test',
    onInterrupt: () => () => undefined,
    color: false,
    lockDir: path.join(root, 'locks'),
  } as AppDeps;
  ac = new AbortController();
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  watching = runWatch({ deps, g, engine, signal: ac.signal }, { onReady: () => ready() });
  watching.catch(() => ready());
  await isReady;
  await one('web');
  await one('api');
}, 120_000);

afterAll(async () => {
  if (!root) return;
  ac?.abort();
  await watching?.catch(() => undefined);
  if (deps) await down(deps, g, { volumes: true, removeOrphans: true }).catch((e) => console.error('down failed', e));
  if (engine) for (const img of await engine.imageList().catch(() => [])) await engine.imageRemove(img.id, { force: true }).catch(() => undefined);
  await stopEngine({ root, env: { ...process.env, BERTH_ROOT: root } });
  assertNoLeaks(root);
  fs.rmSync(root, { recursive: true, force: true });
}, 120_000);

describe('berth watch (real engine)', () => {
  it('an edit is visible inside the container, and a delete deletes', async () => {
    const t0 = Date.now();
    write('src/index.html', 'hello 1');
    await until('the edit inside web', async () => (await sh('web', 'cat /app/index.html 2>/dev/null')).out === 'hello 1');
    const visibleMs = Date.now() - t0;
    write('src/index.html', 'hello 2');
    await until('the second edit inside web', async () => (await sh('web', 'cat /app/index.html')).out === 'hello 2');
    expect(out.join('')).toMatch(/web: synced 1 file into wdemo-web-1 in \d+ ms/);
    fs.rmSync(path.join(dir, 'src/index.html'));
    await until('the delete inside web', async () => (await sh('web', 'test -e /app/index.html; echo $?')).out.trim() === '1');
    expect(visibleMs).toBeLessThan(5000);
  });

  it('initial_sync copies the rule path in at start (without the Dockerfile, as Compose)', async () => {
    await until('the seed inside web', async () => (await sh('web', 'cat /seed/sub/s.txt 2>/dev/null')).out === 'seeded');
    expect((await sh('web', 'test -e /seed/Dockerfile; echo $?')).out.trim()).toBe('1');
  });

  it('a new folder with files arrives whole; a renamed file and a renamed folder move', async () => {
    write('src/d/a.txt', 'a');
    write('src/d/e/b.txt', 'b');
    await until('the folder inside web', async () => (await sh('web', 'cat /app/d/a.txt /app/d/e/b.txt')).out === 'ab');
    fs.renameSync(path.join(dir, 'src/d/a.txt'), path.join(dir, 'src/d/c.txt'));
    await until('the rename inside web', async () => (await sh('web', 'test -e /app/d/a.txt || cat /app/d/c.txt')).out === 'a');
    fs.renameSync(path.join(dir, 'src/d'), path.join(dir, 'src/d2'));
    await until('the folder rename inside web', async () => (await sh('web', 'test -e /app/d || cat /app/d2/c.txt /app/d2/e/b.txt')).out === 'ab');
  });

  it('honours ignore globs and the build context .dockerignore', async () => {
    write('src/skip.tmp', 'no');
    write('api/secret.env', 'no');
    write('src/marker.txt', 'yes');
    write('api/marker.txt', 'yes');
    await until('the markers', async () => (await sh('web', 'cat /app/marker.txt')).out === 'yes' && (await sh('api', 'cat /srv/marker.txt')).out === 'yes');
    await sleep(300);
    expect((await sh('web', 'test -e /app/skip.tmp; echo $?')).out.trim()).toBe('1');
    expect((await sh('api', 'test -e /srv/secret.env; echo $?')).out.trim()).toBe('1');
  });

  it('keeps permissions and symlinks', async () => {
    write('src/run.sh', '#!/bin/sh\necho ran\n');
    fs.chmodSync(path.join(dir, 'src/run.sh'), 0o750);
    fs.symlinkSync('run.sh', path.join(dir, 'src/link'));
    await until('the script and the link', async () => (await sh('web', 'stat -c %a /app/run.sh && readlink /app/link')).out === '750\nrun.sh\n');
    expect((await sh('web', '/app/link')).out).toBe('ran\n');
  });

  it('a burst of 1500 files from another process arrives whole, in a few syncs', async () => {
    const before = (out.join('').match(/web: synced/g) ?? []).length;
    const { execFileSync } = await import('node:child_process');
    fs.mkdirSync(path.join(dir, 'src/burst'));
    execFileSync('sh', ['-c', 'cd "$1" && i=0; while [ $i -lt 1500 ]; do echo $i > f$i.txt; i=$((i+1)); done', 'sh', path.join(dir, 'src/burst')]);
    await until('1500 files inside', async () => (await sh('web', 'ls /app/burst | wc -l')).out.trim() === '1500', 60_000);
    expect((await sh('web', 'cat /app/burst/f1499.txt')).out).toBe('1499\n');
    const syncs = (out.join('').match(/web: synced/g) ?? []).length - before;
    expect(syncs).toBeLessThan(40);
  });

  it('sync+restart syncs, then restarts the container', async () => {
    const before = await engine.containerInspect((await one('web')).id);
    write('conf/web.conf', 'v1');
    await until('the restart', async () => {
      const now = await engine.containerInspect(before.id);
      return now.state.running && now.state.startedAt !== before.state.startedAt;
    });
    expect((await sh('web', 'cat /etc/web/web.conf')).out).toBe('v1');
    expect(out.join('')).toMatch(/web: restarted wdemo-web-1/);
  });

  it('sync+exec runs its command after the sync', async () => {
    write('hooks/h', 'ran-1');
    await until('the exec result', async () => (await sh('web', 'cat /tmp/exec-ran 2>/dev/null')).out === 'ran-1');
  });

  it('an edit made while the container restarts still arrives', async () => {
    const c = await one('web');
    const restarting = engine.containerRestart(c.id);
    write('src/during-restart.txt', 'made while restarting');
    await restarting;
    await until('the edit after the restart', async () => (await sh('web', 'cat /app/during-restart.txt 2>/dev/null')).out === 'made while restarting');
  });

  it('an edit made while the container is stopped arrives when it starts again', async () => {
    const c = await one('web');
    await engine.containerStop(c.id, { timeout: 0 });
    write('src/while-stopped.txt', 'made while stopped');
    await until('the watch to notice', async () => out.join('').includes('none running') || undefined);
    await engine.containerStart(c.id);
    await until('the catch-up', async () => (await sh('web', 'cat /app/while-stopped.txt 2>/dev/null')).out === 'made while stopped');
    // only what it missed: one file
    expect(out.join('')).toMatch(/web: caught up 1 file into wdemo-web-1/);
  });

  it('a service added to compose.yaml starts without touching the others', async () => {
    const ids = { web: (await one('web')).id, api: (await one('api')).id };
    write('compose.yaml', COMPOSE + WORKER);
    await one('worker');
    expect((await one('web')).id).toBe(ids.web);
    expect((await one('api')).id).toBe(ids.api);
    expect(out.join('')).toMatch(/compose\.yaml changed: reloaded \(added worker\)/);
  });

  it('a .env edit recreates the service that uses it (and only it); the new container catches up', async () => {
    const ids = { web: (await one('web')).id, api: (await one('api')).id };
    expect((await sh('api', 'echo $GREETING')).out).toBe('hello\n');
    write('.env', 'GREETING=bonjour\n');
    const api = await until('a recreated api', async () => {
      const c = await one('api');
      return c.id !== ids.api ? c : undefined;
    });
    expect((await engine.containerExec(api.id, { cmd: ['sh', '-c', 'echo $GREETING'] })).stdout).toBe('bonjour\n');
    expect((await one('web')).id).toBe(ids.web);
    // what was synced into the old api container is replayed into the new one
    await until('the catch-up into the new api', async () => (await sh('api', 'cat /srv/marker.txt 2>/dev/null')).out === 'yes');
    expect(out.join('')).toMatch(/\.env changed: reloaded \(changed api\)/);
  });

  it('an invalid edit prints the error and keeps the stack running', async () => {
    const ids = { web: (await one('web')).id, worker: (await one('worker')).id };
    const errBefore = err.length;
    write('compose.yaml', COMPOSE + WORKER + '  broken: [\n');
    await until('the error', async () => err.length > errBefore);
    expect(err.slice(errBefore).join('')).toMatch(/compose\.yaml:\d+/);
    await sleep(500);
    expect((await one('web')).id).toBe(ids.web);
    expect((await one('worker')).id).toBe(ids.worker);
    // still watching
    write('src/after-error.txt', 'ok');
    await until('an edit after the error', async () => (await sh('web', 'cat /app/after-error.txt 2>/dev/null')).out === 'ok');
    write('compose.yaml', COMPOSE + WORKER);
  });
});
