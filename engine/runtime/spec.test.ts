import { describe, expect, it } from 'vitest';
import type { ContainerCreateRequest, ImageRunConfig } from '../api/types.js';
import { buildSpec, DEFAULT_PATH, INIT_PATH, mergeEnv, resolveCommand, type SpecInput } from './spec.js';
import { DEFAULT_CAPS, ALL_CAPS } from './caps.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const GROUP = 'root:x:0:\napp:x:1000:\nstaff:x:50:app\nnogroup:x:65534:\n';

function input(req: Partial<ContainerCreateRequest>, image: ImageRunConfig = { Cmd: ['sh'] }, extra: Partial<SpecInput> = {}): SpecInput {
  return {
    id: 'c1',
    req: { image: 'busybox', ...req },
    image,
    rootfs: '/r/merged',
    passwd: PASSWD,
    group: GROUP,
    cgroupsPath: '/berth-abc123/c1',
    netnsPath: '/run/netns/x',
    mounts: [],
    availableCaps: ALL_CAPS.filter((c) => c !== 'SYS_RESOURCE'),
    hostRlimits: { RLIMIT_NOFILE: { soft: 1024, hard: 20000 } },
    swapAccounting: true,
    ...extra,
  };
}

describe('command and env', () => {
  it('a request entrypoint resets the image cmd; a request cmd replaces it', () => {
    expect(resolveCommand({ image: 'x' }, { Entrypoint: ['/ep'], Cmd: ['a'] })).toEqual(['/ep', 'a']);
    expect(resolveCommand({ image: 'x', cmd: ['b'] }, { Entrypoint: ['/ep'], Cmd: ['a'] })).toEqual(['/ep', 'b']);
    expect(resolveCommand({ image: 'x', entrypoint: ['/new'] }, { Entrypoint: ['/ep'], Cmd: ['a'] })).toEqual(['/new']);
    expect(resolveCommand({ image: 'x', entrypoint: null, cmd: ['ls'] }, { Entrypoint: ['/ep'], Cmd: ['a'] })).toEqual(['ls']);
  });

  it('env merges by key, later wins, keeps order', () => {
    expect(mergeEnv(['A=1', 'B=2'], ['B=3', 'C=4'])).toEqual(['A=1', 'B=3', 'C=4']);
  });

  it('an image without PATH gets the default PATH, HOME from passwd', () => {
    const { spec } = buildSpec(input({ user: 'app' }, { Cmd: ['sh'], Env: ['X=1'] }));
    expect(spec.process.env).toEqual([`PATH=${DEFAULT_PATH}`, 'X=1', 'HOME=/home/app']);
    const withPath = buildSpec(input({}, { Cmd: ['sh'], Env: ['PATH=/bin'] })).spec;
    expect(withPath.process.env[0]).toBe('PATH=/bin');
  });

  it('no command is an error', () => {
    expect(() => buildSpec(input({}, {}))).toThrow(/no command/);
  });
});

describe('user', () => {
  it('resolves names from the rootfs passwd and group, with supplementary groups', () => {
    expect(buildSpec(input({ user: 'app' })).spec.process.user).toEqual({ uid: 1000, gid: 1000, additionalGids: [50] });
    expect(buildSpec(input({ user: 'app:staff' })).spec.process.user).toEqual({ uid: 1000, gid: 50 });
    expect(buildSpec(input({ user: '4242:7' })).spec.process.user).toEqual({ uid: 4242, gid: 7 });
    expect(buildSpec(input({}, { Cmd: ['sh'], User: 'nobody' })).spec.process.user).toEqual({ uid: 65534, gid: 65534 });
    expect(buildSpec(input({ user: 'app', groupAdd: ['nogroup'] })).spec.process.user.additionalGids).toEqual([50, 65534]);
  });
  it('an unknown name fails', () => {
    expect(() => buildSpec(input({ user: 'ghost' }))).toThrow(/unable to find user ghost/);
    expect(() => buildSpec(input({ user: 'app:ghosts' }))).toThrow(/unable to find group ghosts/);
  });
});

