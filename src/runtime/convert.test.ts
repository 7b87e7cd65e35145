import { describe, expect, it } from 'vitest';
import type { Project } from '../model/types.js';
import { toCreateRequest, type ConvertContext } from './convert.js';
import { LABEL } from './labels.js';
import { serviceConfigHash, serviceFieldHashes } from './hash.js';

const meta = { name: 'shop', workingDir: '/src/shop', configFiles: ['/src/shop/compose.yaml'], envFiles: [], version: '0.1.0' };

function ctx(project: Project, env: Record<string, string> = {}): ConvertContext {
  return { project, meta, env, imageId: 'sha256:abc' };
}

const project: Project = {
  name: 'shop',
  services: {
    web: {
      image: 'nginx:1',
      container_name: undefined,
      command: ['nginx', '-g', 'daemon off;'],
      entrypoint: ['/entry.sh'],
      environment: { A: '1', EMPTY: '', UNSET: null },
      labels: { team: 'blue' },
      ports: [
        { target: 80, published: '8080', protocol: 'tcp', host_ip: '127.0.0.1' },
        { target: 53, protocol: 'udp' },
        { target: 81, published: '9000-9010', protocol: 'tcp' },
      ],
      expose: ['3000'],
      volumes: [
        { type: 'volume', source: 'data', target: '/data', read_only: true },
        { type: 'bind', source: '/src/shop/conf', target: '/etc/nginx/conf.d' },
        { type: 'volume', target: '/cache' },
        { type: 'tmpfs', target: '/scratch', tmpfs: { size: '64m' } },
      ],
      tmpfs: ['/run:size=1m,mode=1777'],
      networks: { back: { aliases: ['www'], ipv4_address: '10.5.0.10' }, default: null },
      deploy: { resources: { limits: { cpus: '0.5', memory: '256m', pids: 100 } }, restart_policy: { condition: 'on-failure', max_attempts: 3 } },
      shm_size: '64m',
      healthcheck: { test: ['CMD-SHELL', 'curl -f localhost'], interval: '1m30s', timeout: '500ms', retries: 5, start_period: '2s' },
      init: true,
      stop_signal: 'SIGQUIT',
      stop_grace_period: '1500ms',
      user: '101:101',
      group_add: ['audio'],
      working_dir: '/srv',
      read_only: true,
      cap_add: ['NET_ADMIN'],
      cap_drop: ['ALL'],
      security_opt: ['no-new-privileges:true'],
      ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: 65535 },
      sysctls: { 'net.core.somaxconn': 1024 },
      extra_hosts: { 'host.internal': '10.0.0.1', multi: ['10.0.0.2', '10.0.0.3'] },
      dns: ['1.1.1.1'],
      secrets: [{ source: 'token' }, { source: 'pw', target: 'db_password', mode: 0o400, uid: '101' }],
      configs: [{ source: 'site' }, { source: 'inline', target: '/etc/inline.conf' }],
      depends_on: { db: { condition: 'service_healthy', required: true, restart: true } },
    },
    db: { image: 'pg', restart: 'on-failure:2', network_mode: 'none', mem_limit: '1g', cpus: 2, pids_limit: 50 },
    sidecar: { image: 'busybox', network_mode: 'service:web', ipc: 'service:web', container_name: 'side' },
  },
  networks: { default: { name: 'shop_default' }, back: { name: 'shop_back' } },
  volumes: { data: { name: 'shop_data' } },
  secrets: { token: { name: 'token', file: '/src/shop/token.txt' }, pw: { name: 'pw', environment: 'DB_PW' } },
  configs: { site: { name: 'site', content: 'hello' }, inline: { name: 'inline', file: '/src/shop/inline.conf' } },
};

