/**
 * Image benchmarks (run as root):
 *
 *   npx vite-node bench/pull.ts [-- --mb 100 --layers 4 --rounds 3]
 *
 * 1. Pull of a multi-layer image (~100 MB of incompressible data in N layers) from a local
 *    docker-registry (127.0.0.1), interleaved round by round: `berth` pull into a fresh
 *    store (download + verify + unpack), `skopeo copy` to an OCI layout (download + verify,
 *    no unpack), and `skopeo copy` + `umoci unpack` (download + unpack, the like-for-like).
 * 2. A Dockerfile build cold (--no-cache) beside the cached rebuild of the same context.
 *    RUN steps use the unshare+chroot test runner, not a container runtime.
 * Nothing leaves the host; everything is created under /tmp/bt and removed at the end.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EventBus } from '../engine/common/events.js';
import { naming } from '../engine/common/naming.js';
import { createImageStore } from '../engine/images/index.js';
import { BUSYBOX_CHANGES, busyboxRootfsDir, busyboxTarball } from '../test/helpers/busybox.js';
import { tempRoot } from '../test/helpers/root.js';
import { chrootRunner } from '../test/e2e/images-chroot-runner.js';
import { startRegistry } from '../test/e2e/images-registry-helper.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const MB = arg('mb', 100);
const LAYERS = arg('layers', 4);
const ROUNDS = arg('rounds', 3);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const sh = (cmd: string, args: string[]): void => {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
};

function store(root: string): ReturnType<typeof createImageStore> {
  return createImageStore({ naming: naming(root), events: new EventBus(), log: () => undefined });
}

async function main(): Promise<void> {
  const work = tempRoot('bench');
  const reg = await startRegistry(path.join(work, 'registry'));
  const roots: string[] = [];
  try {
    // --- the test image: busybox + LAYERS layers of random data, pushed by skopeo
    const L = path.join(work, 'layout');
    sh('umoci', ['init', '--layout', L]);
    sh('umoci', ['new', '--image', `${L}:big`]);
    sh('umoci', ['insert', '--image', `${L}:big`, busyboxRootfsDir(), '/']);
    for (let i = 0; i < LAYERS; i++) {
      const d = path.join(work, `data${i}`);
      fs.mkdirSync(d);
      const per = Math.floor((MB * 1024 * 1024) / LAYERS / 4);
      for (let f = 0; f < 4; f++) fs.writeFileSync(path.join(d, `blob${f}.bin`), randomBytes(per));
      sh('umoci', ['insert', '--image', `${L}:big`, d, `/data/${i}`]);
    }
    const ref = `${reg.host}/bench/big:1`;
    sh('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${L}:big`, `docker://${ref}`]);
    const size = Number(execFileSync('du', ['-sb', path.join(reg.dir, 'data')]).toString().split('\t')[0]);

    const rows: Record<string, number[]> = { 'berth pull (download+verify+unpack)': [], 'skopeo copy to oci: (download+verify)': [], 'skopeo copy + umoci unpack': [] };
    for (let r = 0; r < ROUNDS; r++) {
      const root = tempRoot('benchp');
      roots.push(root);
      const s = store(root);
      await s.init();
      let t0 = process.hrtime.bigint();
      await s.pull(ref);
      rows['berth pull (download+verify+unpack)']!.push(ms(t0));
      const dest = path.join(work, `sk${r}`);
      t0 = process.hrtime.bigint();
      sh('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${ref}`, `oci:${dest}:big`]);
      rows['skopeo copy to oci: (download+verify)']!.push(ms(t0));
      const dest2 = path.join(work, `sku${r}`);
      t0 = process.hrtime.bigint();
      sh('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${ref}`, `oci:${dest2}:big`]);
      sh('umoci', ['unpack', '--image', `${dest2}:big`, path.join(work, `bundle${r}`)]);
      rows['skopeo copy + umoci unpack']!.push(ms(t0));
      fs.rmSync(root, { recursive: true, force: true });
    }
    console.log(`\n### Pull: ${(size / 1048576).toFixed(0)} MiB in the registry, ${LAYERS + 1} layers, ${ROUNDS} rounds\n`);
    console.log('| variant | median ms | rounds (ms) |\n|---|---|---|');
    for (const [k, v] of Object.entries(rows)) console.log(`| ${k} | ${median(v).toFixed(0)} | ${v.map((x) => x.toFixed(0)).join(' ')} |`);

    // --- build: cold vs cached
    const broot = tempRoot('benchb');
    roots.push(broot);
    const bs = store(broot);
    await bs.init();
    await bs.import(fs.createReadStream(busyboxTarball()), 'bb:1', BUSYBOX_CHANGES);
    const ctx = path.join(work, 'ctx');
    fs.mkdirSync(path.join(ctx, 'src'), { recursive: true });
    for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(ctx, 'src', `f${i}.txt`), randomBytes(20_000).toString('hex'));
    fs.writeFileSync(
      path.join(ctx, 'Dockerfile'),
      'FROM bb:1\nWORKDIR /app\nRUN mkdir -p /app/out && echo step1 > /app/out/a\nCOPY src/ /app/src/\nRUN cat /app/src/* | wc -c > /app/out/size\nRUN for i in 1 2 3 4 5; do echo $i >> /app/out/n; done\nENV MODE=prod\nCMD ["cat", "/app/out/size"]\n',
    );
    const runner = chrootRunner();
    const cold: number[] = [];
    const warm: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      let t0 = process.hrtime.bigint();
      await bs.build({ context: ctx, tags: ['b:1'], noCache: true }, runner);
      cold.push(ms(t0));
      t0 = process.hrtime.bigint();
      let cachedSteps = 0;
      await bs.build({ context: ctx, tags: ['b:1'] }, runner, (e) => e.status === 'CACHED' && cachedSteps++);
      warm.push(ms(t0));
      if (cachedSteps !== 7) throw new Error(`expected 7 CACHED steps, got ${cachedSteps}`);
    }
    console.log(`\n### Build: 7 steps (WORKDIR, 3 RUN, COPY of 200 files / 8 MB, ENV, CMD), ${ROUNDS} rounds\n`);
    console.log('| variant | median ms | rounds (ms) |\n|---|---|---|');
    console.log(`| cold (--no-cache) | ${median(cold).toFixed(0)} | ${cold.map((x) => x.toFixed(0)).join(' ')} |`);
    console.log(`| cached rebuild (all CACHED) | ${median(warm).toFixed(0)} | ${warm.map((x) => x.toFixed(0)).join(' ')} |`);
  } finally {
    await reg.stop();
    for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
