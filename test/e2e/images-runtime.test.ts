/**
 * Images with the real container runtime (crun/runc + conmon through the container
 * manager): an imported busybox rootfs runs; a multi-stage build runs its RUN steps in real
 * build containers (ContainerManager.buildRunner()), with no network by default; the cached
 * rebuild is CACHED at every step; the built image runs; commit of a container's changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { LogLine, ProgressEvent } from '../../engine/api/types.js';
import { importBusybox, makeRig, rmRoot, type Rig } from '../../engine/runtime/testkit.js';
import { BUSYBOX_CHANGES, busyboxRootfsDir, busyboxTarball, requireTools } from '../helpers/busybox.js';
import { execFileSync } from 'node:child_process';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';

requireRoot();
requireTools('conmon', 'busybox', 'skopeo', 'umoci');
let rig: Rig;
let ctxDir = '';

beforeAll(async () => {
  rig = await makeRig(tempRoot('imgrt'));
  await importBusybox(rig.images, busyboxTarball(), BUSYBOX_CHANGES, 'bbrt:1');
  ctxDir = path.join(rig.root, 'ctx');
  fs.mkdirSync(ctxDir);
  fs.writeFileSync(path.join(ctxDir, 'greet.sh'), '#!/bin/sh\necho "greetings from $(id -un) in $(pwd)"\n', { mode: 0o755 });
  fs.writeFileSync(
    path.join(ctxDir, 'Dockerfile'),
    [
      'FROM bbrt:1 AS build',
      'ARG WHO=world',
      'RUN mkdir -p /out && echo "hello $WHO" > /out/hello.txt',
      'RUN (ip -o link 2>/dev/null || cat /proc/net/dev) | grep -c -v -E "lo:|Inter-|face" > /out/ifaces || true',
      'FROM bbrt:1',
      'COPY --from=build /out/ /srv/',
      'COPY --chown=nobody greet.sh /usr/local/bin/greet',
      'WORKDIR /srv',
      'USER nobody',
      'RUN greet > /tmp/greeted && cat /tmp/greeted',
      'CMD ["sh", "-c", "cat /srv/hello.txt /srv/ifaces /tmp/greeted"]',
    ].join('\n'),
  );
});

afterAll(async () => {
  const root = rig.root;
  await rig.teardown();
  assertNoLeaks(root);
  rmRoot(root);
});

async function runToEnd(image: string, cmd?: string[]): Promise<string> {
  const { id } = await rig.mgr.containerCreate({ image, ...(cmd ? { cmd } : {}) });
  await rig.mgr.containerStart(id);
  const { exitCode } = await rig.mgr.containerWait(id);
  const lines: LogLine[] = [];
  for await (const l of rig.mgr.containerLogs(id, {})) lines.push(l);
  await rig.mgr.containerRemove(id);
  expect(exitCode).toBe(0);
  return lines.map((l) => l.line).join('\n');
}

describe('images with the container runtime', () => {
  it('runs an imported busybox rootfs', async () => {
    expect(await runToEnd('bbrt:1', ['sh', '-c', 'echo $PATH; ls /bin/busybox'])).toBe('/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n/bin/busybox');
  });

  it('runs an image made by umoci and skopeo, loaded from a docker-archive', async () => {
    const L = path.join(rig.root, 'layout');
    const sh = (cmd: string, args: string[]): void => void execFileSync(cmd, args, { stdio: 'ignore' });
    sh('umoci', ['init', '--layout', L]);
    sh('umoci', ['new', '--image', `${L}:s`]);
    sh('umoci', ['insert', '--image', `${L}:s`, busyboxRootfsDir(), '/']);
    sh('umoci', ['config', '--image', `${L}:s`, '--config.env', 'PATH=/bin:/usr/bin', '--config.cmd', 'sh', '--config.cmd', '-c', '--config.cmd', 'echo made-by-skopeo']);
    const tar = path.join(rig.root, 's.tar');
    sh('skopeo', ['copy', '-q', `oci:${L}:s`, `docker-archive:${tar}:skopeo/made:1`]);
    expect(await rig.images.load(fs.createReadStream(tar))).toEqual(['skopeo/made:1']);
    expect(await runToEnd('skopeo/made:1')).toBe('made-by-skopeo');
  });

  it('builds with RUN in real containers, caches every step, and the image runs', async () => {
    const ev: ProgressEvent[] = [];
    const id = await rig.images.build({ context: ctxDir, tags: ['built:1'], buildArgs: { WHO: 'berth' } }, rig.mgr.buildRunner(), (e) => ev.push(e));
    expect(ev.some((e) => e.status === 'log' && e.message === 'greetings from nobody in /srv')).toBe(true);
    const out = await runToEnd('built:1');
    // no interface but lo in a RUN step without --network host
    expect(out.split('\n')).toEqual(['hello berth', '0', 'greetings from nobody in /srv']);
    // the runtime's bind-mount targets did not become part of the layers
    const img = await rig.images.inspect(id);
    const hist = await rig.images.history(id);
    expect(hist.length).toBeGreaterThan(5);
    const again: ProgressEvent[] = [];
    expect(await rig.images.build({ context: ctxDir, tags: ['built:1'], buildArgs: { WHO: 'berth' } }, rig.mgr.buildRunner(), (e) => again.push(e))).toBe(id);
    const stepCount = again.filter((e) => e.status === 'STEP' && !/^(FROM|ARG)/.test(e.message ?? '')).length;
    expect(again.filter((e) => e.status === 'CACHED').length).toBe(stepCount);
    expect(img.config.User).toBe('nobody');
  });

  it('reports a failing RUN with its line, exit code and output', async () => {
    await expect(
      rig.images.build({ context: ctxDir, tags: ['bad:1'], dockerfileInline: 'FROM bbrt:1\n\nRUN echo going-down && exit 42\n' }, rig.mgr.buildRunner()),
    ).rejects.toThrow(/Dockerfile:3: RUN .*exit code: 42\ngoing-down/s);
  });

  it('commits a container and runs the result', async () => {
    const { id } = await rig.mgr.containerCreate({ image: 'bbrt:1', cmd: ['sh', '-c', 'echo committed-data > /data.txt && rm /etc/group'] });
    await rig.mgr.containerStart(id);
    await rig.mgr.containerWait(id);
    const newId = await rig.mgr.containerCommit(id, 'committed:1', { changes: ['CMD ["cat", "/data.txt"]'] });
    await rig.mgr.containerRemove(id);
    expect((await rig.images.inspect('committed:1')).id).toBe(newId);
    expect(await runToEnd('committed:1')).toBe('committed-data');
    expect(await runToEnd('committed:1', ['sh', '-c', 'test -e /etc/group && echo present || echo gone'])).toBe('gone');
  });
});