describe('toCreateRequest', () => {
  const req = toCreateRequest(ctx(project, { DB_PW: 's3cret' }), 'web', 2);

  it('names, image, command, environment', () => {
    expect(req.name).toBe('shop-web-2');
    expect(req.image).toBe('nginx:1');
    expect(req.cmd).toEqual(['nginx', '-g', 'daemon off;']);
    expect(req.entrypoint).toEqual(['/entry.sh']);
    expect(req.env).toEqual(['A=1', 'EMPTY=']);
  });

  it('labels: Compose labels beside the user\'s', () => {
    const s = project.services.web!;
    expect(req.labels).toMatchObject({
      team: 'blue',
      [LABEL.project]: 'shop',
      [LABEL.service]: 'web',
      [LABEL.number]: '2',
      [LABEL.oneoff]: 'False',
      [LABEL.configHash]: serviceConfigHash(s),
      [LABEL.workingDir]: '/src/shop',
      [LABEL.configFiles]: '/src/shop/compose.yaml',
      [LABEL.dependsOn]: 'db:service_healthy:true',
      [LABEL.image]: 'sha256:abc',
    });
    expect(JSON.parse(req.labels![LABEL.fieldHashes]!)).toEqual(serviceFieldHashes(s));
  });

  it('a host port range gives each replica its own port, wrapping past the end', () => {
    const p: Project = { name: 'rp', services: { web: { image: 'x', ports: [{ target: 80, published: '18620-18621', protocol: 'tcp', host_ip: '127.0.0.1' }] } } };
    const port = (n: number) => toCreateRequest(ctx(p), 'web', n).ports![0]!.hostPort;
    expect([1, 2, 3].map(port)).toEqual([18620, 18621, 18620]);
    const fixed: Project = { name: 'rp', services: { web: { image: 'x', ports: [{ target: 80, published: '8080', protocol: 'tcp' }] } } };
    expect(toCreateRequest(ctx(fixed), 'web', 3).ports![0]!.hostPort).toBe(8080);
  });

  it('ports, networks with aliases', () => {
    expect(req.ports).toEqual([
      { containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8080 },
      { containerPort: 53, protocol: 'udp' },
      // replica 2 of a host range takes the range's second port (#19)
      { containerPort: 81, protocol: 'tcp', hostPort: 9001 },
    ]);
    expect(req.exposedPorts).toEqual(['3000/tcp', '80/tcp', '53/udp', '81/tcp']);
    expect(req.network).toEqual({
      mode: 'bridge',
      endpoints: [
        { network: 'shop_back', aliases: ['web', 'www', 'shop-web-2'], ipv4Address: '10.5.0.10' },
        { network: 'shop_default', aliases: ['web', 'shop-web-2'] },
      ],
    });
  });

  it('mounts: named volumes by full name, anonymous labelled, binds, tmpfs', () => {
    expect(req.mounts?.slice(0, 5)).toEqual([
      { type: 'volume', source: 'shop_data', target: '/data', readOnly: true },
      { type: 'bind', source: '/src/shop/conf', target: '/etc/nginx/conf.d', createHostPath: true },
      { type: 'volume', source: '', target: '/cache', volumeLabels: { [LABEL.project]: 'shop', [LABEL.version]: '0.1.0' } },
      { type: 'tmpfs', target: '/scratch', tmpfsSize: 64 * 1024 * 1024 },
      { type: 'tmpfs', target: '/run', tmpfsSize: 1024 * 1024, tmpfsMode: 0o1777 },
    ]);
  });

  it('mount targets reach the engine cleaned ("/media/" as written → "/media")', () => {
    const p: Project = { name: 'tp', services: { app: { image: 'x', volumes: [{ type: 'bind', source: '/srv/media', target: '/media/' }, { type: 'tmpfs', target: '/a/../tmp//' }] } } };
    expect(toCreateRequest(ctx(p), 'app', 1).mounts?.map((m) => m.target)).toEqual(['/media', '/tmp']);
  });

  it('resources, restart, healthcheck, process settings', () => {
    expect(req.resources).toEqual({ memory: 256 * 1024 ** 2, nanoCpus: 5e8, pidsLimit: 100, shmSize: 64 * 1024 ** 2 });
    expect(req.restartPolicy).toEqual({ name: 'on-failure', maximumRetryCount: 3 });
    expect(req.healthcheck).toEqual({ test: ['CMD-SHELL', 'curl -f localhost'], interval: 90_000, timeout: 500, retries: 5, startPeriod: 2000 });
    expect(req).toMatchObject({
      init: true,
      stopSignal: 'SIGQUIT',
      stopTimeout: 2,
      user: '101:101',
      groupAdd: ['audio'],
      workingDir: '/srv',
      readOnlyRootfs: true,
      capAdd: ['NET_ADMIN'],
      capDrop: ['ALL'],
      securityOpt: ['no-new-privileges:true'],
      ulimits: [
        { name: 'nofile', soft: 1024, hard: 2048 },
        { name: 'nproc', soft: 65535, hard: 65535 },
      ],
      sysctls: { 'net.core.somaxconn': '1024' },
      extraHosts: ['host.internal:10.0.0.1', 'multi:10.0.0.2', 'multi:10.0.0.3'],
      dns: ['1.1.1.1'],
    });
  });

  it('secrets and configs become read-only files', () => {
    expect(req.files).toEqual([
      { target: '/run/secrets/db_password', mode: 0o400, uid: 101, content: 's3cret' },
      { target: '/site', mode: 0o444, content: 'hello' },
    ]);
    // File sources are read-only binds, as Compose mounts them.
    expect(req.mounts?.slice(-2)).toEqual([
      { type: 'bind', source: '/src/shop/token.txt', target: '/run/secrets/token', readOnly: true, createHostPath: false },
      { type: 'bind', source: '/src/shop/inline.conf', target: '/etc/inline.conf', readOnly: true, createHostPath: false },
    ]);
    expect(() => toCreateRequest(ctx(project), 'web', 1)).toThrow(/DB_PW is not set/);
  });

  it('db: restart on-failure:N, network none, service-level limits', () => {
    const db = toCreateRequest(ctx(project), 'db', 1);
    expect(db.restartPolicy).toEqual({ name: 'on-failure', maximumRetryCount: 2 });
    expect(db.network).toEqual({ mode: 'none' });
    expect(db.resources).toEqual({ memory: 1024 ** 3, nanoCpus: 2e9, pidsLimit: 50 });
  });

  it('network_mode and ipc service:x join the first container of x; container_name honoured', () => {
    const side = toCreateRequest(ctx(project), 'sidecar', 1);
    expect(side.name).toBe('side');
    expect(side.network).toEqual({ mode: 'container', container: 'shop-web-1' });
    expect(side.ipc).toBe('container:shop-web-1');
  });

  it('one-off containers are marked', () => {
    const run = toCreateRequest(ctx(project, { DB_PW: 'x' }), 'web', 1, { oneoff: true, name: 'shop-web-run-1a2b' });
    expect(run.name).toBe('shop-web-run-1a2b');
    expect(run.labels![LABEL.oneoff]).toBe('True');
  });
});

