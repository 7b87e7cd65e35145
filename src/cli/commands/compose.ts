/**
 * The Compose commands (up, down, plan, ps, logs, exec, run, ...). Each module registers its
 * commands; actions import the use cases lazily, so `berth --help` loads none of them.
 */
import type { Command } from 'commander';
import { registerExec } from './compose/exec.js';
import { registerImages } from './compose/images.js';
import { registerInspect } from './compose/inspect.js';
import { registerLifecycle } from './compose/lifecycle.js';

export function register(program: Command): void {
  freeShortV(program);
  registerLifecycle(program);
  registerInspect(program);
  registerExec(program);
  registerImages(program);
}

/**
 * Commander recognises program options after a subcommand too, so a program-level `-v` (for
 * --version) would swallow `down -v`, `rm -v` and `run -v`. Compose's -v belongs to those
 * commands; the version stays on --version and -V.
 */
function freeShortV(program: Command): void {
  const v = program.options.find((o) => o.long === '--version');
  if (v && v.short === '-v') {
    v.short = '-V';
    v.flags = '-V, --version';
  }
}
