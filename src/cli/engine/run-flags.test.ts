import { describe, expect, it } from 'vitest';
import { buildCreateRequest, parseBytes, parseDuration, parseMountFlag, parsePublish, parseRestart, parseVolumeFlag, parseTmpfsFlag } from './run-flags.js';

const deps = { readFile: (f: string) => (f === 'e.env' ? '# comment\nA=1\n\nB=two words\nHOME_X\n' : 'l1=x\n'), env: { HOME_X: '/h', ONLY: 'o' }, cwd: '/work' };

describe('run flags', () => {
  it('parses sizes and Go durations', () => {
    expect(parseBytes('512m')).toBe(512 * 1024 ** 2);
    expect(parseBytes('1g')).toBe(1024 ** 3);
    expect(parseBytes('1.5GB')).toBe(1.5 * 1024 ** 3);
    expect(parseBytes('100')).toBe(100);
    expect(() => parseBytes('lots')).toThrow(/invalid size/);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2')).toBe(2000);
    expect(() => parseDuration('1x')).toThrow(/invalid duration/);
  });

  it('parses -p with addresses, ranges, udp and IPv6', () => {
    expect(parsePublish('80')).toEqual([{ containerPort: 80, protocol: 'tcp', hostPort: 0 }]);
    expect(parsePublish('8080:80')).toEqual([{ containerPort: 80, protocol: 'tcp', hostPort: 8080 }]);
    expect(parsePublish('127.0.0.1:8080:80/udp')).toEqual([{ containerPort: 80, protocol: 'udp', hostIp: '127.0.0.1', hostPort: 8080 }]);
    expect(parsePublish('127.0.0.1::80')).toEqual([{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 0 }]);
    expect(parsePublish('9000-9001:8000-8001')).toEqual([
      { containerPort: 8000, protocol: 'tcp', hostPort: 9000 },
      { containerPort: 8001, protocol: 'tcp', hostPort: 9001 },
    ]);
    expect(parsePublish('[::1]:8080:80')).toEqual([{ containerPort: 80, protocol: 'tcp', hostIp: '::1', hostPort: 8080 }]);
    expect(() => parsePublish('9000-9002:8000-8001')).toThrow(/ranges differ/);
    expect(() => parsePublish('80/sctp')).toThrow(/protocol/);
    expect(() => parsePublish('70000')).toThrow(/1-65535/);
  });

  it('parses -v in its three shapes', () => {
    expect(parseVolumeFlag('/data', '/w')).toEqual({ type: 'volume', source: '', target: '/data' });
    expect(parseVolumeFlag('db:/var/lib/db:ro', '/w')).toEqual({ type: 'volume', source: 'db', target: '/var/lib/db', readOnly: true });
    expect(parseVolumeFlag('./src:/app:rw,rshared', '/w')).toEqual({ type: 'bind', source: '/w/src', target: '/app', createHostPath: true, readOnly: false, propagation: 'rshared' });
    expect(parseVolumeFlag('v:/x:nocopy', '/w')).toMatchObject({ noCopy: true });
    expect(() => parseVolumeFlag('v:rel', '/w')).toThrow(/absolute/);
    expect(() => parseVolumeFlag('v:/x:bogus', '/w')).toThrow(/option/);
  });

  it('parses --mount and --tmpfs', () => {
    expect(parseMountFlag('type=bind,source=/a,target=/b,readonly,bind-propagation=rslave', '/w')).toEqual({ type: 'bind', source: '/a', target: '/b', readOnly: true, propagation: 'rslave' });
    expect(parseMountFlag('type=volume,src=v,dst=/d,volume-nocopy,volume-label=k=v=w', '/w')).toEqual({ type: 'volume', source: 'v', target: '/d', noCopy: true, volumeLabels: { k: 'v=w' } });
    expect(parseMountFlag('type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1777', '/w')).toEqual({ type: 'tmpfs', target: '/t', tmpfsSize: 64 * 1024 ** 2, tmpfsMode: 0o1777 });
    expect(parseMountFlag('target=/anon', '/w')).toEqual({ type: 'volume', source: '', target: '/anon' });
    expect(() => parseMountFlag('type=bind,target=/x', '/w')).toThrow(/source/);
    expect(() => parseMountFlag('type=bind,src=/a,dst=/b,colour=red', '/w')).toThrow(/unknown --mount field/);
    expect(parseTmpfsFlag('/run:rw,size=1m,mode=700')).toEqual({ type: 'tmpfs', target: '/run', tmpfsSize: 1024 ** 2, tmpfsMode: 0o700 });
  });

  it('parses restart policies', () => {
    expect(parseRestart('on-failure:3')).toEqual({ name: 'on-failure', maximumRetryCount: 3 });
    expect(parseRestart('unless-stopped')).toEqual({ name: 'unless-stopped' });
    expect(() => parseRestart('always:2')).toThrow();
    expect(() => parseRestart('sometimes')).toThrow(/invalid restart/);
  });

  it('builds a full request', () => {
    const req = buildCreateRequest('busybox', ['sh', '-c', 'echo hi'], {
      name: 'web', env: ['X=1', 'ONLY', 'UNSET'], envFile: ['e.env'], label: ['a=b', 'flag'], labelFile: ['l.txt'],
      publish: ['8080:80'], network: 'front', networkAlias: ['www'], ip: '10.5.0.9',
      memory: '64m', cpus: '1.5', pidsLimit: '50', restart: 'on-failure:2',
      healthCmd: 'wget -q localhost', healthInterval: '5s', healthRetries: '4',
      user: 'nobody', workdir: '/srv', readOnly: true, capAdd: ['NET_ADMIN'], capDrop: ['ALL'], init: true, hostname: 'h1',
      tty: true, interactive: true, volume: ['/data'], tmpfs: ['/tmp'], addHost: ['db:10.0.0.1'], ulimit: ['nofile=100:200'],
    }, deps);
    expect(req).toEqual({
      image: 'busybox', name: 'web', cmd: ['sh', '-c', 'echo hi'],
      env: ['A=1', 'B=two words', 'HOME_X=/h', 'X=1', 'ONLY=o'],
      labels: { l1: 'x', a: 'b', flag: '' },
      user: 'nobody', workingDir: '/srv', hostname: 'h1', tty: true, openStdin: true,
      mounts: [{ type: 'volume', source: '', target: '/data' }, { type: 'tmpfs', target: '/tmp' }],
      ports: [{ containerPort: 80, protocol: 'tcp', hostPort: 8080 }],
      network: { mode: 'bridge', endpoints: [{ network: 'front', aliases: ['www'], ipv4Address: '10.5.0.9' }] },
      resources: { memory: 64 * 1024 ** 2, nanoCpus: 1.5e9, pidsLimit: 50 },
      restartPolicy: { name: 'on-failure', maximumRetryCount: 2 },
      healthcheck: { test: ['CMD-SHELL', 'wget -q localhost'], interval: 5000, retries: 4 },
      readOnlyRootfs: true, init: true, capAdd: ['NET_ADMIN'], capDrop: ['ALL'],
      extraHosts: ['db:10.0.0.1'], ulimits: [{ name: 'nofile', soft: 100, hard: 200 }],
    });
  });

  it('follows Docker on entrypoint, --rm, network modes and conflicts', () => {
    expect(buildCreateRequest('i', [], { entrypoint: '' }, deps)).toMatchObject({ entrypoint: [], cmd: null });
    expect(buildCreateRequest('i', ['x'], { entrypoint: '/bin/sh' }, deps)).toMatchObject({ entrypoint: ['/bin/sh'], cmd: ['x'] });
    expect(buildCreateRequest('i', [], { rm: true }, deps)).toMatchObject({ autoRemove: true, network: { mode: 'bridge' } });
    expect(buildCreateRequest('i', [], { network: 'host' }, deps).network).toEqual({ mode: 'host' });
    expect(buildCreateRequest('i', [], { network: 'container:db' }, deps).network).toEqual({ mode: 'container', container: 'db' });
    expect(buildCreateRequest('i', [], { healthcheck: false }, deps).healthcheck).toEqual({ test: ['NONE'] });
    expect(() => buildCreateRequest('i', [], { rm: true, restart: 'always' }, deps)).toThrow(/--rm/);
    expect(() => buildCreateRequest('i', [], { network: 'host', publish: ['80'] }, deps)).toThrow(/bridge/);
    expect(() => buildCreateRequest('i', [], { volume: ['/a', 'v:/a'] }, deps)).toThrow(/duplicate/);
    expect(() => buildCreateRequest('i', [], { workdir: 'rel' }, deps)).toThrow(/absolute/);
  });
});
