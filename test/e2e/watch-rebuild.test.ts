/**
 * A rebuild rule on the real engine: editing a file the Dockerfile copies builds a new
 * image (the engine's builder, warm cache) and recreates the service's container from it,
 * leaving the other service alone; with --prune the replaced image goes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerSummary, Engine } from '../../engine/api/types.js';
import type { AppDeps, GlobalOptions } from '../../src/app/context.js';
import { down } from '../../src/app/down.js';
import { stopEngine } from '../../src/app/engine.js';
import { createAppDeps } from '../../src/app/root.js';
import { runWatch } from '../../src/app/watch/index.js';
import { nullSink } from '../../src/progress/events.js';
import { BUSYBOX_CHANGES, busyboxTarball } from '../helpers/busybox.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';

requireRoot();

const PROJECT = 'wrebuild';
let root: string;
let dir: string;
let env: NodeJS.ProcessEnv;
let engine: Engine;
let deps: AppDeps;
const g: GlobalOptions = {};
const out: string[] = [];
let ac: AbortController;
let watching: Promise<void>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}\nwatch output:\n${out.join('')}`);
    await sleep(50);
  }
}

async function running(service: string): Promise<ContainerSummary | undefined> {
  const list = await engine.containerList({ filters: { label: [`com.docker.compose.project=${PROJECT}`, `com.docker.compose.service=${service}`] } });
  return list.find((c) => c.state === 'running');
}

async function cat(id: string, file: string): Promise<string> {
  return (await engine.containerExec(id, { cmd: ['cat', file] })).stdout;
}

beforeAll(async () => {
  root = tempRoot('wrebuild');
  dir = fs.mkdtempSync(path.join(root, 'proj-'));
  env = { ...process.env, BERTH_ROOT: root };
  fs.mkdirSync(path.join(dir, 'app'));
  fs.writeFileSync(
    path.join(dir, 'compose.yaml'),
    `name: ${PROJECT}
services:
  app:
    build: ./app
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    develop:
      watch:
        - path: ./app/version.txt
          action: rebuild
  other:
    image: busybox:latest
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
`,
  );
  fs.writeFileSync(path.join(dir, 'app/Dockerfile'), 'FROM busybox:latest\nCOPY version.txt /version.txt\n');
  fs.writeFileSync(path.join(dir, 'app/version.txt'), 'v0\n');
  deps = createAppDeps({
    env,
    cwd: dir,
    stdout: { write: (t: string) => void out.push(t) },
    stderr: { write: (t: string) => void out.push(t) },
    sink: nullSink(),
    color: false,
    version: '0.0.0-test',
  });
  engine = await deps.connect();
  await engine.imageImport(fs.createReadStream(busyboxTarball()), 'busybox:latest', BUSYBOX_CHANGES);
  ac = new AbortController();
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  watching = runWatch({ deps, g, engine, signal: ac.signal }, { prune: true, onReady: () => ready() });
  watching.catch(() => ready());
  await isReady;
}, 120_000);

afterAll(async () => {
  if (!root) return;
  ac?.abort();
  await watching?.catch(() => undefined);
  if (deps) await down(deps, g, { volumes: true, removeOrphans: true, rmi: 'all' }).catch((e) => console.error('down failed', e));
  if (engine) for (const img of await engine.imageList().catch(() => [])) await engine.imageRemove(img.id, { force: true }).catch(() => undefined);
  await stopEngine({ root, env });
  assertNoLeaks(root);
  fs.rmSync(root, { recursive: true, force: true });
}, 120_000);

describe('berth watch: rebuild rule (real engine)', () => {
  it('an edit builds a new image and recreates only that service', async () => {
    const app = await until('app running', () => running('app'));
    const other = await until('other running', () => running('other'));
    expect(await cat(app.id, '/version.txt')).toBe('v0\n');
    const oldImage = app.imageId;

    const t0 = Date.now();
    fs.writeFileSync(path.join(dir, 'app/version.txt'), 'v1\n');
    const next = await until('a recreated app', async () => {
      const c = await running('app');
      return c && c.id !== app.id ? c : undefined;
    });
    const ms = Date.now() - t0;
    expect(next.imageId).not.toBe(oldImage);
    expect(await cat(next.id, '/version.txt')).toBe('v1\n');
    expect((await running('other'))?.id).toBe(other.id);
    // (the line comes once up returned, which can be after the new container shows)
    await until('the rebuild line', async () => /app: rebuilt and recreated in \d+ ms/.test(out.join('')));
    // --prune: the image the rebuild replaced is gone
    await until('the old image pruned', async () => !(await engine.imageList()).some((i) => i.id === oldImage));
    expect(ms).toBeLessThan(60_000);
  });
});
