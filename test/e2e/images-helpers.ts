/** Shared bits of the image e2e tests: a store on a temp root, tar building. */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { EventBus } from '../../engine/common/events.js';
import { naming } from '../../engine/common/naming.js';
import type { EngineContext } from '../../engine/common/contracts.js';
import { createImageStore } from '../../engine/images/index.js';
import { ImageStoreImpl } from '../../engine/images/store.js';
import { tempRoot } from '../helpers/root.js';

export function makeStore(label: string): { root: string; ctx: EngineContext; store: ImageStoreImpl; events: string[] } {
  const root = tempRoot(label);
  const events: string[] = [];
  const bus = new EventBus();
  bus.on((e) => events.push(`${e.action}${e.attributes.name ? ' ' + e.attributes.name : ''}`));
  const ctx: EngineContext = { naming: naming(root), events: bus, log: () => {} };
  const store = createImageStore(ctx) as ImageStoreImpl;
  return { root, ctx, store, events };
}

export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  content?: string;
  linkname?: string;
  mode?: number;
}

export async function tarBuffer(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((res, rej) => {
    pack.on('data', (c: Buffer) => chunks.push(c));
    pack.on('end', () => res());
    pack.on('error', rej);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    if (type === 'file') pack.entry({ name: e.name, mode: e.mode ?? 0o644 }, e.content ?? '');
    else pack.entry({ name: e.name, type, linkname: e.linkname, mode: e.mode ?? (type === 'directory' ? 0o755 : 0o777) });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function bufStream(b: Buffer): Readable {
  return Readable.from([b]);
}

export function fileStream(p: string): Readable {
  return fs.createReadStream(p);
}

export function rmRoot(root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
}
