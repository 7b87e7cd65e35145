import { describe, expect, it } from 'vitest';
import type { Project, Service } from '../model/types.js';
import { planDown } from './down.js';
import { serviceConfigHash, serviceFieldHashes } from './hash.js';
import { networkConfigHash, reconcile, volumeConfigHash } from './reconcile.js';
import { hasChanges, planToJSON, planToText } from './text.js';
import type { ObservedContainer, ObservedState } from './types.js';

const IMG = 'busybox:latest';
const IMG_ID = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';

function demo(overrides: Partial<Record<string, Partial<Service>>> = {}): Project {
  const base: Record<string, Service> = {
    db: {
      image: IMG,
      volumes: [{ type: 'volume', source: 'data', target: '/data' }],
      healthcheck: { test: ['CMD', 'true'], interval: '1s' },
      networks: { default: null },
    },
    migrate: { image: IMG, depends_on: { db: { condition: 'service_healthy', required: true } }, networks: { default: null } },
    api: { image: IMG, depends_on: { migrate: { condition: 'service_completed_successfully', required: true } }, networks: { default: null } },
    web: { image: IMG, depends_on: { api: { condition: 'service_started', required: true } }, ports: [{ target: 80, published: '8080', protocol: 'tcp', host_ip: '127.0.0.1' }], networks: { default: null } },
  };
  const services: Record<string, Service> = {};
  for (const [k, v] of Object.entries(base)) services[k] = { ...v, ...(overrides[k] ?? {}) };
  for (const [k, v] of Object.entries(overrides)) if (!base[k]) services[k] = v as Service;
  return { name: 'demo', services, networks: { default: { name: 'demo_default' } }, volumes: { data: { name: 'demo_data' } } };
}

/** What the engine would show after a successful `up` of `p`. */
function upState(p: Project, patch: (c: ObservedContainer) => Partial<ObservedContainer> = () => ({})): ObservedState {
  const containers: ObservedContainer[] = Object.entries(p.services).map(([name, s], i) => {
    const c: ObservedContainer = {
      id: `id${i}`,
      name: `demo-${name}-1`,
      service: name,
      number: 1,
      oneoff: false,
      status: name === 'migrate' ? 'exited' : 'running',
      exitCode: 0,
      configHash: serviceConfigHash(s),
      fieldHashes: serviceFieldHashes(s),
      imageId: IMG_ID,
      dependsOn: Object.keys(s.depends_on ?? {}),
      image: IMG,
    };
    return { ...c, ...patch(c) };
  });
  return {
    project: 'demo',
    containers,
    networks: [{ id: 'n1', name: 'demo_default', key: 'default' }],
    volumes: [{ name: 'demo_data', key: 'data', anonymous: false }],
    images: { [IMG]: IMG_ID },
  };
}

const empty: ObservedState = { project: 'demo', containers: [], networks: [], volumes: [], images: {} };

