/** `berth container ...`: Docker's container commands over the engine API. */
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import type { ContainerSummary, Engine, LogLine } from '../../../engine/api/types.js';
import { UserError } from '../../diag/diagnostic.js';
import { EXIT, ExitError } from '../exit.js';
import { act, collect, confirm, eachTarget, group, parseFilters, printInspect, printList, type Ctx, type Io } from './common.js';
import { humanSize, shortId, table } from './format.js';
import type { RunFlags } from './run-flags.js';

/** The create/run flags, Docker's spellings. */
function createOptions(cmd: Command): Command {
  return cmd
    .helpOption('--help', 'display help for command') // -h is --hostname, as in Docker
    .option('--name <NAME>', 'assign a name to the container')
    .option('-i, --interactive', 'keep STDIN open')
    .option('-t, --tty', 'allocate a pseudo-TTY')
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', collect)
    .option('--env-file <FILE>', 'read environment variables from a file (repeatable)', collect)
    .option('-l, --label <KEY=VALUE>', 'set a label (repeatable)', collect)
    .option('--label-file <FILE>', 'read labels from a file (repeatable)', collect)
    .option('-v, --volume <SPEC>', 'bind mount or volume: [SOURCE:]TARGET[:OPTIONS] (repeatable)', collect)
    .option('--mount <SPEC>', 'type=bind|volume|tmpfs,source=...,target=...[,readonly] (repeatable)', collect)
    .option('--tmpfs <PATH[:OPTIONS]>', 'mount a tmpfs (repeatable)', collect)
    .option('-p, --publish <SPEC>', 'publish ports: [IP:][HOST:]CONTAINER[/PROTO], ranges allowed (repeatable)', collect)
    .option('--expose <PORT>', 'expose a port or range (repeatable)', collect)
    .option('--network <NETWORK>', 'connect to a network (name, host, none, container:NAME)')
    .option('--network-alias <ALIAS>', 'network-scoped alias (repeatable)', collect)
    .option('--ip <ADDR>', 'IPv4 address on the network')
    .option('--ip6 <ADDR>', 'IPv6 address on the network')
    .option('--mac-address <MAC>', 'MAC address on the network')
    .option('-m, --memory <BYTES>', 'memory limit (e.g. 64m)')
    .option('--memory-swap <BYTES>', 'memory + swap limit, -1 for unlimited')
    .option('--memory-reservation <BYTES>', 'memory soft limit')
    .option('--cpus <N>', 'number of CPUs (e.g. 1.5)')
    .option('-c, --cpu-shares <N>', 'CPU shares (relative weight)')
    .option('--cpu-quota <N>', 'CFS quota (microseconds)')
    .option('--cpu-period <N>', 'CFS period (microseconds)')
    .option('--cpuset-cpus <LIST>', 'CPUs allowed (0-3, 0,1)')
    .option('--cpuset-mems <LIST>', 'memory nodes allowed')
    .option('--pids-limit <N>', 'process count limit (-1 for unlimited)')
    .option('--shm-size <BYTES>', 'size of /dev/shm')
    .option('--oom-score-adj <N>', 'OOM score adjustment')
    .option('--restart <POLICY>', 'no, always, unless-stopped, on-failure[:N]')
    .option('--health-cmd <CMD>', 'command to check health')
    .option('--health-interval <DURATION>', 'time between checks (e.g. 30s)')
    .option('--health-timeout <DURATION>', 'time a check may take')
    .option('--health-retries <N>', 'failures before unhealthy')
    .option('--health-start-period <DURATION>', 'grace period after start')
    .option('--health-start-interval <DURATION>', 'time between checks during the start period')
    .option('--no-healthcheck', 'disable any image healthcheck')
    .option('-u, --user <USER[:GROUP]>', 'user to run as')
    .option('--group-add <GROUP>', 'additional group (repeatable)', collect)
    .option('-w, --workdir <DIR>', 'working directory inside the container')
    .option('--entrypoint <CMD>', 'overwrite the image entrypoint ("" clears it)')
    .option('--read-only', 'mount the root filesystem read-only')
    .option('--cap-add <CAP>', 'add a capability (repeatable)', collect)
    .option('--cap-drop <CAP>', 'drop a capability (repeatable)', collect)
    .option('--privileged', 'give extended privileges')
    .option('--security-opt <OPT>', 'security option (repeatable)', collect)
    .option('--init', 'run an init inside the container that forwards signals and reaps processes')
    .option('-h, --hostname <NAME>', 'container host name')
    .option('--domainname <NAME>', 'container NIS domain name')
    .option('--dns <IP>', 'DNS server (repeatable)', collect)
    .option('--dns-search <DOMAIN>', 'DNS search domain (repeatable)', collect)
    .option('--dns-option <OPT>', 'DNS option (repeatable)', collect)
    .option('--add-host <HOST:IP>', 'add a line to /etc/hosts (repeatable)', collect)
    .option('--ulimit <NAME=SOFT[:HARD]>', 'ulimit (repeatable)', collect)
    .option('--sysctl <KEY=VALUE>', 'namespaced kernel parameter (repeatable)', collect)
    .option('--stop-signal <SIGNAL>', 'signal to stop the container')
    .option('--stop-timeout <SECONDS>', 'seconds to wait before killing on stop')
    .option('--ipc <MODE>', 'IPC mode')
    .option('--pid <MODE>', 'PID namespace mode')
    .addOption(new Option('--pull <POLICY>', 'pull the image before creating').choices(['always', 'missing', 'never']).default('missing'))
    .option('-q, --quiet', 'suppress the pull output')
    .argument('<IMAGE>', 'image to run')
    .argument('[COMMAND...]', 'command and arguments')
    .passThroughOptions();
}

