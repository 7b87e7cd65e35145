/**
 * How the Compose commands read their flags: a command's own letters shadow the global ones
 * (logs -f, rm -f, down -v, run -p) and global options still work after the command name.
 */
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { register } from '../../src/cli/commands/compose.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The program's global options as src/cli/main.ts defines them, with the Compose commands. */
function buildProgram(): Command {
  const program = new Command('berth')
    .option('-f, --file <FILE>', '', collect)
    .option('-p, --project-name <NAME>')
    .option('--project-directory <DIR>')
    .option('--profile <NAME>', '', collect)
    .option('--env-file <FILE>', '', collect)
    .option('--progress <MODE>', '', 'auto')
    .option('--ansi <WHEN>', '', 'auto')
    .exitOverride();
  register(program);
  return program;
}

function parse(argv: string[]): { cmd: string; args: unknown[]; opts: Record<string, unknown> } {
  const program = buildProgram();
  let seen: { cmd: string; args: unknown[]; opts: Record<string, unknown> } | undefined;
  for (const c of program.commands) {
    c.action((...a: unknown[]) => {
      const cmd = a[a.length - 1] as Command;
      seen = { cmd: cmd.name(), args: a.slice(0, -2), opts: cmd.optsWithGlobals() };
    });
  }
  program.parse(['node', 'berth', ...argv]);
  if (!seen) throw new Error('no action ran');
  return seen;
}

describe('compose command lines', () => {
  it('logs -f follows; -f before the command is still the file', () => {
    const r = parse(['-f', 'a.yaml', 'logs', '-f', 'web']);
    expect(r.opts).toMatchObject({ follow: true, file: ['a.yaml'] });
    expect(r.args).toEqual([['web']]);
  });

  it('global options after the command name, as in Compose', () => {
    expect(parse(['up', '-d', '-p', 'shop', '--file', 'x.yaml']).opts).toMatchObject({ detach: true, projectName: 'shop', file: ['x.yaml'] });
    expect(parse(['ps', '-f', 'y.yaml', '-a']).opts).toMatchObject({ all: true, file: ['y.yaml'] });
  });

  it('down -v, rm -f, run -p belong to the command', () => {
    expect(parse(['down', '-v']).opts).toMatchObject({ volumes: true });
    expect(parse(['rm', '-f', '-s']).opts).toMatchObject({ force: true, stop: true });
    const run = parse(['run', '-p', '8080:80', '--rm', 'web', 'sh', '-c', 'echo -p -f']);
    expect(run.opts).toMatchObject({ publish: ['8080:80'], rm: true });
    expect(run.args).toEqual(['web', ['sh', '-c', 'echo -p -f']]);
  });

  it('exec keeps the command\'s own flags', () => {
    const r = parse(['exec', '-T', '-e', 'A=1', 'web', 'ls', '-la', '/']);
    expect(r.args).toEqual(['web', ['ls', '-la', '/']]);
    expect(r.opts).toMatchObject({ tty: false, env: ['A=1'] });
  });

  it('up --attach and --no-attach take service names', () => {
    expect(parse(['up', '--attach', 'web', '--attach', 'db']).opts).toMatchObject({ attach: ['web', 'db'] });
    expect(parse(['up', '--no-attach', 'db']).opts).toMatchObject({ noAttach: ['db'] });
    expect(parse(['up', '--abort-on-container-failure', '-V', '--quiet-pull']).opts).toMatchObject({ abortOnContainerFailure: true, renewAnonVolumes: true, quietPull: true });
  });

  it('negated flags: --no-deps, --no-recreate, --no-build, --no-start', () => {
    expect(parse(['up', '--no-deps', '--no-recreate', '--no-build', '--no-start']).opts).toMatchObject({ deps: false, recreate: false, build: false, start: false });
    expect(parse(['up', '--build']).opts).toMatchObject({ build: true });
  });
});
