/** up, create, down, start, stop, restart, pause, unpause, kill, rm, scale. */
import { Option, type Command } from 'commander';
import { collect, int, parseScale, pullPolicy, runApp } from './shared.js';

export function registerLifecycle(program: Command): void {
  program
    .command('up')
    .description('Create and start the stack (or the given services and what they depend on)')
    .argument('[services...]')
    .option('-d, --detach', 'run in the background; return once started')
    .option('--build', 'build images before starting')
    .option('--no-build', 'do not build images, even when missing')
    .option('--pull <policy>', 'pull images: always, missing, never')
    .option('--force-recreate', 'recreate containers even when nothing changed')
    .option('--no-recreate', 'never recreate existing containers')
    .option('--always-recreate-deps', 'recreate the dependencies of the named services too')
    .option('--remove-orphans', 'remove containers of services no longer in the file')
    .option('--scale <SERVICE=N>', 'number of containers of a service (repeatable)', collect)
    .option('--wait', 'wait until services are running or healthy (implies -d)')
    .option('--wait-timeout <seconds>', 'give up --wait after this long', int('--wait-timeout'))
    .option('--abort-on-container-exit', 'stop everything when any container exits')
    .option('--exit-code-from <service>', "exit with this service's exit code (implies --abort-on-container-exit)")
    .option('--no-deps', 'do not start the services the named ones depend on')
    .option('--no-start', 'create but do not start')
    .option('-t, --timeout <seconds>', 'stop timeout when containers are stopped or recreated', int('--timeout'))
    .option('--dry-run', 'print the plan and change nothing')
    .option('--no-color', 'monochrome log prefixes')
    .option('--no-log-prefix', 'no "service |" prefix in logs')
    .option('--timestamps', 'show log timestamps')
    .option('--abort-on-container-failure', 'stop everything when a container exits with a non-zero code')
    .option('--attach <service>', 'show the logs of this service (repeatable)', collect)
    .addOption(valuedNo('--no-attach <service>', 'do not show the logs of this service (repeatable)', 'noAttach'))
    .option('--attach-dependencies', 'show the logs of dependencies too (berth shows all by default)')
    .option('-V, --renew-anon-volumes', 'recreated containers get new anonymous volumes instead of the old ones')
    .option('--quiet-pull', 'no pull progress')
    .option('-y, --yes', 'assume yes (berth asks nothing)')
    .option('-w, --watch', 'watch the develop.watch paths and sync, rebuild or restart (as berth watch)')
    .action(async (services: string[], o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps, g) => {
        const { up } = await import('../../../app/up.js');
        return up(deps, g, {
          services,
          detach: !!o.detach,
          build: o.build === true,
          noBuild: o.build === false,
          pull: pullPolicy(o.pull as string | undefined),
          forceRecreate: !!o.forceRecreate,
          noRecreate: o.recreate === false,
          alwaysRecreateDeps: !!o.alwaysRecreateDeps,
          removeOrphans: !!o.removeOrphans || process.env.COMPOSE_REMOVE_ORPHANS === 'true',
          scale: parseScale(o.scale as string[] | undefined),
          wait: !!o.wait,
          waitTimeout: o.waitTimeout as number | undefined,
          abortOnContainerExit: !!o.abortOnContainerExit,
          abortOnContainerFailure: !!o.abortOnContainerFailure,
          watch: !!o.watch,
          renewAnonVolumes: !!o.renewAnonVolumes,
          attach: Array.isArray(o.attach) ? (o.attach as string[]) : undefined,
          noAttach: o.noAttach as string[] | undefined,
          exitCodeFrom: o.exitCodeFrom as string | undefined,
          noDeps: o.deps === false,
          noStart: o.start === false,
          timeout: o.timeout as number | undefined,
          dryRun: !!o.dryRun,
          noColor: o.color === false,
          noLogPrefix: o.logPrefix === false,
          timestamps: !!o.timestamps,
        });
      });
    });

  program
    .command('create')
    .description('Create the containers without starting them')
    .argument('[services...]')
    .option('--build', 'build images before creating')
    .option('--no-build', 'do not build images')
    .option('--pull <policy>', 'pull images: always, missing, never')
    .option('--force-recreate', 'recreate containers even when nothing changed')
    .option('--no-recreate', 'never recreate existing containers')
    .option('--remove-orphans', 'remove containers of services no longer in the file')
    .option('--scale <SERVICE=N>', 'number of containers of a service (repeatable)', collect)
    .action(async (services: string[], o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps, g) => {
        const { up } = await import('../../../app/up.js');
        return up(deps, g, {
          services,
          detach: true,
          noStart: true,
          build: o.build === true,
          noBuild: o.build === false,
          pull: pullPolicy(o.pull as string | undefined),
          forceRecreate: !!o.forceRecreate,
          noRecreate: o.recreate === false,
          removeOrphans: !!o.removeOrphans,
          scale: parseScale(o.scale as string[] | undefined),
        });
      });
    });

  program
    .command('down')
    .description('Stop and remove the containers, networks (and with -v volumes) of the project; works with -p NAME without the file')
    .argument('[services...]')
    .option('-v, --volumes', 'remove named volumes of the project and anonymous volumes')
    .addOption(new Option('--rmi <which>', 'remove images: local (built ones) or all').choices(['local', 'all']))
    .option('--remove-orphans', 'remove containers of services no longer in the file')
    .option('-t, --timeout <seconds>', 'stop timeout', int('--timeout'))
    .option('--dry-run', 'print the plan and change nothing')
    .action(async (services: string[], o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps, g) => {
        const { down } = await import('../../../app/down.js');
        return down(deps, g, {
          services,
          volumes: !!o.volumes,
          rmi: o.rmi as 'local' | 'all' | undefined,
          removeOrphans: !!o.removeOrphans || process.env.COMPOSE_REMOVE_ORPHANS === 'true',
          timeout: o.timeout as number | undefined,
          dryRun: !!o.dryRun,
        });
      });
    });

  program
    .command('start')
    .description('Start existing containers, in dependency order')
    .argument('[services...]')
    .option('--wait', 'wait until running or healthy')
    .option('--wait-timeout <seconds>', 'give up --wait after this long', int('--wait-timeout'))
    .action(async (services: string[], o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps, g) => (await import('../../../app/lifecycle.js')).start(deps, g, services, { wait: !!o.wait, waitTimeout: o.waitTimeout as number | undefined }));
    });

  program
    .command('stop')
    .description('Stop running containers, dependants first')
    .argument('[services...]')
    .option('-t, --timeout <seconds>', 'seconds to wait before killing', int('--timeout'))
    .action(async (services: string[], o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps, g) => (await import('../../../app/lifecycle.js')).stop(deps, g, services, { timeout: o.timeout as number | undefined }));
    });

  program
    .command('restart')
    .description('Restart containers, in dependency order (and the services whose depends_on says restart: true)')
    .argument('[services...]')
    .option('-t, --timeout <seconds>', 'seconds to wait before killing', int('--timeout'))
    .option('--no-deps', 'do not restart the dependants')
    .action(async (services: string[], o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps, g) => (await import('../../../app/lifecycle.js')).restart(deps, g, services, { timeout: o.timeout as number | undefined, noDeps: o.deps === false }));
    });

  for (const what of ['pause', 'unpause'] as const) {
    program
      .command(what)
      .description(what === 'pause' ? 'Pause running containers' : 'Unpause paused containers')
      .argument('[services...]')
      .action(async (services: string[], _o: unknown, cmd: Command) => {
        await runApp(cmd, async (deps, g) => (await import('../../../app/lifecycle.js')).simple(deps, g, what, services));
      });
  }

  program
    .command('kill')
    .description('Send a signal to running containers (default SIGKILL)')
    .argument('[services...]')
    .option('-s, --signal <signal>', 'signal to send', 'SIGKILL')
    .action(async (services: string[], o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps, g) => (await import('../../../app/lifecycle.js')).simple(deps, g, 'kill', services, { signal: o.signal as string }));
    });

  program
    .command('rm')
    .description('Remove stopped containers')
    .argument('[services...]')
    .option('-f, --force', 'do not ask')
    .option('-s, --stop', 'stop running containers first')
    .option('-v, --volumes', 'remove their anonymous volumes')
    .action(async (services: string[], o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps, g) => (await import('../../../app/lifecycle.js')).rm(deps, g, services, { force: !!o.force, stop: !!o.stop, volumes: !!o.volumes }));
    });

  program
    .command('scale')
    .description('Set the number of containers of services: scale web=3 worker=2')
    .argument('<SERVICE=N...>')
    .option('--no-deps', 'do not start dependencies')
    .action(async (pairs: string[], o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps, g) => {
        const { up } = await import('../../../app/up.js');
        const scale = parseScale(pairs)!;
        return up(deps, g, { services: Object.keys(scale), scale, detach: true, noDeps: o.deps === false, noRecreate: true });
      });
    });
}

/**
 * A `--no-X <value>` option that takes a value (Compose's --no-attach SERVICE): commander
 * would read it as the negation of --X, so it gets its own attribute instead.
 */
function valuedNo(flags: string, description: string, attribute: string): Option {
  const o = new Option(flags, description).argParser(collect);
  Object.assign(o, { negate: false, attributeName: () => attribute });
  return o;
}