describe('reconcile: up', () => {
  it('plans a fresh stack: creates in parallel, starts gated by conditions', () => {
    expect(planToText(reconcile(demo(), undefined, empty))).toBe(
      [
        '#1 CreateNetwork demo_default: new network',
        '#2 CreateVolume demo_data: new volume',
        '#3 PullImage busybox:latest: image not present',
        '#4 CreateContainer demo-db-1 (after #1, #2, #3): new service',
        '#5 StartContainer demo-db-1 (after #4): new service',
        '#6 CreateContainer demo-migrate-1 (after #1, #3): new service',
        '#7 WaitService db healthy (after #5): migrate depends on it',
        '#8 StartContainer demo-migrate-1 (after #6, #7): new service',
        '#9 CreateContainer demo-api-1 (after #1, #3): new service',
        '#10 WaitService migrate completed (after #8): api depends on it',
        '#11 StartContainer demo-api-1 (after #9, #10): new service',
        '#12 CreateContainer demo-web-1 (after #1, #3): new service',
        '#13 StartContainer demo-web-1 (after #12, #11): new service',
        '',
      ].join('\n'),
    );
  });

  it('has nothing to do on a second up (a finished job stays finished)', () => {
    const p = demo();
    const plan = reconcile(p, undefined, upState(p));
    expect(plan.operations).toEqual([]);
    expect(hasChanges(plan)).toBe(false);
    expect(planToText(plan)).toBe('project demo: nothing to do, everything is up to date\n');
  });

  it('recreates only the service whose environment changed, and says which variable', () => {
    const before = demo({ web: { environment: { FOO: '1', BAR: 'x' } } });
    const after = demo({ web: { environment: { FOO: '2', BAR: 'x' } } });
    expect(planToText(reconcile(after, undefined, upState(before)))).toBe(
      [
        '#1 StopContainer demo-web-1: config hash changed: environment FOO changed',
        '#2 RemoveContainer demo-web-1 (after #1): config hash changed: environment FOO changed',
        '#3 CreateContainer demo-web-1 (after #2): config hash changed: environment FOO changed',
        '#4 StartContainer demo-web-1 (after #3): config hash changed: environment FOO changed',
        '',
      ].join('\n'),
    );
  });

  it('names a changed field without per-field labels as a plain hash change, and ports by name', () => {
    const before = demo();
    const after = demo({ web: { ports: [{ target: 80, published: '8081', protocol: 'tcp' }] } });
    const text = planToText(reconcile(after, undefined, upState(before)));
    expect(text).toContain('CreateContainer demo-web-1 (after #2): config hash changed: ports changed');
    const noFields = upState(before, () => ({ fieldHashes: undefined }));
    expect(planToText(reconcile(after, undefined, noFields))).toContain(': config hash changed\n');
  });

  it('recreates on a new image id, and a dependant with restart: true along', () => {
    const p = demo({ api: { image: 'api:1' }, web: { depends_on: { api: { condition: 'service_started', required: true, restart: true } } } });
    const obs = upState(p);
    obs.images['api:1'] = 'sha256:2222222222222222222222222222222222222222222222222222222222222222';
    const plan = reconcile(p, undefined, obs, { services: ['api'], noDeps: true });
    expect(planToText(plan)).toBe(
      [
        '#1 StopContainer demo-api-1: image changed (111111111111 → 222222222222)',
        '#2 RemoveContainer demo-api-1 (after #1): image changed (111111111111 → 222222222222)',
        '#3 CreateContainer demo-api-1 (after #2): image changed (111111111111 → 222222222222)',
        '#4 StartContainer demo-api-1 (after #3): image changed (111111111111 → 222222222222)',
        '',
      ].join('\n'),
    );
    // Without --no-deps scoping, web (restart: true on api) restarts, the same container, once api is back.
    const all = planToText(reconcile(p, undefined, obs));
    expect(all).toContain('#6 StopContainer demo-web-1 (after #5): dependency api recreated (restart: true)\n#7 StartContainer demo-web-1 (after #6, #5): dependency api recreated (restart: true)\n');
    expect(all).not.toContain('CreateContainer demo-web-1');
  });

  it('scales up and down, keeping the low numbers', () => {
    const p = demo();
    const up = planToText(reconcile(p, undefined, upState(p), { scale: { web: 3 } }));
    expect(up).toBe(
      ['#1 CreateContainer demo-web-2: scale 1 → 3', '#2 StartContainer demo-web-2 (after #1): scale 1 → 3', '#3 CreateContainer demo-web-3: scale 1 → 3', '#4 StartContainer demo-web-3 (after #3): scale 1 → 3', ''].join('\n'),
    );
    const three = upState(p);
    const web = three.containers.find((c) => c.service === 'web')!;
    three.containers.push({ ...web, id: 'w2', name: 'demo-web-2', number: 2 }, { ...web, id: 'w3', name: 'demo-web-3', number: 3 });
    expect(planToText(reconcile(p, undefined, three, { scale: { web: 1 } }))).toBe(
      [
        '#1 StopContainer demo-web-2: scale 3 → 1',
        '#2 RemoveContainer demo-web-2 (after #1): scale 3 → 1',
        '#3 StopContainer demo-web-3: scale 3 → 1',
        '#4 RemoveContainer demo-web-3 (after #3): scale 3 → 1',
        '',
      ].join('\n'),
    );
  });

  it('warns about orphans, and removes them with --remove-orphans', () => {
    const p = demo();
    const obs = upState(p);
    obs.containers.push({ ...obs.containers[0]!, id: 'old', name: 'demo-cache-1', service: 'cache' });
    const kept = reconcile(p, undefined, obs);
    expect(planToText(kept)).toBe('project demo: nothing to do, everything is up to date\nwarning: Found orphan containers ([demo-cache-1]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.\n');
    expect(planToText(reconcile(p, undefined, obs, { removeOrphans: true }))).toBe('#1 StopContainer demo-cache-1: orphan\n#2 RemoveContainer demo-cache-1 (after #1): orphan\n');
  });

  it('starts stopped containers, reruns a failed job, and honours --no-start and --no-recreate', () => {
    const p = demo();
    const obs = upState(p, (c) => (c.service === 'web' ? { status: 'exited', exitCode: 137 } : c.service === 'migrate' ? { exitCode: 1 } : {}));
    expect(planToText(reconcile(p, undefined, obs))).toBe(
      [
        '#1 WaitService db healthy: migrate depends on it',
        '#2 StartContainer demo-migrate-1 (after #1): exited (exit code 1)',
        '#3 StartContainer demo-web-1: exited (exit code 137)',
        '',
      ].join('\n'),
    );
    expect(reconcile(p, undefined, obs, { noStart: true }).operations).toEqual([]);
    const changed = demo({ db: { environment: { A: '1' } } });
    expect(reconcile(changed, undefined, upState(p), { noRecreate: true }).operations).toEqual([]);
  });

  it('force-recreates only named services; --always-recreate-deps takes their dependencies along', () => {
    const p = demo();
    const named = reconcile(p, undefined, upState(p), { services: ['migrate'], forceRecreate: true });
    expect(named.operations.filter((o) => o.kind === 'CreateContainer').map((o) => o.id)).toEqual(['create:demo-migrate-1']);
    const deps = reconcile(p, undefined, upState(p), { services: ['migrate'], forceRecreate: true, alwaysRecreateDeps: true });
    expect(deps.operations.filter((o) => o.kind === 'CreateContainer').map((o) => o.id)).toEqual(['create:demo-db-1', 'create:demo-migrate-1']);
  });

  it('builds images with --build or when missing, and adds readiness waits with --wait', () => {
    const p = demo({ app: { build: { context: '/src/app' }, networks: { default: null } } });
    const obs = upState(demo());
    const text = planToText(reconcile(p, undefined, obs, { wait: true }));
    expect(text).toBe(
      [
        '#1 BuildImage demo-app: image not present',
        '#2 CreateContainer demo-app-1 (after #1): new service',
        '#3 StartContainer demo-app-1 (after #2): new service',
        '#4 WaitService db ready: --wait',
        '#5 WaitService migrate ready: --wait',
        '#6 WaitService api ready: --wait',
        '#7 WaitService app ready (after #3): --wait',
        '#8 WaitService web ready: --wait',
        '',
      ].join('\n'),
    );
    expect(() => reconcile(p, undefined, obs, { noBuild: true })).toThrow(/--no-build/);
  });

  it('rejects an unknown service and a missing external network', () => {
    expect(() => reconcile(demo(), undefined, empty, { services: ['nope'] })).toThrow(/no such service: nope/);
    const p = demo();
    p.networks = { default: { name: 'shared', external: true } };
    expect(() => reconcile(p, undefined, empty)).toThrow(/network shared is declared as external/);
  });

  it('follows the graph order it is given', () => {
    const order = reconcile(demo(), { serviceOrder: () => ['service:db', 'service:migrate', 'service:api', 'service:web'] }, empty);
    expect(order.operations.filter((o) => o.kind === 'StartContainer').map((o) => o.id)).toEqual(['start:demo-db-1', 'start:demo-migrate-1', 'start:demo-api-1', 'start:demo-web-1']);
  });

  it('serializes to JSON with indexes', () => {
    const j = planToJSON(reconcile(demo(), undefined, empty));
    expect(j.changes).toBe(true);
    expect(j.operations[3]).toMatchObject({ index: 4, kind: 'CreateContainer', target: 'demo-db-1', after: ['network:default', 'volume:data', 'pull:busybox:latest'] });
  });
});

