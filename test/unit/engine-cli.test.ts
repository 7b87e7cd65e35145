/**
 * The engine commands against FakeEngine through an injected context: flags reach the engine
 * as the right requests, and the output has Docker's shapes (tables, JSON lines, templates).
 */
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { register } from '../../src/cli/engine/index.js';
import type { Ctx } from '../../src/cli/engine/common.js';
import { FakeEngine } from '../helpers/fake-engine.js';

function capture() {
  const s = new PassThrough();
  let text = '';
  s.on('data', (d) => (text += d.toString()));
  return { s, text: () => text };
}

async function berth(engine: FakeEngine, ...argv: string[]): Promise<{ out: string; err: string; code: number }> {
  const out = capture();
  const err = capture();
  const stdin = new PassThrough();
  stdin.end(); // no input: prompts read end-of-file, which means "no"
  const ctx: Ctx = {
    io: { stdout: out.s, stderr: err.s, stdin, env: { HOME: '/root' }, cwd: '/work' },
    engine: async () => engine,
  };
  // The program's global options as src/cli/main.ts declares them: the clash we must survive.
  const program = new Command('berth')
    .option('-f, --file <FILE>')
    .option('-p, --project-name <NAME>')
    .option('--env-file <FILE>')
    .version('0.0.0', '-v, --version')
    .exitOverride();
  register(program, () => ctx);
  process.exitCode = undefined;
  let code = 0;
  try {
    await program.parseAsync(['node', 'berth', ...argv]);
    code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    code = (e as { exitCode?: number }).exitCode ?? 1;
    if (!(e as { exitCode?: number }).exitCode) err.s.write(String((e as Error).message));
  } finally {
    process.exitCode = undefined;
  }
  await new Promise((r) => setImmediate(r));
  return { out: out.text(), err: err.text(), code };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('berth container', () => {
  it('run parses Docker flags after the subcommand (no clash with -p/-v/-f) and returns the exit code', async () => {
    const e = new FakeEngine({ images: ['busybox:latest'] });
    const r = await berth(e, 'container', 'run', '--name', 'web', '-p', '8080:80', '-v', '/srv:/data:ro', '-e', 'A=1', '-l', 'k=v', 'busybox', 'sh', '-c', 'echo hi; exit 3');
    expect(r.out).toBe('hi\n');
    expect(r.code).toBe(3);
    const ins = await e.containerInspect('web');
    expect(ins.config.ports).toEqual([{ containerPort: 80, protocol: 'tcp', hostPort: 8080 }]);
    expect(ins.config.mounts).toEqual([{ type: 'bind', source: '/srv', target: '/data', readOnly: true, createHostPath: true }]);
    expect(ins.config.env).toEqual(['A=1']);
    expect(ins.config.labels).toEqual({ k: 'v' });
    expect(ins.config.cmd).toEqual(['sh', '-c', 'echo hi; exit 3']);
  });

  it('run --rm removes the container after printing its output', async () => {
    const e = new FakeEngine({ images: ['busybox:latest'] });
    const r = await berth(e, 'container', 'run', '--rm', 'busybox', 'echo', 'hello');
    expect(r.out).toBe('hello\n');
    expect(r.code).toBe(0);
    expect(await e.containerList({ all: true })).toEqual([]);
  });

  it('run -d prints the id; ls --format json prints one object per line; ls -q; global options still work before the group', async () => {
    const e = new FakeEngine({ images: ['busybox:latest'] });
    const r = await berth(e, 'container', 'run', '-d', '--name', 'bg', '-l', 'a=b', '-l', 'c=d', 'busybox', 'sleep', '100');
    expect(r.out).toMatch(/^[0-9a-f]{64}\n$/);
    await berth(e, 'container', 'create', '--name', 'idle', 'busybox');
    const ls = await berth(e, '-p', 'proj', 'container', 'ls', '-a', '--format', 'json');
    const rows = ls.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(rows.map((x) => x.Names).sort()).toEqual(['bg', 'idle']);
    const bg = rows.find((x) => x.Names === 'bg')!;
    expect(bg).toMatchObject({ ID: r.out.trim().slice(0, 12), Image: 'busybox', State: 'running', Labels: 'a=b,c=d' });
    expect(bg.Status).toMatch(/^Up /);
    const q = await berth(e, 'container', 'ls', '-q', '--filter', 'label=a=b');
    expect(q.out).toBe(r.out.trim().slice(0, 12) + '\n');
    const table = await berth(e, 'container', 'ls');
    expect(table.out.split('\n')[0]).toMatch(/^CONTAINER ID\s{3,}IMAGE\s{3,}COMMAND\s{3,}CREATED\s{3,}STATUS\s{3,}PORTS\s{3,}NAMES$/);
    expect(table.out).toContain('"sleep 100"');
    expect(table.out).not.toContain('idle');
  });

  it('inspect -f evaluates Go templates on Docker field names; missing containers exit 1', async () => {
    const e = new FakeEngine({ images: ['busybox:latest'] });
    await berth(e, 'container', 'run', '--name', 'x', 'busybox', 'sh', '-c', 'exit 4');
    expect((await berth(e, 'container', 'inspect', '-f', '{{.State.ExitCode}} {{.Config.Cmd}} {{.Name}}', 'x')).out).toBe('4 [sh -c exit 4] /x\n');
    expect(JSON.parse((await berth(e, 'container', 'inspect', '-f', '{{json .Config.Labels}}', 'x')).out)).toEqual({});
    const full = JSON.parse((await berth(e, 'container', 'inspect', 'x')).out) as { State: { Status: string } }[];
    expect(full[0]!.State.Status).toBe('exited');
    const miss = await berth(e, 'container', 'inspect', 'nope');
    expect(miss.code).toBe(1);
    expect(miss.err).toContain('No such container: nope');
  });

  it('stop/rm act on each target and fail with 1 if any failed', async () => {
    const e = new FakeEngine({ images: ['busybox:latest'] });
    await berth(e, 'container', 'run', '-d', '--name', 'a', 'busybox', 'sleep', '100');
    const r = await berth(e, 'container', 'rm', 'a', 'missing');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/running/);
    expect(r.err).toMatch(/No such container: missing/);
    expect((await berth(e, 'container', 'stop', 'a')).out).toBe('a\n');
    expect((await berth(e, 'container', 'rm', 'a')).out).toBe('a\n');
  });

  it('exec returns the command exit code and streams output', async () => {
    const e = new FakeEngine({ images: ['busybox:latest'] });
    await berth(e, 'container', 'run', '-d', '--name', 'a', 'busybox', 'sleep', '100');
    const r = await berth(e, 'container', 'exec', 'a', 'echo', 'from-exec');
    expect(r.out).toBe('from-exec\n');
    expect((await berth(e, 'container', 'exec', 'a', 'sh', '-c', 'exit 6')).code).toBe(6);
  });

  it('refuses -t when its input is not a terminal, as Docker does', async () => {
    const e = new FakeEngine({ images: ['busybox:latest'] });
    const r = await berth(e, 'container', 'run', '-it', 'busybox', 'sh');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the input device is not a TTY/);
  });
});