describe('security', () => {
  it("Docker's default capabilities, cap_add and cap_drop", () => {
    const caps = buildSpec(input({})).spec.process.capabilities.bounding;
    expect(caps.sort()).toEqual(DEFAULT_CAPS.map((c) => `CAP_${c}`).sort());
    const more = buildSpec(input({ capAdd: ['net_admin'], capDrop: ['CAP_CHOWN'] })).spec.process.capabilities.effective;
    expect(more).toContain('CAP_NET_ADMIN');
    expect(more).not.toContain('CAP_CHOWN');
    expect(buildSpec(input({ capDrop: ['ALL'], capAdd: ['KILL'] })).spec.process.capabilities.permitted).toEqual(['CAP_KILL']);
    expect(() => buildSpec(input({ capAdd: ['FLY'] }))).toThrow(/unknown capability/);
  });
  it('privileged gets every capability the engine holds, no seccomp, no masked paths, all devices', () => {
    const { spec } = buildSpec(input({ privileged: true }));
    expect(spec.process.capabilities.bounding).toContain('CAP_SYS_ADMIN');
    expect(spec.process.capabilities.bounding).not.toContain('CAP_SYS_RESOURCE');
    expect(spec.linux.seccomp).toBeUndefined();
    expect(spec.linux.maskedPaths).toBeUndefined();
    expect(spec.linux.resources.devices).toEqual([{ allow: true, access: 'rwm' }]);
  });
  it('default seccomp denies mount/reboot with EPERM, unless the capability is granted', () => {
    const sc = buildSpec(input({})).spec.linux.seccomp!;
    expect(sc.defaultAction).toBe('SCMP_ACT_ALLOW');
    expect(sc.syscalls[0]!.names).toEqual(expect.arrayContaining(['mount', 'reboot', 'kexec_load', 'init_module']));
    expect(sc.syscalls[0]!.errnoRet).toBe(1);
    const admin = buildSpec(input({ capAdd: ['SYS_ADMIN'] })).spec.linux.seccomp!;
    expect(admin.syscalls[0]!.names).not.toContain('mount');
    expect(buildSpec(input({ securityOpt: ['seccomp=unconfined'] })).spec.linux.seccomp).toBeUndefined();
  });
  it('masked and read-only /proc paths; no-new-privileges on request', () => {
    const { spec } = buildSpec(input({ securityOpt: ['no-new-privileges'] }));
    expect(spec.linux.maskedPaths).toContain('/proc/kcore');
    expect(spec.linux.readonlyPaths).toContain('/proc/sys');
    expect(spec.process.noNewPrivileges).toBe(true);
    expect(buildSpec(input({})).spec.process.noNewPrivileges).toBe(false);
  });
});

