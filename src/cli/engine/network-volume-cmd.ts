/** `berth network ...` and `berth volume ...`. */
import type { Command } from 'commander';
import type { IpamConfig } from '../../../engine/api/types.js';
import { UserError } from '../../diag/diagnostic.js';
import { EXIT, ExitError } from '../exit.js';
import { act, collect, confirm, eachTarget, group, parseFilters, printInspect, printList, type Ctx } from './common.js';
import { humanSize } from './format.js';
import { kv } from './run-flags.js';

/** Docker pairs the n-th --gateway and --ip-range with the n-th --subnet. */
export function ipamFrom(o: { subnet?: string[]; gateway?: string[]; ipRange?: string[]; auxAddress?: string[] }): IpamConfig[] {
  const subnets = o.subnet ?? [];
  if (!subnets.length && (o.gateway?.length || o.ipRange?.length)) throw new UserError('--gateway and --ip-range need a --subnet');
  if ((o.gateway?.length ?? 0) > subnets.length || (o.ipRange?.length ?? 0) > subnets.length) throw new UserError('more --gateway or --ip-range than --subnet');
  const aux = kv(o.auxAddress, '--aux-address');
  return subnets.map((subnet, i) => ({
    subnet,
    ...(o.gateway?.[i] ? { gateway: o.gateway[i] } : {}),
    ...(o.ipRange?.[i] ? { ipRange: o.ipRange[i] } : {}),
    ...(i === 0 && Object.keys(aux).length ? { auxAddresses: aux } : {}),
  }));
}

async function inspectAll<T>(names: string[], get: (n: string) => Promise<T>, stderr: NodeJS.WritableStream, what: string): Promise<{ found: T[]; missing: number }> {
  const found: T[] = [];
  let missing = 0;
  for (const n of names) {
    try {
      found.push(await get(n));
    } catch (e) {
      if ((e as { code?: string }).code !== 'NOT_FOUND') throw e;
      stderr.write(`Error: No such ${what}: ${n}\n`);
      missing++;
    }
  }
  return { found, missing };
}

