/**
 * The wire protocol between EngineClient (engine/api/client.ts) and the daemon
 * (engine/daemon/server.ts): a typed RPC over the Engine interface, HTTP/1.1 on a unix socket.
 *
 *   POST /v1/<method>            body: JSON array of the method's plain arguments
 *                                (callbacks, AbortSignals and streams are not sent)
 *   upload methods               body: the raw stream; arguments in the X-Berth-Args header
 *                                (encodeURIComponent of the JSON array)
 *   response (all but download)  200, application/x-ndjson: frames, one JSON object a line:
 *                                  {"p": ProgressEvent}          progress (pull/push/build/load)
 *                                  {"i": item}                   an item of an iterable (events, logs)
 *                                  {"o": ["stdout"|"stderr", base64]}   exec output
 *                                  {"r": result}                 the result, last frame
 *                                  {"e": {code, message, details}}  an EngineError, last frame
 *   download methods (imageSave) 200, application/x-tar: the raw archive; or an NDJSON error
 *   framed request body          tty exec and attach (two-way streams on one HTTP exchange):
 *                                frames of [type u8][length u32 BE][payload]: 0 stdin bytes,
 *                                1 a resize ("ROWS COLS"), 2 end of stdin. The body stays open
 *                                until the answer comes, so resizes can follow at any time.
 *
 * Closing the connection aborts the call on the daemon side (events, logs, wait, exec stop).
 * Why one generic shape instead of REST routes: the Engine interface is the contract; a
 * table of method kinds keeps the client, the server and the interface from drifting apart.
 */
import type { Engine, EngineErrorCode } from './types.js';

export const API_VERSION = 'v1';
export const ARGS_HEADER = 'x-berth-args';
export const SOCKET_NAME = 'engine.sock';

/**
 * How each method travels.
 * - call: JSON args → result
 * - iterate: JSON args → {"i"} frames (the method returns an AsyncIterable)
 * - progress: JSON args → {"p"} frames then result (the last parameter is a ProgressFn)
 * - upload: raw body is the first parameter (a Readable); other args in the header
 * - upload-progress: upload + progress (imageLoad)
 * - download: result is a Readable sent raw (imageSave)
 * - exec: containerExec (stdin as the raw body when given, or a framed body for tty; output as {"o"} frames)
 * - attach: containerAttach (always a framed body; output as {"o"} frames)
 */
export type MethodKind = 'call' | 'iterate' | 'progress' | 'upload' | 'upload-progress' | 'download' | 'exec' | 'attach';

export type EngineMethod = keyof Engine;

export const METHODS: Record<EngineMethod, MethodKind> = {
  info: 'call',
  events: 'iterate',
  diskUsage: 'call',
  imageList: 'call',
  imageInspect: 'call',
  imageHistory: 'call',
  imageImport: 'upload',
  imageLoad: 'upload-progress',
  imageSave: 'download',
  imagePull: 'progress',
  imagePush: 'progress',
  imageBuild: 'progress',
  imageTag: 'call',
  imageRemove: 'call',
  imagePrune: 'call',
  login: 'call',
  imageSearch: 'call',
  containerCreate: 'call',
  containerStart: 'call',
  containerStop: 'call',
  containerRestart: 'call',
  containerKill: 'call',
  containerPause: 'call',
  containerUnpause: 'call',
  containerRemove: 'call',
  containerRename: 'call',
  containerList: 'call',
  containerInspect: 'call',
  containerWait: 'call',
  containerLogs: 'iterate',
  containerExec: 'exec',
  containerAttach: 'attach',
  containerTop: 'call',
  containerStats: 'call',
  containerSync: 'call',
  containerCopyOut: 'call',
  containerCommit: 'call',
  containerPrune: 'call',
  networkCreate: 'call',
  networkList: 'call',
  networkInspect: 'call',
  networkRemove: 'call',
  networkPrune: 'call',
  networkConnect: 'call',
  networkDisconnect: 'call',
  volumeCreate: 'call',
  volumeList: 'call',
  volumeInspect: 'call',
  volumeRemove: 'call',
  volumePrune: 'call',
};

/** Methods that take an AbortSignal, and its parameter index. The daemon passes one tied to the connection. */
export const SIGNAL_PARAM: Partial<Record<EngineMethod, number>> = {
  events: 1,
  containerWait: 2,
  containerLogs: 2,
};

/** Exec's plain arguments: the options without stdin, and what the client wants back. */
export interface ExecWireOptions {
  /** The client passed onOutput: send output as {"o"} frames instead of collecting it. */
  stream: boolean;
  /** The request body is the process's stdin. */
  stdin: boolean;
  /** The body is framed (FRAME_*): stdin, resizes and the end of stdin. */
  framed?: boolean;
  /** The client's terminal size at the start (tty). */
  size?: { rows: number; cols: number };
}

/** containerAttach's plain arguments: [id, {start}, AttachWireOptions]. */
export interface AttachWireOptions {
  stdin: boolean;
  size?: { rows: number; cols: number };
}

export const FRAME_STDIN = 0;
export const FRAME_RESIZE = 1;
export const FRAME_STDIN_END = 2;

export function encodeFrame(type: number, payload: Buffer | string = ''): Buffer {
  const p = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const h = Buffer.alloc(5);
  h.writeUInt8(type, 0);
  h.writeUInt32BE(p.length, 1);
  return Buffer.concat([h, p]);
}

/** Splits a framed body back into frames, whatever the chunking. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): { type: number; payload: Buffer }[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: { type: number; payload: Buffer }[] = [];
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32BE(1);
      if (this.buf.length < 5 + len) break;
      out.push({ type: this.buf[0]!, payload: this.buf.subarray(5, 5 + len) });
      this.buf = this.buf.subarray(5 + len);
    }
    return out;
  }
}

export interface WireError {
  code: EngineErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export type Frame =
  | { p: unknown }
  | { i: unknown }
  | { o: ['stdout' | 'stderr', string] }
  | { r: unknown }
  | { e: WireError };

export function isEngineMethod(name: string): name is EngineMethod {
  return Object.prototype.hasOwnProperty.call(METHODS, name);
}