describe('planDown', () => {
  it('stops dependants first, then removes networks (and volumes with -v)', () => {
    const p = demo();
    expect(planToText(planDown(p, upState(p), { volumes: true }))).toBe(
      [
        '#1 StopContainer demo-web-1: down',
        '#2 RemoveContainer demo-web-1 (after #1): down',
        '#3 StopContainer demo-api-1 (after #1): down',
        '#4 RemoveContainer demo-api-1 (after #1, #3): down',
        '#5 RemoveContainer demo-migrate-1 (after #3): down',
        '#6 StopContainer demo-db-1 (after #3): down',
        '#7 RemoveContainer demo-db-1 (after #3, #6): down',
        '#8 RemoveNetwork demo_default (after #2, #4, #5, #7): down',
        '#9 RemoveVolume demo_data (after #2, #4, #5, #7): down -v',
        '',
      ].join('\n'),
    );
  });

  it('works from labels alone (no project), orders by the depends_on labels', () => {
    const p = demo();
    const plan = planDown(undefined, upState(p));
    const ids = plan.operations.map((o) => o.id);
    expect(ids.indexOf('stop:demo-web-1')).toBeLessThan(ids.indexOf('stop:demo-api-1'));
    expect(ids).toContain('network:demo_default');
    expect(ids).not.toContain('volume:demo_data');
  });

  it('scoped to services removes their containers only; keeps orphans unless asked', () => {
    const p = demo();
    const scoped = planDown(p, upState(p), { services: ['web'] });
    expect(planToText(scoped)).toBe('#1 StopContainer demo-web-1: service removed\n#2 RemoveContainer demo-web-1 (after #1): service removed\n');
    const obs = upState(p);
    obs.containers.push({ ...obs.containers[0]!, id: 'o', name: 'demo-old-1', service: 'old', dependsOn: [] });
    expect(planDown(p, obs).warnings[0]).toMatch(/orphan containers \(\[demo-old-1\]\)/);
    expect(planDown(p, obs, { removeOrphans: true }).operations.map((o) => o.id)).toContain('remove:demo-old-1');
  });

  it('--rmi local removes only images berth named', () => {
    const p = demo({ app: { build: { context: '/x' } } });
    expect(planDown(p, upState(demo()), { rmi: 'local' }).operations.filter((o) => o.kind === 'RemoveImage').map((o) => o.id)).toEqual(['image:demo-app']);
    expect(planDown(p, upState(demo()), { rmi: 'all' }).operations.filter((o) => o.kind === 'RemoveImage').map((o) => o.id)).toEqual(['image:busybox:latest', 'image:demo-app']);
  });
});

