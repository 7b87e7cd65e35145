/**
 * The example stack on the real engine, through the built CLI: up, the front answers and
 * reaches the api by name, a second up changes nothing, an environment change recreates one
 * service, scale up and down, orphans, plan's exit codes, down -p NAME -v without the file,
 * and nothing left behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';
import { BerthCli, REPO, eventually, freePort, httpGet, writeFile } from '../fixtures/compose/cli.js';

requireRoot();

const project = `demo${process.pid}`;
let root: string;
let dir: string;
let cli: BerthCli;
let port: number;
let demo: string;

function withEnv(yaml: string, service: string, env: string): string {
  // Adds an environment entry to one service of the demo file (the demo has none).
  return yaml.replace(new RegExp(`(\\n  ${service}:\\n    <<: \\*busybox\\n)`), `$1    environment:\n      ${env}\n`);
}

beforeAll(async () => {
  root = tempRoot('cdemo');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cdemo-'));
  cli = new BerthCli(root, dir);
  port = await freePort();
  demo = fs.readFileSync(path.join(REPO, 'examples/demo/compose.yaml'), 'utf8').replace('127.0.0.1:8080:80', `127.0.0.1:${port}:80`).replace(/^name: demo$/m, `name: ${project}`);
  writeFile(dir, 'compose.yaml', demo);
  cli.importBusybox();
});

afterAll(() => {
  cli.run(['-p', project, 'down', '-v', '--remove-orphans'], { cwd: '/' });
  cli.stopEngine();
  fs.rmSync(dir, { recursive: true, force: true });
  assertNoLeaks(root);
  fs.rmSync(root, { recursive: true, force: true }); // only reached with nothing mounted under it
});

describe('the demo stack', () => {
  it('plan says 2 before the first up', () => {
    const r = cli.ok(['plan'], 2);
    expect(r.stdout).toContain(`CreateNetwork ${project}_default: new network`);
    expect(r.stdout).toContain(`CreateVolume ${project}_data: new volume`);
    expect(r.stdout).toMatch(/WaitService db healthy .*: migrate depends on it/);
  });

  it('comes up; the front answers and reaches the api by name', async () => {
    cli.ok(['up', '-d']);
    const home = await eventually('the front page', async () => {
      const r = await httpGet(`http://127.0.0.1:${port}/`);
      return r.status === 200 ? r : undefined;
    });
    expect(home.body).toContain('hello from berth');
    const api = await eventually('the api through the front', async () => {
      const r = await httpGet(`http://127.0.0.1:${port}/cgi-bin/api`);
      return r.body.includes('written by migrate') ? r : undefined;
    });
    expect(api.body).toContain('hello from the data service, written by migrate');
    const ps = cli.ok(['ps', '-a']).stdout;
    expect(ps).toMatch(new RegExp(`${project}-migrate-1 .*Exited \\(0\\)`));
    expect(ps).toMatch(new RegExp(`${project}-web-1 .*127\\.0\\.0\\.1:${port}->80/tcp`));
  });

  it('a second up recreates nothing and says so; plan exits 0', () => {
    const before = cli.ids(project);
    const r = cli.ok(['up', '-d']);
    // As Compose: a " Container X  Running" line per untouched running container, nothing else.
    expect(r.stderr).toContain(` Container ${project}-web-1  Running\n`);
    expect(r.stderr).not.toMatch(/Created|Started|Recreated/);
    expect(cli.ids(project)).toEqual(before);
    const plan = cli.ok(['plan'], 0);
    expect(plan.stdout).toContain('nothing to do');
  });

  it('an environment change recreates that service alone', () => {
    const before = cli.ids(project);
    writeFile(dir, 'compose.yaml', withEnv(demo, 'web', 'GREETING: hi'));
    const plan = cli.ok(['plan'], 2);
    expect(plan.stdout).toContain(`CreateContainer ${project}-web-1 (after #2): config hash changed: environment GREETING added`);
    cli.ok(['up', '-d']);
    const after = cli.ids(project);
    expect(after[`${project}-web-1`]).not.toBe(before[`${project}-web-1`]);
    for (const s of ['api', 'db', 'migrate']) expect(after[`${project}-${s}-1`]).toBe(before[`${project}-${s}-1`]);
  });

  it('scales up and down, keeping the first container', async () => {
    const first = cli.ids(project)[`${project}-api-1`];
    cli.ok(['up', '-d', '--scale', 'api=3']);
    const three = cli.ids(project);
    expect(Object.keys(three).filter((n) => n.startsWith(`${project}-api-`)).sort()).toEqual([`${project}-api-1`, `${project}-api-2`, `${project}-api-3`]);
    cli.ok(['up', '-d', '--scale', 'api=1']);
    const one = cli.ids(project);
    expect(Object.keys(one).filter((n) => n.startsWith(`${project}-api-`))).toEqual([`${project}-api-1`]);
    expect(one[`${project}-api-1`]).toBe(first);
  });

  it('warns about orphans and removes them with --remove-orphans', () => {
    const noWeb = withEnv(demo, 'web', 'GREETING: hi').replace(/\n  web:\n[\s\S]*?\n(?=  api:)/, '\n');
    expect(noWeb).not.toContain('  web:');
    writeFile(dir, 'compose.yaml', noWeb);
    const r = cli.ok(['up', '-d']);
    expect(r.stderr).toContain(`orphan containers ([${project}-web-1])`);
    expect(cli.ids(project)[`${project}-web-1`]).toBeDefined();
    cli.ok(['up', '-d', '--remove-orphans']);
    expect(cli.ids(project)[`${project}-web-1`]).toBeUndefined();
  });

  it('down -p NAME -v works without the file and leaves nothing', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-empty-'));
    try {
      cli.ok(['-p', project, 'down', '-v'], 0, { cwd: empty });
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
    expect(cli.ids(project)).toEqual({});
    const vols = cli.ok(['volume', 'ls', '-q']).stdout;
    expect(vols).not.toContain(project);
    const nets = cli.ok(['network', 'ls']).stdout;
    expect(nets).not.toContain(`${project}_default`);
  });
});
