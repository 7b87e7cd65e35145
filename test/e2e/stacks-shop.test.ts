/**
 * A shop-shaped stack (test/fixtures/stacks/shop) through the built CLI, as a Docker Compose
 * user runs it: compose.yaml + compose.override.yaml + .env, a frontend/backend network split
 * with aliases, a db with a healthcheck, a migration job gating the api
 * (service_completed_successfully), a worker pool (deploy.replicas), a secret from a file,
 * configs from content and from a file, a named volume and a read-only bind. Each assertion is
 * what Docker Compose v2 prints or does for the same files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireRoot } from '../helpers/root.js';
import { Stack, eventually, freePort, httpGet, parseJsonRows } from '../helpers/stack.js';

requireRoot();

const P = 'shop';
let s: Stack;
let port: number;

beforeAll(async () => {
  s = new Stack('shop');
  port = await freePort();
  s.env = { WEB_PORT: String(port) };
  s.importBusybox();
});

afterAll(() => {
  s.teardown(P);
});

/** The addresses busybox nslookup prints for each name (one exec for all names). */
function lookupAll(from: string, names: string[]): Record<string, string[]> {
  const script = names.map((n) => `echo "@@ ${n}"; nslookup ${n} 2>&1`).join('; ');
  const out = s.sh(from, script).stdout;
  const res: Record<string, string[]> = {};
  for (const part of out.split('@@ ').slice(1)) {
    const [name, ...rest] = part.split('\n');
    const body = rest.join('\n');
    res[name!.trim()] = [...body.split(/Name:\s+\S+\n/).slice(1).join('\n').matchAll(/Address:\s+(\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]!);
  }
  return res;
}

function lookup(from: string, name: string): string[] {
  return lookupAll(from, [name])[name] ?? [];
}

describe('the shop stack', () => {
  it('config: .env, defaults, `-` vs `:-`, the override file and a required variable', () => {
    const missing = s.run(['config'], { env: { WEB_PORT: '' } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('WEB_PORT must be set');

    const services = s.ok(['config', '--services']).stdout.trim().split('\n').sort();
    expect(services).toEqual(['api', 'cache', 'db', 'migrate', 'web', 'worker']);
    expect(s.ok(['config', '--networks']).stdout.trim().split('\n').sort()).toEqual(['backend', 'frontend']);
    expect(s.ok(['config', '--volumes']).stdout.trim()).toBe('dbdata');

    const cfg = JSON.parse(s.ok(['config', '--format', 'json']).stdout) as {
      name: string;
      services: Record<string, { environment?: Record<string, string>; ports?: { published: string; target: number; host_ip?: string }[]; volumes?: { type: string; source: string; target: string; read_only?: boolean }[] }>;
      configs: Record<string, { content?: string }>;
    };
    expect(cfg.name).toBe(P);
    const env = cfg.services.api!.environment!;
    expect(env.GREETING).toBe('hi there'); // .env, quotes removed
    expect(env.DB_URL).toBe('db://app@database:5432/shop'); // DB_NAME= is empty: `:-` takes the default
    expect(env.DB_NAME_RAW).toBe(''); // ...and `-` keeps the empty value
    expect(env.API_MODE).toBe('dev'); // compose.override.yaml wins
    expect(env.LOG_LEVEL).toBe('debug'); // added by the override
    expect(cfg.services.web!.ports![0]).toMatchObject({ host_ip: '127.0.0.1', published: String(port), target: 80 });
    const bind = cfg.services.web!.volumes!.find((v) => v.type === 'bind')!;
    expect(bind).toMatchObject({ source: path.join(s.dir, 'html'), target: '/www/static', read_only: true });
    expect(cfg.configs.site!.content).toBe('<h1>Shop from .env</h1>\n');

    // The shell beats .env.
    const shell = JSON.parse(s.ok(['config', '--format', 'json'], 0, { env: { GREETING: 'from the shell' } }).stdout) as typeof cfg;
    expect(shell.services.api!.environment!.GREETING).toBe('from the shell');
  });

  it('up -d --wait brings every service up in dependency order; the job ran once and exited 0', () => {
    s.ok(['up', '-d', '--wait']);
    const rows = s.ps(P);
    const byName = Object.fromEntries(rows.map((r) => [r.Name, r]));
    expect(Object.keys(byName).sort()).toEqual(['shop-api-1', 'shop-cache-1', 'shop-db-1', 'shop-migrate-1', 'shop-web-1', 'shop-worker-1', 'shop-worker-2']);
    expect(byName['shop-migrate-1']).toMatchObject({ Service: 'migrate', State: 'exited', ExitCode: 0 });
    expect(byName['shop-db-1']).toMatchObject({ State: 'running', Health: 'healthy' });
    for (const n of ['shop-api-1', 'shop-web-1', 'shop-cache-1', 'shop-worker-1', 'shop-worker-2']) expect(byName[n]!.State).toBe('running');
    expect(byName['shop-web-1']!.Publishers).toEqual(expect.arrayContaining([expect.objectContaining({ TargetPort: 80, PublishedPort: port, Protocol: 'tcp' })]));
    expect(s.ok(['logs', '--no-log-prefix', 'migrate']).stdout.trim()).toBe('migrated');
  });

  it('the front answers on the published port: config content, the api by its alias, the job\'s data, the bind', async () => {
    const home = await eventually('the front page', async () => {
      const r = await httpGet(`http://127.0.0.1:${port}/`);
      return r.status === 200 ? r : undefined;
    });
    expect(home.body).toBe('<h1>Shop from .env</h1>\n');
    const api = await httpGet(`http://127.0.0.1:${port}/cgi-bin/api`);
    expect(api.body).toBe('greeting=hi there mode=dev\nschema v1\n');
    expect((await httpGet(`http://127.0.0.1:${port}/static/asset.txt`)).body).toBe('static asset\n');
  });

  it('DNS follows the networks: names, aliases, replicas, and nothing across the split', () => {
    // web is on frontend only: it sees api (and its alias) but no backend service.
    const web = lookupAll('web', ['api', 'shop-api', 'db', 'cache']);
    expect(web.api).toHaveLength(1);
    expect(web['shop-api']).toEqual(web.api);
    expect(web.db).toEqual([]);
    expect(web.cache).toEqual([]);
    // api is on both: the backend alias of db, each replica of the worker, container names.
    const api = lookupAll('api', ['database', 'db', 'shop-db-1', 'worker', 'shop-worker-1', 'shop-worker-2', 'web', 'cache']);
    expect(api.database).toHaveLength(1);
    expect(api.db).toEqual(api.database);
    expect(api['shop-db-1']).toEqual(api.database);
    expect(api.worker).toHaveLength(2);
    expect([...api.worker!].sort()).toEqual([...api['shop-worker-1']!, ...api['shop-worker-2']!].sort());
    expect(api.web).toHaveLength(1);
    // worker is on backend only.
    expect(lookup('worker', 'web')).toEqual([]);
    const cacheIp = api.cache![0]!;
    // The frontend cannot reach a backend address even when it knows it.
    expect(s.sh('api', 'echo PING | nc -w 2 cache 6379').stdout).toBe('PONG\n');
    const cross = s.sh('web', `echo PING | nc -w 2 ${cacheIp} 6379`);
    expect(cross.stdout).not.toContain('PONG');
  });

  it('secrets, configs and environment inside the containers', () => {
    expect(s.sh('api', 'cat /run/secrets/db_password').stdout).toBe('s3cret');
    expect(s.sh('api', 'cat /api_conf').stdout).toBe('listen=8000\nworkers=4\n');
    // File secrets are read-only bind mounts of the file, as Compose makes them; Compose ignores
    // `mode` for those (with a warning), so the host file's mode shows.
    const hostMode = (fs.statSync(path.join(s.dir, 'secrets/db_password.txt')).mode & 0o777).toString(8);
    const pw = s.sh('db', 'stat -c %a /run/secrets/pw; cat /run/secrets/pw');
    expect(pw.stdout).toBe(`${hostMode}\ns3cret`);
    const env = s.sh('api', 'echo "$GREETING|$API_MODE|$LOG_LEVEL|$DB_URL|${DB_NAME_RAW-unset}|${SITE_TITLE-absent}"');
    expect(env.stdout).toBe('hi there|dev|debug|db://app@database:5432/shop||absent\n'); // .env is not passed in
    // Read-only mounts refuse writes: the ro volume, the ro bind, the secret.
    for (const [svc, file] of [['api', '/var/lib/db/x'], ['web', '/www/static/x'], ['api', '/run/secrets/db_password']] as const) {
      const w = s.sh(svc, `echo x > ${file}`);
      expect(w.code, `${svc} writing ${file}`).not.toBe(0);
    }
    expect(fs.readdirSync(path.join(s.dir, 'html'))).toEqual(['asset.txt']);
  });

  it('exec: exit codes, -e, -w, -u, output on stdout and stderr', () => {
    const r = s.run(['exec', '-T', '-e', 'FOO=bar', '-w', '/tmp', '-u', 'nobody', 'api', 'sh', '-c', 'echo "$FOO $(pwd) $(id -u)"; echo oops >&2; exit 7']);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('bar /tmp 65534\n');
    expect(r.stderr).toContain('oops');
    expect(s.run(['exec', '-T', 'worker', 'true']).code).toBe(0);
    expect(s.run(['exec', '-T', '--index', '2', 'worker', 'hostname']).stdout.trim()).toBe(s.ids(P)['shop-worker-2']!.slice(0, 12));
  });

  it('run --rm: a one-off on the service\'s networks with its environment, exit code passed on, container removed', () => {
    const before = Object.keys(s.ids(P)).sort();
    const r = s.run(['run', '--rm', '-T', '-e', 'EXTRA=1', 'api', 'sh', '-c', 'echo "$GREETING $EXTRA"; nslookup database >/dev/null && echo db-found; exit 3']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('hi there 1\ndb-found\n');
    expect(Object.keys(s.ids(P)).sort()).toEqual(before);
  });

  it('ps -q, --services, --status, -a; port; top; images; ls', () => {
    const running = s.ok(['ps', '-q']).stdout.trim().split('\n');
    expect(running).toHaveLength(6);
    for (const id of running) expect(id).toMatch(/^[0-9a-f]{12,64}$/);
    expect(s.ok(['ps', '-a', '-q']).stdout.trim().split('\n')).toHaveLength(7);
    expect(s.ok(['ps', '--services']).stdout.trim().split('\n').sort()).toEqual(['api', 'cache', 'db', 'web', 'worker']);
    const exited = parseJsonRows(s.ok(['ps', '--status', 'exited', '--format', 'json']).stdout);
    expect(exited.map((r) => r.Name)).toEqual(['shop-migrate-1']);
    const table = s.ok(['ps']).stdout;
    expect(table.split('\n')[0]).toMatch(/^NAME\s+IMAGE\s+COMMAND\s+SERVICE\s+CREATED\s+STATUS\s+PORTS/);
    expect(table).toMatch(new RegExp(`shop-web-1 .*127\\.0\\.0\\.1:${port}->80/tcp`));
    expect(table).toMatch(/shop-db-1 .*Up .*\(healthy\)/);
    expect(table).not.toContain('shop-migrate-1');
    // COMMAND is the service's command; the init wrapper (init: true) is not shown.
    expect(table).toMatch(/shop-db-1 +berth-demo\/busybox:latest +"sh -c /);
    expect(table).not.toContain('docker-init');

    expect(s.ok(['port', 'web', '80']).stdout.trim()).toBe(`127.0.0.1:${port}`);
    expect(s.run(['port', 'api', '8000']).code).not.toBe(0);

    const top = s.ok(['top', 'db']).stdout;
    expect(top).toContain('shop-db-1');
    expect(top).toMatch(/UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD/);
    expect(top).toContain('sleep 2147483647');

    const images = s.ok(['images']).stdout;
    expect(images.split('\n')[0]).toMatch(/^CONTAINER\s+REPOSITORY\s+TAG\s+(PLATFORM\s+)?IMAGE ID\s+SIZE/);
    expect(images).toMatch(/shop-web-1\s+berth-demo\/busybox\s+latest\s+[0-9a-f]{12}/);

    const ls = parseJsonRows(s.ok(['ls', '--format', 'json']).stdout);
    expect(ls).toEqual([expect.objectContaining({ Name: P, Status: expect.stringContaining('running(6)') })]);
    expect(String(ls[0]!.ConfigFiles)).toBe(`${path.join(s.dir, 'compose.yaml')},${path.join(s.dir, 'compose.override.yaml')}`);
    expect(s.ok(['ls', '-q']).stdout.trim()).toBe(P);
  });

  it('an edit to the override recreates only that service; the front still reaches the new api', async () => {
    const before = s.ids(P);
    s.write('compose.override.yaml', s.read('compose.override.yaml').replace('LOG_LEVEL: debug', 'LOG_LEVEL: info'));
    s.ok(['up', '-d', '--wait']);
    const after = s.ids(P);
    expect(after['shop-api-1']).not.toBe(before['shop-api-1']);
    for (const n of Object.keys(before).filter((n) => n !== 'shop-api-1')) expect(after[n], n).toBe(before[n]);
    expect(s.sh('api', 'echo $LOG_LEVEL').stdout).toBe('info\n');
    const api = await eventually('the api through the front', async () => {
      const r = await httpGet(`http://127.0.0.1:${port}/cgi-bin/api`);
      return r.body.includes('schema v1') ? r : undefined;
    });
    expect(api.body).toContain('mode=dev');
  });

  it('--scale overrides deploy.replicas; names <project>-<svc>-<n>; DNS follows; a plain up goes back to replicas', () => {
    const first = s.ids(P)['shop-worker-1'];
    s.ok(['up', '-d', '--scale', 'worker=3']);
    let names = Object.keys(s.ids(P)).filter((n) => n.includes('-worker-')).sort();
    expect(names).toEqual(['shop-worker-1', 'shop-worker-2', 'shop-worker-3']);
    expect(lookup('api', 'worker')).toHaveLength(3);
    s.ok(['up', '-d', '--scale', 'worker=1']);
    names = Object.keys(s.ids(P)).filter((n) => n.includes('-worker-'));
    expect(names).toEqual(['shop-worker-1']);
    expect(s.ids(P)['shop-worker-1']).toBe(first);
    // (DNS right after this scale-down sometimes stops answering: FINDINGS.md.)
    s.ok(['up', '-d']);
    expect(Object.keys(s.ids(P)).filter((n) => n.includes('-worker-')).sort()).toEqual(['shop-worker-1', 'shop-worker-2']);
  });

  it('a service removed from the file is an orphan: warned about, kept, then removed with --remove-orphans', () => {
    const full = s.read('compose.yaml');
    s.write('compose.yaml', full.replace(/\n {2}worker:\n[\s\S]*?\n(?= {2}cache:)/, '\n'));
    const r = s.ok(['up', '-d']);
    expect(r.stderr).toMatch(/orphan containers.*shop-worker-1/i);
    expect(s.ids(P)['shop-worker-1']).toBeDefined();
    s.ok(['up', '-d', '--remove-orphans']);
    expect(Object.keys(s.ids(P)).filter((n) => n.includes('-worker-'))).toEqual([]);
    s.write('compose.yaml', full);
  });

  it('down -v removes containers, both networks and the named volume', () => {
    s.ok(['down', '-v']);
    expect(s.ps(P)).toEqual([]);
    expect(s.ok(['volume', 'ls', '-q']).stdout).not.toContain('shop_dbdata');
    const nets = s.ok(['network', 'ls']).stdout;
    expect(nets).not.toContain('shop_frontend');
    expect(nets).not.toContain('shop_backend');
    expect(s.ok(['ls', '-a', '-q']).stdout.trim()).toBe('');
  });
});