export function registerNetwork(program: Command, ctx: () => Ctx): void {
  const net = group(program, 'network', 'Manage networks');

  net
    .command('create')
    .description('Create a network')
    .option('-d, --driver <DRIVER>', 'driver (bridge)', 'bridge')
    .option('--subnet <CIDR>', 'subnet (repeatable)', collect)
    .option('--gateway <IP>', 'gateway for the subnet (repeatable)', collect)
    .option('--ip-range <CIDR>', 'allocate addresses from this range (repeatable)', collect)
    .option('--aux-address <NAME=IP>', 'addresses the allocator must not hand out (repeatable)', collect)
    .option('--internal', 'no route beyond the bridge')
    .option('--ipv6', 'enable IPv6')
    .option('--attachable', 'accepted for compatibility')
    .option('--label <KEY=VALUE>', 'label (repeatable)', collect)
    .option('-o, --opt <KEY=VALUE>', 'driver option (repeatable)', collect)
    .argument('<NAME>')
    .action(
      act(ctx, async ({ io, engine }, name: string, o: { driver: string; subnet?: string[]; gateway?: string[]; ipRange?: string[]; auxAddress?: string[]; internal?: boolean; ipv6?: boolean; attachable?: boolean; label?: string[]; opt?: string[] }) => {
        const ipam = ipamFrom(o);
        const { id } = await (await engine()).networkCreate({
          name,
          driver: o.driver,
          ...(o.internal ? { internal: true } : {}),
          ...(o.ipv6 ? { enableIPv6: true } : {}),
          ...(o.attachable ? { attachable: true } : {}),
          labels: kv(o.label, '--label'),
          options: kv(o.opt, '--opt'),
          ...(ipam.length ? { ipam } : {}),
        });
        io.stdout.write(id + '\n');
      }),
    );

  net
    .command('ls')
    .alias('list')
    .description('List networks')
    .option('-q, --quiet', 'only display network ids')
    .option('-f, --filter <FILTER>', 'filter output (name=, id=, label=, driver=)', collect)
    .option('--format <FORMAT>', 'table, json, or a Go template')
    .option('--no-trunc', 'do not truncate output')
    .action(
      act(ctx, async ({ io, engine }, o: { quiet?: boolean; filter?: string[]; format?: string; trunc?: boolean }) => {
        const { networkRow } = await import('./views.js');
        const list = await (await engine()).networkList({ filters: parseFilters(o.filter) });
        const rows = list.map((n) => networkRow(n, o.trunc === false));
        await printList(io, rows, { format: o.format, quiet: o.quiet }, { headers: ['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], cells: (r) => ['ID', 'Name', 'Driver', 'Scope'].map((k) => String(r[k])) });
      }),
    );

  net
    .command('inspect')
    .description('Display detailed information on one or more networks')
    .option('-f, --format <TEMPLATE>', 'format the output with a Go template')
    .argument('<NETWORK...>')
    .action(
      act(ctx, async ({ io, engine }, names: string[], o: { format?: string }) => {
        const { networkView } = await import('./views.js');
        const e = await engine();
        const { found, missing } = await inspectAll(names, async (n) => networkView(await e.networkInspect(n)), io.stderr, 'network');
        await printInspect(io, found, o.format);
        if (missing) throw new ExitError(EXIT.USER_ERROR);
      }),
    );

  net
    .command('rm')
    .alias('remove')
    .description('Remove one or more networks')
    .argument('<NETWORK...>')
    .action(
      act(ctx, async ({ io, engine }, names: string[]) => {
        const e = await engine();
        await eachTarget(io, names, async (n) => {
          await e.networkRemove(n);
          return n;
        });
      }),
    );

  net
    .command('prune')
    .description('Remove all unused networks')
    .option('-f, --force', 'do not prompt for confirmation')
    .option('--filter <FILTER>', 'filters (label=, until=)', collect)
    .action(
      act(ctx, async ({ io, engine }, o: { force?: boolean; filter?: string[] }) => {
        if (!(await confirm(io, 'WARNING! This will remove all custom networks not used by at least one container.', o.force))) return;
        const r = await (await engine()).networkPrune({ ...(o.filter ? { filters: parseFilters(o.filter) } : {}) });
        if (r.deleted.length) io.stdout.write(`Deleted Networks:\n${r.deleted.join('\n')}\n`);
      }),
    );

  net
    .command('connect')
    .description('Connect a container to a network')
    .option('--alias <ALIAS>', 'network-scoped alias (repeatable)', collect)
    .option('--ip <ADDR>', 'IPv4 address')
    .argument('<NETWORK>')
    .argument('<CONTAINER>')
    .action(
      act(ctx, async ({ engine }, network: string, container: string, o: { alias?: string[]; ip?: string }) => {
        await (await engine()).networkConnect(network, container, { ...(o.alias ? { aliases: o.alias } : {}), ...(o.ip ? { ipv4Address: o.ip } : {}) });
      }),
    );

  net
    .command('disconnect')
    .description('Disconnect a container from a network')
    .option('-f, --force', 'force the container to disconnect')
    .argument('<NETWORK>')
    .argument('<CONTAINER>')
    .action(
      act(ctx, async ({ engine }, network: string, container: string, o: { force?: boolean }) => {
        await (await engine()).networkDisconnect(network, container, { force: !!o.force });
      }),
    );
}

export function registerVolume(program: Command, ctx: () => Ctx): void {
  const vol = group(program, 'volume', 'Manage volumes');

  vol
    .command('create')
    .description('Create a volume')
    .option('-d, --driver <DRIVER>', 'driver (local)', 'local')
    .option('-o, --opt <KEY=VALUE>', 'driver option: type=, device=, o= (repeatable)', collect)
    .option('--label <KEY=VALUE>', 'label (repeatable)', collect)
    .option('--name <NAME>', 'volume name')
    .argument('[NAME]')
    .action(
      act(ctx, async ({ io, engine }, name: string | undefined, o: { driver: string; opt?: string[]; label?: string[]; name?: string }) => {
        if (name && o.name && name !== o.name) throw new UserError(`conflicting names: ${name} and --name ${o.name}`);
        const v = await (await engine()).volumeCreate({ ...(name ?? o.name ? { name: name ?? o.name } : {}), driver: o.driver, driverOpts: kv(o.opt, '--opt'), labels: kv(o.label, '--label') });
        io.stdout.write(v.name + '\n');
      }),
    );

  vol
    .command('ls')
    .alias('list')
    .description('List volumes')
    .option('-q, --quiet', 'only display volume names')
    .option('-f, --filter <FILTER>', 'filter output (name=, label=, dangling=, driver=)', collect)
    .option('--format <FORMAT>', 'table, json, or a Go template')
    .action(
      act(ctx, async ({ io, engine }, o: { quiet?: boolean; filter?: string[]; format?: string }) => {
        const { volumeRow } = await import('./views.js');
        const list = await (await engine()).volumeList({ filters: parseFilters(o.filter) });
        const rows = list.map(volumeRow);
        await printList(io, rows, { format: o.format, quiet: o.quiet, quietField: 'Name' }, { headers: ['DRIVER', 'VOLUME NAME'], cells: (r) => [String(r.Driver), String(r.Name)] });
      }),
    );

  vol
    .command('inspect')
    .description('Display detailed information on one or more volumes')
    .option('-f, --format <TEMPLATE>', 'format the output with a Go template')
    .argument('<VOLUME...>')
    .action(
      act(ctx, async ({ io, engine }, names: string[], o: { format?: string }) => {
        const { volumeView } = await import('./views.js');
        const e = await engine();
        const { found, missing } = await inspectAll(names, async (n) => volumeView(await e.volumeInspect(n)), io.stderr, 'volume');
        await printInspect(io, found, o.format);
        if (missing) throw new ExitError(EXIT.USER_ERROR);
      }),
    );

  vol
    .command('rm')
    .alias('remove')
    .description('Remove one or more volumes')
    .option('-f, --force', 'force the removal')
    .argument('<VOLUME...>')
    .action(
      act(ctx, async ({ io, engine }, names: string[], o: { force?: boolean }) => {
        const e = await engine();
        await eachTarget(io, names, async (n) => {
          await e.volumeRemove(n, { force: !!o.force });
          return n;
        });
      }),
    );

  vol
    .command('prune')
    .description('Remove unused volumes (anonymous ones unless --all)')
    .option('-a, --all', 'remove all unused volumes, not just anonymous ones')
    .option('-f, --force', 'do not prompt for confirmation')
    .option('--filter <FILTER>', 'filters (label=)', collect)
    .action(
      act(ctx, async ({ io, engine }, o: { all?: boolean; force?: boolean; filter?: string[] }) => {
        if (!(await confirm(io, 'WARNING! This will remove anonymous local volumes not used by at least one container.', o.force))) return;
        const r = await (await engine()).volumePrune({ all: !!o.all, ...(o.filter ? { filters: parseFilters(o.filter) } : {}) });
        if (r.deleted.length) io.stdout.write(`Deleted Volumes:\n${r.deleted.join('\n')}\n\n`);
        io.stdout.write(`Total reclaimed space: ${humanSize(r.reclaimed)}\n`);
      }),
    );
}
