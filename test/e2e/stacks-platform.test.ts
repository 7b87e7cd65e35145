/**
 * A platform-shaped stack (test/fixtures/stacks/platform) through the built CLI: the project
 * name from COMPOSE_PROJECT_NAME in .env, container_name and hostname, extra_hosts, a static
 * address on an internal network (no route out), a sidecar in the app's network namespace
 * (network_mode: service:app), env_file layering under environment, `:+`/`:-` interpolation,
 * read_only + tmpfs + user, restart policies after a crash, a volume with a fixed `name:`, an
 * external volume made beforehand (used, never removed by down -v),
 * --no-recreate / --force-recreate, depends_on restart: true, config --hash, and data that
 * outlives `down` but not `down -v`. What Docker Compose v2 does with the same files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireRoot } from '../helpers/root.js';
import { Stack, eventually } from '../helpers/stack.js';

requireRoot();

const P = 'platform';
let s: Stack;

beforeAll(() => {
  s = new Stack('platform');
  s.importBusybox();
  s.ok(['volume', 'create', 'platform-archive']);
});

afterAll(() => {
  s.run(['-p', P, 'down', '-t', '1'], { cwd: '/' });
  s.run(['volume', 'rm', 'platform-archive']);
  s.teardown(P);
});

const lines = (t: string) => t.split('\n').filter(Boolean);
const row = (svc: string) => s.ps(P).find((r) => r.Service === svc)!;

describe('the platform stack', () => {
  it('up -d --wait: project from .env, container_name, the sidecar, named resources', () => {
    s.ok(['up', '-d', '--wait']);
    expect(s.ps(P).map((r) => r.Name).sort()).toEqual(['edge-proxy', 'platform-app-1', 'platform-metrics-1', 'platform-store-1']);
    const vols = s.ok(['volume', 'ls', '-q']).stdout.split('\n');
    expect(vols).toContain('platform-store'); // `name:` is taken as is, no project prefix
    const nets = s.ok(['network', 'ls']).stdout;
    expect(nets).toContain('platform_public');
    expect(nets).toContain('platform_private');
    // A container_name is its own log prefix; the others are <service>-<n>.
    const logs = s.ok(['logs', 'proxy', 'store']).stdout;
    expect(logs).toMatch(/^edge-proxy +\| proxy for http:\/\/app\.local$/m); // `:+` and `:-` from .env
    expect(logs).toMatch(/^store-1 +\| stored$/m);
  });

  it('environment beats env_file; quotes in env files; an optional env_file may be missing', () => {
    expect(s.ok(['logs', '--no-log-prefix', 'app']).stdout).toBe('app production blue vault:app#key\n');
    expect(s.sh('proxy', 'echo "${APP_ENV-unset}"').stdout).toBe('unset\n');
  });

  it('hostname, extra_hosts, the static address, the sidecar on the app\'s localhost', () => {
    expect(s.sh('proxy', 'hostname').stdout).toBe('edge\n');
    expect(s.sh('proxy', 'grep legacy.internal /etc/hosts').stdout).toMatch(/^192\.0\.2\.10\s+legacy\.internal$/m);
    expect(s.sh('app', 'ip -4 -o addr show eth0').stdout).toContain('inet 10.231.7.50/24');
    expect(s.sh('proxy', 'timeout 3 wget -q -O - http://10.231.7.50:8080/index.html').stdout).toBe('<p>stored</p>\n');
    expect(s.sh('proxy', 'timeout 3 wget -q -O - http://app:8080/index.html').stdout).toBe('<p>stored</p>\n');
    // network_mode: service:app: the same interfaces, the app's port on 127.0.0.1.
    expect(s.sh('metrics', 'ip -4 -o addr show eth0').stdout).toContain('inet 10.231.7.50/24');
    expect(s.sh('metrics', 'timeout 3 wget -q -O - http://127.0.0.1:8080/index.html').stdout).toBe('<p>stored</p>\n');
  });

  it('the internal network has no route beyond its bridge', () => {
    // The proxy's address on the public network: a container of this test, outside `private`.
    const addrs = [...s.sh('proxy', 'ip -4 -o addr').stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]!);
    const pub = addrs.find((a) => a !== '127.0.0.1' && !a.startsWith('10.231.7.'))!;
    expect(pub).toBeDefined();
    expect(s.sh('proxy', `ping -c 1 -W 1 ${pub}`).code).toBe(0);
    const r = s.sh('store', `ip route; ping -c 1 -W 1 ${pub} 2>&1`);
    expect(r.stdout).not.toMatch(/^default/m);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/unreachable|100% packet loss/i);
  });

  it('read_only root, a tmpfs that is writable, the user', () => {
    expect(s.sh('app', 'id -u; id -g').stdout).toBe('65534\n65534\n');
    const ro = s.sh('app', 'touch /x');
    expect(ro.code).not.toBe(0);
    expect(ro.stderr).toContain('Read-only file system');
    expect(s.sh('app', 'echo y > /run/cache/y && cat /run/cache/y').stdout).toBe('y\n');
    expect(s.sh('app', 'grep " /run/cache " /proc/mounts').stdout).toMatch(/^tmpfs \/run\/cache tmpfs .*size=1024k/);
  });

  it('restart policies bring a crashed process back in the same container; stop keeps it stopped', async () => {
    const id = s.ids(P)['platform-store-1'];
    s.sh('store', 'kill -9 $(pidof sleep)');
    await eventually('store restarted', () => row('store').State === 'running' && lines(s.ok(['logs', 'store']).stdout).length === 2);
    expect(s.ids(P)['platform-store-1']).toBe(id);
    s.sh('app', 'kill -9 $(pidof httpd)');
    await eventually('app (unless-stopped) restarted', () => row('app').State === 'running' && lines(s.ok(['logs', 'app']).stdout).length === 2);
    s.ok(['stop', 'store']);
    await new Promise((r) => setTimeout(r, 1500));
    expect(row('store').State).toBe('exited');
    s.ok(['up', '-d', 'store']); // (`start store` trips on the external volume: FINDINGS.md #17)
  });

  it('--no-recreate keeps a changed service; a plain up recreates it, the namespace sharer, and the restart: true dependant', () => {
    const before = s.ids(P);
    s.env = { APP_COLOR: 'red' };
    const r = s.ok(['up', '-d', '--no-recreate']);
    expect(s.ids(P)).toEqual(before);
    expect(r.stdout + r.stderr).not.toContain('Recreat');
    s.ok(['up', '-d', '--wait']);
    const after = s.ids(P);
    expect(after['platform-app-1']).not.toBe(before['platform-app-1']);
    expect(after['platform-metrics-1']).not.toBe(before['platform-metrics-1']); // network_mode: service:app
    expect(after['platform-store-1']).toBe(before['platform-store-1']);
    expect(s.ok(['logs', '--no-log-prefix', 'app']).stdout).toBe('app production red vault:app#key\n');
    // depends_on app with restart: true: the same proxy container went through a stop and a start.
    expect(after['edge-proxy']).toBe(before['edge-proxy']);
    expect(row('proxy').State).toBe('running');
    expect(lines(s.ok(['logs', '--no-log-prefix', 'proxy']).stdout)).toEqual(['proxy for http://app.local', 'proxy for http://app.local']);
    expect(s.sh('metrics', 'timeout 3 wget -q -O - http://127.0.0.1:8080/index.html').stdout).toBe('<p>stored</p>\n');
  });

  it('--force-recreate recreates an unchanged service; config --hash is per service', () => {
    const before = s.ids(P);
    const hashes = Object.fromEntries(lines(s.ok(['config', '--hash', '*']).stdout).map((l) => l.split(' ') as [string, string]));
    expect(Object.keys(hashes).sort()).toEqual(['app', 'metrics', 'proxy', 'store']);
    for (const h of Object.values(hashes)) expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(s.ok(['config', '--hash', 'store']).stdout.trim()).toBe(`store ${hashes.store}`);
    s.ok(['up', '-d', '--force-recreate', '--no-deps', 'store']);
    const after = s.ids(P);
    expect(after['platform-store-1']).not.toBe(before['platform-store-1']);
    expect(after['platform-app-1']).toBe(before['platform-app-1']);
    // Same definition, same hash: force-recreate does not change it.
    expect(s.ok(['config', '--hash', 'store']).stdout.trim()).toBe(`store ${hashes.store}`);
  });

  it('data in the named volume outlives down, not down -v; the external volume is never removed', () => {
    s.sh('store', 'echo kept > /data/marker; echo archived > /archive/note');
    s.ok(['down']);
    expect(s.ps(P)).toEqual([]);
    expect(s.ok(['volume', 'ls', '-q']).stdout.split('\n')).toContain('platform-store');
    s.ok(['up', '-d', 'store']);
    expect(s.sh('store', 'cat /data/marker').stdout).toBe('kept\n');
    s.ok(['down', '-v']);
    const vols = s.ok(['volume', 'ls', '-q']).stdout.split('\n');
    expect(vols).not.toContain('platform-store');
    expect(vols).toContain('platform-archive');
    const nets = s.ok(['network', 'ls']).stdout;
    expect(nets).not.toContain('platform_public');
    expect(nets).not.toContain('platform_private');
    expect(s.ok(['run', '--rm', '-T', '--no-deps', 'store', 'cat', '/archive/note']).stdout).toBe('archived\n');
  });
});
