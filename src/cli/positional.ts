/**
 * Docker's and Compose's flags reuse letters that are berth's global options (`-p` is
 * `--publish` under `container run` and `--project-name` before a command; `-v`, `-f` alike).
 * For the commands named here the program stops reading its own options at the command's
 * name, so what follows belongs to the command. Global options before the name still work.
 * commander offers this only for a whole program (positional options), so it is switched on
 * per parse, by the first operand.
 */
import type { Command } from 'commander';

/** The first word of `args` that is not the program's option or its value. */
export function firstOperand(program: Command, args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return args[i + 1];
    if (!a.startsWith('-') || a === '-') return a;
    if (a.startsWith('--') && a.includes('=')) continue;
    const opt = program.options.find((o) => o.long === a || o.short === a);
    if (opt && (opt.required || opt.optional)) i++;
  }
  return undefined;
}

/** Makes options positional for the commands in `names` (wraps program.parseOptions; wrappers chain). */
export function positionalFor(program: Command, names: Set<string>): void {
  const original = program.parseOptions.bind(program);
  const internals = program as unknown as { _enablePositionalOptions: boolean };
  program.parseOptions = (args: string[]) => {
    const before = internals._enablePositionalOptions;
    if (names.has(firstOperand(program, args) ?? '')) internals._enablePositionalOptions = true;
    try {
      return original(args);
    } finally {
      internals._enablePositionalOptions = before;
    }
  };
}