describe('limits', () => {
  it('memory, swap, cpus → quota/period, shares, cpuset, pids', () => {
    const r = buildSpec(input({ resources: { memory: 64 << 20, nanoCpus: 1.5e9, cpuShares: 512, cpusetCpus: '0', pidsLimit: 50 } })).spec.linux.resources;
    expect(r.memory).toEqual({ limit: 64 << 20, swap: 128 << 20 });
    expect(r.cpu).toEqual({ quota: 150000, period: 100000, shares: 512, cpus: '0' });
    expect(r.pids).toEqual({ limit: 50 });
    const noSwap = buildSpec(input({ resources: { memory: 64 << 20 } }, undefined, { swapAccounting: false })).spec.linux.resources;
    expect(noSwap.memory).toEqual({ limit: 64 << 20 });
    expect(buildSpec(input({ resources: { memory: 10, memorySwap: -1 } })).spec.linux.resources.memory!.swap).toBe(-1);
  });
  it('ulimits never above the current hard limit (no CAP_SYS_RESOURCE), with a warning', () => {
    const out = buildSpec(input({ ulimits: [{ name: 'nofile', soft: 100000, hard: 100000 }, { name: 'nproc', soft: 10, hard: 20 }] }));
    expect(out.spec.process.rlimits).toEqual([
      { type: 'RLIMIT_NOFILE', soft: 20000, hard: 20000 },
      { type: 'RLIMIT_NPROC', soft: 10, hard: 20 },
    ]);
    expect(out.warnings[0]).toMatch(/nofile/);
  });
  it('sysctls pass through; net.* refused with the host network', () => {
    expect(buildSpec(input({ sysctls: { 'net.ipv4.ip_forward': '1' } })).spec.linux.sysctl).toEqual({ 'net.ipv4.ip_forward': '1' });
    expect(() => buildSpec(input({ sysctls: { 'net.ipv4.ip_forward': '1' } }, undefined, { netnsPath: null }))).toThrow(/host's network/);
  });
});

describe('mounts, namespaces, files', () => {
  it('engine files, /dev/shm size, user mounts in parent-first order, readonly root', () => {
    const { spec } = buildSpec(
      input(
        { readOnlyRootfs: true, resources: { shmSize: 1 << 20 } },
        undefined,
        {
          hostsFile: '/c/hosts',
          resolvConfFile: '/c/resolv.conf',
          hostnameFile: '/c/hostname',
          mounts: [
            { source: '/v/data/sub', target: '/data/sub', type: 'bind', options: ['rbind', 'ro'] },
            { source: '/v/data', target: '/data', type: 'bind', options: [], volume: 'data' },
            { source: 'tmpfs', target: '/scratch', type: 'tmpfs', options: ['size=1m'] },
          ],
        },
      ),
    );
    expect(spec.root.readonly).toBe(true);
    expect(spec.mounts.find((m) => m.destination === '/dev/shm')!.options).toContain(`size=${1 << 20}`);
    const dests = spec.mounts.map((m) => m.destination);
    expect(dests).toEqual(expect.arrayContaining(['/etc/hosts', '/etc/resolv.conf', '/etc/hostname', '/scratch']));
    expect(dests.indexOf('/data')).toBeLessThan(dests.indexOf('/data/sub'));
    expect(spec.mounts.find((m) => m.destination === '/data/sub')!.options).toEqual(['rbind', 'ro']);
  });
  it('a user mount on /etc/hosts wins over the engine file', () => {
    const { spec } = buildSpec(input({}, undefined, { hostsFile: '/c/hosts', mounts: [{ source: '/mine', target: '/etc/hosts', type: 'bind', options: [] }] }));
    expect(spec.mounts.filter((m) => m.destination === '/etc/hosts').map((m) => m.source)).toEqual(['/mine']);
  });
  it('joins the sandbox netns; host network has none and binds /sys', () => {
    const bridged = buildSpec(input({})).spec.linux.namespaces;
    expect(bridged).toContainEqual({ type: 'network', path: '/run/netns/x' });
    const host = buildSpec(input({}, undefined, { netnsPath: null })).spec;
    expect(host.linux.namespaces.some((n) => n.type === 'network')).toBe(false);
    expect(host.mounts.find((m) => m.destination === '/sys')!.type).toBe('bind');
    expect(buildSpec(input({ pid: 'host' })).spec.linux.namespaces.some((n) => n.type === 'pid')).toBe(false);
  });
  it('init runs the command under the bound init binary', () => {
    const out = buildSpec(input({ init: true, cmd: ['sleep', '1'] }, undefined, { initBinary: '/usr/bin/tini-static' }));
    expect(out.spec.process.args).toEqual([INIT_PATH, '--', 'sleep', '1']);
    expect(out.spec.mounts).toContainEqual({ destination: INIT_PATH, type: 'bind', source: '/usr/bin/tini-static', options: ['rbind', 'ro'] });
    expect(out.path).toBe('sleep');
  });
  it('hostname, working dir, cgroups path', () => {
    const { spec } = buildSpec(input({ hostname: 'web', workingDir: '/app' }));
    expect(spec.hostname).toBe('web');
    expect(spec.process.cwd).toBe('/app');
    expect(spec.linux.cgroupsPath).toBe('/berth-abc123/c1');
    expect(() => buildSpec(input({ workingDir: 'rel' }))).toThrow(/absolute/);
  });
});
