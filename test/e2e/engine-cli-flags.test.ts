/**
 * Docker's run flags, end to end: each flag parsed by the CLI must change what the process in
 * the container sees (user, hostname, workdir, env and env-file, read-only root, tmpfs, bind
 * read-only, named volume, memory and pids limits in the cgroup, dropped capabilities,
 * entrypoint, init, network alias resolved by name). Leak-checked after engine stop.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';
import { berth, buildOnce, daemonPid, waitGone, finishRoot, importBusyboxImage } from '../conformance/cli.js';

let root: string;
const IMG = 'bb:flags';

beforeAll(async () => {
  requireRoot();
  buildOnce();
  root = tempRoot('eng-flag');
  await importBusyboxImage(root, IMG);
}, 180_000);

afterAll(async () => {
  await finishRoot(root, { removeContainers: true, beforeStop: () => berth(root, ['network', 'rm', 'flagnet']) });
});

describe('berth container run flags (real containers)', () => {
  it('user, hostname, workdir, env, read-only root, tmpfs, binds, volumes, limits, capabilities', async () => {
    const envFile = path.join(root, 'vars.env');
    fs.writeFileSync(envFile, '# comment\nFROMFILE=yes\n');
    const bind = path.join(root, 'bind');
    fs.mkdirSync(bind);
    fs.writeFileSync(path.join(bind, 'f'), 'bound\n');
    const script = [
      'id -u',
      'hostname',
      'pwd',
      'echo "$A $FROMFILE"',
      'cat /b/f',
      'touch /x 2>/dev/null || echo rootfs-ro',
      'touch /b/g 2>/dev/null || echo bind-ro',
      'touch /scratch/ok && echo tmpfs-rw',
      'echo persisted > /data/v 2>/dev/null || echo volume-not-writable',
      'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max',
      'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max',
      'grep CapEff /proc/self/status',
    ].join('; ');
    const r = await berth(root, [
      'container', 'run', '--rm', '--read-only', '--tmpfs', '/scratch:mode=1777', '-w', '/scratch', '-u', '0', '-h', 'myhost',
      '-e', 'A=1', '--env-file', envFile, '-v', `${bind}:/b:ro`, '-v', 'flagvol:/data',
      '--memory', '64m', '--pids-limit', '50', '--cap-drop', 'ALL', IMG, 'sh', '-c', script,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      '0', 'myhost', '/scratch', '1 yes', 'bound', 'rootfs-ro', 'bind-ro', 'tmpfs-rw',
      String(64 * 1024 * 1024), '50', 'CapEff:\t0000000000000000', '',
    ]);
    // the named volume outlived the --rm container
    const again = await berth(root, ['container', 'run', '--rm', '-v', 'flagvol:/data', IMG, 'cat', '/data/v']);
    expect(again.stdout).toBe('persisted\n');
    expect((await berth(root, ['volume', 'rm', 'flagvol'])).code).toBe(0);
    expect((await berth(root, ['container', 'run', '--rm', '-u', '65534', IMG, 'id', '-u'])).stdout).toBe('65534\n');
  });

  it('entrypoint, init, and a network alias found by name', async () => {
    expect((await berth(root, ['container', 'run', '--rm', '--entrypoint', 'echo', IMG, 'via-entrypoint'])).stdout).toBe('via-entrypoint\n');
    const init = await berth(root, ['container', 'run', '--rm', '--init', IMG, 'sh', '-c', 'cat /proc/1/comm; echo $$']);
    const [pid1, shPid] = init.stdout.trim().split('\n');
    expect(pid1).not.toBe('sh'); // an init is PID 1, our shell is not
    expect(Number(shPid)).toBeGreaterThan(1);
    expect((await berth(root, ['network', 'create', 'flagnet'])).code).toBe(0);
    expect((await berth(root, ['container', 'run', '-d', '--name', 'srv', '--network', 'flagnet', '--network-alias', 'dbalias', IMG, 'sleep', '1000'])).code).toBe(0);
    const ip = (await berth(root, ['container', 'inspect', '-f', '{{(index .NetworkSettings.Networks "flagnet").IPAddress}}', 'srv'])).stdout.trim();
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const look = await berth(root, ['container', 'run', '--rm', '--network', 'flagnet', IMG, 'sh', '-c', 'nslookup dbalias']);
    expect(look.stdout).toContain(ip);
    expect((await berth(root, ['container', 'rm', '-f', 'srv'])).code).toBe(0);
    expect((await berth(root, ['network', 'rm', 'flagnet'])).code).toBe(0);
  });

  it('--health-* and --restart reach the engine', async () => {
    expect((await berth(root, ['container', 'run', '-d', '--name', 'hc', '--health-cmd', 'test -f /tmp/ok', '--health-interval', '300ms', '--health-retries', '1', IMG, 'sh', '-c', 'touch /tmp/ok; sleep 1000'])).code).toBe(0);
    expect((await berth(root, ['container', 'run', '-d', '--name', 'rs', '--restart', 'on-failure:2', IMG, 'sh', '-c', 'exit 1'])).code).toBe(0);
    const end = Date.now() + 20_000;
    let health = '';
    let restarts = '';
    while (Date.now() < end && !(health === 'healthy' && restarts === '2 exited')) {
      await new Promise((r) => setTimeout(r, 300));
      health = (await berth(root, ['container', 'inspect', '-f', '{{.State.Health.Status}}', 'hc'])).stdout.trim();
      restarts = (await berth(root, ['container', 'inspect', '-f', '{{.RestartCount}} {{.State.Status}}', 'rs'])).stdout.trim();
    }
    expect(health).toBe('healthy');
    expect(restarts).toBe('2 exited');
    expect((await berth(root, ['container', 'ls', '--filter', 'name=hc', '--format', '{{.Status}}'])).stdout).toMatch(/^Up .*\(healthy\)\n$/);
    expect((await berth(root, ['container', 'inspect', '-f', '{{json .Config.Healthcheck.Test}} {{.Config.Healthcheck.Interval}} {{.HostConfig.RestartPolicy.Name}}', 'hc'])).stdout).toBe(
      '["CMD-SHELL","test -f /tmp/ok"] 300000000 no\n',
    );
    expect((await berth(root, ['container', 'inspect', '-f', '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}', 'rs'])).stdout).toBe('on-failure:2\n');
    expect((await berth(root, ['container', 'rm', '-f', 'hc', 'rs'])).code).toBe(0);
  });

  it('engine stop leaves nothing behind', async () => {
    expect((await berth(root, ['image', 'rm', IMG])).code).toBe(0);
    const pid = daemonPid(root)!;
    expect((await berth(root, ['engine', 'stop'])).code).toBe(0);
    await waitGone(pid);
    assertNoLeaks(root);
  });
});
