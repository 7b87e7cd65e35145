/**
 * The runtime spec end to end: mounts (bind, volume, tmpfs), read-only root, user, ulimits,
 * sysctls, capabilities and the seccomp profile, hostname and name resolution between two
 * containers on a network, files in and out (sync, copy out, commit), build RUN steps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importBusybox, makeRig, rmRoot, type Rig } from '../../engine/runtime/testkit.js';
import { BUSYBOX_CHANGES, busyboxTarball, requireTools } from '../helpers/busybox.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';

requireRoot();
requireTools('conmon', 'busybox');

let rig: Rig;
let host: string;

beforeEach(async () => {
  rig = await makeRig(tempRoot('cfg'));
  await importBusybox(rig.images, busyboxTarball(), BUSYBOX_CHANGES);
  host = fs.mkdtempSync('/tmp/bt/cfg-host-');
});

afterEach(async () => {
  const root = rig.root;
  await rig.teardown();
  assertNoLeaks(root);
  rmRoot(root);
  fs.rmSync(host, { recursive: true, force: true });
});

/** Runs a one-shot container and returns its exit code and output. */
async function runOnce(req: Parameters<Rig['mgr']['containerCreate']>[0]): Promise<{ code: number; out: string }> {
  const { mgr } = rig;
  const { id } = await mgr.containerCreate(req);
  await mgr.containerStart(id);
  const { exitCode } = await mgr.containerWait(id);
  const lines: string[] = [];
  for await (const l of mgr.containerLogs(id, {})) lines.push(l.line);
  await mgr.containerRemove(id, { volumes: true });
  return { code: exitCode, out: lines.join('\n') };
}

