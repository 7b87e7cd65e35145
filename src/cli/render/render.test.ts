import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../progress/events.js';
import { jsonSink } from './json.js';
import { plainSink } from './plain.js';
import { ttySink } from './tty.js';
import { makeSink } from './index.js';

function ev(id: string, status: ProgressEvent['status'], text: string, time: number, detail?: string): ProgressEvent {
  const [kind, name] = id.split(' ') as [ProgressEvent['kind'], string];
  return { id, kind, name, status, text, time, ...(detail ? { detail } : {}) };
}

function capture() {
  const out: string[] = [];
  return { out, stream: { write: (s: string) => out.push(s), isTTY: false, columns: 80 } };
}

describe('renderers', () => {
  it('plain: a line per state change, elapsed on completion, errors with detail', () => {
    const c = capture();
    const s = plainSink(c.stream, '', () => 7_500);
    s.start('project demo');
    s.on(ev('container demo-web-1', 'working', 'Creating', 1000));
    s.on(ev('container demo-web-1', 'done', 'Created', 1300));
    s.on(ev('image busybox', 'working', 'Pulling', 1000, '50%'));
    s.on(ev('network demo_default', 'error', 'Error', 2000, 'boom'));
    s.on(ev('volume demo_data', 'done', 'Created', 1400));
    s.on(ev('volume demo_data', 'done', 'Removed', 1500));
    s.message('warning', 'Found orphan containers ([demo-old-1]) for this project.');
    s.done();
    expect(c.out.join('')).toBe(
      [
        ' Container demo-web-1  Creating',
        ' Container demo-web-1  Created',
        ' Network demo_default  Error boom',
        ' Volume "demo_data"  Created',
        ' Volume demo_data  Removed',
        'time="1970-01-01T00:00:07Z" level=warning msg="Found orphan containers ([demo-old-1]) for this project."',
        '',
      ].join('\n'),
    );
  });

  it('json: one object per line', () => {
    const c = capture();
    const s = jsonSink(c.stream);
    s.start('t');
    s.on(ev('volume demo_data', 'working', 'Creating', 5));
    s.on(ev('volume demo_data', 'done', 'Created', 25));
    s.done();
    const lines = c.out.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.type)).toEqual(['start', 'event', 'event', 'done']);
    expect(lines[2]).toMatchObject({ id: 'volume demo_data', status: 'done', text: 'Created', elapsed: 20 });
  });

  it('tty: redraws a line per resource in place', () => {
    const c = capture();
    let now = 0;
    const s = ttySink(c.stream, () => now, false);
    s.start('project demo');
    s.on(ev('container demo-db-1', 'working', 'Starting', 0));
    s.on(ev('container demo-web-1', 'working', 'Creating', 0));
    now = 500;
    s.on(ev('container demo-db-1', 'done', 'Started', 400));
    s.done();
    const last = c.out[c.out.length - 1]!;
    expect(last).toContain('[+] project demo: 1/2');
    expect(last).toMatch(/✔ Container demo-db-1 +Started +0\.4s/);
    expect(last).toMatch(/Container demo-web-1 +Creating +0\.5s/);
  });

  it('tty: keeps the view within the screen, dropping finished rows first', () => {
    const out: string[] = [];
    const s = ttySink({ write: (x: string) => out.push(x), rows: 6, columns: 80 }, () => 0, false);
    s.start('t');
    for (let i = 0; i < 10; i++) s.on(ev(`container c${i}`, i < 8 ? 'done' : 'working', i < 8 ? 'Started' : 'Starting', 0));
    s.done();
    const last = out[out.length - 1]!.split('\n').filter(Boolean);
    expect(last.length).toBeLessThanOrEqual(5);
    expect(last.join('\n')).toContain('c9');
    expect(last[0]).toContain('8/10');
  });

  it('picks by mode; auto is plain off a terminal; rejects unknown modes', () => {
    const c = capture();
    makeSink('auto', c.stream, { color: false }).message('info', 'x');
    expect(c.out).toEqual(['x\n']);
    expect(() => makeSink('fancy', c.stream, { color: false })).toThrow(/--progress fancy/);
  });
});
