/**
 * `berth config` as a user runs it: the compiled CLI in a child process. Checks output,
 * flags, exit codes, and that a user's mistake never prints a stack trace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIX = path.join(ROOT, 'test/fixtures/load');
// The CLI is compiled into a private folder: other people's builds rewrite dist/ at any
// moment, and a child process must not load half-written modules. The folder looks like
// the project root to the code (dist/, package.json for --version, schemas/, node_modules/).
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-test-'));
const BIN = path.join(OUT, 'dist/src/cli/bin.js');

function berth(args: string[], opts: { cwd?: string; input?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    input: opts.input ?? '',
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: '/home/user', ...opts.env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(OUT, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(OUT, 'node_modules'));
  fs.symlinkSync(path.join(ROOT, 'schemas'), path.join(OUT, 'schemas'));
  // Other parts of the tree may have type errors while being written; tsc still emits.
  spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--outDir', path.join(OUT, 'dist')], { cwd: ROOT, encoding: 'utf8' });
  expect(fs.existsSync(BIN)).toBe(true);
}, 240_000);

afterAll(() => {
  fs.rmSync(OUT, { recursive: true, force: true });
});

describe('berth config', () => {
  it('prints the canonical YAML and JSON of a project', () => {
    const y = berth(['config'], { cwd: path.join(FIX, 'merge'), env: {} });
    // merge/ has no compose.yaml override companion: discovery finds compose.yaml only
    expect(y.code).toBe(0);
    expect(y.out).toMatch(/^name: merge\nservices:\n/);
    const j = berth(['-f', 'compose.yaml', '-f', 'override.yaml', 'config', '--format', 'json'], { cwd: path.join(FIX, 'merge') });
    expect(j.code).toBe(0);
    const expected = fs.readFileSync(path.join(FIX, 'merge/expected.json'), 'utf8').split('<DIR>').join(path.join(FIX, 'merge'));
    expect(JSON.parse(j.out)).toEqual(JSON.parse(expected));
  });

  it('reads standard input with -f -', () => {
    const r = berth(['-f', '-', '-p', 'piped', 'config', '--format', 'json'], { input: 'services:\n  a:\n    image: busybox\n', cwd: os.tmpdir() });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ name: 'piped', services: { a: { image: 'busybox' } }, networks: { default: { name: 'piped_default' } } });
  });

  it('lists services, volumes, networks, profiles, images', () => {
    const cwd = path.join(FIX, 'canonical');
    expect(berth(['config', '--services'], { cwd }).out).toBe('app\ndb\n');
    expect(berth(['config', '--volumes'], { cwd }).out).toBe('named\n');
    expect(berth(['config', '--networks'], { cwd }).out).toBe('back\nfront\n');
    expect(berth(['config', '--images'], { cwd }).out).toBe('canon-app\npostgres\n');
    expect(berth(['config', '--profiles'], { cwd: path.join(FIX, 'profiles') }).out).toBe('debug\nhelper\nother\ntools\n');
    expect(berth(['--profile', 'debug', 'config', '--services'], { cwd: path.join(FIX, 'profiles') }).out).toBe('debug\nweb\n');
    expect(berth(['config', '--services'], { cwd: path.join(FIX, 'profiles'), env: { COMPOSE_PROFILES: 'tools,helper' } }).out).toBe('helper\ntools\nweb\n');
  });

  it('prints variables, hashes and the graph', () => {
    const cwd = path.join(FIX, 'interpolation');
    const v = berth(["config", "--variables"], { cwd, env: { PRESENT: "x" } });
    expect(v.code).toBe(0);
    expect(v.out.split('\n')[0]).toMatch(/^NAME\s+REQUIRED\s+DEFAULT VALUE\s+ALTERNATE VALUE$/);
    expect(v.out).toMatch(/\nPRESENT\s+true\s*\n/);
    expect(v.out).toMatch(/\nTAG\s+false\s+latest\s*\n/);
    const h = berth(['config', '--hash', '*'], { cwd: path.join(FIX, 'merge') });
    expect(h.out).toMatch(/^db [0-9a-f]{64}\nweb [0-9a-f]{64}\n$/);
    const h2 = berth(['config', '--hash', 'web'], { cwd: path.join(FIX, 'merge') });
    expect(h2.out).toBe(h.out.split('\n')[1] + '\n');
    const dot = berth(['config', '--graph', 'dot'], { cwd: path.join(FIX, 'canonical') });
    expect(dot.out).toContain('"service:app" -> "service:db" [label="depends_on (service_healthy)"];');
    const g = JSON.parse(berth(['config', '--graph', 'json'], { cwd: path.join(FIX, 'canonical') }).out);
    expect(g.edges).toContainEqual({ from: 'service:app', to: 'volume:named', kind: 'volume' });
    expect(berth(['config', '--graph', 'mermaid'], { cwd: path.join(FIX, 'canonical') }).out).toMatch(/^graph LR\n/);
  });

  it('-q validates silently, -o writes a file, --no-interpolate keeps variables', () => {
    const cwd = path.join(FIX, 'merge');
    const q = berth(['config', '-q'], { cwd });
    expect(q).toMatchObject({ code: 0, out: '' });
    const out = path.join(os.tmpdir(), `berth-config-${process.pid}.yaml`);
    try {
      expect(berth(['config', '-o', out], { cwd }).code).toBe(0);
      expect(fs.readFileSync(out, 'utf8')).toMatch(/^name: merge\n/);
    } finally {
      fs.rmSync(out, { force: true });
    }
    const rel = JSON.parse(berth(['config', '--no-path-resolution', '--format', 'json'], { cwd: path.join(FIX, 'canonical') }).out);
    expect(rel.services.app.build.context).toBe('.');
    // Like `docker compose config` (WithDiscardEnvFile): the files' values are in environment.
    expect(rel.services.app.env_file).toBeUndefined();
    expect(Object.keys(rel.services.app.environment ?? {}).length).toBeGreaterThan(0);
    const raw = berth(['config', '--no-interpolate', '--format', 'json'], { cwd: path.join(FIX, 'no-interpolate') });
    expect(JSON.parse(raw.out).services.app.image).toBe('app:${TAG:-latest}');
  });

  it('names only the requested services and their dependencies', () => {
    const r = berth(['config', '--services', 'web'], { cwd: path.join(FIX, 'merge') });
    expect(r.out).toBe('db\nweb\n');
  });

  it('fails with exit code 1, file:line:col and a caret, never a stack trace', () => {
    const r = berth(['config'], { cwd: path.join(FIX, 'err-many-in-one-file') });
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain('compose.yaml:4:18: error: service "web" refers to undefined service "ghost" in depends_on');
    expect(r.err).toMatch(/\n {2}4 \| {5}depends_on: \[ghost\]\n {4}\| {18}\^/);
    expect(r.err).toContain('required variable API_IMAGE is missing a value');
    expect(r.err).not.toMatch(/\n\s+at .*\.js:\d+/);
    for (const c of ['err-yaml-syntax', 'err-duplicate-key', 'err-dependency-cycle', 'err-not-a-mapping']) {
      const x = berth(['config'], { cwd: path.join(FIX, c) });
      expect(x.code, c).toBe(1);
      expect(x.err, c).not.toMatch(/\n\s+at .*\.js:\d+/);
      expect(x.err, c).toMatch(/compose\.yaml:\d+:\d+: error: /);
    }
    const bad = berth(['config', '--format', 'toml'], { cwd: path.join(FIX, 'merge') });
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('unsupported --format');
    const none = berth(['-p', 'Bad Name', 'config'], { cwd: path.join(FIX, 'merge') });
    expect(none.code).toBe(1);
    expect(none.err).toContain('invalid project name "Bad Name"');
  });
});