type CreateFlags = RunFlags & { pull?: string; quiet?: boolean };

async function ensureImage(io: Io, engine: Engine, image: string, policy: string | undefined, quiet?: boolean): Promise<void> {
  const { isEngineError } = await import('../../../engine/api/types.js');
  if (policy !== 'always') {
    try {
      await engine.imageInspect(image);
      return;
    } catch (e) {
      if (!isEngineError(e, 'NOT_FOUND') || policy === 'never') throw e;
    }
    io.stderr.write(`Unable to find image '${image}' locally\n`);
  }
  await engine.imagePull(image, (p) => {
    if (!quiet) io.stderr.write(`${p.id}: ${p.status}${p.message ? ` ${p.message}` : ''}\n`);
  });
}

async function createFrom(io: Io, engine: Engine, image: string, command: string[], o: CreateFlags): Promise<{ id: string; autoRemove: boolean }> {
  const { buildCreateRequest } = await import('./run-flags.js');
  const req = buildCreateRequest(image, command, o, { readFile: (f) => fs.readFileSync(f, 'utf8'), env: io.env, cwd: io.cwd });
  await ensureImage(io, engine, image, o.pull, o.quiet);
  const autoRemove = !!req.autoRemove;
  // Attached runs remove the container themselves after reading its last logs and exit code;
  // an engine-side auto-remove could race the log reader.
  if (!o.detach) req.autoRemove = false;
  // Docker's StdinOnce: an attached `run -i` closes the container's input when ours ends.
  if (!o.detach && o.interactive) req.stdinOnce = true;
  const { id, warnings } = await engine.containerCreate(req);
  for (const w of warnings) io.stderr.write(`WARNING: ${w}\n`);
  return { id, autoRemove };
}