describe('links', () => {
  it('a link alias is added to the target on the networks both join', () => {
    const p: Project = {
      name: 'l',
      services: { app: { image: 'x', links: ['db:database', 'cache'], networks: { default: null } }, db: { image: 'x', networks: { default: null, back: null } }, cache: { image: 'x' } },
      networks: { default: { name: 'l_default' }, back: { name: 'l_back' } },
    };
    const db = toCreateRequest(ctx(p), 'db', 1);
    expect(db.network?.endpoints).toEqual([
      { network: 'l_back', aliases: ['db', 'l-db-1'] },
      { network: 'l_default', aliases: ['db', 'l-db-1', 'database'] },
    ]);
  });
});

describe('config hash', () => {
  const s = project.services.web!;
  it('ignores scale, replicas, depends_on, profiles, build, pull_policy, develop', () => {
    const h = serviceConfigHash(s);
    expect(serviceConfigHash({ ...s, scale: 3, depends_on: {}, profiles: ['x'], build: { context: '/x' }, pull_policy: 'always', develop: { watch: [] }, deploy: { ...s.deploy, replicas: 4 } })).toBe(h);
    expect(serviceConfigHash({ ...s, environment: { ...s.environment, A: '2' } })).not.toBe(h);
    expect(serviceConfigHash({ ...s, ports: [] })).not.toBe(h);
  });
  it('does not depend on key order', () => {
    const reordered = Object.fromEntries(Object.entries(s).reverse());
    expect(serviceConfigHash(reordered)).toBe(serviceConfigHash(s));
  });
});
