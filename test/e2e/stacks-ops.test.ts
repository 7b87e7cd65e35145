/**
 * An operations-shaped stack (test/fixtures/stacks/ops) through the built CLI: the project
 * named after its folder, a chatty service for logs (--tail, -f across a restart,
 * --no-log-prefix, prefixes), signals (kill -s), pause/unpause, stop/start/restart, cp both
 * ways, a restart policy with a retry limit, a UDP port, failing dependencies (unhealthy,
 * a job that exits non-zero) and a CI-shaped file run attached with
 * --abort-on-container-exit --exit-code-from. What Docker Compose v2 does with the same files.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireRoot } from '../helpers/root.js';
import { Stack, eventually, parseJsonRows, sleep } from '../helpers/stack.js';

requireRoot();

let s: Stack;
let P: string;

beforeAll(() => {
  s = new Stack('ops');
  // Compose names an unnamed project after its folder: lower case, only [a-z0-9_-] kept.
  P = path.basename(s.dir).toLowerCase().replace(/[^a-z0-9_-]/g, '');
  s.importBusybox();
});

afterAll(() => {
  s.run(['-p', 'ci', 'down', '-v', '--remove-orphans', '-t', '1'], { cwd: '/' });
  s.teardown(P);
});

const lines = (t: string) => t.split('\n').filter(Boolean);

/** Udp InDatagrams + NoPorts of the service's network namespace (a datagram arrived). */
function udpArrivals(service: string): number {
  const snmp = s.ok(['exec', '-T', service, 'cat', '/proc/net/snmp']).stdout;
  const [head, values] = snmp.split('\n').filter((l) => l.startsWith('Udp:'));
  const keys = head!.split(/\s+/);
  const vals = values!.split(/\s+/).map(Number);
  return vals[keys.indexOf('InDatagrams')]! + vals[keys.indexOf('NoPorts')]!;
}

