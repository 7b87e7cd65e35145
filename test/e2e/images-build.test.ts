/**
 * Dockerfile builds end to end as root. RUN steps go through chrootRunner()
 * (unshare + chroot, see images-chroot-runner.ts), not the container manager, which did
 * not exist when these were written; images-runtime.test.ts builds through the real
 * container runner (ContainerManager.buildRunner()).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../engine/api/types.js';
import { BUSYBOX_CHANGES, busyboxTarball } from '../helpers/busybox.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot } from '../helpers/root.js';
import { chrootRunner } from './images-chroot-runner.js';
import { fileStream, makeStore, rmRoot } from './images-helpers.js';

requireRoot();
const { root, store, events } = makeStore('imgbuild');
const ctxDir = path.join(root, 'ctx');
const runner = chrootRunner();

const DOCKERFILE = `# syntax=docker/dockerfile:1
ARG BASE=bbtest:1
FROM \${BASE} AS build
ARG GREETING=hello
WORKDIR /src
COPY app/ ./
RUN echo "$GREETING from build" > out.txt \\
 && mkdir -p /data && echo x > /data/x
# delete a file of the base image: must stay deleted (whiteout)
RUN rm -f /etc/group

FROM \${BASE}
MAINTAINER someone
LABEL org.test=yes
ENV APP_HOME=/app
WORKDIR $APP_HOME
COPY --from=build /src/out.txt ./
COPY --chown=65534:65534 extra.tar.gz /opt/
ADD extra.tar.gz /opt/unpacked/
COPY README.md /etc
COPY *.md /docs/
EXPOSE 8080/tcp
USER nobody
HEALTHCHECK --interval=5s CMD true
STOPSIGNAL SIGINT
VOLUME /data
CMD ["cat", "/app/out.txt"]
`;

beforeAll(async () => {
  await store.init();
  await store.import(fileStream(busyboxTarball()), 'bbtest:1', BUSYBOX_CHANGES);
  fs.mkdirSync(path.join(ctxDir, 'app/sub'), { recursive: true });
  fs.writeFileSync(path.join(ctxDir, 'app/main.sh'), 'echo main\n', { mode: 0o755 });
  fs.writeFileSync(path.join(ctxDir, 'app/sub/data.txt'), 'data\n');
  fs.writeFileSync(path.join(ctxDir, 'app/secret.txt'), 'secret\n');
  fs.writeFileSync(path.join(ctxDir, 'README.md'), 'readme\n');
  fs.writeFileSync(path.join(ctxDir, 'NOTES.md'), 'notes\n');
  fs.writeFileSync(path.join(ctxDir, '.dockerignore'), 'app/secret.txt\n*.log\n');
  fs.writeFileSync(path.join(ctxDir, 'build.log'), 'ignored\n');
  const t = path.join(root, 'tarsrc');
  fs.mkdirSync(t);
  fs.writeFileSync(path.join(t, 'inside.txt'), 'inside\n');
  execFileSync('tar', ['-C', t, '-czf', path.join(ctxDir, 'extra.tar.gz'), 'inside.txt']);
  fs.writeFileSync(path.join(ctxDir, 'Dockerfile'), DOCKERFILE);
});

afterAll(async () => {
  for (const c of ['b1', 'b2', 'b3']) await store.removeRootfs(c);
  assertNoLeaks(root);
  rmRoot(root);
});

async function build(extra: Partial<Parameters<typeof store.build>[0]> = {}): Promise<{ id: string; ev: ProgressEvent[] }> {
  const ev: ProgressEvent[] = [];
  const id = await store.build({ context: ctxDir, tags: ['app:1'], buildArgs: { GREETING: 'hi' }, ...extra }, runner, (e) => ev.push(e));
  return { id, ev };
}

const steps = (ev: ProgressEvent[]): ProgressEvent[] => ev.filter((e) => e.status === 'STEP' && !e.message?.startsWith('FROM') && !e.message?.startsWith('ARG'));
const cached = (ev: ProgressEvent[]): ProgressEvent[] => ev.filter((e) => e.status === 'CACHED');

describe('image build', () => {
  let first = '';
  it('builds a multi-stage Dockerfile', async () => {
    const { id, ev } = await build();
    first = id;
    expect(cached(ev)).toEqual([]);
    const img = await store.inspect('app:1');
    expect(img.id).toBe(id);
    expect(img.config.Cmd).toEqual(['cat', '/app/out.txt']);
    expect(img.config.User).toBe('nobody');
    expect(img.config.WorkingDir).toBe('/app');
    expect(img.config.ExposedPorts).toEqual({ '8080/tcp': {} });
    expect(img.config.Env).toContain('APP_HOME=/app');
    expect(img.config.Healthcheck).toEqual({ Test: ['CMD-SHELL', 'true'], Interval: 5e9 });
    expect(img.config.StopSignal).toBe('SIGINT');
    expect(img.config.Volumes).toEqual({ '/data': {} });
    expect(img.labels).toEqual({ maintainer: 'someone', 'org.test': 'yes' });
    const m = await store.mountRootfs('b1', id);
    expect(fs.readFileSync(path.join(m, 'app/out.txt'), 'utf8')).toBe('hi from build\n');
    const tgz = fs.statSync(path.join(m, 'opt/extra.tar.gz'));
    expect([tgz.uid, tgz.gid]).toEqual([65534, 65534]);
    expect(fs.readFileSync(path.join(m, 'opt/unpacked/inside.txt'), 'utf8')).toBe('inside\n');
    expect(fs.readdirSync(path.join(m, 'docs')).sort()).toEqual(['NOTES.md', 'README.md']);
    // an existing directory as destination receives the file
    expect(fs.readFileSync(path.join(m, 'etc/README.md'), 'utf8')).toBe('readme\n');
    expect(fs.existsSync(path.join(m, 'etc/passwd'))).toBe(true);
    expect(fs.existsSync(path.join(m, 'bin/busybox'))).toBe(true);
    // the final stage does not carry the build stage's files
    expect(fs.existsSync(path.join(m, 'src'))).toBe(false);
    const hist = await store.history('app:1');
    expect(hist[0]!.createdBy).toBe('CMD ["cat", "/app/out.txt"]');
    expect(hist.some((h) => h.createdBy.startsWith('COPY --from=build') || h.createdBy.startsWith('COPY /src/out.txt'))).toBe(true);
    expect(events).toContain('build app:1');
  });

  it('builds a target stage: .dockerignore honoured, deletions are whiteouts', async () => {
    const { id } = await build({ target: 'build', tags: ['app:build'] });
    const m = await store.mountRootfs('b2', id);
    expect(fs.readdirSync(path.join(m, 'src')).sort()).toEqual(['main.sh', 'out.txt', 'sub']);
    expect(fs.statSync(path.join(m, 'src/main.sh')).mode & 0o777).toBe(0o755);
    expect(fs.existsSync(path.join(m, 'etc/group'))).toBe(false);
    expect(fs.existsSync(path.join(m, 'etc/passwd'))).toBe(true);
    expect(fs.readFileSync(path.join(m, 'data/x'), 'utf8')).toBe('x\n');
    await store.removeRootfs('b2');
  });

  it('a rebuild with nothing changed is CACHED at every step and gives the same image', async () => {
    const { id, ev } = await build();
    expect(id).toBe(first);
    const s = steps(ev);
    expect(s.length).toBeGreaterThan(10);
    expect(cached(ev).length).toBe(s.length);
    expect(ev.some((e) => e.status === 'log')).toBe(false);
  });

  it('changing one COPY input rebuilds from that step on', async () => {
    fs.writeFileSync(path.join(ctxDir, 'NOTES.md'), 'changed\n');
    const { id, ev } = await build();
    expect(id).not.toBe(first);
    const s = steps(ev);
    const idx = s.findIndex((e) => e.message?.startsWith('COPY *.md'));
    const cachedIds = new Set(cached(ev).map((e) => e.id));
    s.forEach((e, i) => expect(cachedIds.has(e.id), `${e.message}`).toBe(i < idx));
    // a changed ignored file does not invalidate anything
    fs.writeFileSync(path.join(ctxDir, 'build.log'), 'still ignored\n');
    fs.writeFileSync(path.join(ctxDir, 'app/secret.txt'), 'new secret\n');
    const again = await build();
    expect(cached(again.ev).length).toBe(steps(again.ev).length);
    // --no-cache runs every step again
    const nc = await build({ noCache: true });
    expect(cached(nc.ev)).toEqual([]);
  });

  it('names the Dockerfile line, the exit code and the output of a failing RUN', async () => {
    const err = await store
      .build({ context: ctxDir, tags: ['bad:1'], dockerfileInline: 'FROM bbtest:1\nENV A=1\nRUN echo first-line && \\\n  echo boom-output >&2 && exit 3\n' }, runner)
      .catch((e: unknown) => e as Error & { code: string });
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('BUILD');
    expect(err.message).toMatch(/^Dockerfile:3: RUN/);
    expect(err.message).toMatch(/exit code: 3/);
    expect(err.message).toMatch(/boom-output/);
    expect(await store.find('bad:1')).toBeUndefined();
    await expect(store.build({ context: ctxDir, tags: ['bad:2'], dockerfileInline: 'FROM bbtest:1\nCOPY nope.txt /\n' }, runner)).rejects.toThrow(
      /Dockerfile:2: COPY nope.txt \/: file not found in build context/,
    );
    await expect(store.build({ context: ctxDir, tags: ['bad:3'], dockerfileInline: 'FROM bbtest:1\nBOGUS x\n' }, runner)).rejects.toThrow(/Dockerfile:2: unknown instruction: BOGUS/);
    // nothing mounted or left in the store's temp dir by the failures
    expect(fs.readdirSync(path.join(root, 'images/tmp'))).toEqual([]);
  });

  it('builds FROM scratch and RUN steps see no network by default', async () => {
    const id = await store.build(
      { context: ctxDir, tags: ['net:1'], dockerfileInline: 'FROM bbtest:1\nRUN ip link 2>/dev/null | grep -c "^[0-9]" > /links || cat /proc/net/dev | tail -n +3 | wc -l > /links\n' },
      runner,
    );
    const m = await store.mountRootfs('b3', id);
    expect(fs.readFileSync(path.join(m, 'links'), 'utf8').trim()).toBe('1'); // only lo
    await store.removeRootfs('b3');
    const sid = await store.build({ context: ctxDir, tags: ['scratch:1'], dockerfileInline: 'FROM scratch\nCOPY README.md /\nCMD ["/x"]\n' }, runner);
    const s = await store.inspect(sid);
    expect(s.rootfs.diff_ids).toHaveLength(1);
    expect(s.config.Cmd).toEqual(['/x']);
  });

  it('runs ONBUILD triggers of the base image and builds FROM an earlier stage', async () => {
    await store.build({ context: ctxDir, tags: ['trig:1'], dockerfileInline: 'FROM bbtest:1\nONBUILD RUN echo triggered > /onbuild.txt\n' }, runner);
    expect((await store.inspect('trig:1')).config.OnBuild).toEqual(['RUN echo triggered > /onbuild.txt']);
    const id = await store.build(
      { context: ctxDir, tags: ['child:1'], dockerfileInline: 'FROM trig:1 AS base\nRUN echo base > /base.txt\nFROM base\nRUN cat /onbuild.txt /base.txt > /both.txt\n' },
      runner,
    );
    const img = await store.inspect(id);
    expect(img.config.OnBuild ?? []).toEqual([]);
    const m = await store.mountRootfs('b3', id);
    expect(fs.readFileSync(path.join(m, 'both.txt'), 'utf8')).toBe('triggered\nbase\n');
    await store.removeRootfs('b3');
  });

  it('prune --all clears the build cache and every unused layer', async () => {
    await store.removeRootfs('b1');
    const r = await store.prune({ all: true }, new Set());
    expect(r.deleted.length).toBeGreaterThan(3);
    expect(await store.list()).toEqual([]);
    expect(fs.readdirSync(path.join(root, 'images/layers'))).toEqual([]);
    expect(fs.readdirSync(path.join(root, 'images/blobs/sha256'))).toEqual([]);
  });
});
