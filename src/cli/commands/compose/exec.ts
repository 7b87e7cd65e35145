/** exec, run, cp. */
import fs from 'node:fs';
import type { Command } from 'commander';
import { collect, int, runApp } from './shared.js';

/**
 * The service's command keeps its own options (`exec web sh -c ...`): options after the first
 * argument belong to it. Commander's passThroughOptions() insists on positional options for
 * the whole program, which would stop `berth up -p NAME` (global options after the command)
 * from working as in Compose; so the flag is set directly. A global option inside the
 * service's command still goes to berth: write `--` before such a command.
 */
function passThrough(cmd: Command): Command {
  Object.assign(cmd, { _passThroughOptions: true });
  return cmd;
}

/**
 * Standard input worth sending to the command: a file (`< script.sh`), or a pipe whose writer
 * speaks (or closes) within a moment. A pipe nobody writes to (a harness that leaves stdin
 * open) is not forwarded: the exec would otherwise wait for an end of input that never comes.
 */
async function pipedInput(): Promise<NodeJS.ReadStream | undefined> {
  let st: fs.Stats;
  try {
    st = fs.fstatSync(0);
  } catch {
    return undefined;
  }
  if (st.isFile()) return process.stdin;
  if (!st.isFIFO() && !st.isSocket()) return undefined; // a terminal, /dev/null
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      process.stdin.off('readable', ready);
      resolve(undefined);
    }, 200);
    const ready = (): void => {
      clearTimeout(t);
      resolve(process.stdin);
    };
    process.stdin.once('readable', ready);
  });
}

export function registerExec(program: Command): void {
  passThrough(program
    .command('exec')
    .description('Run a command in a running service container')
    .argument('<service>')
    .argument('<command...>')
    .option('-d, --detach', 'run in the background')
    .option('-e, --env <KEY=VAL>', 'set an environment variable (repeatable)', collect)
    .option('-u, --user <user>', 'run as this user')
    .option('-w, --workdir <dir>', 'working directory')
    .option('--privileged', 'extended privileges')
    .option('--index <n>', 'container number', int('--index'), 1)
    .option('-T, --no-tty', 'no pseudo-terminal'))
    .action(async (service: string, command: string[], o: Record<string, unknown>, cmd: Command) => {
      // Interactive by default as in Compose when both ends are terminals; -T turns it off.
      const interactive = o.tty !== false && !o.detach && !!process.stdin.isTTY && !!process.stdout.isTTY;
      const input = interactive ? process.stdin : o.detach ? undefined : await pipedInput();
      const passStdin = input !== undefined;
      if (interactive) process.stdin.setRawMode(true);
      try {
        await runApp(cmd, async (deps, g) =>
          (await import('../../../app/exec.js')).exec(deps, g, {
            service,
            command,
            detach: !!o.detach,
            env: o.env as string[] | undefined,
            user: o.user as string | undefined,
            workdir: o.workdir as string | undefined,
            privileged: !!o.privileged,
            index: o.index as number,
            tty: interactive,
            // Piped input goes to the command (exec -T web sh < script.sh).
            stdin: input,
          }),
        );
      } finally {
        if (interactive) process.stdin.setRawMode(false);
        // The command has ended: an input that never closes must not keep berth alive.
        if (passStdin || !process.stdin.isTTY) process.stdin.destroy();
      }
    });

  passThrough(program
    .command('run')
    .description('Run a one-off command in a new container of a service')
    .argument('<service>')
    .argument('[command...]')
    .option('-d, --detach', 'run in the background, print the container name')
    .option('--rm', 'remove the container when it exits')
    .option('--name <name>', 'container name')
    .option('--entrypoint <cmd>', 'override the entrypoint')
    .option('-e, --env <KEY=VAL>', 'set an environment variable (repeatable)', collect)
    .option('-l, --label <KEY=VAL>', 'add a label (repeatable)', collect)
    .option('-u, --user <user>', 'run as this user')
    .option('-w, --workdir <dir>', 'working directory')
    .option('-v, --volume <SRC:DST[:ro]>', 'mount a volume or host path (repeatable)', collect)
    .option('-p, --publish <[IP:]HOST:CONTAINER>', 'publish a port (repeatable)', collect)
    .option('-P, --service-ports', "publish the service's ports")
    .option('--no-deps', 'do not start dependencies')
    .option('-T, --no-tty', 'no pseudo-terminal')
    .option('-i, --interactive', 'keep stdin open (the default, as in Compose)', true)
    .option('--no-interactive', 'do not pass standard input')
    .option('--use-aliases', "join the service's networks with its aliases")
    .option('--cap-add <cap>', 'add a Linux capability (repeatable)', collect)
    .option('--cap-drop <cap>', 'drop a Linux capability (repeatable)', collect)
    .option('--build', 'build the image first (berth builds when missing)')
    .option('--pull <policy>', 'pull policy (berth pulls when missing)')
    .option('--quiet-pull', 'no pull progress')
    .option('--remove-orphans', 'accepted for Compose compatibility'))
    .action(async (service: string, command: string[], o: Record<string, unknown>, cmd: Command) => {
      // Compose's run is interactive by default: piped input reaches the one-off
      // (`run --rm -T db psql < dump.sql`).
      // On a terminal, a pseudo-terminal and the keyboard, as Compose (-T turns it off).
      const interactive = o.tty !== false && !o.detach && o.interactive !== false && !!process.stdin.isTTY && !!process.stdout.isTTY;
      const input = interactive ? process.stdin : o.detach || o.interactive === false ? undefined : await pipedInput();
      if (interactive) process.stdin.setRawMode(true);
      try {
        await runApp(cmd, async (deps, g) =>
          (await import('../../../app/run.js')).runOneOff(deps, g, {
            stdin: input,
            service,
            command,
            detach: !!o.detach,
            rm: !!o.rm,
            name: o.name as string | undefined,
            entrypoint: o.entrypoint as string | undefined,
            env: o.env as string[] | undefined,
            labels: o.label as string[] | undefined,
            user: o.user as string | undefined,
            workdir: o.workdir as string | undefined,
            volumes: o.volume as string[] | undefined,
            publish: o.publish as string[] | undefined,
            servicePorts: !!o.servicePorts,
            noDeps: o.deps === false,
            tty: interactive,
            useAliases: !!o.useAliases,
            capAdd: o.capAdd as string[] | undefined,
            capDrop: o.capDrop as string[] | undefined,
          }),
        );
      } finally {
        if (interactive) process.stdin.setRawMode(false);
        // The one-off has ended: an input that never closes must not keep berth alive.
        if (input) process.stdin.destroy();
      }
    });

  program
    .command('cp')
    .description('Copy files between a service container and the host: cp SERVICE:SRC DEST or cp SRC SERVICE:DEST')
    .argument('<src>')
    .argument('<dest>')
    .option('--index <n>', 'container number', int('--index'), 1)
    .action(async (src: string, dest: string, o: Record<string, unknown>, cmd: Command) => {
      await runApp(cmd, async (deps, g) => (await import('../../../app/info.js')).cp(deps, g, { src, dest, index: o.index as number, cwd: process.cwd(), tarOut: (c) => process.stdout.write(c), ...(src === '-' ? { tarIn: process.stdin } : {}) }));
    });
}
