/**
 * The contents of a project's secrets and configs, as digests on the project (plan/hash.ts
 * CONTENT_DIGESTS), so a changed file, inline content or environment value recreates the
 * services that mount it. Reading is injected; a file that cannot be read counts as "missing"
 * (the create then reports the real error).
 */
import type { Project } from '../model/types.js';
import { CONTENT_DIGESTS, contentDigest } from '../plan/hash.js';

export function contentDigests(project: Project, env: Record<string, string | undefined>, read: (file: string) => Uint8Array): Project {
  const out: Record<string, string> = {};
  const add = (kind: 'secrets' | 'configs', defs: Project['secrets']): void => {
    for (const [name, d] of Object.entries(defs ?? {})) {
      if (d.external) continue;
      let content: string | Uint8Array | undefined;
      if (d.content !== undefined) content = d.content;
      else if (d.environment !== undefined) content = env[d.environment] ?? '';
      else if (d.file !== undefined) {
        try {
          content = read(d.file);
        } catch {
          content = undefined;
        }
      }
      out[`${kind}.${name}`] = content === undefined ? 'missing' : contentDigest(content);
    }
  };
  add('secrets', project.secrets);
  add('configs', project.configs);
  if (!Object.keys(out).length) return project;
  return { ...project, [CONTENT_DIGESTS]: out };
}
