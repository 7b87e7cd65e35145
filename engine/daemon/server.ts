/**
 * Serves any Engine over HTTP (see engine/api/protocol.ts for the wire shapes). The daemon
 * serves LocalEngine on its unix socket; tests serve FakeEngine to run the client end to end
 * without root.
 */
import http from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { EngineError, isEngineError, type AttachOptions, type Engine, type ExecOptions, type ProgressEvent, type TerminalControl, type TerminalSize } from '../api/types.js';
import {
  ARGS_HEADER,
  API_VERSION,
  FRAME_RESIZE,
  FRAME_STDIN,
  FRAME_STDIN_END,
  FrameDecoder,
  METHODS,
  SIGNAL_PARAM,
  isEngineMethod,
  type AttachWireOptions,
  type ExecWireOptions,
  type Frame,
  type WireError,
} from '../api/protocol.js';

export interface ServerOptions {
  log?: (msg: string) => void;
  /** Called after each request, for idle bookkeeping. */
  onRequest?: (method: string) => void;
  /** POST /v1/_shutdown (berth engine stop): answered with 202, then this runs. */
  onShutdown?: () => void;
}

function toWireError(e: unknown): WireError {
  if (isEngineError(e)) return { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
  const err = e instanceof Error ? e : new Error(String(e));
  return { code: 'INTERNAL', message: err.message, details: { stack: err.stack } };
}

async function readJsonBody(req: http.IncomingMessage): Promise<unknown[]> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return [];
  const v = JSON.parse(text) as unknown;
  if (!Array.isArray(v)) throw new EngineError('INVALID', 'request body must be a JSON array of arguments');
  return v;
}

/** A framed request body (protocol.ts) → the stdin stream and a TerminalControl fed by resize frames. */
function unframe(req: http.IncomingMessage, size?: TerminalSize): { stdin: PassThrough; terminal: TerminalControl } {
  const stdin = new PassThrough();
  const listeners = new Set<(s: TerminalSize) => void>();
  const dec = new FrameDecoder();
  req.on('data', (chunk: Buffer) => {
    for (const f of dec.push(chunk)) {
      if (f.type === FRAME_STDIN && !stdin.writableEnded) stdin.write(f.payload);
      else if (f.type === FRAME_STDIN_END) stdin.end();
      else if (f.type === FRAME_RESIZE) {
        const [rows, cols] = f.payload.toString().split(' ').map(Number);
        if (rows! > 0 && cols! > 0) for (const l of listeners) l({ rows: rows!, cols: cols! });
      }
    }
  });
  req.on('end', () => stdin.end());
  req.on('error', () => stdin.end());
  return {
    stdin,
    terminal: {
      ...(size ? { size } : {}),
      onResize: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    },
  };
}

function headerArgs(req: http.IncomingMessage): unknown[] {
  const raw = req.headers[ARGS_HEADER];
  if (typeof raw !== 'string' || !raw) return [];
  const v = JSON.parse(decodeURIComponent(raw)) as unknown;
  if (!Array.isArray(v)) throw new EngineError('INVALID', `${ARGS_HEADER} must be a JSON array`);
  return v;
}

