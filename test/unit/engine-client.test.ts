/**
 * The client and the daemon's server, end to end over a real unix socket, with FakeEngine
 * behind the server: the whole conformance suite must pass through the wire too, and the
 * streaming shapes (progress, uploads, downloads, exec output, aborts) must survive it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type http from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient } from '../../engine/api/client.js';
import { isEngineError } from '../../engine/api/types.js';
import { createEngineServer } from '../../engine/daemon/server.js';
import { engineConformance } from '../conformance/engine-conformance.js';
import { FakeEngine } from '../helpers/fake-engine.js';

async function serve(engine: FakeEngine): Promise<{ client: EngineClient; server: http.Server; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bcl-'));
  const sock = path.join(dir, 'engine.sock');
  const server = createEngineServer(engine);
  await new Promise<void>((r) => server.listen(sock, r));
  return { client: new EngineClient(sock), server, dir };
}

let shared: { client: EngineClient; server: http.Server; dir: string } | undefined;
engineConformance(
  'EngineClient → server → FakeEngine',
  async () => {
    shared = await serve(new FakeEngine({ images: ['busybox:latest'] }));
    return shared.client;
  },
  {
    image: 'busybox',
    teardown: async () => {
      shared?.server.closeAllConnections();
      await new Promise((r) => shared?.server.close(r));
      fs.rmSync(shared!.dir, { recursive: true, force: true });
    },
  },
);

describe('EngineClient wire shapes', () => {
  let fake: FakeEngine;
  let s: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    fake = new FakeEngine({ images: ['busybox:latest'] });
    s = await serve(fake);
  });
  afterAll(async () => {
    s.server.closeAllConnections();
    await new Promise((r) => s.server.close(r));
    fs.rmSync(s.dir, { recursive: true, force: true });
  });

  it('streams progress and returns the result', async () => {
    const seen: string[] = [];
    const id = await s.client.imagePull('alpine:3', (p) => seen.push(p.status));
    expect(id).toMatch(/^sha256:/);
    expect(seen).toEqual(['Pulling', 'Pull complete']);
  });

  it('maps errors back to EngineError with the same code and message', async () => {
    const e = await s.client.containerInspect('nope').catch((x: unknown) => x);
    expect(isEngineError(e, 'NOT_FOUND')).toBe(true);
    expect((e as Error).message).toBe('No such container: nope');
  });

  it('uploads a body for import, with args in the header (ref with spaces in changes)', async () => {
    const id = await s.client.imageImport(Readable.from([Buffer.from('x'.repeat(100_000))]), 'imp:1', ['CMD ["echo", "a b"]', 'WORKDIR /w']);
    const img = await s.client.imageInspect('imp:1');
    expect(img.id).toBe(id);
    expect(img.config.Cmd).toEqual(['echo', 'a b']);
    expect(img.config.WorkingDir).toBe('/w');
  });

  it('downloads a raw archive', async () => {
    const stream = await s.client.imageSave(['busybox']);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    expect(JSON.parse(Buffer.concat(chunks).toString())).toEqual(['busybox']);
    await expect(s.client.imageSave(['missing'])).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('streams exec output when asked and collects it otherwise', async () => {
    const { id } = await s.client.containerCreate({ image: 'busybox', cmd: ['sleep', '100'] });
    await s.client.containerStart(id);
    const out: string[] = [];
    const r = await s.client.containerExec(id, { cmd: ['echo', 'streamed'] }, (st, b) => out.push(`${st}:${b.toString()}`));
    expect(out).toEqual(['stdout:streamed\n']);
    expect(r.exitCode).toBe(0);
    const r2 = await s.client.containerExec(id, { cmd: ['sh', '-c', 'exit 7'], stdin: 'input' });
    expect(r2.exitCode).toBe(7);
    await s.client.containerRemove(id, { force: true });
  });

  it('aborting a wait or an events stream ends the call on both sides', async () => {
    const { id } = await s.client.containerCreate({ image: 'busybox', cmd: ['sleep', '100'] });
    await s.client.containerStart(id);
    const ac = new AbortController();
    const waiting = s.client.containerWait(id, {}, ac.signal);
    setTimeout(() => ac.abort(), 50);
    await expect(waiting).rejects.toMatchObject({ name: 'EngineError' });
    const ac2 = new AbortController();
    const got: string[] = [];
    const loop = (async () => {
      for await (const e of s.client.events({ filters: { type: ['container'] } }, ac2.signal)) got.push(e.action);
    })();
    await new Promise((r) => setTimeout(r, 50));
    await s.client.containerStop(id);
    await new Promise((r) => setTimeout(r, 50));
    ac2.abort();
    await loop;
    expect(got).toEqual(expect.arrayContaining(['stop', 'die']));
    await s.client.containerRemove(id);
  });

  it('follows logs until the container exits', async () => {
    const { id } = await s.client.containerCreate({ image: 'busybox', cmd: ['sh', '-c', 'echo one; sleep 0.2; echo two; exit 0'] });
    await s.client.containerStart(id);
    const lines: string[] = [];
    for await (const l of s.client.containerLogs(id, { follow: true })) lines.push(l.line);
    expect(lines).toEqual(['one', 'two']);
    await s.client.containerRemove(id);
  });

  it('says UNAVAILABLE when nothing listens', async () => {
    const c = new EngineClient(path.join(s.dir, 'nothing.sock'));
    await expect(c.info()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
