/** pull, push, build. */
import type { Command } from 'commander';
import { runApp } from './shared.js';

export function registerImages(program: Command): void {
  program
    .command('pull')
    .description("Pull the services' images")
    .argument('[services...]')
    .option('--ignore-pull-failures', 'go on when a pull fails')
    .action(async (services: string[], o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps, g) => (await import('../../../app/images.js')).pull(deps, g, services, { ignorePullFailures: !!o.ignorePullFailures }));
    });
  program
    .command('push')
    .description("Push the services' images")
    .argument('[services...]')
    .option('--ignore-push-failures', 'go on when a push fails')
    .action(async (services: string[], o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps, g) => (await import('../../../app/images.js')).push(deps, g, services, { ignorePushFailures: !!o.ignorePushFailures }));
    });
  program
    .command('build')
    .description('Build the services that have a build section (through the engine)')
    .argument('[services...]')
    .option('--no-cache', 'do not use the build cache')
    .action(async (services: string[], o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps, g) => (await import('../../../app/images.js')).build(deps, g, services, { noCache: o.cache === false }));
    });
}
