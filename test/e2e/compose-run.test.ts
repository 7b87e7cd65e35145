/**
 * Waiting and exiting on the real engine: `up --wait` with a one-shot job that completes,
 * `--abort-on-container-exit --exit-code-from`, and `logs -f` following a service across a
 * restart.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';
import { BerthCli, eventually, psRows, writeFile } from '../fixtures/compose/cli.js';

requireRoot();

const IMAGE = 'berth-test/busybox:latest';
let root: string;
let dir: string;
let cli: BerthCli;
const projects: string[] = [];

function stack(name: string, yaml: string): string {
  projects.push(name);
  const d = path.join(dir, name);
  writeFile(d, 'compose.yaml', `name: ${name}\n${yaml}`);
  return d;
}

beforeAll(() => {
  root = tempRoot('crun');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-crun-'));
  cli = new BerthCli(root, dir);
  cli.importBusybox(IMAGE);
});

afterAll(() => {
  for (const p of projects) cli.run(['-p', p, 'down', '-v', '-t', '1'], { cwd: '/' });
  cli.stopEngine();
  fs.rmSync(dir, { recursive: true, force: true });
  assertNoLeaks(root);
  fs.rmSync(root, { recursive: true, force: true }); // only reached with nothing mounted under it
});

describe('compose waits and exits', () => {
  it('up --wait returns once the server is healthy and the job has completed', () => {
    const d = stack(
      `wait${process.pid}`,
      `services:
  job:
    image: ${IMAGE}
    command: ["sh", "-c", "echo job done"]
  server:
    image: ${IMAGE}
    init: true
    command: ["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 3600"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      retries: 20
`,
    );
    const t0 = Date.now();
    const r = cli.ok(['up', '--wait', '--wait-timeout', '60'], 0, { cwd: d });
    expect(Date.now() - t0).toBeGreaterThan(900);
    const ps = cli.ok(['ps', '-a', '--format', 'json'], 0, { cwd: d });
    const rows = psRows(ps.stdout) as { Service: string; State: string; ExitCode: number; Health: string }[];
    expect(rows.find((x) => x.Service === 'job')).toMatchObject({ State: 'exited', ExitCode: 0 });
    expect(rows.find((x) => x.Service === 'server')).toMatchObject({ State: 'running', Health: 'healthy' });
    expect(r.stderr).toMatch(/Ready/);
  });

  it('--abort-on-container-exit --exit-code-from returns that service\'s code and stops the rest', () => {
    const d = stack(
      `abort${process.pid}`,
      `services:
  tester:
    image: ${IMAGE}
    command: ["sh", "-c", "echo testing; sleep 1; exit 3"]
  app:
    image: ${IMAGE}
    init: true
    command: ["sleep", "3600"]
`,
    );
    const r = cli.run(['up', '--abort-on-container-exit', '--exit-code-from', 'tester', '-t', '2'], { cwd: d });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toMatch(/tester-1 +\| testing/);
    expect(r.stdout).toContain('tester-1 exited with code 3');
    const rows = psRows(cli.ok(['ps', '-a', '--format', 'json'], 0, { cwd: d }).stdout) as { Service: string; State: string }[];
    expect(rows.find((x) => x.Service === 'app')?.State).toBe('exited');
  });

  it('logs -f keeps following a service across a restart', async () => {
    const d = stack(
      `logs${process.pid}`,
      `services:
  ticker:
    image: ${IMAGE}
    init: true
    command: ["sh", "-c", "echo started $$(date +%s%N); exec sleep 3600"]
`,
    );
    cli.ok(['up', '-d'], 0, { cwd: d });
    const f = cli.spawn(['logs', '-f', '--no-color'], { cwd: d });
    try {
      await eventually('the first line', () => (f.out().match(/ticker-1 +\| started/g) ?? []).length === 1);
      cli.ok(['restart', 'ticker'], 0, { cwd: d });
      await eventually('the line after the restart', () => (f.out().match(/ticker-1 +\| started/g) ?? []).length === 2, 30_000);
      expect(f.exitCode).toBeNull();
    } finally {
      f.kill('SIGINT');
      await new Promise((r) => f.once('exit', r));
    }
  });
});
