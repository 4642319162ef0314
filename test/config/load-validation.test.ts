import { loadConfig } from '../../src/config/load';
import { configError, tempConfigs } from './helpers';

const files = tempConfigs();

/** Loads the lines as a config file and returns the single problem reported. */
async function problemOf(
  lines: readonly string[],
): Promise<{ key?: string; line?: number; message: string }> {
  const file = files.write(lines);
  const err = await configError(['--config', file]);
  expect(err.problems).toHaveLength(1);
  expect(err.exitCode).toBe(2);
  return err.problems[0]!;
}

describe('file: keys', () => {
  test('an unknown nested key names the key and its line, and suggests the right one', async () => {
    const p = await problemOf(['# comment', 'listen: :0', 'timeouts:', '  conect: 5s']);
    expect(p.key).toBe('timeouts.conect');
    expect(p.line).toBe(4);
    expect(p.message).toMatch(
      /^unknown key 'timeouts\.conect' at line 4 of .*\.yaml \(did you mean 'timeouts\.connect'\?\)$/,
    );
  });

  test('an unknown top-level key, also in another case style', async () => {
    const p = await problemOf(['listen: :0', 'backend: [127.0.0.1:80]']);
    expect(p).toMatchObject({ key: 'backend', line: 2 });
    expect(p.message).toMatch(/did you mean 'backends'/);
    const q = await problemOf(['timeouts:', '  response_header: 5s']);
    expect(q).toMatchObject({ key: 'timeouts.response_header', line: 2 });
    expect(q.message).toMatch(/did you mean 'timeouts\.responseHeader'/);
    const r = await problemOf(['zzz: 1']);
    expect(r.message).toMatch(/unknown key 'zzz' at line 1 .*known keys: listen, admin, backends/);
  });

  test('a dotted key is not a second spelling of a nested one', async () => {
    const p = await problemOf(['timeouts.connect: 5s']);
    expect(p).toMatchObject({ key: 'timeouts.connect', line: 1 });
    expect(p.message).toMatch(
      /unknown key 'timeouts\.connect' at line 1 .*keys are nested: write 'timeouts:' and 'connect:'/,
    );
  });

  test('a group that is not a mapping', async () => {
    const p = await problemOf(['limits: 5']);
    expect(p).toMatchObject({ key: 'limits', line: 1 });
    expect(p.message).toMatch(/expected a mapping of limits\.\* keys, got number 5/);
  });

  test('a group with every child commented out is fine', async () => {
    const file = files.write(['timeouts:', '  # connect: 1s', 'limits:']);
    await expect(loadConfig(['--config', file], {})).resolves.toBeDefined();
  });
});

