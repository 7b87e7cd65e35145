/**
 * The orchestrator's stack findings (test/fixtures/stacks/FINDINGS.md) on the real engine,
 * through the built CLI: run passes piped input (#15), start with an external volume (#17),
 * a host port range over replicas (#19), logs -f ends with its containers, logs -t in
 * Docker's form, ps of a stopped container shows no ports.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireRoot } from '../helpers/root.js';
import { BIN, Stack } from '../helpers/stack.js';

requireRoot();

const P = 'cfind';
let s: Stack;

beforeAll(() => {
  s = new Stack('../compose/findings', 'cfind');
  s.importBusybox();
  s.ok(['volume', 'create', 'cfind-vault']);
  s.ok(['up', '-d']);
});

afterAll(() => {
  s.run(['-f', 'ports.yaml', 'down', '-t', '0']);
  s.run(['down', '-t', '0']);
  s.run(['volume', 'rm', 'cfind-vault']);
  s.teardown(P);
});

describe('orchestrator findings', () => {
  it('#15 run passes piped standard input to the one-off', () => {
    const r = s.ok(['run', '--rm', '-T', 'cache', 'cat'], 0, { input: 'piped\n' });
    expect(r.stdout).toBe('piped\n');
    // --rm: nothing left behind
    expect(s.ps(P).filter((x) => x.Name.includes('-run-'))).toEqual([]);
  });

  it('#15 the one-off exit code comes back with input attached', () => {
    expect(s.run(['run', '--rm', '-T', 'cache', 'sh', '-c', 'read x; exit $x'], { input: '7\n' }).code).toBe(7);
  });

  it('run on a terminal is interactive (a pseudo-terminal, the keyboard), its exit code passed on', async () => {
    const q = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
    const cmd = `cd ${q(s.dir)}; BERTH_ROOT=${q(s.root)} BERTH_PROGRESS=plain exec ${q(process.execPath)} ${q(BIN)} run --rm cache sh`;
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.on('data', (b: Buffer) => (screen += b.toString()));
    const exited = new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
    const waitFor = async (re: RegExp): Promise<void> => {
      for (const end = Date.now() + 20_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (re.test(screen)) return;
      throw new Error(`screen never matched ${re}: ${JSON.stringify(screen)}`);
    };
    try {
      await waitFor(/\/ # /);
      child.stdin.write('tty; echo $((6*7))\r');
      await waitFor(/\/dev\/pts\/\d+\r+\n42\r/);
      child.stdin.write('exit 3\r');
      expect(await exited).toBe(3);
    } finally {
      child.kill();
    }
    expect(s.ps(P).filter((x) => x.Name.includes('-run-'))).toEqual([]);
  });

  it('#17 stop then start of a service with an external volume', () => {
    s.ok(['stop', 'store']);
    s.ok(['start', 'store']);
    expect(s.ps(P).find((x) => x.Service === 'store')!.State).toBe('running');
  });

  it('#19 a host port range gives each replica its own port', () => {
    s.ok(['-f', 'ports.yaml', 'up', '-d']);
    const ports = s.ps('cfindrp').map((x) => x.Publishers?.[0]?.PublishedPort).sort();
    expect(ports).toEqual([18630, 18631]);
  });

  it('logs -f ends once the followed container has exited', () => {
    const t0 = Date.now();
    const r = s.ok(['logs', '-f', 'job'], 0, { timeoutMs: 30_000 });
    expect(r.stdout).toContain('job done');
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('logs -t prints UTC timestamps with Z and nine fractional digits', () => {
    const r = s.ok(['logs', '-t', '--no-log-prefix', 'job']);
    expect(r.stdout.trim()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z job done$/);
  });

  it("exec names an unknown service and a service without container in Compose's words", () => {
    expect(s.run(['exec', '-T', 'nosuch', 'true']).stderr).toContain('no such service: nosuch');
    const r = s.run(['exec', '-T', 'job', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/container cfind-job-1 is not running|service "job" is not running/);
  });

  it("cp follows docker cp's rules through the engine: into an existing directory, DIR/. copies the content", () => {
    s.write('pl/a.txt', 'a\n');
    s.ok(['exec', '-T', 'cache', 'mkdir', '-p', '/srv/in', '/srv/flat']);
    s.ok(['cp', 'pl', 'cache:/srv/in']);
    s.ok(['cp', 'pl/.', 'cache:/srv/flat']);
    expect(s.ok(['exec', '-T', 'cache', 'cat', '/srv/in/pl/a.txt', '/srv/flat/a.txt']).stdout).toBe('a\na\n');
  });

  it('#4 cp reads what the container sees (/etc/hostname is a mount)', () => {
    s.ok(['cp', 'cache:/etc/hostname', 'hn']);
    expect(s.read('hn')).toBe('cachehost\n');
    // `-`: a tar archive on standard output (docker cp), its entry named after the source
    const tarText = s.ok(['cp', 'cache:/etc/hostname', '-']).stdout;
    expect(tarText.startsWith('hostname\0')).toBe(true);
    expect(tarText).toContain('cachehost\n');
    expect(tarText.length % 512).toBe(0);
    // and back in: `cp - SERVICE:DIR` extracts an archive from standard input
    s.ok(['cp', '-', 'cache:/tmp'], 0, { input: tarText });
    expect(s.ok(['exec', '-T', 'cache', 'cat', '/tmp/hostname']).stdout).toBe('cachehost\n');
  });

  it('ps --orphans=false leaves out containers of services no longer in the file', () => {
    s.write('less.yaml', 'name: cfind\nservices:\n  cache:\n    image: berth-demo/busybox:latest\n    command: ["sleep", "3600"]\n');
    const names = (extra: string[]) => s.ok(['-f', 'less.yaml', 'ps', '-a', '--format', '{{.Name}}', ...extra]).stdout.trim().split('\n').sort();
    expect(names([])).toContain('cfind-store-1');
    expect(names(['--orphans=false'])).toEqual(['cfind-cache-1']);
  });

  it('ps shows no ports for a stopped container, the ports of a running one', () => {
    const table = () => s.ok(['ps', '-a']).stdout.split('\n').find((l) => l.includes('cfind-store-1'))!;
    expect(table()).toContain('127.0.0.1:18632->80/tcp');
    s.ok(['stop', 'store']);
    expect(table()).not.toContain('18632');
    expect(s.ps(P).find((x) => x.Service === 'store')!.Publishers ?? []).toEqual([]);
  });
});
