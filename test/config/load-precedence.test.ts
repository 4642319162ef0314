import { DEFAULT_CONFIG } from '../../src/config/defaults';
import { CliExit, ConfigError } from '../../src/config/errors';
import { loadConfig, loadConfigOrExit, packageVersion } from '../../src/config/load';
import { configError, tempConfigs } from './helpers';

const files = tempConfigs();

describe('sources and precedence', () => {
  test('no flags, no env, no file: a mutable copy of the defaults', async () => {
    const config = await loadConfig([], {});
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(config).not.toBe(DEFAULT_CONFIG);
    config.timeouts.connect = 1;
    config.backends.push({ host: 'x', port: 1, weight: 1 });
    expect(DEFAULT_CONFIG.timeouts.connect).toBe(5_000);
    expect(DEFAULT_CONFIG.backends).toEqual([]);
  });

  test('flags > env > file > defaults, key by key', async () => {
    const file = files.write([
      'listen: 127.0.0.1:1001',
      'admin: 127.0.0.1:2001',
      'log:',
      '  level: debug',
      '  access: false',
      'timeouts:',
      '  connect: 2s',
      '  responseHeader: 40s',
    ]);
    const config = await loadConfig(['--config', file, '--listen', '127.0.0.1:1003'], {
      RRPROXY_LISTEN: '127.0.0.1:1002',
      RRPROXY_ADMIN: '127.0.0.1:2002',
      RRPROXY_TIMEOUTS_RESPONSE_HEADER: '45s',
    });
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 1003 }); // flag over env over file
    expect(config.admin).toEqual({ host: '127.0.0.1', port: 2002 }); // env over file
    expect(config.timeouts.responseHeader).toBe(45_000); // env over file
    expect(config.timeouts.connect).toBe(2_000); // file over default
    expect(config.log).toEqual({ level: 'debug', pretty: false, access: false });
    expect(config.timeouts.clientHeader).toBe(DEFAULT_CONFIG.timeouts.clientHeader); // default
  });

  test('--backend replaces the file list (and the env list), it does not append', async () => {
    const file = files.write([
      'backends:',
      '  - 10.0.0.1:80',
      '  - 10.0.0.2:80',
      '  - 10.0.0.3:80',
    ]);
    const fromFile = await loadConfig(['--config', file], {});
    expect(fromFile.backends.map((b) => b.host)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);

    const fromEnv = await loadConfig(['--config', file], { RRPROXY_BACKENDS: '10.0.0.9:90' });
    expect(fromEnv.backends).toEqual([{ host: '10.0.0.9', port: 90, weight: 1 }]);

    const fromFlags = await loadConfig(
      ['--config', file, '--backend', '127.0.0.1:8081', '--backend=[::1]:8082'],
      { RRPROXY_BACKENDS: '10.0.0.9:90' },
    );
    expect(fromFlags.backends).toEqual([
      { host: '127.0.0.1', port: 8081, weight: 1 },
      { host: '::1', port: 8082, weight: 1 },
    ]);
  });

  test('--trusted-proxy is repeatable and replaces the configured list', async () => {
    const file = files.write(['headers:', '  trustedProxies: [10.0.0.0/8]']);
    const config = await loadConfig(
      ['--config', file, '--trusted-proxy', '192.168.0.0/16', '--trusted-proxy', 'fd00::/8'],
      {},
    );
    expect(config.headers.trustedProxies).toEqual(['192.168.0.0/16', 'fd00::/8']);
  });

  test('RRPROXY_CONFIG names the file; --config wins over it', async () => {
    const a = files.write(['log:', '  level: warn']);
    const b = files.write(['log:', '  level: error']);
    expect((await loadConfig([], { RRPROXY_CONFIG: a })).log.level).toBe('warn');
    expect((await loadConfig(['--config', b], { RRPROXY_CONFIG: a })).log.level).toBe('error');
  });

  test('switches: --log-pretty, --cache / --no-cache (last one wins)', async () => {
    expect((await loadConfig(['--log-pretty'], {})).log.pretty).toBe(true);
    expect((await loadConfig(['--cache'], {})).cache.enabled).toBe(true);
    expect((await loadConfig(['--cache', '--no-cache'], {})).cache.enabled).toBe(false);
    const file = files.write(['cache:', '  enabled: true']);
    expect((await loadConfig(['--config', file, '--no-cache'], {})).cache.enabled).toBe(false);
    expect((await loadConfig(['--no-cache', '--cache'], {})).cache.enabled).toBe(true);
  });

  test('value flags in both forms, and the last of a repeated value flag wins', async () => {
    const config = await loadConfig(
      [
        '--log-level=debug',
        '--strategy',
        'least-request',
        '--via-name',
        'edge-1',
        '--admin=[::1]:0',
        '--listen',
        ':0',
        '--listen',
        ':8080',
      ],
      {},
    );
    expect(config.log.level).toBe('debug');
    expect(config.strategy.name).toBe('least-request');
    expect(config.headers.viaName).toBe('edge-1');
    expect(config.admin).toEqual({ host: '::1', port: 0 });
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 8080 });
  });

  test('the example CLI of the brief loads', async () => {
    const config = await loadConfig(
      [
        '--listen',
        '127.0.0.1:8080',
        '--admin',
        '127.0.0.1:9901',
        '--backend',
        '127.0.0.1:8081',
        '--backend',
        '127.0.0.1:8082',
        '--log-level',
        'info',
      ],
      {},
    );
    expect(config.backends).toHaveLength(2);
  });
});