/** Prints a container's output until it exits; returns its exit code. Signals go to the container. */
async function attachOutput(io: Io, engine: Engine, id: string, opts: { start?: boolean; proxySignals?: boolean }): Promise<number> {
  const ac = new AbortController();
  const write = (l: LogLine) => (l.stream === 'stderr' ? io.stderr : io.stdout).write(l.line + '\n');
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  // Signals go to the container (Docker's sig-proxy). A process that ignores them (sh or
  // sleep as PID 1 do) would hold the terminal forever: the third Ctrl+C gives up waiting.
  let interrupts = 0;
  let giveUp!: (code: number) => void;
  const gaveUp = new Promise<number>((r) => (giveUp = r));
  const forward = (sig: NodeJS.Signals) => {
    if (sig === 'SIGINT' && ++interrupts >= 3) {
      io.stderr.write(`berth: got 3 interrupts, no longer waiting for ${id.slice(0, 12)}\n`);
      giveUp(130);
      return;
    }
    void engine.containerKill(id, sig).catch(() => {});
  };
  if (opts.proxySignals !== false) for (const s of signals) process.on(s, forward);
  try {
    if (opts.start) await engine.containerStart(id);
    // A broken log stream must not end the command: the exit code still comes from wait.
    const logs = (async () => {
      for await (const l of engine.containerLogs(id, { follow: true }, ac.signal)) write(l);
    })().catch((e: unknown) => {
      if (!ac.signal.aborted) io.stderr.write(`berth: lost the output of ${id.slice(0, 12)}: ${(e as Error).message}\n`);
    });
    const waitAc = new AbortController();
    const exitCode = await Promise.race([engine.containerWait(id, { condition: 'not-running' }, waitAc.signal).then((r) => r.exitCode), gaveUp]);
    waitAc.abort();
    if (interrupts >= 3) return exitCode;
    // The log stream ends by itself once the container is gone; give it a moment to drain.
    await Promise.race([logs.catch(() => {}), new Promise((r) => setTimeout(r, 2000).unref())]);
    return exitCode;
  } finally {
    ac.abort();
    for (const s of signals) process.off(s, forward);
  }
}

/**
 * Attaches to a container's streams through the engine (its pty when it has one), starting it
 * first when asked; returns its exit code (0 after a detach with Ctrl+P Ctrl+Q). Without a tty,
 * signals go to the container as Docker's sig-proxy does; with one, the raw terminal sends
 * Ctrl+C as a byte the container's pty turns into SIGINT.
 */
async function attachStreams(io: Io, engine: Engine, id: string, o: { start?: boolean; stdin: boolean; tty: boolean; sigProxy?: boolean }): Promise<{ code: number; detached: boolean }> {
  if (!engine.containerAttach) throw new UserError('this engine cannot attach to containers');
  const { detachKeys, withRawTerminal, writeOutput } = await import('./interactive.js');
  const ac = new AbortController();
  const keys = o.stdin ? detachKeys(io.stdin, () => ac.abort()) : undefined;
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  // A PID 1 that ignores SIGINT (sh, sleep) would hold the terminal forever: the third Ctrl+C
  // lets go of it (the container keeps running), as attachOutput does.
  let interrupts = 0;
  const forward = (sig: NodeJS.Signals) => {
    if (sig === 'SIGINT' && ++interrupts >= 3) {
      io.stderr.write(`berth: got 3 interrupts, no longer attached to ${id.slice(0, 12)}\n`);
      ac.abort();
      return;
    }
    if (o.sigProxy !== false) void engine.containerKill(id, sig).catch(() => {});
  };
  if (!o.tty) for (const s of signals) process.on(s, forward);
  try {
    const r = await withRawTerminal(io, o.tty && o.stdin, () =>
      engine.containerAttach!(id, { start: !!o.start, signal: ac.signal, ...(keys ? { stdin: keys.stream } : {}) }, writeOutput(io)),
    );
    if (r.detached && interrupts >= 3) return { code: 130, detached: true };
    return { code: r.exitCode ?? 0, detached: !!r.detached };
  } finally {
    keys?.stop();
    for (const s of signals) process.off(s, forward);
  }
}

function requireTerminal(io: Io, o: { tty?: boolean; interactive?: boolean }): void {
  // Docker's rule: -it needs a terminal on our side
  if (o.tty && o.interactive && !io.stdin.isTTY) throw new UserError('the input device is not a TTY');
}

