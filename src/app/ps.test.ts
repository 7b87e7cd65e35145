import { describe, expect, it } from 'vitest';
import type { ContainerSummary } from '../../engine/api/types.js';
import { LABEL } from '../runtime/labels.js';
import type { AppDeps } from './context.js';
import { ago, commandCell, humanDuration, ls, psRow } from './ps.js';

const base: ContainerSummary = {
  id: 'a'.repeat(64),
  names: ['/demo-web-1'],
  image: 'busybox',
  imageId: 'sha256:b',
  command: "sh -c 'mkdir -p /w && exec httpd -f'",
  created: '2026-11-28T08:00:00.000Z',
  state: 'exited',
  status: 'Exited (0) 5 seconds ago',
  exitCode: 0,
  labels: { [LABEL.project]: 'demo', [LABEL.service]: 'web' },
  ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8080 }],
  networks: ['demo_default'],
  mounts: ['demo_data', '/srv/conf'],
};

describe('ps as Compose prints it', () => {
  it('COMMAND: Go-quoted, cut at 20 characters with …, whole with --no-trunc', () => {
    expect(commandCell("sh -c 'echo hi'", true)).toBe(`"sh -c 'echo hi'"`);
    expect(commandCell("sh -c 'mkdir -p /w && exec httpd -f'", true)).toBe(`"sh -c 'mkdir -p /w …"`);
    expect(commandCell("sh -c 'mkdir -p /w && exec httpd -f'", false)).toBe(`"sh -c 'mkdir -p /w && exec httpd -f'"`);
  });

  it('CREATED: go-units HumanDuration', () => {
    expect(humanDuration(500)).toBe('Less than a second');
    expect(humanDuration(1_400)).toBe('1 second');
    expect(humanDuration(59_900)).toBe('59 seconds');
    expect(humanDuration(119_000)).toBe('About a minute');
    expect(humanDuration(5 * 60_000 + 59_000)).toBe('5 minutes');
    expect(humanDuration(70 * 60_000)).toBe('About an hour');
    expect(humanDuration(3 * 86_400_000)).toBe('3 days');
    expect(ago('2026-11-28T08:00:00Z', Date.parse('2026-11-28T08:00:42Z'))).toBe('42 seconds ago');
  });

  it('json: the fields of Compose v2, no ports for a stopped container', () => {
    const row = psRow(base, Date.parse('2026-11-28T08:00:05Z'), true);
    expect(Object.keys(row)).toEqual([...Object.keys(row)].sort()); // Go's sorted keys
    expect(row).toMatchObject({
      Command: `"sh -c 'mkdir -p /w …"`,
      Created: Date.parse('2026-11-28T08:00:00Z') / 1000,
      ExitCode: 0,
      Health: '',
      ID: base.id,
      Labels: `${LABEL.project}=demo,${LABEL.service}=web`,
      LocalVolumes: '1',
      Name: 'demo-web-1',
      Names: 'demo-web-1',
      Networks: 'demo_default',
      Ports: '',
      Project: 'demo',
      Publishers: [],
      RunningFor: '5 seconds ago',
      Service: 'web',
      State: 'exited',
    });
    expect(String(row.CreatedAt)).toMatch(/^2026-11-2[78] \d\d:\d\d:00 [+-]\d{4} \S+$/);
    const running = psRow({ ...base, state: 'running', status: 'Up 5 seconds' }, Date.parse('2026-11-28T08:00:05Z'), true);
    expect(running.Publishers).toEqual([{ URL: '127.0.0.1', TargetPort: 80, PublishedPort: 8080, Protocol: 'tcp' }]);
    expect(running.Ports).toBe('127.0.0.1:8080->80/tcp');
  });
});

describe('ls as Compose prints it', () => {
  const c = (project: string, state: string): ContainerSummary => ({ ...base, state: state as ContainerSummary['state'], labels: { [LABEL.project]: project, [LABEL.configFiles]: `/p/${project}/compose.yaml` } });
  const deps = (list: ContainerSummary[]) => {
    const out: string[] = [];
    const engine = { containerList: async (o: { all?: boolean }) => (o.all ? list : list.filter((x) => x.state === 'running')) };
    return { out, deps: { connect: async () => engine, stdout: { write: (s: string) => out.push(s) } } as unknown as AppDeps };
  };

  it('counts running containers only without -a, every state with -a', async () => {
    const list = [c('shop', 'running'), c('shop', 'exited'), c('shop', 'running'), c('old', 'exited')];
    const a = deps(list);
    await ls(a.deps, { format: 'json' });
    expect(JSON.parse(a.out.join(''))).toEqual([{ Name: 'shop', Status: 'running(2)', ConfigFiles: '/p/shop/compose.yaml' }]);
    const b = deps(list);
    await ls(b.deps, { all: true, format: 'json' });
    expect(JSON.parse(b.out.join(''))).toEqual([
      { Name: 'old', Status: 'exited(1)', ConfigFiles: '/p/old/compose.yaml' },
      { Name: 'shop', Status: 'exited(1), running(2)', ConfigFiles: '/p/shop/compose.yaml' },
    ]);
  });
});