describe('file: value types', () => {
  test.each([
    [['timeouts:', '  connect: true'], 'timeouts.connect', 2, /expected a duration/],
    [['timeouts:', '  connect: 5x'], 'timeouts.connect', 2, /invalid duration '5x'/],
    [['timeouts:', '  connect: 0s'], 'timeouts.connect', 2, /below the minimum 1ms/],
    [['limits:', '  maxHeaderBytes: 64K'], 'limits.maxHeaderBytes', 2, /unknown unit 'K'/],
    [['limits:', '  maxTries: 0'], 'limits.maxTries', 2, /expected an integer 1\.\.100/],
    [['limits:', '  maxHeaderCount: "100"'], 'limits.maxHeaderCount', 2, /expected an integer/],
    [['log:', '  pretty: "yes"'], 'log.pretty', 2, /expected true or false, got 'yes'/],
    [
      ['log:', '  level: loud'],
      'log.level',
      2,
      /'loud'; expected one of 'fatal', 'error', 'warn', 'info'/,
    ],
    [['strategy: random'], 'strategy', 1, /expected one of 'round-robin'/],
    [['strategy:', '  name: random'], 'strategy.name', 2, /expected one of 'round-robin'/],
    [
      ['strategy:', '  outlier:', '    maxEjectedPercent: 101'],
      'strategy.outlier.maxEjectedPercent',
      3,
      /expected an integer 0\.\.100/,
    ],
    [
      ['strategy:', '  healthCheck:', '    path: health'],
      'strategy.healthCheck.path',
      3,
      /must start with '\/'/,
    ],
    [
      ['discovery:', '  mode: consul'],
      'discovery.mode',
      2,
      /expected one of 'static', 'endpointslices', 'endpoints'/,
    ],
    [
      ['discovery:', '  addressFamily: ipv4'],
      'discovery.addressFamily',
      2,
      /'auto', 'IPv4', 'IPv6'/,
    ],
    [
      ['discovery:', '  service: My_Service'],
      'discovery.service',
      2,
      /not a valid Kubernetes name/,
    ],
    [['tracing:', '  sampleRatio: 1.5'], 'tracing.sampleRatio', 2, /expected a number from 0 to 1/],
    [
      ['tracing:', '  sampleRatio: -0.1'],
      'tracing.sampleRatio',
      2,
      /expected a number from 0 to 1/,
    ],
    [
      ['tracing:', '  endpoint: localhost:4318'],
      'tracing.endpoint',
      2,
      /not an http:\/\/ or https:\/\/ URL/,
    ],
    [['tracing:', '  serviceName: ""'], 'tracing.serviceName', 2, /must not be empty/],
    [['headers:', '  viaName: "my proxy"'], 'headers.viaName', 2, /not an HTTP token/],
    [['headers:', '  viaName: 42'], 'headers.viaName', 2, /expected a string, got number 42/],
    [['headers:', '  requestIdHeader: "x-id:"'], 'headers.requestIdHeader', 2, /not an HTTP token/],
    [['headers:', '  stripPathPrefix: api'], 'headers.stripPathPrefix', 2, /must start with '\/'/],
    [
      ['headers:', '  stripPathPrefix: /api/'],
      'headers.stripPathPrefix',
      2,
      /must not end with '\/'/,
    ],
    [['headers:', '  addPathPrefix: /v1/'], 'headers.addPathPrefix', 2, /must not end with '\/'/],
    [
      ['headers:', '  addPathPrefix: "/a b"'],
      'headers.addPathPrefix',
      2,
      /not allowed in a URL path/,
    ],
    [['headers:', '  hostRewrite: "a b"'], 'headers.hostRewrite', 2, /not a valid host/],
  ] as const)('%j -> %s at line %d', async (lines, key, line, pattern) => {
    const p = await problemOf(lines);
    expect(p.key).toBe(key);
    expect(p.line).toBe(line);
    expect(p.message).toContain(`${key} at line ${line} of `);
    expect(p.message).toMatch(pattern);
  });

  test('valid edge values are accepted', async () => {
    const file = files.write([
      'headers:',
      '  stripPathPrefix: /api',
      '  addPathPrefix: /v1/internal',
      '  hostRewrite: backend.internal:8080',
      '  viaName: edge-1.example',
      'tracing:',
      '  sampleRatio: 0',
      '  endpoint: https://otel.example:4318/v1/traces',
      'timeouts:',
      '  drain: 0',
      '  connect: 250',
    ]);
    const c = await loadConfig(['--config', file], {});
    expect(c.headers).toMatchObject({
      stripPathPrefix: '/api',
      addPathPrefix: '/v1/internal',
      hostRewrite: 'backend.internal:8080',
    });
    expect(c.tracing.sampleRatio).toBe(0);
    expect(c.timeouts).toMatchObject({ drain: 0, connect: 250 });
  });
});