describe('environment mapping', () => {
  test('nested keys map to RRPROXY_ + UPPER_SNAKE path segments', async () => {
    const config = await loadConfig([], {
      RRPROXY_TIMEOUTS_RESPONSE_HEADER: '45s',
      RRPROXY_TIMEOUTS_UPSTREAM_KEEP_ALIVE: '4000',
      RRPROXY_LIMITS_MAX_REQUEST_BODY_BYTES: '1MiB',
      RRPROXY_LIMITS_MAX_TRIES: '5',
      RRPROXY_HEADERS_TRUSTED_PROXIES: '10.0.0.0/8, ::1',
      RRPROXY_HEADERS_STRIP_PATH_PREFIX: '/api',
      RRPROXY_LOG_PRETTY: 'true',
      RRPROXY_CACHE_ENABLED: '1',
      RRPROXY_LISTEN: '[::1]:0',
      RRPROXY_DISCOVERY_ADDRESS_FAMILY: 'IPv6',
      RRPROXY_TRACING_SAMPLE_RATIO: '0.25',
      RRPROXY_TRACING_ENDPOINT: 'http://127.0.0.1:4318',
      RRPROXY_BACKENDS: '127.0.0.1:8081,127.0.0.1:8082',
    });
    expect(config.timeouts.responseHeader).toBe(45_000);
    expect(config.timeouts.upstreamKeepAlive).toBe(4_000);
    expect(config.limits.maxRequestBodyBytes).toBe(1024 * 1024);
    expect(config.limits.maxTries).toBe(5);
    expect(config.headers.trustedProxies).toEqual(['10.0.0.0/8', '::1']);
    expect(config.headers.stripPathPrefix).toBe('/api');
    expect(config.log.pretty).toBe(true);
    expect(config.cache.enabled).toBe(true);
    expect(config.listen).toEqual({ host: '::1', port: 0 });
    expect(config.discovery.addressFamily).toBe('IPv6');
    expect(config.tracing.sampleRatio).toBe(0.25);
    expect(config.tracing.endpoint).toBe('http://127.0.0.1:4318');
    expect(config.backends).toHaveLength(2);
  });

  test('an empty list variable empties the list', async () => {
    const file = files.write(['backends: [10.0.0.1:80]']);
    expect((await loadConfig(['--config', file], { RRPROXY_BACKENDS: '' })).backends).toEqual([]);
  });

  test('Kubernetes service-link variables are ignored, typos of ours are not', async () => {
    const serviceLinks = {
      RRPROXY_PORT: 'tcp://10.96.0.10:8080',
      RRPROXY_SERVICE_HOST: '10.96.0.10',
      RRPROXY_SERVICE_PORT: '8080',
      RRPROXY_SERVICE_PORT_HTTP: '8080',
      RRPROXY_PORT_8080_TCP: 'tcp://10.96.0.10:8080',
      RRPROXY_PORT_8080_TCP_ADDR: '10.96.0.10',
      RRPROXY_ADMIN_PORT_9901_TCP_PORT: '9901',
      RRPROXY_ADMIN_SERVICE_HOST: '10.96.0.11',
      RRPROXY_SOMETHING_ELSE_ENTIRELY: 'x',
    };
    await expect(loadConfig([], serviceLinks)).resolves.toEqual(DEFAULT_CONFIG);

    const err = await configError([], { RRPROXY_TIMEOUT_CONNECT: '1s', RRPROXY_LOGLEVEL: 'debug' });
    expect(err.message).toContain(
      'RRPROXY_TIMEOUT_CONNECT (did you mean RRPROXY_TIMEOUTS_CONNECT?)',
    );
    expect(err.message).toContain('RRPROXY_LOGLEVEL (did you mean RRPROXY_LOG_LEVEL?)');
  });

  test('a bad env value names the variable and the key', async () => {
    const err = await configError([], {
      RRPROXY_TIMEOUTS_CONNECT: 'soon',
      RRPROXY_LOG_LEVEL: 'loud',
    });
    expect(err.problems).toHaveLength(2);
    expect(err.problems[0]).toMatchObject({ key: 'timeouts.connect', source: 'env' });
    expect(err.message).toMatch(
      /timeouts\.connect from RRPROXY_TIMEOUTS_CONNECT: invalid duration 'soon'/,
    );
    expect(err.message).toMatch(/log\.level from RRPROXY_LOG_LEVEL: .*'loud'.*'info'/);
  });

  test('RRPROXY_STRATEGY is the shorthand of RRPROXY_STRATEGY_NAME, which wins over it', async () => {
    expect((await loadConfig([], { RRPROXY_STRATEGY: 'least-request' })).strategy.name).toBe(
      'least-request',
    );
    const both = await loadConfig([], {
      RRPROXY_STRATEGY: 'least-request',
      RRPROXY_STRATEGY_NAME: 'consistent-hash',
    });
    expect(both.strategy.name).toBe('consistent-hash');
    const err = await configError([], { RRPROXY_STRATEGY: 'fastest' });
    expect(err.message).toMatch(/strategy\.name from RRPROXY_STRATEGY: .*'fastest'/);
  });

  test('empty values of typed variables are errors, not silently the default', async () => {
    const err = await configError([], { RRPROXY_LIMITS_MAX_TRIES: '' });
    expect(err.message).toMatch(/RRPROXY_LIMITS_MAX_TRIES/);
  });
});

