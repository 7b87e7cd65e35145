/** plan, ps, ls, logs, top, events, port, images, stats, wait. */
import { Option, type Command } from 'commander';
import { UserError } from '../../../diag/diagnostic.js';
import { collect, int, parseScale, pullPolicy, runApp } from './shared.js';

export function registerInspect(program: Command): void {
  program
    .command('plan')
    .description('Show what `up` would change, each step with its cause; exit 0 when nothing, 2 when something would change')
    .argument('[services...]')
    .addOption(new Option('--format <format>', 'text or json').choices(['text', 'json']).default('text'))
    .option('--build', 'plan builds of every service with a build section')
    .option('--pull <policy>', 'pull images: always, missing, never')
    .option('--force-recreate', 'plan recreating containers even when nothing changed')
    .option('--no-recreate', 'never recreate existing containers')
    .option('--always-recreate-deps', 'recreate the dependencies of the named services too')
    .option('--remove-orphans', 'remove containers of services no longer in the file')
    .option('--scale <SERVICE=N>', 'number of containers of a service (repeatable)', collect)
    .option('--no-deps', 'leave out dependencies of the named services')
    .option('--no-start', 'plan creating without starting')
    .action(async (services: string[], o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps, g) => {
        const { planCommand } = await import('../../../app/up.js');
        return planCommand(deps, g, {
          services,
          format: o.format as 'text' | 'json',
          build: !!o.build,
          pull: pullPolicy(o.pull as string | undefined),
          forceRecreate: !!o.forceRecreate,
          noRecreate: o.recreate === false,
          alwaysRecreateDeps: !!o.alwaysRecreateDeps,
          removeOrphans: !!o.removeOrphans,
          scale: parseScale(o.scale as string[] | undefined),
          noDeps: o.deps === false,
          noStart: o.start === false,
        });
      });
    });

  program
    .command('ps')
    .description("List the project's containers")
    .argument('[services...]')
    .option('-a, --all', 'include stopped containers')
    .option('-q, --quiet', 'only ids')
    .option('--services', 'only service names')
    .option('--status <status>', 'only containers in this state (repeatable)', collect)
    .option('--format <format>', 'table, json, or a Go template ({{.Name}} {{.Service}} {{.State}} ...)', 'table')
    .option('--filter <KEY=VALUE>', 'filter: status=<state> (repeatable)', collect)
    .option('--no-trunc', 'do not truncate the output')
    .option('--orphans [bool]', 'include containers of services not in the project (default true; --orphans=false leaves them out)')
    .action(async (services: string[], o: Record<string, unknown>, cmd: Command) => {
      const status = [...((o.status as string[] | undefined) ?? []), ...((o.filter as string[] | undefined) ?? []).map(statusFilter)];
      const format = o.format as string;
      const template = format !== 'table' && format !== 'json' ? (await import('../../engine/template.js')).compileTemplate(format.replace(/^table /, '')) : undefined;
      await runApp(cmd, async (deps, g) =>
        (await import('../../../app/ps.js')).ps(deps, g, {
          all: !!o.all,
          quiet: !!o.quiet,
          services: !!o.services,
          status: status.length ? status : undefined,
          format: format === 'json' ? 'json' : 'table',
          ...(template ? { template: (r: Record<string, unknown>) => template(r) } : {}),
          filterServices: services,
          noTrunc: o.trunc === false,
          orphans: o.orphans === undefined || o.orphans === true || !/^(false|0)$/i.test(String(o.orphans)),
        }),
      );
    });

  program
    .command('ls')
    .description('List projects (running ones; -a for all)')
    .option('-a, --all', 'include stopped projects')
    .option('-q, --quiet', 'only names')
    .addOption(new Option('--format <format>', 'table or json').choices(['table', 'json']).default('table'))
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps) => (await import('../../../app/ps.js')).ls(deps, { all: !!o.all, quiet: !!o.quiet, format: o.format as 'table' | 'json' }));
    });

  program
    .command('logs')
    .description("Show the services' logs; -f follows across restarts, recreates and scaling")
    .argument('[services...]')
    .option('-f, --follow', 'follow')
    .option('-n, --tail <lines>', 'lines from the end of each log ("all" for all)')
    .option('--since <time>', 'since a time (ISO) or a duration ago (10m)')
    .option('--until <time>', 'until a time (ISO) or a duration ago')
    .option('-t, --timestamps', 'show timestamps')
    .option('--no-color', 'monochrome prefixes')
    .option('--no-log-prefix', 'no "service |" prefix')
    .option('--index <n>', 'only this container number', int('--index'))
    .action(async (services: string[], o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps, g) => {
        const tail = o.tail === undefined || o.tail === 'all' ? undefined : int('--tail')(o.tail as string);
        return (await import('../../../app/logs.js')).logs(deps, g, {
          services,
          follow: !!o.follow,
          tail,
          since: relTime(o.since as string | undefined),
          until: relTime(o.until as string | undefined),
          timestamps: !!o.timestamps,
          noColor: o.color === false,
          noLogPrefix: o.logPrefix === false,
          index: o.index as number | undefined,
        });
      });
    });

  program
    .command('top')
    .description('Show the processes of the services')
    .argument('[services...]')
    .action(async (services: string[], _o: unknown, cmd: Command) => {
      await runApp(cmd, async (deps, g) => (await import('../../../app/info.js')).top(deps, g, services));
    });

  program
    .command('events')
    .description("Stream the project's container events")
    .argument('[services...]')
    .option('--json', 'one JSON object per line')
    .action(async (services: string[], o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps, g) => (await import('../../../app/info.js')).events(deps, g, services, { json: !!o.json }));
    });

  program
    .command('port')
    .description('Print the public address of a port')
    .argument('<service>')
    .argument('<port>')
    .addOption(new Option('--protocol <proto>', 'tcp or udp').choices(['tcp', 'udp']).default('tcp'))
    .option('--index <n>', 'container number', int('--index'))
    .action(async (service: string, p: string, o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps, g) => (await import('../../../app/info.js')).port(deps, g, { service, port: int('port')(p), protocol: o.protocol as 'tcp' | 'udp', index: o.index as number | undefined }));
    });

  program
    .command('images')
    .description('List the images the containers use')
    .argument('[services...]')
    .option('-q, --quiet', 'only ids')
    .addOption(new Option('--format <format>', 'table or json').choices(['table', 'json']).default('table'))
    .action(async (services: string[], o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps, g) => (await import('../../../app/info.js')).images(deps, g, services, { quiet: !!o.quiet, format: o.format as 'table' | 'json' }));
    });

  program
    .command('stats')
    .description('Live resource usage of the containers')
    .argument('[services...]')
    .option('-a, --all', 'include stopped containers')
    .option('--no-stream', 'print once')
    .action(async (services: string[], o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps, g) => (await import('../../../app/info.js')).stats(deps, g, services, { noStream: o.stream === false, all: !!o.all }));
    });

  program
    .command('version')
    .description("Show berth's version")
    .option('--short', 'the number only')
    .addOption(new Option('--format <format>', 'pretty or json').choices(['pretty', 'json']).default('pretty'))
    .action(async (o: Record<string, unknown>) => {
      const { version } = await import('../../main.js');
      const v = version();
      process.stdout.write(o.short ? `${v}\n` : o.format === 'json' ? `${JSON.stringify({ version: v })}\n` : `berth version ${v}\n`);
    });

  program
    .command('wait')
    .description('Block until the containers stop; exit with the first exit code')
    .argument('<services...>')
    .action(async (services: string[], _o: unknown, cmd: Command) => {
      await runApp(cmd, async (deps, g) => (await import('../../../app/info.js')).wait(deps, g, services));
    });
}

function statusFilter(f: string): string {
  const m = /^status=(.+)$/.exec(f);
  if (!m) throw new UserError(`--filter ${f}: berth filters by status=<state> only`);
  return m[1]!;
}

/** "10m" → an ISO time 10 minutes ago; anything else as given. */
function relTime(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const m = /^(\d+)(s|m|h)$/.exec(v);
  if (!m) return v;
  const ms = Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
  return new Date(Date.now() - ms).toISOString();
}
