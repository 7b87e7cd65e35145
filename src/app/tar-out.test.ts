import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { packTree, unpackTree } from './tar-out.js';

async function entries(buf: Buffer): Promise<string[]> {
  const ex = tar.extract();
  const out: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (h, stream, next) => {
      let body = '';
      stream.on('data', (c: Buffer) => (body += c.toString()));
      stream.on('end', () => {
        out.push(`${h.type} ${h.name}${h.type === 'symlink' ? ` -> ${h.linkname}` : ''}${body ? ` = ${body}` : ''}`);
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  ex.end(buf);
  await done;
  return out;
}

describe('cp SERVICE:SRC - (a tar archive on stdout)', () => {
  it('packs a tree under its own name: directories, files with content, symlinks', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-tar-'));
    try {
      fs.mkdirSync(path.join(dir, 'conf/sub'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'conf/a.txt'), 'a\n');
      fs.writeFileSync(path.join(dir, 'conf/sub/b.txt'), 'b\n');
      fs.symlinkSync('a.txt', path.join(dir, 'conf/link'));
      const chunks: Uint8Array[] = [];
      await packTree(path.join(dir, 'conf'), 'conf', (c) => chunks.push(c));
      expect(await entries(Buffer.concat(chunks))).toEqual(['directory conf', 'file conf/a.txt = a\n', 'symlink conf/link -> a.txt', 'directory conf/sub', 'file conf/sub/b.txt = b\n']);
      const one: Uint8Array[] = [];
      await packTree(path.join(dir, 'conf/a.txt'), 'a.txt', (c) => one.push(c));
      expect(await entries(Buffer.concat(one))).toEqual(['file a.txt = a\n']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cp - SERVICE:DEST unpacks the archive (round trip) and refuses entries outside the destination', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-tar-'));
    try {
      fs.mkdirSync(path.join(dir, 'src/sub'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'src/sub/b.txt'), 'b\n');
      fs.symlinkSync('sub/b.txt', path.join(dir, 'src/l'));
      const chunks: Uint8Array[] = [];
      await packTree(path.join(dir, 'src'), 'src', (c) => chunks.push(c));
      await unpackTree(Readable.from([Buffer.concat(chunks)]), path.join(dir, 'out'));
      expect(fs.readFileSync(path.join(dir, 'out/src/sub/b.txt'), 'utf8')).toBe('b\n');
      expect(fs.readlinkSync(path.join(dir, 'out/src/l'))).toBe('sub/b.txt');
      const evil = tar.pack();
      evil.entry({ name: '../escape.txt' }, 'x');
      evil.finalize();
      await expect(unpackTree(evil, path.join(dir, 'out2'))).rejects.toThrow(/outside the destination/);
      expect(fs.existsSync(path.join(dir, 'escape.txt'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
