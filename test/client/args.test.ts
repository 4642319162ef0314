import { parseArgs, type LoadOptions, type RequestOptions } from '../../src/client/args';
import { ClientError } from '../../src/client/errors';

function request(...argv: string[]): RequestOptions {
  const c = parseArgs(argv);
  if (c.kind !== 'request') throw new Error(`expected a request, got ${c.kind}`);
  return c.options;
}

function load(...argv: string[]): LoadOptions {
  const c = parseArgs(argv);
  if (c.kind !== 'load') throw new Error(`expected load, got ${c.kind}`);
  return c.options;
}

function usageError(...argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (err) {
    if (err instanceof ClientError && err.code === 'RRC_ERR_USAGE') return err.message;
    throw err;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
}

describe('parseArgs: single requests', () => {
  it('GET by default, with defaults', () => {
    expect(request('http://h/')).toMatchObject({
      url: 'http://h/',
      method: 'GET',
      headers: [],
      data: null,
      headOnly: false,
      output: null,
      followRedirects: false,
      maxRedirects: 10,
      timeoutMs: 30000,
      proxy: null,
    });
  });

  it('METHOD URL form, known methods in any case', () => {
    expect(request('post', 'http://h/').method).toBe('POST');
    expect(request('HEAD', 'http://h/')).toMatchObject({ method: 'HEAD', headOnly: true });
    expect(request('PROPFIND', 'http://h/').method).toBe('PROPFIND');
  });

  it('-X wins; -I means HEAD; -d means POST with a form body', () => {
    expect(request('-X', 'DELETE', 'http://h/').method).toBe('DELETE');
    expect(request('-XPUT', '-d', 'x', 'http://h/').method).toBe('PUT');
    expect(request('-I', 'http://h/')).toMatchObject({ method: 'HEAD', headOnly: true });
    expect(request('-d', 'a=1', 'http://h/')).toMatchObject({
      method: 'POST',
      data: { kind: 'literal', text: 'a=1' },
      formData: true,
    });
  });

  it('repeated -d joins with &; --data-binary @file and @- for stdin', () => {
    expect(request('-d', 'a=1', '-d', 'b=2', 'u').data).toEqual({
      kind: 'literal',
      text: 'a=1&b=2',
    });
    expect(request('--data-binary', '@/tmp/f', 'u')).toMatchObject({
      data: { kind: 'file', path: '/tmp/f', stripNewlines: false },
      formData: false,
      method: 'POST',
    });
    expect(request('--data-binary=@-', 'u').data).toEqual({ kind: 'stdin', stripNewlines: false });
    expect(request('-d', '@form.txt', 'u').data).toEqual({
      kind: 'file',
      path: 'form.txt',
      stripNewlines: true,
    });
  });

  it('repeatable -H in order, clustered short flags, --opt=value', () => {
    const o = request('-sLv', '-H', 'A: 1', '-HB: 2', '--header=C: 3', '--timeout=2.5', 'u');
    expect(o.headers).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
      { name: 'C', value: '3' },
    ]);
    expect(o).toMatchObject({
      silent: true,
      followRedirects: true,
      verbose: true,
      timeoutMs: 2500,
    });
  });

  it('output options, proxy, log, fail, include', () => {
    expect(
      request(
        '-o',
        'out.bin',
        '--output-dir',
        'dl',
        '--proxy',
        '127.0.0.1:9',
        '--log',
        'l.jsonl',
        '-f',
        '-i',
        '--max-redirs',
        '0',
        'u',
      ),
    ).toMatchObject({
      output: 'out.bin',
      outputDir: 'dl',
      proxy: '127.0.0.1:9',
      logFile: 'l.jsonl',
      fail: true,
      include: true,
      maxRedirects: 0,
    });
  });

  it('help and version', () => {
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['-h', 'x'])).toEqual({ kind: 'help' });
    expect(parseArgs(['-V'])).toEqual({ kind: 'version' });
  });

  it.each([
    [[], /missing URL/],
    [['--bogus', 'u'], /unknown option --bogus/],
    [['-Z', 'u'], /unknown option -Z/],
    [['-X'], /-X needs a value/],
    [['a', 'b', 'c'], /unexpected arguments/],
    [['-I', '-d', 'x', 'u'], /HEAD.*cannot send a body/],
    [['--timeout', '0', 'u'], /positive number/],
    [['--timeout', 'abc', 'u'], /positive number/],
    [['-n', '5', 'u'], /load-mode option/],
    [['-d', '@a', '--data-binary', '@b', 'u'], /only one request body/],
    [['-d', '@', 'u'], /needs a file name/],
    [['-H', 'Bad Header', 'u'], /Name: value/],
    [['--head=1', 'u'], /takes no value/],
  ])('usage error for %j', (argv, message) => {
    expect(usageError(...argv)).toMatch(message);
  });
});

describe('parseArgs: load mode', () => {
  it('defaults', () => {
    expect(load('load', 'http://h/')).toMatchObject({
      url: 'http://h/',
      method: 'GET',
      requests: 100,
      concurrency: 10,
      backendHeader: 'X-Backend',
      bodyPattern: null,
      json: false,
      thresholds: { maxErrorRate: 0.01, maxImbalance: 1.5, expectBackends: null },
      durationLimitMs: null,
    });
  });

  it('all flags', () => {
    const o = load(
      'load',
      'http://h/',
      '-n',
      '1000',
      '-c',
      '20',
      '--body-pattern',
      'backend=(\\w+)',
      '--json',
      '--max-error-rate',
      '0.05',
      '--max-imbalance',
      '2',
      '--expect-backends',
      '3',
      '--duration-limit',
      '30',
      '--proxy',
      '127.0.0.1:1',
    );
    expect(o).toMatchObject({
      requests: 1000,
      concurrency: 20,
      json: true,
      thresholds: { maxErrorRate: 0.05, maxImbalance: 2, expectBackends: 3 },
      durationLimitMs: 30000,
      proxy: '127.0.0.1:1',
    });
    expect(o.bodyPattern?.exec('backend=b2')?.[1]).toBe('b2');
  });

  it.each([
    [
      ['load', 'u', '--backend-header', 'X-B', '--body-pattern', 'x'],
      /either --backend-header or --body-pattern/,
    ],
    [['load', 'u', '--body-pattern', '('], /--body-pattern/],
    [['load', 'u', '-n', '0'], /positive integer/],
    [['load', 'u', '-c', '1.5'], /positive integer/],
    [['load', 'u', '--max-error-rate', '2'], /between 0 and 1/],
    [['load', 'u', '--max-imbalance', '0.5'], /at least 1/],
    [['load', 'u', '-L'], /not available in load mode/],
    [['load', 'u', '--backend-header', 'X Backend'], /invalid --backend-header 'X Backend'/],
    [['load'], /missing URL/],
  ])('usage error for %j', (argv, message) => {
    expect(usageError(...argv)).toMatch(message);
  });
});