describe('flags', () => {
  test('an unknown flag is named, with a suggestion when it is a likely typo', async () => {
    const err = await configError(['--lisen', '127.0.0.1:80', '--frobnicate']);
    expect(err.problems.map((p) => p.key)).toEqual(['--lisen', '--frobnicate']);
    expect(err.message).toContain("unknown flag '--lisen' (did you mean '--listen'?)");
    expect(err.message).toContain("unknown flag '--frobnicate'");
    expect(err.exitCode).toBe(2);
  });

  test('a missing value, a stray argument, a value given to a switch', async () => {
    expect((await configError(['--listen'])).message).toMatch(/flag '--listen' needs a value/);
    expect((await configError(['--listen', '--admin', ':0'])).message).toMatch(
      /'--listen' needs a value/,
    );
    expect((await configError(['serve'])).message).toMatch(/unexpected argument 'serve'/);
    expect((await configError(['--cache=yes'])).message).toMatch(/'--cache' takes no value/);
    expect((await configError(['--config'])).message).toMatch(/'--config' needs a value/);
  });

  test('a bad flag value names the flag', async () => {
    const err = await configError([
      '--backend',
      '127.0.0.1:80',
      '--backend',
      '127.0.0.1',
      '--log-level',
      'loud',
    ]);
    expect(err.problems.map((p) => p.key)).toEqual(['--backend', '--log-level']);
    expect(err.message).toMatch(
      /--backend "127\.0\.0\.1": invalid address '127\.0\.0\.1': missing port/,
    );
  });

  test('--help and --version ask main to print and exit 0', async () => {
    const help = await loadConfig(['--listen', 'garbage', '--help'], {}).catch((e: unknown) => e);
    expect(help).toBeInstanceOf(CliExit);
    const { output, exitCode } = help as CliExit;
    expect(exitCode).toBe(0);
    for (const flag of [
      '--config',
      '--listen',
      '--admin',
      '--backend',
      '--log-level',
      '--log-pretty',
      '--cache',
      '--no-cache',
      '--strategy',
      '--via-name',
      '--trusted-proxy',
      '--help',
      '--version',
    ]) {
      expect(output).toContain(flag);
    }
    const version = await loadConfig(['-v'], {}).catch((e: unknown) => e);
    expect(version).toBeInstanceOf(CliExit);
    expect((version as CliExit).output).toBe(`rrproxy ${packageVersion()}\n`);
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('loadConfigOrExit turns every ending into a value', async () => {
    const ok = await loadConfigOrExit(['--listen', ':0'], {});
    expect(ok.kind).toBe('config');
    const help = await loadConfigOrExit(['-h'], {});
    expect(help).toMatchObject({ kind: 'exit', code: 0 });
    const bad = await loadConfigOrExit(['--nope'], {});
    expect(bad).toMatchObject({ kind: 'exit', code: 2 });
    expect(bad.kind === 'exit' && bad.output).toMatch(/^rrproxy: unknown flag '--nope'/);
  });

  test('ConfigError is an Error with exitCode 2 and every problem in its message', async () => {
    const err = await configError(['--nope', '--listen', 'x'], { RRPROXY_LOG_LEVEL: 'loud' });
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems).toHaveLength(3);
    expect(err.message).toMatch(/^3 configuration problems:\n {2}- /);
  });
});
