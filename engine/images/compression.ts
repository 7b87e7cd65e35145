/** Detects gzip by its magic bytes and un-gzips on the fly; layers and import tarballs may be either. */
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { EngineError } from '../api/types.js';


/** Returns a stream of the decompressed bytes of `src` (gzip or plain tar). */
export function decompressed(src: Readable): Readable {
  const out = new PassThrough();
  let decided = false;
  let buf = Buffer.alloc(0);
  const decide = (ended: boolean): void => {
    decided = true;
    src.off('data', onData);
    src.off('end', onEnd);
    src.pause();
    if (buf.length >= 4 && buf[0] === 0x28 && buf[1] === 0xb5 && buf[2] === 0x2f && buf[3] === 0xfd) {
      out.destroy(new EngineError('INVALID', 'zstd-compressed layers are not supported'));
      return;
    }
    const gz = buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
    const target = gz ? createGunzip() : out;
    if (gz) {
      target.on('error', (e) => out.destroy(e));
      target.pipe(out);
    }
    src.on('error', (e) => out.destroy(e));
    if (ended) {
      target.end(buf);
      return;
    }
    target.write(buf);
    src.pipe(target);
    src.resume();
  };
  const onData = (c: Buffer): void => {
    buf = Buffer.concat([buf, c]);
    if (buf.length >= 4) decide(false);
  };
  const onEnd = (): void => {
    if (!decided) decide(true);
  };
  src.on('data', onData);
  src.on('end', onEnd);
  src.on('error', (e) => {
    if (!decided) out.destroy(e);
  });
  return out;
}
