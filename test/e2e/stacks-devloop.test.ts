/**
 * A developer-loop stack (test/fixtures/stacks/devloop) through the built CLI: files layered
 * with -f and COMPOSE_FILE, --env-file, nested defaults and `$$`, the attached `up` with its
 * prefixed logs and a graceful Ctrl+C (stop_signal), a post_start hook, one-off `run`s
 * (--rm, -d, --name, --entrypoint, -e, -p, a profiled tool, deps started), wait, events --json,
 * create/start, scale, rm -s -f, a taken port named with its holder, and `down -p NAME` with no
 * file. What Docker Compose v2 does with the same files.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireRoot } from '../helpers/root.js';
import { Stack, eventually, freePort, parseJsonRows, sleep } from '../helpers/stack.js';

requireRoot();

const P = 'devloop';
let s: Stack;
let port: number;

beforeAll(async () => {
  s = new Stack('devloop');
  port = await freePort();
  s.env = { API_PUBLISHED: String(port) };
  s.importBusybox();
});

afterAll(() => {
  s.teardown(P);
});

type Cfg = { services: Record<string, { environment: Record<string, string>; command: string[] }> };
const cfg = (args: string[], env: Record<string, string> = {}): Cfg => JSON.parse(s.ok([...args, 'config', '--format', 'json'], 0, { env }).stdout) as Cfg;

describe('the devloop stack', () => {
  it('config: -f layering, COMPOSE_FILE, --env-file, nested defaults, $$ kept literal', () => {
    const base = cfg([]).services.api!.environment;
    expect(base).toMatchObject({ APP_MODE: 'base', PORT: '8000', NESTED: 'deep-default' });
    expect(base.DEBUG).toBeUndefined();
    const dev = cfg(['-f', 'compose.yaml', '-f', 'compose.dev.yaml']).services.api!;
    expect(dev.environment).toMatchObject({ APP_MODE: 'dev', DEBUG: '1', PORT: '8000' });
    expect(dev.command[2]).toContain('debug=$$DEBUG'); // command replaced, not appended
    expect(cfg([], { COMPOSE_FILE: 'compose.yaml:compose.dev.yaml' }).services.api!.environment.APP_MODE).toBe('dev');
    expect(cfg(['--env-file', 'staging.env']).services.api!.environment).toMatchObject({ APP_MODE: 'staging', PORT: '9000' });
    // The shell still beats the env file.
    expect(cfg(['--env-file', 'staging.env'], { APP_MODE: 'shell' }).services.api!.environment.APP_MODE).toBe('shell');
  });

  it('attached up: "Attaching to", prefixed lines, Ctrl+C stops gracefully with the stop_signal', async () => {
    const up = s.spawn(['up']);
    try {
      await eventually('both services logging', () => /^api-1 +\| api base on 8000$/m.test(up.out()) && /^queue-1 +\| queue up$/m.test(up.out()), 30_000);
      expect(up.out()).toMatch(/Attaching to api-1, queue-1/);
      // post_start ran inside the container.
      expect(s.sh('api', 'cat /tmp/hook').stdout).toBe('started-hook\n');
      up.kill('SIGINT');
      const code = await new Promise<number | null>((res) => up.on('exit', (c) => res(c)));
      expect(code).not.toBe(0);
      expect(up.out()).toContain('Gracefully stopping...');
      // SIGQUIT reached the trap: `$${...}` stayed literal in the environment.
      expect(up.out()).toMatch(/^api-1 +\| graceful \$\{NOT_INTERPOLATED\}$/m);
      expect(up.out()).toContain('api-1 exited with code 0');
      expect(up.out()).toMatch(/queue-1 exited with code \d+/);
    } finally {
      if (up.exitCode === null) up.kill('SIGKILL');
    }
    const rows = Object.fromEntries(s.ps(P).map((r) => [r.Service, r]));
    expect(rows.api).toMatchObject({ State: 'exited', ExitCode: 0 });
    expect(rows.queue!.State).toBe('exited');
  });

  it('run: --rm, a profiled tool by name, command and --entrypoint overrides, -e, -d with --name, wait', () => {
    s.ok(['up', '-d', '--wait']);
    expect(s.ok(['run', '--rm', '-T', 'tasks']).stdout).toBe('default task\n');
    expect(s.ok(['run', '--rm', '-T', 'tasks', 'echo', 'override']).stdout).toBe('override\n');
    expect(s.ok(['run', '--rm', '-T', '--entrypoint', '/bin/echo', 'tasks', 'hello', 'entry']).stdout).toBe('hello entry\n');
    expect(s.ok(['run', '--rm', '-T', '-e', 'APP_MODE=cli', 'api', 'sh', '-c', 'echo $APP_MODE $NESTED']).stdout).toBe('cli deep-default\n');
    expect(s.ok(['run', '-d', '--name', 'nightly-report', 'tasks', 'sh', '-c', 'sleep 1; exit 4']).stdout.trim()).toBe('nightly-report');
    const w = s.run(['--profile', 'tools', 'wait', 'tasks']);
    expect(w.code).toBe(4);
    const rows = parseJsonRows(s.ok(['--profile', 'tools', 'ps', '-a', '--format', 'json', 'tasks']).stdout);
    expect(rows).toEqual([expect.objectContaining({ Name: 'nightly-report', State: 'exited', ExitCode: 4 })]);
    const anon = s.ok(['run', '-d', 'tasks', 'true']).stdout.trim();
    expect(anon).toMatch(/^devloop-tasks-run-[0-9a-f]{12}$/);
    s.ok(['--profile', 'tools', 'rm', '-f', 'tasks']);
    expect(s.ps(P).filter((r) => r.Service === 'tasks')).toEqual([]);
  });

  it('run -p publishes a port for the one-off; --no-deps', async () => {
    const p2 = await freePort();
    s.ok(['run', '-d', '--no-deps', '--name', 'probe', '-p', `127.0.0.1:${p2}:7000`, 'api', 'sh', '-c', 'exec nc -ll -p 7000 -e echo from-run']);
    try {
      const got = await eventually('the one-off answering on its published port', () =>
        new Promise<string | undefined>((res) => {
          const c = net.connect(p2, '127.0.0.1');
          let d = '';
          c.on('data', (b) => (d += b.toString()));
          c.on('close', () => res(d || undefined));
          c.on('error', () => res(undefined));
          setTimeout(() => c.destroy(), 2000);
        }),
      );
      expect(got).toBe('from-run\n');
      expect(s.ok(['ps']).stdout).toMatch(new RegExp(`probe .*127\\.0\\.0\\.1:${p2}->7000/tcp`));
    } finally {
      s.run(['container', 'rm', '-f', 'probe']);
    }
  });

  it('events --json streams the project\'s container events', async () => {
    const ev = s.spawn(['events', '--json']);
    try {
      await sleep(800);
      s.ok(['restart', 'queue']);
      const events = await eventually('die and start of queue', () => {
        const rows = ev.out().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; action: string; service: string; id: string });
        const q = rows.filter((e) => e.service === 'queue');
        return q.some((e) => e.action === 'die') && q.some((e) => e.action === 'start') ? q : undefined;
      });
      expect(events[0]).toMatchObject({ type: 'container', service: 'queue' });
      expect(events[0]!.id).toBe(s.ids(P)['devloop-queue-1']);
    } finally {
      ev.kill('SIGINT');
    }
  });

  it('create then start; scale; rm -s -f', () => {
    s.ok(['down', '-t', '1']);
    s.ok(['create']);
    expect(s.ps(P).map((r) => [r.Name, r.State]).sort()).toEqual([
      ['devloop-api-1', 'created'],
      ['devloop-queue-1', 'created'],
    ]);
    s.ok(['start']);
    expect(s.ps(P).every((r) => r.State === 'running')).toBe(true);
    s.ok(['scale', 'queue=3']);
    expect(s.ps(P).filter((r) => r.Service === 'queue').map((r) => r.Name).sort()).toEqual(['devloop-queue-1', 'devloop-queue-2', 'devloop-queue-3']);
    s.ok(['rm', '-s', '-f', 'queue']);
    expect(s.ps(P).map((r) => r.Name)).toEqual(['devloop-api-1']);
  });

  it('a taken host port fails the start and names the holder; nothing else is touched', async () => {
    s.ok(['down', '-t', '1']);
    const holder = net.createServer();
    await new Promise<void>((res) => holder.listen(port, '127.0.0.1', () => res()));
    try {
      const r = s.run(['up', '-d']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`127.0.0.1:${port}`);
      expect(r.stderr).toMatch(new RegExp(`process ${process.pid}\\b`));
    } finally {
      await new Promise<void>((res) => holder.close(() => res()));
    }
    s.ok(['up', '-d', '--wait']);
    expect(s.ps(P).find((r) => r.Service === 'api')!.State).toBe('running');
  });

  it('down -p NAME works from anywhere, without the file', () => {
    s.ok(['-p', P, 'down', '-t', '1'], 0, { cwd: '/' });
    expect(s.ps(P)).toEqual([]);
    expect(s.ok(['network', 'ls']).stdout).not.toContain('devloop_default');
  });
});