describe('file: addresses', () => {
  test.each([
    ['listen: 127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['listen: "[::1]:8080"', { host: '::1', port: 8080 }],
    ['listen: "[::]:8080"', { host: '::', port: 8080 }],
    ['listen: :8080', { host: '0.0.0.0', port: 8080 }],
    ['listen: localhost:0', { host: 'localhost', port: 0 }],
    ['listen: { host: "::1", port: 0 }', { host: '::1', port: 0 }],
    ['listen: { host: "[::1]", port: 9 }', { host: '::1', port: 9 }],
    ['listen: { port: 8080 }', { host: '0.0.0.0', port: 8080 }],
  ])('%s', async (line, expected) => {
    const c = await loadConfig(['--config', files.write([line])], {});
    expect(c.listen).toEqual(expected);
  });

  test.each([
    ['listen: 127.0.0.1:70000', 'listen', /invalid port/],
    ['listen: 127.0.0.1:-1', 'listen', /invalid port/],
    ['listen: 127.0.0.1', 'listen', /missing port/],
    ['listen: 8080', 'listen', /expected 'host:port' or \{ host, port \}, got number 8080/],
    ['listen: ::1:8080', 'listen', /needs brackets, as in '\[::1\]:8080'/],
    ['listen: "[1.2.3.4]:80"', 'listen', /not an IPv6 address/],
    ['listen: "bad host:80"', 'listen', /not an IP address or hostname/],
    ['listen: 10.1.2:80', 'listen', /not an IP address or hostname/],
    ['admin: { host: 127.0.0.1, port: 99999 }', 'admin.port', /invalid port number 99999/],
    ['admin: { host: 127.0.0.1, prot: 1 }', 'admin.prot', /unknown key 'prot'/],
    ['admin: { host: 127.0.0.1 }', 'admin', /missing 'port'/],
  ])('%s is refused', async (line, key, pattern) => {
    const p = await problemOf([line]);
    expect(p).toMatchObject({ key, line: 1 });
    expect(p.message).toMatch(pattern);
  });

  test('backends: strings and objects with weight', async () => {
    const file = files.write([
      'backends:',
      '  - 10.0.0.1:8080',
      '  - "[2001:db8::1]:8080"',
      '  - web.default.svc.cluster.local:80',
      '  - host: 10.0.0.2',
      '    port: 8081',
      '    weight: 3',
    ]);
    const c = await loadConfig(['--config', file], {});
    expect(c.backends).toEqual([
      { host: '10.0.0.1', port: 8080, weight: 1 },
      { host: '2001:db8::1', port: 8080, weight: 1 },
      { host: 'web.default.svc.cluster.local', port: 80, weight: 1 },
      { host: '10.0.0.2', port: 8081, weight: 3 },
    ]);
  });

  test.each([
    [
      ['backends:', '  - 10.0.0.1:80', '  - host: web', '    port: 0'],
      'backends[1].port',
      4,
      /invalid port number 0; expected an integer 1\.\.65535/,
    ],
    [['backends:', '  - 10.0.0.1:80', '  - :8080'], 'backends[1]', 3, /missing host/],
    [
      ['backends:', '  - 10.0.0.1:80', '  - host: web', '    port: 80', '    wieght: 2'],
      'backends[1].wieght',
      5,
      /unknown key 'wieght' \(expected host, port, weight\)/,
    ],
    [
      ['backends:', '  - host: web', '    port: 80', '    weight: 0'],
      'backends[0].weight',
      4,
      /invalid weight number 0/,
    ],
    [['backends:', '  - port: 80'], 'backends[0]', 2, /missing 'host'/],
    [
      ['backends:', '  - 80'],
      'backends[0]',
      2,
      /expected 'host:port' or \{ host, port, weight \}, got number 80/,
    ],
    [['backends: 10.0.0.1'], 'backends[0]', 1, /missing port/],
    [['backends: { host: a }'], 'backends', 1, /expected a list, got a mapping/],
  ] as const)('%j -> %s at line %d', async (lines, key, line, pattern) => {
    const p = await problemOf(lines);
    expect(p).toMatchObject({ key, line });
    expect(p.message).toMatch(pattern);
  });

  test('trustedProxies: CIDRs and addresses of both families; a bad entry names its index and line', async () => {
    const ok = files.write([
      'headers:',
      '  trustedProxies: [10.0.0.0/8, "fd00::/8", 192.168.1.10, "::ffff:10.0.0.0/104"]',
    ]);
    expect((await loadConfig(['--config', ok], {})).headers.trustedProxies).toHaveLength(4);
    const p = await problemOf([
      'headers:',
      '  trustedProxies:',
      '    - 10.0.0.0/8',
      '    - 10.0.0.0/33',
    ]);
    expect(p).toMatchObject({ key: 'headers.trustedProxies[1]', line: 4 });
    expect(p.message).toMatch(/'10\.0\.0\.0\/33' has an invalid prefix length/);
  });
});

describe('file: rules across keys', () => {
  test('backends together with a Kubernetes discovery mode', async () => {
    const file = files.write([
      'backends:',
      '  - 10.0.0.1:80',
      'discovery:',
      '  mode: endpointslices',
      '  service: web',
    ]);
    const err = await configError(['--config', file]);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({ key: 'backends', line: 1 });
    expect(err.message).toMatch(
      /backends at line 1 of .* cannot be combined with discovery\.mode 'endpointslices' \(at line 4 of /,
    );

    // The same with the backends from a flag: the message says where each came from.
    const k8s = files.write(['discovery:', '  mode: endpoints', '  service: web']);
    const viaFlag = await configError(['--config', k8s, '--backend', '10.0.0.1:80']);
    expect(viaFlag.message).toMatch(
      /backends from --backend cannot be combined with discovery\.mode 'endpoints' \(at line 2 of /,
    );
    await expect(loadConfig(['--config', k8s], {})).resolves.toMatchObject({
      discovery: { mode: 'endpoints', service: 'web' },
    });
  });

  test('a Kubernetes discovery mode needs discovery.service', async () => {
    const err = await configError([
      '--config',
      files.write(['discovery:', '  mode: endpointslices']),
    ]);
    expect(err.problems[0]).toMatchObject({ key: 'discovery.mode', line: 2 });
    expect(err.message).toMatch(/requires discovery\.service/);
    const fromEnv = await configError([], { RRPROXY_DISCOVERY_MODE: 'endpointslices' });
    expect(fromEnv.message).toMatch(
      /discovery\.mode 'endpointslices' from RRPROXY_DISCOVERY_MODE requires discovery\.service/,
    );
  });

  test('cache.maxObjectBytes may not exceed cache.maxBytes', async () => {
    const err = await configError([
      '--config',
      files.write(['cache:', '  maxBytes: 1MiB', '  maxObjectBytes: 2MiB']),
    ]);
    expect(err.problems[0]).toMatchObject({ key: 'cache.maxObjectBytes', line: 3 });
  });

  test('listen and admin on the same address', async () => {
    const err = await configError(['--listen', '127.0.0.1:9901']);
    expect(err.message).toMatch(/admin by default and listen from --listen overlap/);
    expect(
      (await configError(['--listen', ':9000', '--admin', '127.0.0.1:9000'])).problems[0]!.key,
    ).toBe('admin');
    await expect(
      loadConfig(['--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0'], {}),
    ).resolves.toBeDefined();
  });
});

describe('file: syntax and access', () => {
  test('a YAML syntax error reports line and column', async () => {
    const err = await configError([
      '--config',
      files.write(['listen: :0', 'timeouts:', '  connect: [1s', 'log: {']),
    ]);
    expect(err.problems[0]!.line).toBeGreaterThanOrEqual(3);
    expect(err.problems[0]!.column).toBeGreaterThanOrEqual(1);
    expect(err.message).toMatch(/YAML syntax error at line \d+, column \d+ of /);
  });

  test('bad indentation is a syntax error at its line', async () => {
    const err = await configError([
      '--config',
      files.write(['timeouts:', '  connect: 1s', ' drain: 2s']),
    ]);
    expect(err.problems[0]!.line).toBe(3);
  });

  test('a duplicate key is an error at its line', async () => {
    const err = await configError([
      '--config',
      files.write(['log:', '  level: info', 'log:', '  level: debug']),
    ]);
    expect(err.problems[0]!.line).toBe(3);
    expect(err.message).toMatch(/unique/);
  });

  test('a missing file, a directory', async () => {
    const missing = await configError(['--config', '/nonexistent/rrproxy.yaml']);
    expect(missing.message).toBe(
      "cannot read config file '/nonexistent/rrproxy.yaml': no such file",
    );
    const dir = await configError(['--config', files.dir()]);
    expect(dir.message).toMatch(/it is a directory/);
  });

  test('a file that is not a mapping', async () => {
    const p = await problemOf(['- listen: :0']);
    expect(p.message).toMatch(/must be a mapping of keys \(listen, admin, .*\), got a list/);
  });

  test('an empty file means the defaults', async () => {
    await expect(
      loadConfig(['--config', files.write(['# nothing here'])], {}),
    ).resolves.toMatchObject({ listen: { port: 8080 } });
  });

  test('anchors and aliases work, and values from them are validated', async () => {
    const file = files.write(['x-common: &t', '  connect: 1s']);
    const err = await configError(['--config', file]);
    expect(err.message).toMatch(/unknown key 'x-common' at line 1/);
    const ok = files.write(['timeouts: &t', '  connect: 1s', 'limits:', '  maxTries: 2']);
    expect((await loadConfig(['--config', ok], {})).timeouts.connect).toBe(1000);
  });

  test('every problem of a file is reported at once, in file order', async () => {
    const file = files.write(['listen: nope', 'timeouts:', '  connect: never', 'logs: {}']);
    const err = await configError(['--config', file]);
    expect(err.problems.map((p) => [p.key, p.line])).toEqual([
      ['listen', 1],
      ['timeouts.connect', 3],
      ['logs', 4],
    ]);
  });
});
