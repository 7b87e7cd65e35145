/** `berth engine start|stop|status` and `berth system df`. */
import type { Command } from 'commander';
import { EXIT, ExitError } from '../exit.js';
import { act, group, type Ctx } from './common.js';
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
}