export function createEngineServer(engine: Engine, opts: ServerOptions = {}): http.Server {
  const log = opts.log ?? (() => {});
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((e) => log(`request ${req.url} failed: ${(e as Error).stack ?? String(e)}`));
  });
  // Long streams (events, logs -f, wait) must not be cut by Node's default timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 1000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://engine');
    const m = /^\/(v\d+)\/(\w+)$/.exec(url.pathname);
    const ac = new AbortController();
    // The client went away: abort whatever streams or waits for it.
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });

    let ndjsonStarted = false;
    const startNdjson = () => {
      if (ndjsonStarted) return;
      ndjsonStarted = true;
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.flushHeaders();
    };
    const frame = (f: Frame) => {
      startNdjson();
      if (!res.destroyed) res.write(JSON.stringify(f) + '\n');
    };
    const fail = (e: unknown) => {
      const we = toWireError(e);
      if (we.code === 'INTERNAL') log(`internal error in ${url.pathname}: ${String(we.details?.stack ?? we.message)}`);
      frame({ e: we });
      res.end();
    };

    if (req.method === 'POST' && m?.[2] === '_ping') {
      // Cheap liveness check for clients deciding whether to start an engine.
      req.resume();
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(JSON.stringify({ r: { pid: process.pid } }) + '\n');
      return;
    }
    if (req.method === 'POST' && m?.[2] === '_shutdown' && opts.onShutdown) {
      req.resume();
      res.writeHead(202, { 'content-type': 'application/x-ndjson' });
      res.end(JSON.stringify({ r: null }) + '\n');
      opts.onShutdown();
      return;
    }
    if (req.method !== 'POST' || !m || m[1] !== API_VERSION || !isEngineMethod(m[2]!)) {
      req.resume();
      res.writeHead(404, { 'content-type': 'application/x-ndjson' });
      res.end(JSON.stringify({ e: { code: 'INVALID', message: `unknown engine call ${req.method} ${url.pathname}` } }) + '\n');
      return;
    }
    const method = m[2]!;
    const kind = METHODS[method];
    opts.onRequest?.(method);
    const call = (engine[method] as (...a: unknown[]) => unknown).bind(engine);

    try {
      const upload = kind === 'upload' || kind === 'upload-progress';
      let args: unknown[];
      if (upload) args = [req as Readable, ...headerArgs(req)];
      else if (kind === 'exec' || kind === 'attach') args = headerArgs(req);
      else args = await readJsonBody(req);

      const sigIdx = SIGNAL_PARAM[method];
      if (sigIdx !== undefined) {
        while (args.length < sigIdx) args.push(undefined);
        args[sigIdx] = ac.signal;
      }

      switch (kind) {
        case 'call':
        case 'upload': {
          const r = await call(...args);
          frame({ r: r ?? null });
          res.end();
          return;
        }
        case 'progress':
        case 'upload-progress': {
          const onProgress = (p: ProgressEvent) => frame({ p });
          // Every progress method (pull, push, build, load) has one plain parameter before its
          // ProgressFn: the ref, the build options, or the uploaded stream.
          args.length = 1;
          const r = await call(...args, onProgress);
          frame({ r: r ?? null });
          res.end();
          return;
        }
        case 'iterate': {
          const iterable = call(...args) as AsyncIterable<unknown>;
          const it = iterable[Symbol.asyncIterator]();
          // Start the iterator before flushing headers so that a subscription (events) is in
          // place by the time the client sees the response begin.
          let next = it.next();
          startNdjson();
          ac.signal.addEventListener('abort', () => void it.return?.(undefined), { once: true });
          for (;;) {
            const step = await next;
            if (step.done || ac.signal.aborted) break;
            frame({ i: step.value });
            next = it.next();
          }
          frame({ r: null });
          res.end();
          return;
        }
        case 'download': {
          const stream = (await call(...args)) as Readable;
          res.writeHead(200, { 'content-type': 'application/x-tar' });
          stream.on('error', (e) => {
            log(`${method} stream failed: ${e.message}`);
            res.destroy(e);
          });
          ac.signal.addEventListener('abort', () => stream.destroy(), { once: true });
          stream.pipe(res);
          return;
        }
        case 'exec': {
          const [id, execOpts, wire] = args as [string, ExecOptions, ExecWireOptions | undefined];
          const o: ExecOptions = { ...execOpts };
          if (wire?.framed) {
            const u = unframe(req, wire.size);
            // the client hung up in the middle of a terminal session: hang up its pty too
            ac.signal.addEventListener('abort', () => u.stdin.destroy(new Error('the client hung up')), { once: true });
            if (wire.stdin) o.stdin = u.stdin;
            o.terminal = u.terminal;
          } else if (wire?.stdin) o.stdin = req;
          else req.resume();
          const onOutput = wire?.stream
            ? (stream: 'stdout' | 'stderr', chunk: Buffer) => frame({ o: [stream, chunk.toString('base64')] })
            : undefined;
          startNdjson();
          const r = await engine.containerExec(id, o, onOutput);
          frame({ r });
          res.end();
          return;
        }
        case 'attach': {
          if (!engine.containerAttach) throw new EngineError('INVALID', 'this engine cannot attach to containers');
          const [id, attachOpts, wire] = args as [string, { start?: boolean }, AttachWireOptions | undefined];
          const u = unframe(req, wire?.size);
          const o: AttachOptions = { start: !!attachOpts?.start, terminal: u.terminal, signal: ac.signal, ...(wire?.stdin ? { stdin: u.stdin } : {}) };
          startNdjson();
          const r = await engine.containerAttach(id, o, (stream, chunk) => frame({ o: [stream, chunk.toString('base64')] }));
          frame({ r });
          res.end();
          return;
        }
      }
    } catch (e) {
      if (ac.signal.aborted) {
        res.end();
        return;
      }
      if (res.headersSent && !ndjsonStarted) {
        res.destroy(e as Error);
        return;
      }
      fail(e);
    }
  }

  return server;
}
