import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseFilters } from './common.js';
import { ago, commandText, humanDuration, humanSize, portsText, repoTag, table } from './format.js';
import { firstOperand } from './index.js';

describe('Docker-style formatting', () => {
  it('prints sizes and durations as Docker does', () => {
    expect(humanSize(512)).toBe('512B');
    expect(humanSize(1_980_000)).toBe('1.98MB');
    expect(humanSize(10_500)).toBe('10.5kB');
    expect(humanDuration(400)).toBe('Less than a second');
    expect(humanDuration(5_000)).toBe('5 seconds');
    expect(humanDuration(60_000)).toBe('About a minute');
    expect(humanDuration(3 * 3_600_000)).toBe('3 hours');
    expect(ago(new Date(10_000).toISOString(), 70_000)).toBe('About a minute ago');
    expect(ago('0001-01-01T00:00:00Z')).toBe('');
  });

  it('aligns tables with three spaces and trims line ends', () => {
    expect(table(['A', 'LONGER'], [['xyz', ''], ['1', '2']])).toBe('A     LONGER\nxyz\n1     2\n');
  });

  it('writes commands, ports and references the docker way', () => {
    expect(commandText('sleep 100')).toBe('"sleep 100"');
    expect(commandText('sh -c echo something long')).toBe('"sh -c echo somethin…"');
    expect(commandText('12345678901234567890')).toBe('"12345678901234567890"');
    expect(commandText('sh -c "echo hi"')).toBe('"sh -c \\"echo hi\\""');
    expect(portsText([{ containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080 }, { containerPort: 53, protocol: 'udp', hostIp: '', hostPort: 0 }])).toBe('0.0.0.0:8080->80/tcp, 53/udp');
    expect(repoTag('localhost:5000/app')).toEqual({ repository: 'localhost:5000/app', tag: 'latest' });
    expect(repoTag('redis:7')).toEqual({ repository: 'redis', tag: '7' });
  });

  it('parses filters and finds the subcommand past global options', () => {
    expect(parseFilters(['label=a=b', 'label=c', 'status=running'])).toEqual({ label: ['a=b', 'c'], status: ['running'] });
    expect(() => parseFilters(['oops'])).toThrow(/name=value/);
    const p = new Command('berth').option('-p, --project-name <N>').option('--verbose');
    expect(firstOperand(p, ['-p', 'container', 'up'])).toBe('up');
    expect(firstOperand(p, ['--verbose', 'container', 'ls'])).toBe('container');
    expect(firstOperand(p, ['--project-name=x', 'image'])).toBe('image');
  });
});
