/**
 * The client half of interactive containers (run -it, exec -it, attach, start -ai): the
 * terminal in raw mode while attached (keys, Ctrl+C and Ctrl+D go to the container's pty as
 * bytes), restored after whatever happens; Docker's detach keys (Ctrl+P Ctrl+Q) end the
 * attachment without stopping the container.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { Io } from './common.js';

type TtyIn = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/** Runs fn with the input terminal in raw mode when asked and possible; always restores it. */
export async function withRawTerminal<T>(io: Io, raw: boolean, fn: () => Promise<T>): Promise<T> {
  const stdin = io.stdin as TtyIn;
  const canRaw = raw && !!stdin.isTTY && typeof stdin.setRawMode === 'function';
  if (canRaw) stdin.setRawMode!(true);
  try {
    return await fn();
  } finally {
    if (canRaw) stdin.setRawMode!(false);
  }
}

const CTRL_P = 0x10;
const CTRL_Q = 0x11;

/**
 * Passes input through, except Docker's default detach sequence Ctrl+P Ctrl+Q, which calls
 * onDetach instead. A Ctrl+P followed by anything else is passed on with what follows.
 * The result keeps isTTY so the engine client still follows the terminal's size.
 */
export function detachKeys(input: NodeJS.ReadableStream & { isTTY?: boolean }, onDetach: () => void): { stream: Readable; stop(): void } {
  const out = new PassThrough() as PassThrough & { isTTY?: boolean };
  out.isTTY = input.isTTY;
  let held = false;
  const onData = (chunk: Buffer | string) => {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const pass: number[] = [];
    for (const c of b) {
      if (held) {
        held = false;
        if (c === CTRL_Q) {
          if (pass.length) out.write(Buffer.from(pass));
          onDetach();
          return;
        }
        pass.push(CTRL_P);
      }
      if (c === CTRL_P) held = true;
      else pass.push(c);
    }
    if (pass.length) out.write(Buffer.from(pass));
  };
  const onEnd = () => out.end();
  input.on('data', onData);
  input.once('end', onEnd);
  input.resume();
  return {
    stream: out,
    stop() {
      input.off('data', onData);
      input.off('end', onEnd);
      input.pause();
    },
  };
}

/** Writes container output to the CLI's streams as raw bytes. */
export function writeOutput(io: Io): (stream: 'stdout' | 'stderr', chunk: Buffer) => void {
  return (stream, chunk) => void (stream === 'stderr' ? io.stderr : io.stdout).write(chunk);
}