function psHuman(_rows: Record<string, unknown>[]): { headers: string[]; cells: (r: Record<string, unknown>) => string[] } {
  return {
    headers: ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'],
    cells: (r: Record<string, unknown>) => ['ID', 'Image', 'Command', 'RunningFor', 'Status', 'Ports', 'Names'].map((k) => String(r[k] ?? '')),
  };
}

export function registerContainer(program: Command, ctx: () => Ctx): void {
  const c = group(program, 'container', 'Manage containers');

  createOptions(c.command('run').description('Create and run a new container from an image'))
    .option('-d, --detach', 'run in the background and print the container id')
    .option('--rm', 'remove the container when it exits')
    .action(
      act(ctx, async ({ io, engine }, image: string, command: string[], o: CreateFlags) => {
        if (!o.detach) requireTerminal(io, o);
        const e = await engine();
        const { id, autoRemove } = await createFrom(io, e, image, command, o);
        if (o.detach) {
          await e.containerStart(id).catch(async (err: unknown) => {
            if (autoRemove) await e.containerRemove(id, { force: true }).catch(() => {});
            throw err;
          });
          io.stdout.write(id + '\n');
          return;
        }
        let code: number;
        let detached = false;
        try {
          if (o.tty || o.interactive) ({ code, detached } = await attachStreams(io, e, id, { start: true, stdin: !!o.interactive, tty: !!o.tty }));
          else code = await attachOutput(io, e, id, { start: true });
        } finally {
          // a detached container keeps running: it is not ours to remove now
          if (autoRemove && !detached) await e.containerRemove(id, { force: true, volumes: true }).catch(() => {});
        }
        process.exitCode = code;
      }),
    );

  createOptions(c.command('create').description('Create a new container'))
    .option('--rm', 'remove the container when it exits')
    .action(
      act(ctx, async ({ io, engine }, image: string, command: string[], o: CreateFlags) => {
        const e = await engine();
        const { id } = await createFrom(io, e, image, command, { ...o, detach: true });
        io.stdout.write(id + '\n');
      }),
    );

  c.command('start')
    .description('Start one or more stopped containers')
    .option('-a, --attach', 'attach to the output and return the exit code')
    .option('-i, --interactive', 'attach standard input')
    .argument('<CONTAINER...>')
    .action(
      act(ctx, async ({ io, engine }, names: string[], o: { attach?: boolean; interactive?: boolean }) => {
        const e = await engine();
        if (o.attach || o.interactive) {
          if (names.length > 1) throw new UserError('you cannot attach to more than one container');
          const ins = await e.containerInspect(names[0]!);
          requireTerminal(io, { tty: ins.config.tty, interactive: o.interactive });
          if (e.containerAttach) {
            process.exitCode = (await attachStreams(io, e, ins.id, { start: true, stdin: !!o.interactive && !!ins.config.openStdin, tty: !!ins.config.tty })).code;
          } else process.exitCode = await attachOutput(io, e, names[0]!, { start: true });
          return;
        }
        await eachTarget(io, names, async (n) => {
          await e.containerStart(n);
          return n;
        });
      }),
    );

  c.command('stop')
    .description('Stop one or more running containers')
    .option('-t, --timeout <SECONDS>', 'seconds to wait before killing')
    .option('-s, --signal <SIGNAL>', 'signal to send')
    .argument('<CONTAINER...>')
    .action(
      act(ctx, async ({ io, engine }, names: string[], o: { timeout?: string; signal?: string }) => {
        const e = await engine();
        await eachTarget(io, names, async (n) => {
          await e.containerStop(n, { ...(o.timeout !== undefined ? { timeout: Number(o.timeout) } : {}), ...(o.signal ? { signal: o.signal } : {}) });
          return n;
        });
      }),
    );

  c.command('restart')
    .description('Restart one or more containers')
    .option('-t, --timeout <SECONDS>', 'seconds to wait before killing')
    .argument('<CONTAINER...>')
    .action(
      act(ctx, async ({ io, engine }, names: string[], o: { timeout?: string }) => {
        const e = await engine();
        await eachTarget(io, names, async (n) => {
          await e.containerRestart(n, o.timeout !== undefined ? { timeout: Number(o.timeout) } : {});
          return n;
        });
      }),
    );

  c.command('kill')
    .description('Kill one or more running containers')
    .option('-s, --signal <SIGNAL>', 'signal to send', 'KILL')
    .argument('<CONTAINER...>')
    .action(
      act(ctx, async ({ io, engine }, names: string[], o: { signal: string }) => {
        const e = await engine();
        await eachTarget(io, names, async (n) => {
          await e.containerKill(n, o.signal);
          return n;
        });
      }),
    );

  for (const [name, desc] of [
    ['pause', 'Pause all processes within one or more containers'],
    ['unpause', 'Unpause all processes within one or more containers'],
  ] as const) {
    c.command(name)
      .description(desc)
      .argument('<CONTAINER...>')
      .action(
        act(ctx, async ({ io, engine }, names: string[]) => {
          const e = await engine();
          await eachTarget(io, names, async (n) => {
            await (name === 'pause' ? e.containerPause(n) : e.containerUnpause(n));
            return n;
          });
        }),
      );
  }

  c.command('rm')
    .description('Remove one or more containers')
    .option('-f, --force', 'force the removal of a running container')
    .option('-v, --volumes', 'remove anonymous volumes associated with the container')
    .argument('<CONTAINER...>')
    .action(
      act(ctx, async ({ io, engine }, names: string[], o: { force?: boolean; volumes?: boolean }) => {
        const e = await engine();
        await eachTarget(io, names, async (n) => {
          await e.containerRemove(n, { force: !!o.force, volumes: !!o.volumes });
          return n;
        });
      }),
    );

  c.command('rename')
    .description('Rename a container')
    .argument('<CONTAINER>')
    .argument('<NEW_NAME>')
    .action(act(ctx, async ({ engine }, name: string, to: string) => (await engine()).containerRename(name, to)));

  c.command('ls')
    .alias('ps')
    .alias('list')
    .description('List containers')
    .option('-a, --all', 'show all containers (default shows just running)')
    .option('-q, --quiet', 'only display container ids')
    .option('-f, --filter <FILTER>', 'filter output (label=, name=, status=, id=, ancestor=, network=, volume=)', collect)
    .option('--format <FORMAT>', 'table, json, or a Go template')
    .option('--no-trunc', 'do not truncate output')
    .option('-n, --last <N>', 'show the n last created containers (includes all states)')
    .option('-l, --latest', 'show the latest created container (includes all states)')
    .option('-s, --size', 'display total file sizes')
    .action(
      act(ctx, async ({ io, engine }, o: { all?: boolean; quiet?: boolean; filter?: string[]; format?: string; trunc?: boolean; last?: string; latest?: boolean }) => {
        const { containerRow } = await import('./views.js');
        const e = await engine();
        const last = o.latest ? 1 : o.last !== undefined ? Number(o.last) : undefined;
        let list: ContainerSummary[] = await e.containerList({ all: !!o.all || last !== undefined, filters: parseFilters(o.filter) });
        list = [...list].sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
        if (last !== undefined && last >= 0) list = list.slice(0, last);
        const rows = list.map((s) => containerRow(s, { noTrunc: o.trunc === false }));
        await printList(io, rows, { format: o.format, quiet: o.quiet }, psHuman(rows));
      }),
    );

  c.command('inspect')
    .description('Display detailed information on one or more containers')
    .option('-f, --format <TEMPLATE>', 'format the output with a Go template')
    .option('-s, --size', 'display total file sizes')
    .argument('<CONTAINER...>')
    .action(
      act(ctx, async ({ io, engine }, names: string[], o: { format?: string }) => {
        const { containerView } = await import('./views.js');
        const e = await engine();
        const found: unknown[] = [];
        let missing = 0;
        for (const n of names) {
          try {
            found.push(containerView(await e.containerInspect(n)));
          } catch (err) {
            if ((err as { code?: string }).code !== 'NOT_FOUND') throw err;
            io.stderr.write(`Error: No such container: ${n}\n`);
            missing++;
          }
        }
        await printInspect(io, found, o.format);
        if (missing) throw new ExitError(EXIT.USER_ERROR);
      }),
    );

  c.command('logs')
    .description('Fetch the logs of a container')
    .option('-f, --follow', 'follow log output')
    .option('-n, --tail <N>', 'number of lines to show from the end ("all")', 'all')
    .option('--since <TIME>', 'show logs since a timestamp or relative time (e.g. 10m)')
    .option('--until <TIME>', 'show logs before a timestamp or relative time')
    .option('-t, --timestamps', 'show timestamps')
    .option('--details', 'show extra details')
    .argument('<CONTAINER>')
    .action(
      act(ctx, async ({ io, engine }, name: string, o: { follow?: boolean; tail: string; since?: string; until?: string; timestamps?: boolean }) => {
        const e = await engine();
        const ac = new AbortController();
        const stop = () => ac.abort();
        process.once('SIGINT', stop);
        try {
          for await (const l of e.containerLogs(
            name,
            {
              follow: !!o.follow,
              tail: o.tail === 'all' ? -1 : Number(o.tail),
              ...(o.since ? { since: relativeTime(o.since) } : {}),
              ...(o.until ? { until: relativeTime(o.until) } : {}),
              timestamps: !!o.timestamps,
            },
            ac.signal,
          )) {
            (l.stream === 'stderr' ? io.stderr : io.stdout).write(`${o.timestamps ? `${l.time} ` : ''}${l.line}\n`);
          }
        } finally {
          process.off('SIGINT', stop);
        }
      }),
    );

  c.command('attach')
    .description("Attach local standard input, output, and error streams to a running container (Ctrl+P Ctrl+Q detaches)")
    .option('--no-stdin', 'do not attach standard input')
    .option('--sig-proxy', 'proxy received signals to the process (default true)', true)
    .argument('<CONTAINER>')
    .action(
      act(ctx, async ({ io, engine }, name: string, o: { sigProxy?: boolean; stdin?: boolean }) => {
        const e = await engine();
        const ins = await e.containerInspect(name);
        if (!ins.state.running) throw new UserError('You cannot attach to a stopped container, start it first');
        if (e.containerAttach) {
          const stdin = o.stdin !== false && !!ins.config.openStdin;
          if (stdin && ins.config.tty && !io.stdin.isTTY) throw new UserError('the input device is not a TTY');
          process.exitCode = (await attachStreams(io, e, ins.id, { stdin, tty: !!ins.config.tty, sigProxy: o.sigProxy !== false })).code;
          return;
        }
        // Only new output: the logs since now, then the exit code.
        const ac = new AbortController();
        const logs = (async () => {
          for await (const l of e.containerLogs(name, { follow: true, tail: 0 }, ac.signal)) (l.stream === 'stderr' ? io.stderr : io.stdout).write(l.line + '\n');
        })().catch((err: unknown) => {
          if (!ac.signal.aborted) io.stderr.write(`berth: lost the output of ${name}: ${(err as Error).message}\n`);
        });
        const forward = (sig: NodeJS.Signals) => void e.containerKill(name, sig).catch(() => {});
        if (o.sigProxy !== false) process.on('SIGINT', forward);
        try {
          const { exitCode } = await e.containerWait(name, { condition: 'not-running' });
          await Promise.race([logs.catch(() => {}), new Promise((r) => setTimeout(r, 2000).unref())]);
          process.exitCode = exitCode;
        } finally {
          ac.abort();
          process.off('SIGINT', forward);
        }
      }),
    );

  c.command('exec')
    .description('Execute a command in a running container')
    .helpOption('--help', 'display help for command')
    .option('-d, --detach', 'run the command in the background')
    .option('-i, --interactive', 'keep STDIN open (piped input is passed to the command)')
    .option('-t, --tty', 'allocate a pseudo-TTY')
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', collect)
    .option('--env-file <FILE>', 'read environment variables from a file (repeatable)', collect)
    .option('-u, --user <USER>', 'user to run as')
    .option('-w, --workdir <DIR>', 'working directory')
    .option('--privileged', 'give extended privileges to the command')
    .argument('<CONTAINER>')
    .argument('<COMMAND...>')
    .passThroughOptions()
    .action(
      act(ctx, async ({ io, engine }, name: string, command: string[], o: { detach?: boolean; interactive?: boolean; tty?: boolean; env?: string[]; envFile?: string[]; user?: string; workdir?: string; privileged?: boolean }) => {
        if (!o.detach) requireTerminal(io, o);
        const { parseEnvLines } = await import('./run-flags.js');
        const { withRawTerminal } = await import('./interactive.js');
        const env = [...(o.envFile ?? []).flatMap((f) => parseEnvLines(fs.readFileSync(f, 'utf8'), io.env)), ...(o.env ?? [])];
        const e = await engine();
        const tty = !!o.tty && !o.detach;
        const r = await withRawTerminal(io, tty && !!o.interactive, () =>
          e.containerExec(
            name,
            {
              cmd: command,
              ...(env.length ? { env } : {}),
              ...(o.user ? { user: o.user } : {}),
              ...(o.workdir ? { workingDir: o.workdir } : {}),
              ...(o.privileged ? { privileged: true } : {}),
              ...(o.detach ? { detach: true } : {}),
              ...(tty ? { tty: true } : {}),
              ...(o.interactive && !o.detach ? { stdin: io.stdin as unknown as import('node:stream').Readable } : {}),
            },
            (stream, chunk) => (stream === 'stderr' ? io.stderr : io.stdout).write(chunk),
          ),
        );
        process.exitCode = r.exitCode;
      }),
    );

  c.command('top')
    .description('Display the running processes of a container')
    .argument('<CONTAINER>')
    .argument('[PS_OPTIONS...]')
    .passThroughOptions()
    .action(
      act(ctx, async ({ io, engine }, name: string, ps: string[]) => {
        const t = await (await engine()).containerTop(name, ps.length ? ps.join(' ') : undefined);
        io.stdout.write(table(t.titles, t.processes));
      }),
    );

  c.command('stats')
    .description('Display resource usage statistics of containers')
    .option('-a, --all', 'show all containers (default shows just running)')
    .option('--no-stream', 'print one sample and exit')
    .option('--format <FORMAT>', 'table, json, or a Go template')
    .argument('[CONTAINER...]')
    .action(
      act(ctx, async ({ io, engine }, names: string[], o: { all?: boolean; stream?: boolean; format?: string }) => {
        const e = await engine();
        const targets = names.length ? names : (await e.containerList({ all: !!o.all })).map((s) => s.id);
        const sample = async () => {
          const rows: Record<string, unknown>[] = [];
          for (const t of targets) {
            const s = await e.containerStats(t);
            rows.push({
              ID: shortId(s.id),
              Container: t,
              Name: s.name.replace(/^\//, ''),
              CPUPerc: `${s.cpuPercent.toFixed(2)}%`,
              MemUsage: `${humanSize(s.memoryUsage)} / ${s.memoryLimit ? humanSize(s.memoryLimit) : 'unlimited'}`,
              MemPerc: s.memoryLimit ? `${((100 * s.memoryUsage) / s.memoryLimit).toFixed(2)}%` : '0.00%',
              NetIO: `${humanSize(s.netRx)} / ${humanSize(s.netTx)}`,
              BlockIO: `${humanSize(s.blockRead)} / ${humanSize(s.blockWrite)}`,
              PIDs: String(s.pids),
            });
          }
          await printList(io, rows, { format: o.format }, {
            headers: ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'],
            cells: (r) => ['ID', 'Name', 'CPUPerc', 'MemUsage', 'MemPerc', 'NetIO', 'BlockIO', 'PIDs'].map((k) => String(r[k])),
          });
        };
        if (o.stream === false) return sample();
        for (;;) {
          io.stdout.write('\x1b[2J\x1b[H');
          await sample();
          await new Promise((r) => setTimeout(r, 1000));
        }
      }),
    );

  c.command('wait')
    .description('Block until one or more containers stop, then print their exit codes')
    .argument('<CONTAINER...>')
    .action(
      act(ctx, async ({ io, engine }, names: string[]) => {
        const e = await engine();
        await eachTarget(io, names, async (n) => String((await e.containerWait(n, { condition: 'not-running' })).exitCode));
      }),
    );

  c.command('port')
    .description('List port mappings of a container')
    .argument('<CONTAINER>')
    .argument('[PRIVATE_PORT[/PROTO]]')
    .action(
      act(ctx, async ({ io, engine }, name: string, filter: string | undefined) => {
        const ins = await (await engine()).containerInspect(name);
        let ports = ins.ports;
        if (filter) {
          const [p, proto = 'tcp'] = filter.split('/');
          ports = ports.filter((x) => x.containerPort === Number(p) && x.protocol === proto);
          if (!ports.length) throw new UserError(`No public port '${p}/${proto}' published for ${name}`);
          for (const x of ports) io.stdout.write(`${x.hostIp || '0.0.0.0'}:${x.hostPort}\n`);
          return;
        }
        for (const x of ports) io.stdout.write(`${x.containerPort}/${x.protocol} -> ${x.hostIp || '0.0.0.0'}:${x.hostPort}\n`);
      }),
    );

  c.command('commit')
    .description("Create a new image from a container's changes")
    .option('-c, --change <INSTRUCTION>', 'apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, ...) (repeatable)', collect)
    .option('-m, --message <TEXT>', 'commit message')
    .option('-a, --author <NAME>', 'author')
    .argument('<CONTAINER>')
    .argument('[REPOSITORY[:TAG]]')
    .action(
      act(ctx, async ({ io, engine }, name: string, ref: string | undefined, o: { change?: string[]; message?: string; author?: string }) => {
        const id = await (await engine()).containerCommit(name, ref ?? '', { changes: o.change ?? [], ...(o.message ? { message: o.message } : {}), ...(o.author ? { author: o.author } : {}) });
        io.stdout.write(id + '\n');
      }),
    );

  c.command('cp')
    .description('Copy files between a container and the host: cp CONTAINER:SRC DEST, or cp SRC CONTAINER:DEST')
    .argument('<SRC>')
    .argument('<DEST>')
    .action(
      act(ctx, async ({ io, engine }, src: string, dest: string) => {
        const { cpPlan } = await import('./cp.js');
        const plan = cpPlan(src, dest, io.cwd, (p) => {
          try {
            return fs.statSync(p).isDirectory();
          } catch {
            return false;
          }
        });
        const e = await engine();
        if (plan.dir === 'out') await e.containerCopyOut(plan.container, plan.containerPath, plan.hostPath);
        else {
          const r = await e.containerSync(plan.container, [{ op: 'copy', mode: 'cp', hostPath: plan.hostPath, containerPath: plan.containerPath }]);
          if (r.failed.length) throw new UserError(`copy to ${plan.container}:${plan.containerPath} failed: ${r.failed.map((f) => f.error).join('; ')}`);
        }
      }),
    );

  c.command('prune')
    .description('Remove all stopped containers')
    .option('-f, --force', 'do not prompt for confirmation')
    .action(
      act(ctx, async ({ io, engine }, o: { force?: boolean }) => {
        if (!(await confirm(io, 'WARNING! This will remove all stopped containers.', o.force))) return;
        const r = await (await engine()).containerPrune();
        if (r.deleted.length) io.stdout.write(`Deleted Containers:\n${r.deleted.join('\n')}\n\n`);
        io.stdout.write('Total reclaimed space: 0B\n');
      }),
    );
}

/** "10m", "2h", "30s" → an ISO time that long ago; anything else passes through. */
export function relativeTime(s: string, now = Date.now()): string {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(s);
  if (!m) return s;
  const ms = Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
  return new Date(now - ms).toISOString();
}
