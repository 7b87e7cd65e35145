/**
 * RUN steps of image builds: a throwaway container on the builder's prepared rootfs, run in
 * the foreground with `runtime run` (no conmon: the step's lifetime is the build's), with
 * only loopback (network none) or the host's network.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BuildRunner, EngineContext, NetworkManager } from '../common/contracts.js';
import { newId } from '../common/naming.js';
import { removeCgroup, removeParentIfEmpty, type CgroupLayout } from '../cgroups/index.js';
import type { OciRuntime } from './driver.js';
import type { HostFacts } from './prepare.js';
import { buildSpec } from './spec.js';
import { secureJoin } from './fsops.js';

const OUTPUT_TAIL = 64 * 1024;

export function createBuildRunner(o: { ctx: EngineContext; runtime: OciRuntime; cgroups: CgroupLayout; networks: NetworkManager; facts: HostFacts; runDir: string }): BuildRunner {
  return {
    async runStep(step) {
      const id = `build-${newId().slice(0, 20)}`;
      const bundle = path.join(o.runDir, 'build', id);
      await fs.mkdir(bundle, { recursive: true });
      const cgroupsPath = `/${o.ctx.naming.long}/${id}`;
      let netnsPath: string | null = null;
      try {
        if (step.network !== 'host') netnsPath = await o.networks.setupIsolated(id);
        const read = async (p: string) => fs.readFile(await secureJoin(step.rootfs, p, { followLast: true }), 'utf8').catch(() => undefined);
        await fs.writeFile(path.join(bundle, 'hosts'), step.network === 'host' ? await fs.readFile('/etc/hosts', 'utf8').catch(() => '') : '127.0.0.1\tlocalhost\n');
        await fs.writeFile(path.join(bundle, 'resolv.conf'), await fs.readFile('/etc/resolv.conf', 'utf8').catch(() => ''));
        const { spec } = buildSpec({
          id,
          req: { image: '', cmd: step.cmd, entrypoint: null, env: step.env, user: step.user, workingDir: step.workingDir },
          image: {},
          rootfs: step.rootfs,
          passwd: await read('/etc/passwd'),
          group: await read('/etc/group'),
          cgroupsPath,
          netnsPath,
          hostsFile: path.join(bundle, 'hosts'),
          resolvConfFile: path.join(bundle, 'resolv.conf'),
          mounts: [],
          availableCaps: o.facts.availableCaps,
          hostRlimits: o.facts.hostRlimits,
          swapAccounting: o.facts.swapAccounting,
        });
        for (const f of ['/etc/hosts', '/etc/resolv.conf']) {
          const p = await secureJoin(step.rootfs, f, { followLast: true });
          await fs.mkdir(path.dirname(p), { recursive: true });
          await fs.writeFile(p, '', { flag: 'a' }).catch(() => {});
        }
        await fs.mkdir(await secureJoin(step.rootfs, spec.process.cwd, { followLast: true }), { recursive: true });
        await fs.writeFile(path.join(bundle, 'config.json'), JSON.stringify(spec));
        return await new Promise((resolve, reject) => {
          const child = spawn(o.runtime.wrapper, ['run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
          let output = '';
          let partial = '';
          const onData = (b: Buffer) => {
            const text = b.toString();
            output = (output + text).slice(-OUTPUT_TAIL);
            if (step.onOutput) {
              const lines = (partial + text).split('\n');
              partial = lines.pop() ?? '';
              for (const l of lines) step.onOutput(l);
            }
          };
          child.stdout.on('data', onData);
          child.stderr.on('data', onData);
          child.on('error', reject);
          child.on('close', (code) => {
            if (partial && step.onOutput) step.onOutput(partial);
            resolve({ exitCode: code ?? 1, output });
          });
        });
      } finally {
        await o.runtime.delete(id).catch(() => {});
        removeCgroup(o.cgroups, cgroupsPath);
        removeParentIfEmpty(o.cgroups, `/${o.ctx.naming.long}`);
        if (netnsPath) await o.networks.teardownSandbox(id).catch(() => {});
        await fs.rm(bundle, { recursive: true, force: true });
      }
    },
  };
}
