/** post_start / pre_stop hooks: each an exec in the container; a non-zero exit fails the step. */
import type { Engine } from '../../engine/api/types.js';
import type { Service } from '../model/types.js';

type Hook = NonNullable<Service['post_start']>[number];

export async function runHooks(engine: Engine, container: string, hooks: Hook[], which: 'post_start' | 'pre_stop'): Promise<void> {
  for (const h of hooks) {
    const r = await engine.containerExec(container, {
      cmd: h.command,
      ...(h.user ? { user: h.user } : {}),
      ...(h.privileged ? { privileged: true } : {}),
      ...(h.working_dir ? { workingDir: h.working_dir } : {}),
      ...(h.environment ? { env: Object.entries(h.environment).map(([k, v]) => `${k}=${v}`) } : {}),
    });
    if (r.exitCode !== 0) {
      const out = (r.stderr || r.stdout).trim();
      throw new Error(`${which} hook ${JSON.stringify(h.command.join(' '))} exited with code ${r.exitCode}${out ? `: ${out}` : ''}`);
    }
  }
}