describe('berth image, network, volume', () => {
  it('image ls prints a Docker table and json lines', async () => {
    const e = new FakeEngine({ images: ['busybox:latest', 'registry.local:5000/app:1.0'] });
    const t = await berth(e, 'image', 'ls');
    expect(t.out.split('\n')[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(t.out).toMatch(/registry\.local:5000\/app\s+1\.0\s+[0-9a-f]{12}/);
    const j = (await berth(e, 'image', 'ls', '--format', '{{.Repository}}:{{.Tag}}')).out.trim().split('\n').sort();
    expect(j).toEqual(['busybox:latest', 'registry.local:5000/app:1.0']);
    expect((await berth(e, 'image', 'inspect', '-f', '{{.Config.Cmd}}', 'busybox')).out).toBe('[sh]\n');
  });

  it('network create/ls/inspect/rm and volume create/ls/rm', async () => {
    const e = new FakeEngine();
    const id = (await berth(e, 'network', 'create', '--subnet', '10.77.0.0/24', '--gateway', '10.77.0.1', '--label', 'x=y', 'front')).out.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect((await e.networkInspect('front')).ipam).toEqual([{ subnet: '10.77.0.0/24', gateway: '10.77.0.1' }]);
    expect((await berth(e, 'network', 'ls', '--format', '{{.Name}} {{.Driver}}')).out).toBe('front bridge\n');
    expect((await berth(e, 'network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}} {{.Labels.x}}', 'front')).out).toBe('10.77.0.0/24 y\n');
    expect((await berth(e, 'network', 'rm', 'front')).out).toBe('front\n');
    expect((await berth(e, 'volume', 'create', '--label', 'k=v', 'data')).out).toBe('data\n');
    expect((await berth(e, 'volume', 'ls', '-q')).out).toBe('data\n');
    expect((await berth(e, 'volume', 'ls')).out).toMatch(/^DRIVER\s+VOLUME NAME\nlocal\s+data\n$/);
    expect((await berth(e, 'volume', 'rm', 'data')).out).toBe('data\n');
  });
});

describe('berth system', () => {
  it('events prints a line per event and json on request, until --until', async () => {
    const e = new FakeEngine({ images: ['busybox:latest'] });
    const since = new Date(Date.now() - 1000).toISOString();
    await berth(e, 'container', 'run', '--name', 'ev', '-l', 'x=1', 'busybox', 'sh', '-c', 'exit 2');
    const r = await berth(e, 'system', 'events', '--since', since, '--until', new Date(Date.now() + 200).toISOString(), '--filter', 'type=container', '--format', 'json');
    const evs = r.out.trim().split('\n').map((l) => JSON.parse(l) as { Action: string; Actor: { Attributes: Record<string, string> } });
    expect(evs.map((x) => x.Action)).toEqual(['create', 'start', 'die']);
    expect(evs[2]!.Actor.Attributes).toMatchObject({ exitCode: '2', name: 'ev', x: '1' });
  });

  it('prune asks first and removes stopped containers and unused networks with -f', async () => {
    const e = new FakeEngine({ images: ['busybox:latest'] });
    await berth(e, 'container', 'run', '--name', 'done', 'busybox', 'true');
    await berth(e, 'network', 'create', 'unused');
    const no = await berth(e, 'system', 'prune');
    expect(no.out).toContain('[y/N]');
    expect(await e.containerList({ all: true })).toHaveLength(1);
    const yes = await berth(e, 'system', 'prune', '-f');
    expect(yes.out).toContain('Deleted Containers:');
    expect(yes.out).toContain('unused');
    expect(await e.containerList({ all: true })).toHaveLength(0);
  });

  it('-f after a group is the command\'s own flag (filter), not the global --file', async () => {
    const e = new FakeEngine({ images: ['busybox:latest'] });
    await berth(e, 'container', 'run', '-d', '--name', 'one', '-l', 'tier=a', 'busybox', 'sleep', '9');
    await berth(e, 'container', 'run', '-d', '--name', 'two', 'busybox', 'sleep', '9');
    expect((await berth(e, 'container', 'ls', '-f', 'label=tier=a', '--format', '{{.Names}}')).out).toBe('one\n');
    expect((await berth(e, 'container', 'ps', '-q', '-f', 'name=two')).out.trim()).toHaveLength(12);
  });
});

describe('berth image build and pulls', () => {
  it('container run pulls a missing image first (and --pull never refuses)', async () => {
    const e = new FakeEngine();
    const never = await berth(e, 'container', 'run', '--pull', 'never', 'alpine:3', 'true');
    expect(never.code).toBe(1);
    expect(e.calls).not.toContain('imagePull alpine:3');
    const r = await berth(e, 'container', 'run', '--rm', 'alpine:3', 'echo', 'ok');
    expect(r.err).toContain("Unable to find image 'alpine:3' locally");
    expect(r.out).toBe('ok\n');
    expect(e.calls).toContain('imagePull alpine:3');
  });

  it('image build passes tags, file, args, target and labels', async () => {
    class Recording extends FakeEngine {
      last: unknown;
      override async imageBuild(opts: Parameters<FakeEngine['imageBuild']>[0], onProgress?: Parameters<FakeEngine['imageBuild']>[1]) {
        this.last = opts;
        return super.imageBuild(opts, onProgress);
      }
    }
    const e = new Recording();
    const r = await berth(e, 'image', 'build', '-t', 'app:1', '-t', 'app:latest', '-f', 'docker/Dockerfile.dev', '--build-arg', 'V=2', '--target', 'dev', '--no-cache', '--label', 'l=x', '--network', 'host', 'ctx');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Successfully built [0-9a-f]{12}\nSuccessfully tagged app:1\nSuccessfully tagged app:latest\n$/);
    expect(e.last).toEqual({
      context: '/work/ctx', dockerfile: '/work/docker/Dockerfile.dev', tags: ['app:1', 'app:latest'], buildArgs: { V: '2' },
      target: 'dev', noCache: true, pull: false, network: 'host', labels: { l: 'x' },
    });
  });
});