describe('reconcile: names', () => {
  it('refuses to scale a service with a container_name', () => {
    const p = demo({ web: { container_name: 'front' } });
    expect(() => reconcile(p, undefined, empty, { scale: { web: 2 } })).toThrow(/container_name front/);
    expect(planToText(reconcile(p, undefined, empty))).toContain('CreateContainer front');
  });
});

describe('profiles', () => {
  it('containers of services disabled by profiles are not orphans', () => {
    const p = demo();
    const obs = upState(p);
    obs.containers.push({ ...obs.containers[0]!, id: 'dbg', name: 'demo-debug-1', service: 'debug', dependsOn: [] });
    expect(reconcile(p, undefined, obs, { removeOrphans: true, knownServices: ['debug'] }).operations).toEqual([]);
    expect(reconcile(p, undefined, obs, { knownServices: ['debug'] }).warnings).toEqual([]);
    const down = planDown(p, obs, { knownServices: ['debug'] });
    expect(down.warnings).toEqual([]);
    expect(down.operations.map((o) => o.id)).toContain('remove:demo-debug-1');
  });
});

describe('down --profile', () => {
  it('removes only what the profiles enable; networks are tried', () => {
    const p = demo();
    const obs = upState(p);
    obs.containers.push({ ...obs.containers[0]!, id: 'dbg', name: 'demo-debug-1', service: 'debug', dependsOn: [] });
    const plan = planDown(p, obs, { knownServices: ['debug'], profileScoped: true });
    const ids = plan.operations.map((o) => o.id);
    expect(ids).not.toContain('remove:demo-debug-1');
    expect(ids).toContain('remove:demo-web-1');
    expect(ids).toContain('network:demo_default');
  });
});

