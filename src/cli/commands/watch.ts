/**
 * `berth watch [SERVICE...]`: bring the stack up (unless --no-up), then follow the
 * services' develop.watch rules — sync files into running containers, rebuild, restart,
 * exec — and reload the stack when compose.yaml, an override, .env or an env_file changes.
 * Runs until Ctrl+C. The use case is imported inside the action so `berth --help` stays fast.
 */
import { InvalidArgumentError, type Command } from 'commander';

function ms(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 60_000) throw new InvalidArgumentError('expected milliseconds, a whole number from 0 to 60000');
  return n;
}

function count(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number above 0');
  return n;
}

export function register(program: Command): void {
  program
    .command('watch')
    .description('Sync, rebuild or restart services as their files change (develop.watch); reload on compose file edits')
    .argument('[SERVICE...]', 'services to watch (default: every service with develop.watch)')
    .option('--no-up', 'do not bring the stack up first')
    .option('--poll', 'poll the file system instead of inotify (for network or WSL mounts)')
    .option('--quiet-period <MS>', 'wait for this long without changes before applying them', ms, 20)
    .option('--rebuild-threshold <N>', 'files changed at once past which a sync becomes a rebuild (services with a rebuild rule)', count, 1000)
    .option('--prune', 'remove the image a rebuild replaced')
    .action(async (services: string[], o: { up: boolean; poll?: boolean; quietPeriod: number; rebuildThreshold: number; prune?: boolean }, cmd: Command) => {
      const { runApp } = await import('./compose/shared.js');
      await runApp(cmd, async (deps, g) => {
        const { watch } = await import('../../app/watch/index.js');
        return watch(deps, g, {
          services,
          noUp: !o.up,
          poll: o.poll,
          quietMs: o.quietPeriod,
          rebuildThreshold: o.rebuildThreshold,
          prune: o.prune,
        });
      });
    });
}
