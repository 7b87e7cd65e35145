/**
 * EngineClient: the Engine interface over the daemon's unix socket (protocol.ts). Node's
 * built-in http only. Errors come back as EngineError with the daemon's code; a socket that
 * does not answer is UNAVAILABLE.
 */
import http from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import { EngineError, isEngineError } from './types.js';
import type {
  AttachOptions,
  AttachResult,
  BuildOptions,
  TerminalControl,
  ContainerCreateRequest,
  ContainerInspect,
  ContainerListOptions,
  ContainerStats,
  ContainerSummary,
  DiskUsage,
  Engine,
  EngineEvent,
  EngineInfo,
  EventOptions,
  ExecOptions,
  ExecResult,
  ImageHistoryEntry,
  ImageInspect,
  ImageListOptions,
  ImageSummary,
  LogLine,
  LogOptions,
  NetworkCreateRequest,
  NetworkInspect,
  ProgressEvent,
  ProgressFn,
  SyncOp,
  SyncResult,
  TopResult,
  VolumeCreateRequest,
  VolumeInspect,
} from './types.js';
import { API_VERSION, ARGS_HEADER, FRAME_RESIZE, FRAME_STDIN, FRAME_STDIN_END, encodeFrame, type AttachWireOptions, type EngineMethod, type ExecWireOptions, type Frame } from './protocol.js';

interface CallOptions {
  /** Raw request body (uploads); args then travel in the header. */
  body?: Readable | Buffer | string;
  signal?: AbortSignal;
  onFrame?: (f: Frame) => void;
  /** The response may be a raw stream (download). */
  raw?: boolean;
}

function unavailable(socketPath: string, e: NodeJS.ErrnoException): EngineError {
  const why =
    e.code === 'ENOENT' ? 'no socket' : e.code === 'ECONNREFUSED' ? 'nothing listens on the socket' : e.code === 'EACCES' ? 'permission denied (the engine socket is root only)' : e.message;
  return new EngineError('UNAVAILABLE', `cannot reach the berth engine at ${socketPath}: ${why}`, { errno: e.code });
}

function abortError(): EngineError {
  return new EngineError('INTERNAL', 'the call was aborted', { aborted: true });
}

/** Splits a byte stream into NDJSON frames. */
async function* frames(res: Readable): AsyncGenerator<Frame> {
  let buf = '';
  res.setEncoding('utf8');
  for await (const chunk of res as AsyncIterable<string>) {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim()) yield JSON.parse(line) as Frame;
    }
  }
  if (buf.trim()) yield JSON.parse(buf) as Frame;
}

/**
 * The calling process's terminal, when the input given is that terminal (a tty exec or attach
 * from an interactive CLI): its size now and on SIGWINCH (Node's 'resize' on stdout).
 */
function processTerminal(stdin: unknown): TerminalControl | undefined {
  const out = process.stdout;
  if (!(stdin as { isTTY?: boolean } | undefined)?.isTTY || !out.isTTY) return undefined;
  const size = () => ({ rows: out.rows, cols: out.columns });
  return {
    size: size(),
    onResize: (l) => {
      const f = () => l(size());
      out.on('resize', f);
      return () => out.off('resize', f);
    },
  };
}

/** A framed request body carrying stdin, its end, and resizes; close() ends it and lets go of stdin. */
function framedBody(stdin: ExecOptions['stdin'], term: TerminalControl | undefined): { stream: PassThrough; close(): void } {
  const stream = new PassThrough();
  const put = (type: number, payload?: Buffer | string) => {
    if (!stream.writableEnded) stream.write(encodeFrame(type, payload));
  };
  let unfollow = term?.onResize?.((s) => put(FRAME_RESIZE, `${s.rows} ${s.cols}`)) ?? (() => {});
  let detach = () => {};
  if (typeof stdin === 'string' || Buffer.isBuffer(stdin)) {
    put(FRAME_STDIN, stdin);
    put(FRAME_STDIN_END);
  } else if (stdin) {
    const onData = (b: Buffer | string) => put(FRAME_STDIN, typeof b === 'string' ? Buffer.from(b) : b);
    const onEnd = () => put(FRAME_STDIN_END);
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.resume();
    detach = () => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      // a terminal or pipe left flowing would keep this process alive
      stdin.pause();
    };
  }
  return {
    stream,
    close() {
      unfollow();
      unfollow = () => {};
      detach();
      stream.end();
    },
  };
}

