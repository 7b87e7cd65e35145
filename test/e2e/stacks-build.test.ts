/**
 * A built stack (test/fixtures/stacks/build) through the built CLI: images from Dockerfiles on
 * top of the local busybox image (a build arg, a target stage, Compose's `<project>-<service>`
 * image name), a named volume seeded from the image on first use and not re-seeded after a
 * rebuild, volumes_from read-only, memory/pids limits, a healthcheck with start_period for
 * --wait / --wait-timeout, a pre_stop hook, `up --build`, and `down -v` removing the
 * anonymous volume too. What Docker Compose v2 does with the same files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireRoot } from '../helpers/root.js';
import { Stack } from '../helpers/stack.js';

requireRoot();

const P = 'built';
let s: Stack;

beforeAll(() => {
  s = new Stack('build');
  s.importBusybox();
});

afterAll(() => {
  s.teardown(P);
});

describe('the built stack', () => {
  it('up --wait builds what is missing, names the image <project>-<service>, waits for healthy', () => {
    const t0 = Date.now();
    s.ok(['up', '-d', '--wait']);
    // start.sh touches /tmp/ready after 2 s: --wait really waited for the healthcheck.
    expect(Date.now() - t0).toBeGreaterThan(2000);
    const rows = Object.fromEntries(s.ps(P).map((r) => [r.Service, r]));
    expect(rows.web).toMatchObject({ Name: 'built-web-1', Image: 'built-web', State: 'running', Health: 'healthy' });
    expect(rows.worker).toMatchObject({ Name: 'built-worker-1', Image: 'built/worker:dev', State: 'running' });
    const images = s.ok(['images']).stdout;
    expect(images).toMatch(/built-web-1\s+built-web\s+latest\s+[0-9a-f]{12}/);
    expect(images).toMatch(/built-worker-1\s+built\/worker\s+dev\s+[0-9a-f]{12}/);
    expect(s.ok(['image', 'ls']).stdout).toMatch(/built-web\s+latest/);
  });

  it('build args, target stage, image ENV and CMD are in the containers', () => {
    expect(s.ok(['logs', '--no-log-prefix', 'web']).stdout).toBe('web built with: hello from the build\n');
    expect(s.ok(['logs', '--no-log-prefix', 'worker']).stdout).toBe('runtime\n'); // target: runtime, not debug
    expect(s.sh('web', 'echo $SERVED_BY; cat /etc/greeting').stdout).toBe('web\nhello from the build\n');
  });

  it('the named volume was seeded from the image; volumes_from shares it read-only', () => {
    expect(s.sh('web', 'cat /usr/share/assets/greeting.txt').stdout).toBe('hello from the build\n');
    expect(s.sh('worker', 'cat /usr/share/assets/greeting.txt').stdout).toBe('hello from the build\n');
    s.sh('web', 'echo cached > /var/cache/web/entry');
    expect(s.sh('worker', 'cat /var/cache/web/entry').stdout).toBe('cached\n'); // the anonymous volume too
    const w = s.sh('worker', 'touch /usr/share/assets/x');
    expect(w.code).not.toBe(0);
    expect(w.stderr).toContain('Read-only file system');
  });

  it('deploy.resources.limits reach the cgroup', () => {
    const mem = s.sh('web', 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes').stdout.trim();
    expect(mem).toBe(String(64 * 1024 * 1024));
    const pids = s.sh('web', 'cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max').stdout.trim();
    expect(pids).toBe('50');
  });

  it('a changed build arg needs --build: plain up keeps the image; up --build rebuilds and recreates; the volume keeps its first content; pre_stop ran', () => {
    const before = s.ids(P);
    s.env = { GREETING: 'hello again' };
    s.ok(['up', '-d', '--wait']);
    expect(s.ids(P)).toEqual(before); // build is not part of the config hash
    s.ok(['up', '-d', '--build', '--wait']);
    const after = s.ids(P);
    expect(after['built-web-1']).not.toBe(before['built-web-1']);
    expect(s.sh('web', 'cat /etc/greeting').stdout).toBe('hello again\n'); // the new image
    expect(s.sh('web', 'cat /usr/share/assets/greeting.txt').stdout).toBe('hello from the build\n'); // not re-seeded
    expect(s.sh('web', 'cat /usr/share/assets/pre-stop').stdout).toBe(`bye from ${before['built-web-1']!.slice(0, 12)}\n`);
    // The replacement inherits the anonymous volume (Compose; -V would renew it).
    expect(s.sh('web', 'cat /var/cache/web/entry').stdout).toBe('cached\n');
    expect(s.ok(['volume', 'ls', '-q']).stdout.split('\n').filter((v) => /^[0-9a-f]{64}$/.test(v))).toHaveLength(1);
  });

  it('--wait-timeout fails when healthy comes too late', () => {
    s.ok(['stop', 'web', 'worker']);
    const r = s.run(['up', '-d', '--wait', '--wait-timeout', '1', 'web']);
    expect(r.code).not.toBe(0);
    s.ok(['up', '-d', '--wait']);
  });

  it('down -v removes the named and the anonymous volumes; --rmi local the built image', () => {
    const anon = s.ok(['volume', 'ls', '-q']).stdout.split('\n').filter((v) => /^[0-9a-f]{64}$/.test(v));
    expect(anon.length).toBeGreaterThan(0);
    s.ok(['down', '-v', '--rmi', 'local']);
    const left = s.ok(['volume', 'ls', '-q']).stdout.split('\n');
    expect(left).not.toContain('built_assets');
    for (const v of anon) expect(left).not.toContain(v);
    const imgs = s.ok(['image', 'ls']).stdout;
    expect(imgs).not.toMatch(/built-web\s/); // no image: field → a local image, removed
    expect(imgs).toMatch(/built\/worker\s+dev/); // named with image: → kept by --rmi local
  });
});
