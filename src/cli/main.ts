/**
 * argv → commander → a command module's action. Command modules register themselves from
 * the list below; each keeps heavy imports (yaml, ajv, the engine client) inside its action
 * so `berth --help` and `--version` stay fast.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { EXIT, ExitError } from './exit.js';
import { reportError } from './report.js';
import { register as registerConfig } from './commands/config.js';
import { register as registerCompose } from './commands/compose.js';
import { register as registerWatch } from './commands/watch.js';
import { register as registerEngine } from './engine/index.js';

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function buildProgram(): Command {
  const program = new Command('berth');
  program
    .description('Compose-style multi-container orchestrator with its own container engine')
    .version(version(), '-v, --version')
    .option('-f, --file <FILE>', 'compose file (repeatable; "-" reads standard input)', collect)
    .option('-p, --project-name <NAME>', 'project name')
    .option('--project-directory <DIR>', 'working directory of the project (default: the first file\'s folder)')
    .option('--profile <NAME>', 'enable a profile (repeatable)', collect)
    .option('--env-file <FILE>', 'environment file (repeatable)', collect)
    .option('--progress <MODE>', 'progress output: auto, tty, plain, json, quiet', 'auto')
    .option('--ansi <WHEN>', 'colour: never, always, auto', 'auto')
    .showHelpAfterError()
    .exitOverride();
  registerConfig(program);
  registerCompose(program);
  registerWatch(program);
  registerEngine(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.OK;
      return EXIT.USER_ERROR;
    }
    if (e instanceof ExitError) {
      if (e.message) process.stderr.write(e.message.endsWith('\n') ? e.message : e.message + '\n');
      return e.exitCode;
    }
    return reportError(e);
  }
}