describe('network config drift', () => {
  it('recreates a changed network and every container on it', () => {
    const p = demo();
    const obs = upState(p);
    obs.networks[0]!.configHash = networkConfigHash(p.networks!.default);
    expect(reconcile(p, undefined, obs).operations).toEqual([]);
    const changed = demo();
    changed.networks = { default: { name: 'demo_default', internal: true } };
    const text = planToText(reconcile(changed, undefined, obs));
    expect(text).toBe(
      [
        '#1 StopContainer demo-api-1: network demo_default config changed',
        '#2 RemoveContainer demo-api-1 (after #1): network demo_default config changed',
        '#3 StopContainer demo-db-1: network demo_default config changed',
        '#4 RemoveContainer demo-db-1 (after #3): network demo_default config changed',
        '#5 RemoveContainer demo-migrate-1: network demo_default config changed',
        '#6 StopContainer demo-web-1: network demo_default config changed',
        '#7 RemoveContainer demo-web-1 (after #6): network demo_default config changed',
        '#8 RemoveNetwork demo_default (after #2, #4, #5, #7): network demo_default config changed',
        '#9 CreateNetwork demo_default (after #8): network demo_default config changed',
        '#10 CreateContainer demo-db-1 (after #4, #9): network demo_default config changed',
        '#11 StartContainer demo-db-1 (after #10): network demo_default config changed',
        '#12 CreateContainer demo-migrate-1 (after #5, #9): network demo_default config changed',
        '#13 WaitService db healthy (after #11): migrate depends on it',
        '#14 StartContainer demo-migrate-1 (after #12, #13): network demo_default config changed',
        '#15 CreateContainer demo-api-1 (after #2, #9): network demo_default config changed',
        '#16 WaitService migrate completed (after #14): api depends on it',
        '#17 StartContainer demo-api-1 (after #15, #16): network demo_default config changed',
        '#18 CreateContainer demo-web-1 (after #7, #9): network demo_default config changed',
        '#19 StartContainer demo-web-1 (after #18, #17): network demo_default config changed',
        '',
      ].join('\n'),
    );
  });
});

describe('volume config drift', () => {
  it('keeps a changed volume and warns (its data would be lost)', () => {
    const p = demo();
    const obs = upState(p);
    obs.volumes[0]!.configHash = volumeConfigHash(p.volumes!.data);
    expect(reconcile(p, undefined, obs).warnings).toEqual([]);
    const changed = demo();
    changed.volumes = { data: { name: 'demo_data', driver_opts: { type: 'tmpfs' } } };
    const plan = reconcile(changed, undefined, obs);
    expect(plan.operations).toEqual([]);
    expect(plan.warnings).toEqual(['volume demo_data config changed; berth keeps the existing volume and its data (remove it with down -v to apply the new config)']);
  });
});

describe('external objects', () => {
  it('uses external (or elsewhere-made) networks and volumes that exist', () => {
    const p = demo();
    p.networks = { default: { name: 'corp-shared', external: true } };
    p.volumes = { data: { name: 'corp-data', external: true } };
    const obs = { ...empty, images: { [IMG]: IMG_ID }, existing: { networks: ['corp-shared'], volumes: ['corp-data'] } };
    const plan = reconcile(p, undefined, obs);
    expect(plan.operations.some((o) => o.kind === 'CreateNetwork' || o.kind === 'CreateVolume')).toBe(false);
    expect(plan.operations.filter((o) => o.kind === 'CreateContainer').map((o) => o.after)).toEqual([[], [], [], []]);
  });
});