describe('the ops stack', () => {
  it('up -d --wait: containers named after the folder, the healthy gate held', () => {
    s.ok(['up', '-d', '--wait', 'ticker', 'app', 'statsd']);
    const rows = s.ps(P);
    expect(rows.map((r) => r.Name).sort()).toEqual([`${P}-app-1`, `${P}-statsd-1`, `${P}-ticker-1`]);
    expect(rows.find((r) => r.Service === 'ticker')).toMatchObject({ State: 'running', Health: 'healthy', Project: P });
    expect(s.ok(['ls', '-q']).stdout.trim()).toBe(P);
  });

  it('logs: prefixes, --tail, --no-log-prefix, several services', () => {
    const tail = lines(s.ok(['logs', '--tail', '3', 'ticker']).stdout);
    expect(tail).toHaveLength(3);
    for (const l of tail) expect(l).toMatch(/^ticker-1 {2}\| tick \d+$/);
    const n = tail.map((l) => Number(l.split(' ').pop()));
    expect(n[1]).toBe(n[0]! + 1);
    expect(lines(s.ok(['logs', '--tail=1', '--no-log-prefix', 'app']).stdout)).toEqual(['app ready']);
    const all = s.ok(['logs', 'app', 'ticker']).stdout;
    expect(all).toMatch(/^app-1 +\| app ready$/m);
    expect(all).toMatch(/^ticker-1 +\| ticker starting$/m);
    const ts = lines(s.ok(['logs', '-t', '--tail', '1', 'app']).stdout)[0]!;
    expect(ts).toMatch(/^app-1 {2}\| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d) app ready$/);
  });

  it('kill -s delivers the signal; pause freezes, unpause resumes; restart keeps the container', async () => {
    s.ok(['kill', '-s', 'USR1', 'ticker']);
    await eventually('the trap output', () => s.ok(['logs', 'ticker']).stdout.includes('got USR1'));

    s.ok(['pause', 'ticker']);
    expect(s.ps(P).find((r) => r.Service === 'ticker')!.State).toBe('paused');
    const a = lines(s.ok(['logs', 'ticker']).stdout).length;
    await sleep(1200);
    expect(lines(s.ok(['logs', 'ticker']).stdout).length).toBe(a);
    s.ok(['unpause', 'ticker']);
    await eventually('ticking again', () => lines(s.ok(['logs', 'ticker']).stdout).length > a + 2);

    const id = s.ids(P)[`${P}-ticker-1`];
    s.ok(['restart', '-t', '5', 'ticker']);
    expect(s.ids(P)[`${P}-ticker-1`]).toBe(id);
    const log = s.ok(['logs', '--no-log-prefix', 'ticker']).stdout;
    expect(lines(log).filter((l) => l === 'ticker starting')).toHaveLength(2);
    expect(log).toContain('stopping\n'); // the TERM trap ran: a graceful stop, not a kill
  });

  it('logs -f keeps following the service across a restart', async () => {
    const f = s.spawn(['logs', '-f', '--tail', '0', 'ticker']);
    try {
      await eventually('following', () => /tick \d+/.test(f.out()));
      s.ok(['restart', 'ticker']);
      const before = f.out().length;
      await eventually('lines after the restart', () => f.out().slice(before).includes('ticker starting') && /tick \d+\n[\s\S]*tick \d+/.test(f.out().slice(f.out().lastIndexOf('ticker starting'))));
      expect(f.exitCode).toBeNull();
    } finally {
      f.kill('SIGINT');
    }
  });

  it('stop then start; kill defaults to SIGKILL (exit 137)', () => {
    s.ok(['stop', 'app']);
    expect(s.ps(P).find((r) => r.Service === 'app')).toMatchObject({ State: 'exited' });
    expect(s.ok(['ps', '--services']).stdout.split('\n')).not.toContain('app');
    s.ok(['start', 'app']);
    expect(s.ps(P).find((r) => r.Service === 'app')!.State).toBe('running');
    // restart also starts a stopped container, as Compose.
    s.ok(['stop', 'app']);
    s.ok(['restart', 'app']);
    expect(s.ps(P).find((r) => r.Service === 'app')!.State).toBe('running');
    s.ok(['kill', 'app']);
    const app = s.ps(P).find((r) => r.Service === 'app')!;
    expect(app).toMatchObject({ State: 'exited', ExitCode: 137 });
    expect(s.ok(['ps', '-a']).stdout).toMatch(new RegExp(`${P}-app-1 .*Exited \\(137\\)`));
  });

  it('cp both ways, relative to the current directory, docker cp rules for existing directories', () => {
    s.write('payload/report.txt', 'quarterly numbers\n');
    s.ok(['cp', 'payload/report.txt', 'ticker:/tmp/report.txt']);
    expect(s.sh('ticker', 'cat /tmp/report.txt').stdout).toBe('quarterly numbers\n');
    // Into an existing directory: the file and the folder land inside it.
    s.sh('ticker', 'mkdir -p /srv/inbox');
    s.ok(['cp', 'payload/report.txt', 'ticker:/srv/inbox/']);
    s.ok(['cp', 'payload', 'ticker:/srv/inbox']);
    expect(s.sh('ticker', 'cat /srv/inbox/report.txt /srv/inbox/payload/report.txt').stdout).toBe('quarterly numbers\n'.repeat(2));
    s.sh('ticker', 'mkdir -p /tmp/out/sub && echo deep > /tmp/out/sub/file');
    s.ok(['cp', 'ticker:/tmp/out', 'fetched']);
    expect(s.read('fetched/sub/file')).toBe('deep\n');
    fs.mkdirSync(path.join(s.dir, 'into'));
    s.ok(['cp', 'ticker:/tmp/out', 'into']);
    expect(s.read('into/out/sub/file')).toBe('deep\n');
    const r = s.run(['cp', 'ticker:/no/such/file', 'x']);
    expect(r.code).not.toBe(0);
    expect(fs.existsSync(path.join(s.dir, 'x'))).toBe(false);
  });

  it('restart: on-failure:2 retries twice, then the container stays exited with its code', async () => {
    s.ok(['up', '-d', 'flaky']);
    const row = await eventually('flaky given up', () => {
      const r = s.ps(P).find((x) => x.Service === 'flaky');
      return r && r.State === 'exited' && lines(s.ok(['logs', 'flaky']).stdout).length === 3 ? r : undefined;
    });
    expect(row.ExitCode).toBe(3);
    expect(lines(s.ok(['logs', '--no-log-prefix', 'flaky']).stdout)).toEqual(['attempt 1', 'attempt 2', 'attempt 3']);
    await sleep(1500);
    expect(lines(s.ok(['logs', 'flaky']).stdout)).toHaveLength(3);
  });

  it('UDP: a random published port reported by `port --protocol udp`, datagrams from the host and from a container by name', async () => {
    const addr = s.ok(['port', '--protocol', 'udp', 'statsd', '8125']).stdout.trim();
    expect(addr).toMatch(/^127\.0\.0\.1:\d+$/);
    const [host, p] = addr.split(':');
    expect(s.ok(['ps']).stdout).toMatch(new RegExp(`${P}-statsd-1 .*127\\.0\\.0\\.1:${p}->8125/udp`));
    const before = udpArrivals('statsd');
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((res, rej) => sock.send('hits:1|c', Number(p), host, (e) => (e ? rej(e) : res())));
    sock.close();
    await eventually('the datagram inside statsd', () => udpArrivals('statsd') > before, 5000);
    const mid = udpArrivals('statsd');
    s.sh('ticker', 'timeout 2 tftp -g -r x statsd 8125');
    expect(udpArrivals('statsd')).toBeGreaterThan(mid);
  });

  it('an unhealthy dependency and a failed job stop `up` with exit 1 and leave dependants created', () => {
    const sick = s.run(['--profile', 'broken', 'up', '-d', 'needs-sick']);
    expect(sick.code).toBe(1);
    expect(sick.stderr).toMatch(/sick.*unhealthy/);
    const job = s.run(['--profile', 'broken', 'up', '-d', 'needs-job']);
    expect(job.code).toBe(1);
    expect(job.stderr).toMatch(/failing-job.*(exit|code) 3/);
    const rows = Object.fromEntries(s.ps(P).map((r) => [r.Service, r]));
    expect(rows['needs-sick']!.State).toBe('created');
    expect(rows['needs-job']!.State).toBe('created');
    expect(rows['failing-job']).toMatchObject({ State: 'exited', ExitCode: 3 });
    expect(rows.sick!.Health).toBe('unhealthy');
    expect(s.ok(['--profile', 'broken', 'logs', '--no-log-prefix', 'failing-job']).stdout).toBe('migration failed\n');
    // Naming a service enables its profile, for logs and ps as for up.
    expect(s.ok(['logs', '--no-log-prefix', 'failing-job']).stdout).toBe('migration failed\n');
    expect(s.ok(['ps', '-a', '-q', 'failing-job']).stdout.trim()).toMatch(/^[0-9a-f]{12,64}$/);
  });

  it('a CI file: up --abort-on-container-exit --exit-code-from returns the runner\'s code and stops the rest', () => {
    const r = s.run(['-f', 'ci.yaml', '-p', 'ci', 'up', '--abort-on-container-exit', '--exit-code-from', 'sut']);
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.stdout).toMatch(/^sut-1 +\| health=ok$/m);
    expect(r.stdout).toContain('sut-1 exited with code 5');
    const rows = parseJsonRows(s.ok(['-p', 'ci', '-f', 'ci.yaml', 'ps', '-a', '--format', 'json']).stdout);
    expect(rows.map((x) => [x.Name, x.State]).sort()).toEqual([
      ['ci-server-1', 'exited'],
      ['ci-sut-1', 'exited'],
    ]);
    s.ok(['-f', 'ci.yaml', '-p', 'ci', 'down']);
    expect(parseJsonRows(s.ok(['-p', 'ci', 'ps', '-a', '--format', 'json'], 0, { cwd: '/' }).stdout)).toEqual([]);
  });

  it('down -v with the profile removes everything, the volume too', () => {
    s.ok(['--profile', 'broken', 'down', '-v']);
    expect(s.ps(P)).toEqual([]);
    expect(s.ok(['volume', 'ls', '-q']).stdout).not.toContain(`${P}_state`);
  });
});
