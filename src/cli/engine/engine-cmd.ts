/** `berth engine start|stop|status` and `berth system df`. */
import type { Command } from 'commander';
import { UserError } from '../../diag/diagnostic.js';
import { EXIT, ExitError } from '../exit.js';
import { act, collect, confirm, group, parseFilters, type Ctx } from './common.js';
import { humanSize, table } from './format.js';

export function registerEngine(program: Command, ctx: () => Ctx): void {
  const engine = group(program, 'engine', 'Manage the berth engine (the daemon that runs containers)');

  engine
    .command('start')
    .description('Start the engine for BERTH_ROOT unless it is running (commands start it on demand too)')
    .action(
      act(ctx, async ({ io }) => {
        const { startEngine } = await import('../../app/engine.js');
        const r = await startEngine({ env: io.env });
        io.stdout.write(r.started ? `berth engine started (pid ${r.pid})\n` : `berth engine is already running (pid ${r.pid})\n`);
      }),
    );

  engine
    .command('stop')
    .description('Stop the engine; containers keep running and the next engine adopts them')
    .action(
      act(ctx, async ({ io }) => {
        const { stopEngine } = await import('../../app/engine.js');
        const r = await stopEngine({ env: io.env });
        io.stdout.write(r ? `berth engine stopped (pid ${r.pid})\n` : 'berth engine is not running\n');
      }),
    );

  engine
    .command('status')
    .description('Show whether the engine runs, and its pid, version, root and runtime')
    .option('--format <FORMAT>', 'json, or a Go template')
    .action(
      act(ctx, async ({ io }, opts: { format?: string }) => {
        const { connectEngine, engineRoot } = await import('../../app/engine.js');
        const { isEngineError } = await import('../../../engine/api/types.js');
        const root = engineRoot({ env: io.env });
        let info;
        try {
          info = await (await connectEngine({ env: io.env, autoStart: false })).info();
        } catch (e) {
          if (!isEngineError(e, 'UNAVAILABLE')) throw e;
          if (opts.format === 'json') io.stdout.write(JSON.stringify({ running: false, root }) + '\n');
          else io.stdout.write(`berth engine: not running (root ${root})\n`);
          throw new ExitError(EXIT.ENGINE_UNAVAILABLE);
        }
        const view = { running: true, ...info };
        if (opts.format === 'json') {
          io.stdout.write(JSON.stringify(view) + '\n');
          return;
        }
        if (opts.format) {
          const { renderTemplate } = await import('./template.js');
          io.stdout.write(renderTemplate(opts.format, view) + '\n');
          return;
        }
        const c = info.containers;
        io.stdout.write(
          [
            `berth engine: running`,
            ` PID:         ${info.pid}`,
            ` Version:     ${info.version}`,
            ` Root:        ${info.root} (id ${info.rootId})`,
            ` Runtime:     ${info.runtime}${info.runtimePath ? ` (${info.runtimePath})` : ''}`,
            ` Cgroups:     v${info.cgroupVersion}`,
            ` Started:     ${info.startedAt}`,
            ` Containers:  ${c.total} (running ${c.running}, paused ${c.paused}, stopped ${c.stopped})`,
            ` Images:      ${info.images}`,
          ].join('\n') + '\n',
        );
      }),
    );

  const system = group(program, 'system', 'Engine-wide information');
  system
    .command('df')
    .description('Show disk use of images, containers and volumes')
    .option('--format <FORMAT>', 'json, or a Go template')
    .action(
      act(ctx, async ({ io, engine }, opts: { format?: string }) => {
        const du = await (await engine()).diskUsage();
        const rows = [
          { Type: 'Images', TotalCount: du.images.count, Active: '', Size: humanSize(du.images.size), Reclaimable: humanSize(du.images.reclaimable) },
          { Type: 'Containers', TotalCount: du.containers.count, Active: '', Size: humanSize(du.containers.size), Reclaimable: '0B' },
          { Type: 'Local Volumes', TotalCount: du.volumes.count, Active: '', Size: humanSize(du.volumes.size), Reclaimable: '' },
        ];
        if (opts.format) {
          const { printList } = await import('./common.js');
          await printList(io, rows, { format: opts.format }, { headers: [], cells: () => [] });
          return;
        }
        io.stdout.write(table(['TYPE', 'TOTAL', 'SIZE', 'RECLAIMABLE'], rows.map((r) => [r.Type, String(r.TotalCount), r.Size, r.Reclaimable])));
      }),
    );

  system
    .command('events')
    .description('Stream engine events (create, start, die, destroy, pull, ...) until interrupted')
    .option('-f, --filter <FILTER>', 'type=, event=, container=, label= (repeatable)', collect)
    .option('--since <TIME>', 'replay kept events since this time (ISO, unix seconds, or 10m)')
    .option('--until <TIME>', 'stop at this time (ISO or relative like 30s)')
    .option('--format <FORMAT>', 'json, or a Go template')
    .action(
      act(ctx, async ({ io, engine }, o: { filter?: string[]; since?: string; until?: string; format?: string }) => {
        const { relativeTime } = await import('./container-cmd.js');
        const e = await engine();
        const ac = new AbortController();
        const stop = () => ac.abort();
        process.once('SIGINT', stop);
        let timer: NodeJS.Timeout | undefined;
        // Docker's rule: absolute times, unix seconds, or a duration meaning "that long ago".
        const when = (t: string) => (/^\d+(\.\d+)?$/.test(t) ? new Date(Number(t) * 1000).toISOString() : relativeTime(t));
        if (o.until) {
          const at = Date.parse(when(o.until));
          if (Number.isNaN(at)) throw new UserError(`invalid --until ${JSON.stringify(o.until)}`);
          timer = setTimeout(stop, Math.max(0, at - Date.now()));
        }
        const since = o.since ? when(o.since) : undefined;
        const tpl = o.format && o.format !== 'json' ? (await import('./template.js')).compileTemplate(o.format) : undefined;
        try {
          for await (const ev of e.events({ filters: parseFilters(o.filter) ?? {}, ...(since ? { since } : {}) }, ac.signal)) {
            const docker = { Type: ev.type, Action: ev.action, Actor: { ID: ev.id, Attributes: ev.attributes }, time: Math.floor(Date.parse(ev.time) / 1000), timeNano: Date.parse(ev.time) * 1e6, ID: ev.id, Status: ev.action, From: ev.attributes.image ?? '' };
            if (o.format === 'json') io.stdout.write(JSON.stringify(docker) + '\n');
            else if (tpl) io.stdout.write(tpl(docker) + '\n');
            else {
              const attrs = Object.entries(ev.attributes).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(', ');
              io.stdout.write(`${ev.time} ${ev.type} ${ev.action} ${ev.id}${attrs ? ` (${attrs})` : ''}\n`);
            }
          }
        } finally {
          process.off('SIGINT', stop);
          if (timer) clearTimeout(timer);
        }
      }),
    );

  system
    .command('prune')
    .description('Remove stopped containers, unused networks, dangling images (and with --volumes, anonymous volumes)')
    .option('-a, --all', 'remove all unused images, not just dangling ones')
    .option('--volumes', 'prune anonymous volumes too')
    .option('-f, --force', 'do not prompt for confirmation')
    .action(
      act(ctx, async ({ io, engine }, o: { all?: boolean; volumes?: boolean; force?: boolean }) => {
        const what = ['all stopped containers', 'all networks not used by at least one container', ...(o.volumes ? ['all anonymous volumes not used by at least one container'] : []), o.all ? 'all images without at least one container associated to them' : 'all dangling images'];
        if (!(await confirm(io, `WARNING! This will remove:\n${what.map((w) => `  - ${w}`).join('\n')}`, o.force))) return;
        const e = await engine();
        const c = await e.containerPrune();
        if (c.deleted.length) io.stdout.write(`Deleted Containers:\n${c.deleted.join('\n')}\n\n`);
        const n = await e.networkPrune();
        if (n.deleted.length) io.stdout.write(`Deleted Networks:\n${n.deleted.join('\n')}\n\n`);
        let reclaimed = 0;
        if (o.volumes) {
          const v = await e.volumePrune({});
          reclaimed += v.reclaimed;
          if (v.deleted.length) io.stdout.write(`Deleted Volumes:\n${v.deleted.join('\n')}\n\n`);
        }
        const i = await e.imagePrune({ all: !!o.all });
        reclaimed += i.reclaimed;
        if (i.deleted.length) io.stdout.write(`Deleted Images:\n${i.deleted.join('\n')}\n\n`);
        io.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
      }),
    );
}
