/**
 * The Compose commands (up, down, plan, ps, logs, exec, run, ...). Each module registers its
 * commands; actions import the use cases lazily, so `berth --help` loads none of them.
 *
 * Global options vs. a command's own flags: Compose (cobra) lets a command's flag shadow a
 * global one with the same letter, so `logs -f` follows, `rm -f` forces, `down -v` removes
 * volumes, `run -p` publishes, while `berth up -p NAME` still names the project. Commander
 * reads program options anywhere on the line, so for these commands the program stops
 * reading its options at the command's name (as the engine groups do), and each command
 * accepts the global options itself, minus the letters it uses for its own flags.
 */
import { positionalFor } from '../positional.js';
import { Option, type Command } from 'commander';
import { registerExec } from './compose/exec.js';
import { registerImages } from './compose/images.js';
import { registerInspect } from './compose/inspect.js';
import { registerLifecycle } from './compose/lifecycle.js';
import { collect } from './compose/shared.js';

export function register(program: Command): void {
  const before = new Set(program.commands);
  registerLifecycle(program);
  registerInspect(program);
  registerExec(program);
  registerImages(program);
  const mine = program.commands.filter((c) => !before.has(c));
  for (const c of mine) addGlobals(c);
  positionalFor(program, new Set(mine.map((c) => c.name())));
}

const GLOBALS: { short?: string; long: string; arg?: string; repeat?: boolean }[] = [
  { short: '-f', long: '--file', arg: '<FILE>', repeat: true },
  { short: '-p', long: '--project-name', arg: '<NAME>' },
  { long: '--project-directory', arg: '<DIR>' },
  { long: '--profile', arg: '<NAME>', repeat: true },
  { long: '--env-file', arg: '<FILE>', repeat: true },
  { long: '--progress', arg: '<MODE>' },
  { long: '--ansi', arg: '<WHEN>' },
];

function addGlobals(cmd: Command): void {
  for (const g of GLOBALS) {
    if (cmd.options.some((o) => o.long === g.long)) continue;
    const short = g.short && !cmd.options.some((o) => o.short === g.short) ? `${g.short}, ` : '';
    const opt = new Option(`${short}${g.long}${g.arg ? ` ${g.arg}` : ''}`).hideHelp();
    if (g.repeat) opt.argParser(collect);
    cmd.addOption(opt);
  }
}