export class EngineClient implements Engine {
  private readonly agent = new http.Agent({ keepAlive: false });

  constructor(readonly socketPath: string) {}

  /** Sends one request; resolves with the response once headers arrived. */
  private request(method: EngineMethod, args: unknown[], opts: CallOptions): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      if (opts.signal?.aborted) return reject(abortError());
      const upload = opts.body !== undefined;
      const headers: http.OutgoingHttpHeaders = {};
      let payload: string | undefined;
      if (upload) {
        headers[ARGS_HEADER] = encodeURIComponent(JSON.stringify(args));
        headers['content-type'] = 'application/octet-stream';
      } else {
        payload = JSON.stringify(args);
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      const req = http.request({ socketPath: this.socketPath, path: `/${API_VERSION}/${method}`, method: 'POST', headers, agent: this.agent });
      const onAbort = () => {
        req.destroy(abortError());
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (e: NodeJS.ErrnoException) => {
        opts.signal?.removeEventListener('abort', onAbort);
        if (isEngineError(e)) reject(e);
        else if (opts.signal?.aborted) reject(abortError());
        else if (['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EPIPE'].includes(e.code ?? '')) reject(unavailable(this.socketPath, e));
        else reject(new EngineError('UNAVAILABLE', `engine request ${method} failed: ${e.message}`));
      });
      req.on('response', (res) => {
        res.on('close', () => opts.signal?.removeEventListener('abort', onAbort));
        resolve(res);
      });
      if (payload !== undefined) req.end(payload);
      else if (typeof opts.body === 'string' || Buffer.isBuffer(opts.body)) req.end(opts.body);
      else {
        const body = opts.body!;
        body.on('error', (e) => req.destroy(e));
        body.pipe(req);
        // Node sends the headers with the first body chunk: an interactive body may stay silent
        // (nobody types yet), and the daemon must start the call all the same.
        req.flushHeaders();
      }
    });
  }

  /** A call whose response is NDJSON frames; resolves with the "r" frame's value. */
  private async call<T>(method: EngineMethod, args: unknown[], opts: CallOptions = {}): Promise<T> {
    const res = await this.request(method, args, opts);
    try {
      return await this.finish<T>(method, res, opts);
    } finally {
      // The answer is in: stop feeding an upload the daemon no longer reads (exec's stdin can
      // be a pipe that never ends; it must not keep this process alive).
      if (opts.body instanceof Readable) {
        opts.body.unpipe();
        if (opts.body === (process.stdin as unknown)) process.stdin.pause();
      }
    }
  }

  private async finish<T>(method: EngineMethod, res: http.IncomingMessage, opts: CallOptions): Promise<T> {
    try {
      for await (const f of frames(res)) {
        if ('r' in f) return f.r as T;
        if ('e' in f) throw new EngineError(f.e.code, f.e.message, f.e.details);
        opts.onFrame?.(f);
      }
    } catch (e) {
      if (isEngineError(e)) throw e;
      if (opts.signal?.aborted) throw abortError();
      throw new EngineError('UNAVAILABLE', `the engine closed the connection during ${method}: ${(e as Error).message}`);
    }
    if (opts.signal?.aborted) throw abortError();
    throw new EngineError('UNAVAILABLE', `the engine closed the connection during ${method} (did it stop or crash? see its log)`);
  }

  /** An iterable call: yields "i" frames until the result frame, or quietly ends on abort. */
  private async *iterate<T>(method: EngineMethod, args: unknown[], signal?: AbortSignal): AsyncGenerator<T> {
    let res: http.IncomingMessage;
    try {
      res = await this.request(method, args, { signal });
    } catch (e) {
      if (signal?.aborted) return;
      throw e;
    }
    try {
      for await (const f of frames(res)) {
        if ('i' in f) yield f.i as T;
        else if ('e' in f) throw new EngineError(f.e.code, f.e.message, f.e.details);
        else if ('r' in f) return;
      }
    } catch (e) {
      if (signal?.aborted) return;
      if (isEngineError(e)) throw e;
      throw new EngineError('UNAVAILABLE', `the engine closed the connection during ${method}: ${(e as Error).message}`);
    } finally {
      res.destroy();
    }
    if (signal?.aborted) return;
    throw new EngineError('UNAVAILABLE', `the engine closed the connection during ${method}`);
  }

  private progress<T>(method: EngineMethod, args: unknown[], onProgress?: ProgressFn, body?: Readable): Promise<T> {
    return this.call<T>(method, args, { body, onFrame: (f) => 'p' in f && onProgress?.(f.p as ProgressEvent) });
  }

  // ---------------------------------------------------------------- engine

  info(): Promise<EngineInfo> {
    return this.call('info', []);
  }
  events(opts: EventOptions, signal?: AbortSignal): AsyncIterable<EngineEvent> {
    return this.iterate('events', [opts], signal);
  }
  diskUsage(): Promise<DiskUsage> {
    return this.call('diskUsage', []);
  }

  // ---------------------------------------------------------------- images

  imageList(opts?: ImageListOptions): Promise<ImageSummary[]> {
    return this.call('imageList', [opts ?? {}]);
  }
  imageInspect(ref: string): Promise<ImageInspect> {
    return this.call('imageInspect', [ref]);
  }
  imageHistory(ref: string): Promise<ImageHistoryEntry[]> {
    return this.call('imageHistory', [ref]);
  }
  imageImport(source: Readable, ref: string | undefined, changes: string[]): Promise<string> {
    return this.call('imageImport', [ref ?? null, changes], { body: source });
  }
  imageLoad(source: Readable, onProgress?: ProgressFn): Promise<string[]> {
    return this.progress('imageLoad', [], onProgress, source);
  }
  async imageSave(refs: string[]): Promise<Readable> {
    const res = await this.request('imageSave', [refs], {});
    if (String(res.headers['content-type']).startsWith('application/x-ndjson')) {
      return this.finish<never>('imageSave', res, {});
    }
    // Hand back our own stream so a daemon dying mid-archive surfaces as an error, not a short file.
    const out = new PassThrough();
    res.on('aborted', () => out.destroy(new EngineError('UNAVAILABLE', 'the engine closed the connection during imageSave')));
    res.on('error', (e) => out.destroy(e));
    res.pipe(out);
    return out;
  }
  imagePull(ref: string, onProgress?: ProgressFn): Promise<string> {
    return this.progress('imagePull', [ref], onProgress);
  }
  imagePush(ref: string, onProgress?: ProgressFn): Promise<string> {
    return this.progress('imagePush', [ref], onProgress);
  }
  imageBuild(opts: BuildOptions, onProgress?: ProgressFn): Promise<string> {
    return this.progress('imageBuild', [opts], onProgress);
  }
  imageTag(source: string, target: string): Promise<void> {
    return this.call('imageTag', [source, target]);
  }
  imageRemove(ref: string, opts?: { force?: boolean }): Promise<string[]> {
    return this.call('imageRemove', [ref, opts ?? {}]);
  }
  imagePrune(opts?: { all?: boolean; filters?: Record<string, string[]> }): Promise<{ deleted: string[]; reclaimed: number }> {
    return this.call('imagePrune', [opts ?? {}]);
  }
  login(server: string, username: string, password: string): Promise<void> {
    return this.call('login', [server, username, password]);
  }
  imageSearch(term: string, registry?: string): Promise<string[]> {
    return this.call('imageSearch', registry === undefined ? [term] : [term, registry]);
  }

  // ---------------------------------------------------------------- containers

  containerCreate(req: ContainerCreateRequest): Promise<{ id: string; warnings: string[] }> {
    return this.call('containerCreate', [req]);
  }
  containerStart(id: string): Promise<void> {
    return this.call('containerStart', [id]);
  }
  containerStop(id: string, opts?: { timeout?: number; signal?: string }): Promise<void> {
    return this.call('containerStop', [id, opts ?? {}]);
  }
  containerRestart(id: string, opts?: { timeout?: number }): Promise<void> {
    return this.call('containerRestart', [id, opts ?? {}]);
  }
  containerKill(id: string, signal?: string): Promise<void> {
    return this.call('containerKill', signal === undefined ? [id] : [id, signal]);
  }
  containerPause(id: string): Promise<void> {
    return this.call('containerPause', [id]);
  }
  containerUnpause(id: string): Promise<void> {
    return this.call('containerUnpause', [id]);
  }
  containerRemove(id: string, opts?: { force?: boolean; volumes?: boolean }): Promise<void> {
    return this.call('containerRemove', [id, opts ?? {}]);
  }
  containerRename(id: string, name: string): Promise<void> {
    return this.call('containerRename', [id, name]);
  }
  containerList(opts?: ContainerListOptions): Promise<ContainerSummary[]> {
    return this.call('containerList', [opts ?? {}]);
  }
  containerInspect(id: string): Promise<ContainerInspect> {
    return this.call('containerInspect', [id]);
  }
  containerWait(id: string, opts?: { condition?: 'not-running' | 'next-exit' | 'removed' }, signal?: AbortSignal): Promise<{ exitCode: number }> {
    return this.call('containerWait', [id, opts ?? {}], { signal });
  }
  containerLogs(id: string, opts: LogOptions, signal?: AbortSignal): AsyncIterable<LogLine> {
    return this.iterate('containerLogs', [id, opts], signal);
  }
  containerExec(id: string, opts: ExecOptions, onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): Promise<ExecResult> {
    if (opts.tty && !opts.detach) return this.execTty(id, opts, onOutput);
    const { stdin, ...rest } = opts;
    const wire: ExecWireOptions = { stream: !!onOutput, stdin: stdin !== undefined };
    // Exec always travels as an upload (args in the header) so stdin can be the body.
    const body: Readable | Buffer | string = stdin ?? '';
    return this.call('containerExec', [id, rest, wire], {
      body,
      onFrame: (f) => {
        if ('o' in f) onOutput?.(f.o[0], Buffer.from(f.o[1], 'base64'));
      },
    });
  }
  /** tty exec: stdin and resizes travel as frames in the request body (protocol.ts). */
  private async execTty(id: string, opts: ExecOptions, onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): Promise<ExecResult> {
    const { stdin, terminal, ...rest } = opts;
    const term = terminal ?? processTerminal(stdin);
    const body = framedBody(stdin, term);
    const wire: ExecWireOptions = { stream: !!onOutput, stdin: stdin !== undefined, framed: true, ...(term?.size ? { size: term.size } : {}) };
    try {
      return await this.call<ExecResult>('containerExec', [id, rest, wire], {
        body: body.stream,
        onFrame: (f) => {
          if ('o' in f) onOutput?.(f.o[0], Buffer.from(f.o[1], 'base64'));
        },
      });
    } finally {
      body.close();
    }
  }
  async containerAttach(id: string, opts: AttachOptions, onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): Promise<AttachResult> {
    const { stdin, terminal, signal, start } = opts;
    const term = terminal ?? processTerminal(stdin);
    const body = framedBody(stdin, term);
    const wire: AttachWireOptions = { stdin: stdin !== undefined, ...(term?.size ? { size: term.size } : {}) };
    try {
      return await this.call<AttachResult>('containerAttach', [id, { start: !!start }, wire], {
        body: body.stream,
        signal,
        onFrame: (f) => {
          if ('o' in f) onOutput(f.o[0], Buffer.from(f.o[1], 'base64'));
        },
      });
    } catch (e) {
      if (signal?.aborted) return { detached: true };
      throw e;
    } finally {
      body.close();
    }
  }
  containerTop(id: string, psArgs?: string): Promise<TopResult> {
    return this.call('containerTop', psArgs === undefined ? [id] : [id, psArgs]);
  }
  containerStats(id: string): Promise<ContainerStats> {
    return this.call('containerStats', [id]);
  }
  containerSync(id: string, ops: SyncOp[]): Promise<SyncResult> {
    return this.call('containerSync', [id, ops]);
  }
  containerCopyOut(id: string, containerPath: string, hostPath: string): Promise<void> {
    return this.call('containerCopyOut', [id, containerPath, hostPath]);
  }
  containerCommit(id: string, ref: string, opts?: { changes?: string[]; message?: string; author?: string }): Promise<string> {
    return this.call('containerCommit', [id, ref, opts ?? {}]);
  }
  containerPrune(): Promise<{ deleted: string[] }> {
    return this.call('containerPrune', []);
  }

  // ---------------------------------------------------------------- networks

  networkCreate(req: NetworkCreateRequest): Promise<{ id: string }> {
    return this.call('networkCreate', [req]);
  }
  networkList(opts?: { filters?: Record<string, string[]> }): Promise<NetworkInspect[]> {
    return this.call('networkList', [opts ?? {}]);
  }
  networkInspect(idOrName: string): Promise<NetworkInspect> {
    return this.call('networkInspect', [idOrName]);
  }
  networkRemove(idOrName: string): Promise<void> {
    return this.call('networkRemove', [idOrName]);
  }
  networkPrune(opts?: { filters?: Record<string, string[]> }): Promise<{ deleted: string[] }> {
    return this.call('networkPrune', [opts ?? {}]);
  }
  networkConnect(network: string, container: string, opts?: { aliases?: string[]; ipv4Address?: string }): Promise<void> {
    return this.call('networkConnect', [network, container, opts ?? {}]);
  }
  networkDisconnect(network: string, container: string, opts?: { force?: boolean }): Promise<void> {
    return this.call('networkDisconnect', [network, container, opts ?? {}]);
  }

  // ---------------------------------------------------------------- volumes

  volumeCreate(req: VolumeCreateRequest): Promise<VolumeInspect> {
    return this.call('volumeCreate', [req]);
  }
  volumeList(opts?: { filters?: Record<string, string[]> }): Promise<VolumeInspect[]> {
    return this.call('volumeList', [opts ?? {}]);
  }
  volumeInspect(name: string): Promise<VolumeInspect> {
    return this.call('volumeInspect', [name]);
  }
  volumeRemove(name: string, opts?: { force?: boolean }): Promise<void> {
    return this.call('volumeRemove', [name, opts ?? {}]);
  }
  volumePrune(opts?: { all?: boolean; filters?: Record<string, string[]> }): Promise<{ deleted: string[]; reclaimed: number }> {
    return this.call('volumePrune', [opts ?? {}]);
  }

  /** Asks the daemon to exit (engine stop). Not part of Engine: only the CLI uses it. */
  async shutdown(): Promise<void> {
    await this.control('_shutdown');
  }

  /** Resolves with the daemon's pid when something answers on the socket; UNAVAILABLE otherwise. */
  async ping(timeoutMs = 5000): Promise<{ pid: number }> {
    return (await this.control('_ping', timeoutMs)) as { pid: number };
  }

  private async control(route: string, timeoutMs = 10_000): Promise<unknown> {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request({ socketPath: this.socketPath, path: `/${API_VERSION}/${route}`, method: 'POST', agent: this.agent, timeout: timeoutMs });
      req.on('timeout', () => req.destroy(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => reject(unavailable(this.socketPath, e)));
      req.on('response', resolve);
      req.end();
    });
    for await (const f of frames(res)) {
      if ('r' in f) return f.r;
      if ('e' in f) throw new EngineError(f.e.code, f.e.message, f.e.details);
    }
    throw new EngineError('UNAVAILABLE', `no answer from the engine at ${this.socketPath}`);
  }
}