describe('runtime spec', () => {
  it('bind, volume and tmpfs mounts; a read-only root; the volume keeps data across containers', async () => {
    fs.writeFileSync(path.join(host, 'in.txt'), 'from-host');
    const mounts = [
      { type: 'bind' as const, source: host, target: '/host' },
      { type: 'volume' as const, source: 'cfgdata', target: '/data' },
      { type: 'tmpfs' as const, target: '/scratch', tmpfsSize: 1 << 20 },
    ];
    const a = await runOnce({
      image: 'busybox:test',
      readOnlyRootfs: true,
      mounts,
      cmd: ['sh', '-c', 'cat /host/in.txt; echo; echo saved > /data/v; echo x > /scratch/t && echo tmp-ok; touch /rootfile 2>/dev/null || echo ro-ok; grep -c " /scratch tmpfs" /proc/mounts; echo out > /host/out.txt'],
    });
    expect(a.code).toBe(0);
    expect(a.out.split('\n')).toEqual(['from-host', 'tmp-ok', 'ro-ok', '1']);
    expect(fs.readFileSync(path.join(host, 'out.txt'), 'utf8')).toBe('out\n');
    const b = await runOnce({ image: 'busybox:test', mounts: [{ type: 'volume', source: 'cfgdata', target: '/data' }], cmd: ['cat', '/data/v'] });
    expect(b.out).toBe('saved');
  });

  it('user, workdir, hostname, env, ulimits, sysctls', async () => {
    const r = await runOnce({
      image: 'busybox:test',
      user: 'nobody',
      workingDir: '/work/here',
      hostname: 'box1',
      env: ['GREETING=hi there'],
      ulimits: [{ name: 'nofile', soft: 512, hard: 1024 }],
      sysctls: { 'net.ipv4.ip_unprivileged_port_start': '80' },
      cmd: ['sh', '-c', 'id -u; id -g; pwd; hostname; cat /etc/hostname; echo "$GREETING"; ulimit -n; ulimit -Hn; cat /proc/sys/net/ipv4/ip_unprivileged_port_start'],
    });
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toEqual(['65534', '65534', '/work/here', 'box1', 'box1', 'hi there', '512', '1024', '80']);
  });

  it("default capabilities and seccomp: mount and reboot refused, chown allowed; cap_drop takes chown away", async () => {
    const r = await runOnce({ image: 'busybox:test', cmd: ['sh', '-c', 'mkdir /m; mount -t tmpfs t /m 2>/dev/null && echo mounted || echo no-mount; chown nobody /tmp && echo chown-ok; grep CapEff /proc/self/status; cat /proc/kcore 2>/dev/null | head -c1 | wc -c'] });
    expect(r.out.split('\n').slice(0, 2)).toEqual(['no-mount', 'chown-ok']);
    expect(r.out).toMatch(/CapEff:\s+00000000a80425fb/);
    expect(r.out.split('\n').at(-1)!.trim()).toBe('0'); // /proc/kcore masked
    const d = await runOnce({ image: 'busybox:test', capDrop: ['CHOWN'], cmd: ['sh', '-c', 'chown nobody /tmp 2>/dev/null && echo chown-ok || echo chown-denied'] });
    expect(d.out).toBe('chown-denied');
    const p = await runOnce({ image: 'busybox:test', privileged: true, cmd: ['sh', '-c', 'mkdir /m; mount -t tmpfs t /m && echo mounted'] });
    expect(p.out).toBe('mounted');
  });

  it('two containers on a network reach each other by name; host and none modes', async () => {
    const { mgr } = rig;
    await rig.networks.create({ name: 'cfgnet' });
    const { id: web } = await mgr.containerCreate({ image: 'busybox:test', name: 'web', network: { mode: 'bridge', endpoints: [{ network: 'cfgnet' }] }, cmd: ['sh', '-c', 'mkdir -p /www; echo hello-web > /www/index.html; exec httpd -f -p 80 -h /www'], stopSignal: 'KILL' });
    await mgr.containerStart(web);
    const c = await runOnce({ image: 'busybox:test', network: { mode: 'bridge', endpoints: [{ network: 'cfgnet' }] }, cmd: ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do timeout 3 wget -q -O - http://web/ && exit 0; sleep 0.3; done; exit 1'] });
    expect(c).toEqual({ code: 0, out: 'hello-web' });
    const info = await mgr.containerInspect(web);
    expect(info.networks.cfgnet?.ipAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // network_mode container:web shares web's namespace: localhost reaches its httpd
    const shared = await runOnce({ image: 'busybox:test', network: { mode: 'container', container: 'web' }, cmd: ['sh', '-c', 'timeout 3 wget -q -O - http://127.0.0.1/'] });
    expect(shared.out).toBe('hello-web');
    await mgr.containerRemove(web, { force: true });
    const none = await runOnce({ image: 'busybox:test', network: { mode: 'none' }, cmd: ['sh', '-c', 'ls /sys/class/net | tr "\\n" " "'] });
    expect(none.out.trim()).toBe('lo');
    const hostNet = await runOnce({ image: 'busybox:test', network: { mode: 'host' }, cmd: ['sh', '-c', 'ls /sys/class/net | wc -l'] });
    expect(Number(hostNet.out)).toBeGreaterThan(1);
    await rig.networks.remove('cfgnet');
  });

  it('sync into a running container, copy out, commit to an image', async () => {
    const { mgr } = rig;
    const { id } = await mgr.containerCreate({ image: 'busybox:test', cmd: ['sleep', '1000'], stopSignal: 'KILL' });
    await mgr.containerStart(id);
    fs.mkdirSync(path.join(host, 'src/lib'), { recursive: true });
    fs.writeFileSync(path.join(host, 'src/app.sh'), '#!/bin/sh\necho app-v1\n');
    fs.chmodSync(path.join(host, 'src/app.sh'), 0o755);
    fs.writeFileSync(path.join(host, 'src/lib/x'), 'lib');
    const res = await mgr.containerSync(id, [{ op: 'copy', hostPath: path.join(host, 'src'), containerPath: '/app' }]);
    expect(res).toEqual({ applied: 1, failed: [] });
    expect((await mgr.containerExec(id, { cmd: ['/app/app.sh'] })).stdout).toBe('app-v1\n');
    await mgr.containerSync(id, [{ op: 'delete', containerPath: '/app/lib' }]);
    expect((await mgr.containerExec(id, { cmd: ['ls', '/app'] })).stdout.trim()).toBe('app.sh');
    await mgr.containerCopyOut(id, '/app/app.sh', path.join(host, 'copied.sh'));
    expect(fs.readFileSync(path.join(host, 'copied.sh'), 'utf8')).toBe('#!/bin/sh\necho app-v1\n');
    await expect(mgr.containerCopyOut(id, '/nope', path.join(host, 'x'))).rejects.toThrow(/no such file/);
    const imageId = await mgr.containerCommit(id, 'committed:1', { changes: ['CMD ["/app/app.sh"]'] });
    expect(imageId).toMatch(/^sha256:/);
    await mgr.containerRemove(id, { force: true });
    const r = await runOnce({ image: 'committed:1' });
    expect(r.out).toBe('app-v1');
  });

  it('build RUN steps run in a container on the given rootfs', async () => {
    const runner = rig.mgr.buildRunner();
    const rootfs = path.join(host, 'rootfs');
    fs.cpSync((await import('../helpers/busybox.js')).busyboxRootfsDir(), rootfs, { recursive: true, verbatimSymlinks: true });
    const lines: string[] = [];
    const ok = await runner.runStep({ rootfs, cmd: ['/bin/sh', '-c', 'echo building; echo $FOO > /made; ls /sys/class/net'], env: ['FOO=bar', 'PATH=/bin:/sbin'], network: 'none', onOutput: (l) => lines.push(l), workingDir: '/src' });
    expect(ok.exitCode).toBe(0);
    expect(lines).toEqual(['building', 'lo']);
    expect(fs.readFileSync(path.join(rootfs, 'made'), 'utf8')).toBe('bar\n');
    expect(fs.existsSync(path.join(rootfs, 'src'))).toBe(true);
    const bad = await runner.runStep({ rootfs, cmd: ['/bin/sh', '-c', 'echo oops; exit 3'], env: [], network: 'none' });
    expect(bad).toEqual({ exitCode: 3, output: 'oops\n' });
  });

  it('rename, list filters, prune', async () => {
    const { mgr } = rig;
    const { id: a } = await mgr.containerCreate({ image: 'busybox:test', name: 'one', cmd: ['true'], labels: { tier: 'x' } });
    const { id: b } = await mgr.containerCreate({ image: 'busybox:test', name: 'two', cmd: ['sleep', '100'], stopSignal: 'KILL' });
    await mgr.containerStart(b);
    await expect(mgr.containerCreate({ image: 'busybox:test', name: 'one', cmd: ['true'] })).rejects.toThrow(/already in use/);
    await mgr.containerRename('one', 'uno');
    expect((await mgr.containerInspect(a)).name).toBe('/uno');
    expect((await mgr.containerList({ all: true, filters: { label: ['tier=x'] } })).map((c) => c.id)).toEqual([a]);
    expect((await mgr.containerList({ filters: { status: ['running'] } })).map((c) => c.id)).toEqual([b]);
    expect((await mgr.containerList({ all: true, filters: { name: ['^tw'] } })).map((c) => c.names[0])).toEqual(['/two']);
    expect(mgr.imagesInUse().size).toBe(1);
    expect(mgr.counts()).toEqual({ total: 2, running: 1, paused: 0, stopped: 1 });
    expect((await mgr.containerPrune()).deleted).toEqual([a]);
    await mgr.containerRemove(b, { force: true });
  });
});
