/**
 * `berth config`: load the project and print the canonical model (or a part of it, or its
 * graph). Needs neither root nor an engine. Heavy modules are imported inside the action.
 */
import type { Command } from 'commander';
import type { GlobalLoadFlags } from '../../load/options.js';

interface ConfigFlags {
  format?: string;
  services?: boolean;
  volumes?: boolean;
  networks?: boolean;
  profiles?: boolean;
  images?: boolean;
  variables?: boolean;
  hash?: string;
  interpolate?: boolean;
  pathResolution?: boolean;
  quiet?: boolean;
  output?: string;
  graph?: string;
  /** Services named on the command line. */
  only?: string[];
}

export function register(program: Command): void {
  program
    .command('config')
    .argument('[services...]', 'only these services (and what they depend on); also enables their profiles')
    .description('Parse, resolve and render the Compose files in canonical form')
    .option('--format <FORMAT>', 'output format: yaml or json', 'yaml')
    .option('--services', 'print the service names, one per line')
    .option('--volumes', 'print the volume names, one per line')
    .option('--networks', 'print the network names, one per line')
    .option('--profiles', 'print the profile names, one per line')
    .option('--images', 'print the image names, one per line')
    .option('--variables', 'print the variables the files use, with their defaults')
    .option('--hash <SERVICE>', 'print the config hash of a service ("*" for all)')
    .option('--no-interpolate', 'do not substitute variables')
    .option('--no-path-resolution', 'keep file paths as written (relative)')
    .option('-q, --quiet', 'only validate the configuration, print nothing')
    .option('-o, --output <FILE>', 'write the output to FILE instead of standard output')
    .option('--graph <FORMAT>', 'print the dependency graph: dot, mermaid or json')
    .action(async (services: string[], flags: ConfigFlags, cmd: Command) => {
      const text = await configText({ ...flags, only: services }, cmd.optsWithGlobals() as GlobalLoadFlags, process.env, process.cwd());
      if (flags.quiet) return;
      if (flags.output) {
        const { writeFileSync } = await import('node:fs');
        writeFileSync(flags.output, text);
      } else process.stdout.write(text);
    });
}

/** Everything `config` prints, as text (so tests can call it without a process). Throws DiagnosticError / UserError. */
export async function configText(flags: ConfigFlags, globals: GlobalLoadFlags, env: Record<string, string | undefined>, cwd: string): Promise<string> {
  const { UserError } = await import('../../diag/diagnostic.js');
  const format = (flags.format ?? 'yaml').toLowerCase();
  if (format !== 'yaml' && format !== 'json') throw new UserError(`unsupported --format "${flags.format}": use yaml or json`);
  if (flags.graph !== undefined && !['dot', 'mermaid', 'json'].includes(flags.graph)) throw new UserError(`unsupported --graph "${flags.graph}": use dot, mermaid or json`);
  const { loadOptionsFrom } = await import('../../load/options.js');
  const { loadProject } = await import('../../load/index.js');
  const opts = loadOptionsFrom(globals, env, cwd);
  // --variables lists what the files use; it must work before the variables are set.
  if (flags.interpolate === false || flags.variables) opts.interpolate = false;
  if (flags.only && flags.only.length) opts.services = flags.only;
  if (flags.pathResolution === false) opts.resolvePaths = false;
  const result = await loadProject(opts);
  if (flags.only && flags.only.length) {
    const { withSelectedServices } = await import('../../model/profiles.js');
    result.project = withSelectedServices(result.project, flags.only);
  }
  const { formatDiagnostic } = await import('../../diag/diagnostic.js');
  const { readFileSync } = await import('node:fs');
  const source = (f?: string) => {
    try {
      return f ? readFileSync(f, 'utf8') : undefined;
    } catch {
      return undefined;
    }
  };
  for (const w of result.warnings) process.stderr.write(formatDiagnostic(w, source(w.file)) + '\n');
  const project = result.project;
  const lines = (xs: string[]) => (xs.length ? xs.join('\n') + '\n' : '');
  if (flags.services) return lines(Object.keys(project.services).sort());
  if (flags.volumes) return lines(Object.keys(project.volumes ?? {}).sort());
  if (flags.networks) return lines(Object.keys(project.networks ?? {}).sort());
  if (flags.profiles) return lines(result.profiles ?? []);
  if (flags.images) {
    return lines(Object.keys(project.services).sort().map((n) => project.services[n]!.image ?? `${project.name}-${n}`));
  }
  if (flags.variables) {
    const vars = result.variables ?? [];
    if (format === 'json') return JSON.stringify(Object.fromEntries(vars.map((v) => [v.name, v])), null, 2) + '\n';
    const rows = [['NAME', 'REQUIRED', 'DEFAULT VALUE', 'ALTERNATE VALUE'], ...vars.map((v) => [v.name, v.required ? 'true' : 'false', v.defaultValue ?? '', v.alternateValue ?? ''])];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n') + '\n';
  }
  if (flags.hash !== undefined) {
    // The hash the planner stamps on containers (com.docker.compose.config-hash).
    // Secrets' and configs' contents count, as they do for `up` (src/app/content.ts).
    const { serviceConfigHash: serviceHash, serviceContentDigest } = await import('../../plan/hash.js');
    const { contentDigests } = await import('../../app/content.js');
    const { readFileSync } = await import('node:fs');
    const withContent = contentDigests(project, env, (f) => readFileSync(f));
    const names = flags.hash === '*' ? Object.keys(project.services).sort() : flags.hash.split(',').map((s) => s.trim());
    for (const n of names) if (!(n in project.services)) throw new UserError(`no such service: ${n}`);
    return lines(names.map((n) => `${n} ${serviceHash(project.services[n]!, serviceContentDigest(withContent, n))}`));
  }
  if (flags.graph) {
    const { buildGraph } = await import('../../graph/index.js');
    const g = buildGraph(project);
    if (flags.graph === 'dot') return g.toDot();
    if (flags.graph === 'mermaid') return g.toMermaid();
    return JSON.stringify(g.toJSON(), null, 2) + '\n';
  }
  const { renderProject } = await import('../../load/render.js');
  return renderProject(project, format, flags.interpolate !== false);
}
