import { describe, expect, it } from 'vitest';
import { renderTemplate, goString } from './template.js';

const data = {
  Id: 'abc',
  State: { ExitCode: 3, Running: false, Status: 'exited' },
  Config: { Cmd: ['sh', '-c', 'echo hi'], Labels: { b: '2', a: '1' }, Env: [] as string[] },
  NetworkSettings: { Networks: { front: { IPAddress: '10.1.0.2' }, back: { IPAddress: '10.2.0.3' } } },
  Name: '/web',
};

describe('Go-style templates', () => {
  it('evaluates field paths and prints like Go', () => {
    expect(renderTemplate('{{.State.ExitCode}}', data)).toBe('3');
    expect(renderTemplate('{{.Config.Cmd}}', data)).toBe('[sh -c echo hi]');
    expect(renderTemplate('{{.Config.Labels}}', data)).toBe('map[a:1 b:2]');
    expect(renderTemplate('{{.State.Running}} {{.Missing}}', data)).toBe('false <no value>');
    expect(renderTemplate('{{.ID}}', data)).toBe('abc');
    expect(goString(null)).toBe('<nil>');
  });

  it('supports json, index, join, pipes and printf', () => {
    expect(renderTemplate('{{json .Config.Labels}}', data)).toBe('{"b":"2","a":"1"}');
    expect(renderTemplate('{{json .Config}}', data)).toBe(JSON.stringify(data.Config));
    expect(renderTemplate('{{index .Config.Labels "a"}}', data)).toBe('1');
    expect(renderTemplate('{{join .Config.Cmd ","}}', data)).toBe('sh,-c,echo hi');
    expect(renderTemplate('{{.Name | upper}}', data)).toBe('/WEB');
    expect(renderTemplate('{{printf "%s=%d" .Id .State.ExitCode}}', data)).toBe('abc=3');
    expect(renderTemplate('{{(index .NetworkSettings.Networks "back").IPAddress}}', data)).toBe('10.2.0.3');
  });

  it('supports range, if/else, with and trim markers', () => {
    expect(renderTemplate('{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}};{{end}}', data)).toBe('back=10.2.0.3;front=10.1.0.2;');
    expect(renderTemplate('{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', data)).toBe('10.2.0.3 10.1.0.2 ');
    expect(renderTemplate('{{range .Config.Env}}x{{else}}none{{end}}', data)).toBe('none');
    expect(renderTemplate('{{if .State.Running}}up{{else}}down {{.State.ExitCode}}{{end}}', data)).toBe('down 3');
    expect(renderTemplate('{{with .State}}{{.Status}}{{end}}', data)).toBe('exited');
    expect(renderTemplate('a  {{- .Id -}}  b', data)).toBe('aabcb');
    expect(renderTemplate('{{if eq .State.Status "exited"}}E{{end}}', data)).toBe('E');
  });

  it('reports errors as user errors', () => {
    expect(() => renderTemplate('{{.A', data)).toThrow(/unclosed/);
    expect(() => renderTemplate('{{if .A}}x', data)).toThrow(/end/);
    expect(() => renderTemplate('{{nosuchfunc .A}}', data)).toThrow(/not defined/);
  });
});
