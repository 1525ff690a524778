/**
 * The option parsers every `tickwatch` subcommand shares, and what a user sees when an option is
 * wrong: commander's message naming the option, exit code 1, and nothing started.
 */
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { runTool } from './helpers/tools.js';
import { freePort } from '../scripts/lib/net.js';
import { hostPortArg, httpUrlArg, intArg, listArg, numArg, portArg, positiveMsArg, regexArg } from '../exporters/lib/cli.js';

const CLI = fileURLToPath(new URL('../scripts/tickwatch.mjs', import.meta.url));

describe('option parsers', () => {
  it('take what is valid and refuse the rest with InvalidArgumentError', () => {
    expect(portArg('0')).toBe(0);
    expect(portArg('65535')).toBe(65535);
    for (const bad of ['65536', '-1', '80.5', 'http', '']) expect(() => portArg(bad), bad).toThrow(InvalidArgumentError);
    expect(positiveMsArg('250')).toBe(250);
    for (const bad of ['0', '1.5', 'x', ' ']) expect(() => positiveMsArg(bad), bad).toThrow(InvalidArgumentError);
    expect(intArg('n', 64)('64')).toBe(64);
    expect(() => intArg('n', 64)('63')).toThrow('n is an integer >= 64');
    expect(numArg('speed', 0, true)('max')).toBe(Infinity);
    expect(numArg('speed', 0, true)('2.5')).toBe(2.5);
    expect(() => numArg('rate')('max')).toThrow('rate is a number >= 0');
    expect(() => numArg('rate')('-1')).toThrow(InvalidArgumentError);
    expect(() => numArg('rate')('')).toThrow(InvalidArgumentError);
    expect(numArg('rate')('1e3')).toBe(1000);
    expect(hostPortArg(':9478')).toEqual({ host: '127.0.0.1', port: 9478 });
    expect(hostPortArg('127.0.0.1:1')).toEqual({ host: '127.0.0.1', port: 1 });
    for (const bad of ['127.0.0.1', '127.0.0.1:99999']) expect(() => hostPortArg(bad), bad).toThrow(InvalidArgumentError);
    const url = httpUrlArg('an HTTP URL');
    expect(url('https://127.0.0.1:8443/x')).toBe('https://127.0.0.1:8443/x');
    for (const bad of ['127.0.0.1:8123', 'ftp://127.0.0.1/', 'not a url']) expect(() => url(bad), bad).toThrow('an HTTP URL');
    expect(regexArg('^(lo|veth.*)$')).toBe('^(lo|veth.*)$');
    expect(() => regexArg('(')).toThrow(InvalidArgumentError);
    expect(listArg(' a, b,,c ')).toEqual(['a', 'b', 'c']);
  });
});

describe('a wrong option on the command line', () => {
  it.each([
    ['host', '--port', '70000', 'a port is an integer from 0 to 65535'],
    ['hft', '--port', '70000', 'a port is an integer from 0 to 65535'],
    ['recorder', '--query-port', 'x', 'a port is an integer from 0 to 65535'],
    ['clickhouse', '--url', '127.0.0.1:8123', "ClickHouse's HTTP interface"],
    ['clickhouse', '--query-timeout', '0', 'a positive number of milliseconds'],
    ['host', '--mount-exclude', '(', 'Invalid regular expression'],
    ['hft', '--tcp', 'nope', 'use host:port'],
    ['simulate', '--tcp', '127.0.0.1:99999', 'use host:port'],
  ])('tickwatch %s %s %s exits 1 naming the option', (cmd, flag, value, message) => {
    const args = [CLI, cmd, flag, value, ...(cmd === 'recorder' ? ['--events', '/nonexistent'] : [])];
    const r = runTool(process.execPath, args, { timeoutMs: 120_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`option '${flag} `);
    expect(r.stderr).toContain(message);
  });
});

describe('a command that fails at run time', () => {
  it('says why in one line and exits 1 (no stack trace)', async () => {
    const closed = await freePort(); // nothing listens there
    const r = runTool(process.execPath, [CLI, 'simulate', '--duration', '1', '--speed', 'max', '--tcp', `127.0.0.1:${closed}`], { timeoutMs: 120_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr.trim()).toBe(`tickwatch: connect ECONNREFUSED 127.0.0.1:${closed}`);
  });
});
