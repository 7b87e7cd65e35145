/**
 * Running a whole Compose-shaped stack through the built berth CLI, the way a Docker Compose
 * user would: a fresh BERTH_ROOT, a project folder copied from test/fixtures/stacks/<name>
 * (so bind mounts and edits never touch the repository), the busybox image imported once per
 * root, and a teardown that always runs `down -v --remove-orphans`, `engine stop` and the
 * leak check.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUSYBOX_CHANGES, busyboxTarball } from './busybox.js';
import { assertNoLeaks } from './leaks.js';
import { tempRoot } from './root.js';
import { eventually as waitFor } from './wait.js';

export const REPO = path.resolve(import.meta.dirname, '../..');
/** The CLI as the package.json `bin` entry names it (built by `npm run build`). */
export const BIN = process.env.BERTH_BIN ?? path.join(REPO, 'dist/src/cli/bin.js');
export const FIXTURES = path.join(REPO, 'test/fixtures/stacks');
export const IMAGE = 'berth-demo/busybox:latest';

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOpts {
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  input?: string;
}

export class Stack {
  readonly root: string;
  readonly dir: string;
  /** Extra environment for every command (e.g. a free port for interpolation). */
  env: Record<string, string> = {};

  /** Copies the fixture folder `fixture` into a temp project folder. */
  constructor(fixture: string, label = fixture) {
    this.root = tempRoot(`s${label}`);
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `berth-stack-${label}-`));
    fs.cpSync(path.join(FIXTURES, fixture), this.dir, { recursive: true });
  }

  private fullEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const base = { ...process.env };
    // The test runner's own COMPOSE_* settings must not leak into the stack.
    for (const k of Object.keys(base)) if (k.startsWith('COMPOSE_')) delete base[k];
    return { ...base, BERTH_ROOT: this.root, BERTH_PROGRESS: 'plain', NO_COLOR: '1', ...this.env, ...extra };
  }

  run(args: string[], opts: RunOpts = {}): Result {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? this.dir,
      env: this.fullEnv(opts.env),
      encoding: 'utf8',
      timeout: opts.timeoutMs ?? 100_000,
      input: opts.input,
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** Runs and throws with both outputs when the exit code is not `code`. */
  ok(args: string[], code = 0, opts: RunOpts = {}): Result {
    const r = this.run(args, opts);
    if (r.code !== code) throw new Error(`berth ${args.join(' ')} exited ${r.code} (wanted ${code})\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    return r;
  }

  /** A long-running command (logs -f, up attached); output collected as it comes. */
  spawn(args: string[], opts: RunOpts = {}): ChildProcess & { out: () => string } {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? this.dir, env: this.fullEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
    return Object.assign(child, { out: () => text });
  }

  /** Imports the busybox image under the name the fixtures use (once per root). */
  importBusybox(ref = IMAGE): void {
    this.ok(['image', 'import', ...BUSYBOX_CHANGES.flatMap((c) => ['--change', c]), busyboxTarball(), ref]);
  }

  write(rel: string, text: string): string {
    const p = path.join(this.dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
    return p;
  }

  read(rel: string): string {
    return fs.readFileSync(path.join(this.dir, rel), 'utf8');
  }

  /** `exec -T SERVICE sh -c SCRIPT`, returning the result (any exit code). */
  sh(service: string, script: string, extra: string[] = []): Result {
    return this.run(['exec', '-T', ...extra, service, 'sh', '-c', script]);
  }

  /** The project's containers by name (all states), from `ps -a --format json`. */
  ps(project: string): PsRow[] {
    const r = this.ok(['-p', project, 'ps', '-a', '--format', 'json'], 0, { cwd: '/' });
    return parseJsonRows(r.stdout) as unknown as PsRow[];
  }

  ids(project: string): Record<string, string> {
    return Object.fromEntries(this.ps(project).map((x) => [x.Name, x.ID]));
  }

  /** Always: down -v --remove-orphans, engine stop, remove the folder, leak check. */
  teardown(project: string): void {
    const down = this.run(['-p', project, 'down', '-v', '--remove-orphans', '-t', '1'], { cwd: '/' });
    this.run(['engine', 'stop'], { timeoutMs: 60_000 });
    fs.rmSync(this.dir, { recursive: true, force: true });
    assertNoLeaks(this.root);
    if (down.code !== 0) throw new Error(`down -v failed (${down.code}):\n${down.stdout}\n${down.stderr}`);
  }
}

export interface PsRow {
  ID: string;
  Name: string;
  Service: string;
  State: string;
  Status?: string;
  Health?: string;
  ExitCode?: number;
  Project?: string;
  Publishers?: { URL?: string; TargetPort: number; PublishedPort: number; Protocol: string }[];
  [k: string]: unknown;
}

/** `--format json` output: Compose prints one JSON object per line (v2.21+) or an array. */
export function parseJsonRows(text: string): Record<string, unknown>[] {
  const t = text.trim();
  if (!t) return [];
  if (t.startsWith('[')) return JSON.parse(t) as Record<string, unknown>[];
  return t.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

export { freePort, httpGet } from './wait.js';

export function eventually<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 20_000): Promise<T> {
  return waitFor(what, fn, ms);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
