/** `berth image ...` and `berth login`. */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { ProgressEvent } from '../../../engine/api/types.js';
import { UserError } from '../../diag/diagnostic.js';
import { EXIT, ExitError } from '../exit.js';
import { act, collect, confirm, eachTarget, group, parseFilters, printInspect, printList, type Ctx, type Io } from './common.js';
import { ago, humanSize, shortId, table } from './format.js';

function progressPrinter(io: Io, quiet?: boolean): (p: ProgressEvent) => void {
  return (p) => {
    if (quiet) return;
    const counts = p.total ? ` ${humanSize(p.current ?? 0)}/${humanSize(p.total)}` : '';
    io.stdout.write(`${p.id}: ${p.status}${counts}${p.message ? ` ${p.message}` : ''}\n`);
  };
}

function input(io: Io, file: string | undefined): Readable {
  if (!file || file === '-') {
    if (io.stdin.isTTY) throw new UserError('requested load from stdin, but stdin is empty (give a file or pipe one in)');
    return io.stdin as unknown as Readable;
  }
  if (!fs.existsSync(file)) throw new UserError(`open ${file}: no such file or directory`);
  return fs.createReadStream(file);
}

export function registerImage(program: Command, ctx: () => Ctx): void {
  const img = group(program, 'image', 'Manage images');

  img
    .command('import')
    .description('Import a root filesystem tarball as an image (like docker import)')
    .option('-c, --change <INSTRUCTION>', 'Dockerfile instruction for the image config: CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL (repeatable)', collect)
    .option('-m, --message <TEXT>', 'commit message (kept in history)')
    .argument('<FILE|->', 'the tarball, or - for standard input')
    .argument('[REPOSITORY[:TAG]]')
    .action(
      act(ctx, async ({ io, engine }, file: string, ref: string | undefined, o: { change?: string[] }) => {
        const id = await (await engine()).imageImport(input(io, file), ref, o.change ?? []);
        io.stdout.write(id + '\n');
      }),
    );

  img
    .command('load')
    .description('Load images from a docker-save or OCI archive')
    .option('-i, --input <FILE>', 'read from this file instead of standard input')
    .option('-q, --quiet', 'suppress the progress output')
    .action(
      act(ctx, async ({ io, engine }, o: { input?: string; quiet?: boolean }) => {
        const refs = await (await engine()).imageLoad(input(io, o.input), progressPrinter(io, true));
        for (const r of refs) io.stdout.write(r.startsWith('sha256:') ? `Loaded image ID: ${r}\n` : `Loaded image: ${r}\n`);
      }),
    );

  img
    .command('save')
    .description('Save images to a tar archive (docker-save format, with an OCI index)')
    .option('-o, --output <FILE>', 'write to a file instead of standard output')
    .argument('<IMAGE...>')
    .action(
      act(ctx, async ({ io, engine }, refs: string[], o: { output?: string }) => {
        if (!o.output && (io.stdout as NodeJS.WriteStream).isTTY) throw new UserError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
        const stream = await (await engine()).imageSave(refs);
        if (o.output) {
          const tmp = `${o.output}.tmp-${process.pid}`;
          await pipeline(stream, fs.createWriteStream(tmp));
          fs.renameSync(tmp, path.resolve(o.output));
        } else await pipeline(stream, io.stdout as NodeJS.WritableStream);
      }),
    );

  img
    .command('pull')
    .description('Download an image from a registry')
    .option('-q, --quiet', 'suppress verbose output')
    .argument('<NAME[:TAG|@DIGEST]>')
    .action(
      act(ctx, async ({ io, engine }, ref: string, o: { quiet?: boolean }) => {
        const id = await (await engine()).imagePull(ref, progressPrinter(io, o.quiet));
        io.stdout.write(o.quiet ? `${ref}\n` : `Digest: ${id}\n${ref}\n`);
      }),
    );

  img
    .command('push')
    .description('Upload an image to a registry')
    .option('-q, --quiet', 'suppress verbose output')
    .argument('<NAME[:TAG]>')
    .action(
      act(ctx, async ({ io, engine }, ref: string, o: { quiet?: boolean }) => {
        const digest = await (await engine()).imagePush(ref, progressPrinter(io, o.quiet));
        io.stdout.write(`${ref}: digest: ${digest}\n`);
      }),
    );

  img
    .command('build')
    .description('Build an image from a Dockerfile')
    .option('-t, --tag <NAME[:TAG]>', 'name and tag (repeatable)', collect)
    .option('-f, --file <FILE>', 'Dockerfile (default CONTEXT/Dockerfile)')
    .option('--build-arg <KEY=VALUE>', 'build-time variable (repeatable)', collect)
    .option('--target <STAGE>', 'build up to this stage')
    .option('--no-cache', 'do not use the layer cache')
    .option('--pull', 'always pull newer base images')
    .option('--network <MODE>', 'network for RUN steps: none (default), host')
    .option('--label <KEY=VALUE>', 'image label (repeatable)', collect)
    .option('-q, --quiet', 'print only the image id')
    .argument('<CONTEXT>')
    .action(
      act(ctx, async ({ io, engine, }, context: string, o: { tag?: string[]; file?: string; buildArg?: string[]; target?: string; cache?: boolean; pull?: boolean; network?: string; label?: string[]; quiet?: boolean }) => {
        const kv = (l: string[] | undefined) => Object.fromEntries((l ?? []).map((x) => {
          const eq = x.indexOf('=');
          // --build-arg NAME without a value takes it from the environment, as Docker does.
          return eq < 0 ? [x, io.env[x] ?? ''] : [x.slice(0, eq), x.slice(eq + 1)];
        }));
        if (o.network && !['none', 'host', 'default'].includes(o.network)) throw new UserError(`--network must be none, host or default`);
        const dir = path.resolve(io.cwd, context);
        const id = await (await engine()).imageBuild(
          {
            context: dir,
            ...(o.file ? { dockerfile: path.resolve(io.cwd, o.file) } : {}),
            tags: o.tag ?? [],
            buildArgs: kv(o.buildArg),
            ...(o.target ? { target: o.target } : {}),
            noCache: o.cache === false,
            pull: !!o.pull,
            ...(o.network ? { network: o.network as 'none' | 'host' | 'default' } : {}),
            labels: kv(o.label),
          },
          (p) => {
            if (o.quiet) return;
            io.stderr.write(p.status === 'log' ? `${p.id} ${p.message ?? ''}\n` : `${p.id} ${p.status}${p.message ? ` ${p.message}` : ''}\n`);
          },
        );
        if (o.quiet) io.stdout.write(id + '\n');
        else {
          io.stdout.write(`Successfully built ${shortId(id)}\n`);
          for (const t of o.tag ?? []) io.stdout.write(`Successfully tagged ${t}\n`);
        }
      }),
    );

  img
    .command('ls')
    .alias('list')
    .description('List images')
    .option('-a, --all', 'show all images (default hides intermediate images)')
    .option('-q, --quiet', 'only show image ids')
    .option('-f, --filter <FILTER>', 'filter output (label=, dangling=, reference=, before=, since=)', collect)
    .option('--format <FORMAT>', 'table, json, or a Go template')
    .option('--no-trunc', 'do not truncate output')
    .option('--digests', 'show digests')
    .argument('[REPOSITORY[:TAG]]')
    .action(
      act(ctx, async ({ io, engine }, ref: string | undefined, o: { all?: boolean; quiet?: boolean; filter?: string[]; format?: string; trunc?: boolean; digests?: boolean }) => {
        const { imageRows } = await import('./views.js');
        const filters = parseFilters(o.filter) ?? {};
        if (ref) (filters.reference ??= []).push(ref);
        const list = await (await engine()).imageList({ all: !!o.all, filters });
        let rows = list.flatMap((i) => imageRows(i, { noTrunc: o.trunc === false }));
        if (o.quiet) rows = rows.filter((r, i) => rows.findIndex((x) => x.ID === r.ID) === i);
        const headers = ['REPOSITORY', 'TAG', ...(o.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE'];
        const keys = ['Repository', 'Tag', ...(o.digests ? ['Digest'] : []), 'ID', 'CreatedSince', 'Size'];
        await printList(io, rows, { format: o.format, quiet: o.quiet }, { headers, cells: (r) => keys.map((k) => String(r[k])) });
      }),
    );

  img
    .command('inspect')
    .description('Display detailed information on one or more images')
    .option('-f, --format <TEMPLATE>', 'format the output with a Go template')
    .argument('<IMAGE...>')
    .action(
      act(ctx, async ({ io, engine }, refs: string[], o: { format?: string }) => {
        const { imageView } = await import('./views.js');
        const e = await engine();
        const found: unknown[] = [];
        let missing = 0;
        for (const r of refs) {
          try {
            found.push(imageView(await e.imageInspect(r)));
          } catch (err) {
            if ((err as { code?: string }).code !== 'NOT_FOUND') throw err;
            io.stderr.write(`Error: No such image: ${r}\n`);
            missing++;
          }
        }
        await printInspect(io, found, o.format);
        if (missing) throw new ExitError(EXIT.USER_ERROR);
      }),
    );

  img
    .command('history')
    .description('Show the history of an image')
    .option('-H, --human', 'print sizes and dates in human readable format', true)
    .option('--no-trunc', 'do not truncate output')
    .option('-q, --quiet', 'only show image ids')
    .option('--format <FORMAT>', 'table, json, or a Go template')
    .argument('<IMAGE>')
    .action(
      act(ctx, async ({ io, engine }, ref: string, o: { trunc?: boolean; quiet?: boolean; format?: string }) => {
        const h = await (await engine()).imageHistory(ref);
        const rows = h.map((x) => ({
          ID: x.id && x.id !== '<missing>' ? (o.trunc === false ? x.id : shortId(x.id)) : '<missing>',
          CreatedSince: ago(x.created),
          CreatedAt: x.created,
          CreatedBy: o.trunc === false || x.createdBy.length <= 45 ? x.createdBy : `${x.createdBy.slice(0, 44)}…`,
          Size: humanSize(x.size),
          Comment: x.comment,
        }));
        await printList(io, rows, { format: o.format, quiet: o.quiet }, {
          headers: ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
          cells: (r) => ['ID', 'CreatedSince', 'CreatedBy', 'Size', 'Comment'].map((k) => String(r[k])),
        });
      }),
    );

  img
    .command('rm')
    .alias('remove')
    .description('Remove one or more images')
    .option('-f, --force', 'force removal of the image')
    .argument('<IMAGE...>')
    .action(
      act(ctx, async ({ io, engine }, refs: string[], o: { force?: boolean }) => {
        const e = await engine();
        await eachTarget(io, refs, async (r) => (await e.imageRemove(r, { force: !!o.force })).join('\n'));
      }),
    );

  img
    .command('tag')
    .description('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE')
    .argument('<SOURCE_IMAGE[:TAG]>')
    .argument('<TARGET_IMAGE[:TAG]>')
    .action(act(ctx, async ({ engine }, src: string, dst: string) => (await engine()).imageTag(src, dst)));

  img
    .command('prune')
    .description('Remove unused images')
    .option('-a, --all', 'remove all unused images, not just dangling ones')
    .option('-f, --force', 'do not prompt for confirmation')
    .option('--filter <FILTER>', 'filters (until=, label=)', collect)
    .action(
      act(ctx, async ({ io, engine }, o: { all?: boolean; force?: boolean; filter?: string[] }) => {
        const warn = o.all ? 'WARNING! This will remove all images without at least one container associated to them.' : 'WARNING! This will remove all dangling images.';
        if (!(await confirm(io, warn, o.force))) return;
        const r = await (await engine()).imagePrune({ all: !!o.all, ...(o.filter ? { filters: parseFilters(o.filter) } : {}) });
        if (r.deleted.length) io.stdout.write(`Deleted Images:\n${r.deleted.map((d) => (d.includes(':') && !d.startsWith('sha256:') ? d : `deleted: ${d}`)).join('\n')}\n\n`);
        io.stdout.write(`Total reclaimed space: ${humanSize(r.reclaimed)}\n`);
      }),
    );

  img
    .command('search')
    .description("Search a registry's catalog for images")
    .option('--registry <HOST[:PORT]>', 'registry to search (default: the configured one)')
    .option('--limit <N>', 'max number of results')
    .option('--format <FORMAT>', 'json, or a Go template')
    .argument('<TERM>')
    .action(
      act(ctx, async ({ io, engine }, term: string, o: { registry?: string; limit?: string; format?: string }) => {
        let names = await (await engine()).imageSearch(term, o.registry);
        if (o.limit) names = names.slice(0, Number(o.limit));
        const rows = names.map((n) => ({ Name: n, Description: '', StarCount: '0', IsOfficial: '', IsAutomated: '' }));
        await printList(io, rows, { format: o.format }, { headers: ['NAME', 'DESCRIPTION'], cells: (r) => [String(r.Name), ''] });
      }),
    );

  program
    .command('login')
    .description('Log in to a registry (credentials are stored 0600 under BERTH_ROOT)')
    .option('-u, --username <NAME>', 'username')
    .option('-p, --password <PASSWORD>', 'password')
    .option('--password-stdin', 'take the password from standard input')
    .argument('[SERVER]', 'registry host[:port]', 'docker.io')
    .action(
      act(ctx, async ({ io, engine }, server: string, o: { username?: string; password?: string; passwordStdin?: boolean }) => {
        let password = o.password;
        if (o.passwordStdin) {
          if (o.password) throw new UserError('--password and --password-stdin are mutually exclusive');
          const chunks: Buffer[] = [];
          for await (const c of io.stdin as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
          password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
        }
        if (!o.username || password === undefined) throw new UserError('login needs --username and --password or --password-stdin');
        if (o.password) io.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
        await (await engine()).login(server, o.username, password);
        io.stdout.write('Login Succeeded\n');
      }),
    );
  void table;
}
