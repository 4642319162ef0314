/**
 * Every way a client run can fail is a typed code, mapped once here to the process exit code
 * documented in `--help`. Scripts (and the Kubernetes Job) branch on these numbers, so they are
 * part of the interface: never renumber one.
 */
export const CLIENT_EXIT_CODES = {
  RRC_ERR_FAILURE: 1,
  RRC_ERR_USAGE: 2,
  RRC_ERR_BAD_URL: 3,
  RRC_ERR_DNS: 4,
  RRC_ERR_CONNECT: 5,
  RRC_ERR_TIMEOUT: 6,
  RRC_ERR_PROTOCOL: 7,
  RRC_ERR_TOO_MANY_REDIRECTS: 8,
  RRC_ERR_FILE: 9,
  RRC_ERR_THRESHOLD: 10,
  RRC_ERR_HTTP_STATUS: 11,
} as const;

export type ClientErrorCode = keyof typeof CLIENT_EXIT_CODES;

/** One line per exit code, for `--help`. */
export const EXIT_CODE_HELP: ReadonlyArray<readonly [number, string]> = [
  [0, 'success (any HTTP status, unless --fail)'],
  [CLIENT_EXIT_CODES.RRC_ERR_FAILURE, 'unexpected failure'],
  [CLIENT_EXIT_CODES.RRC_ERR_USAGE, 'usage error (unknown option, missing argument)'],
  [
    CLIENT_EXIT_CODES.RRC_ERR_BAD_URL,
    'bad URL (malformed, or a scheme other than http, e.g. https)',
  ],
  [CLIENT_EXIT_CODES.RRC_ERR_DNS, 'host name could not be resolved'],
  [CLIENT_EXIT_CODES.RRC_ERR_CONNECT, 'connection refused or host unreachable'],
  [CLIENT_EXIT_CODES.RRC_ERR_TIMEOUT, 'timed out (connecting, or no data for --timeout seconds)'],
  [CLIENT_EXIT_CODES.RRC_ERR_PROTOCOL, 'protocol error (malformed or truncated response, reset)'],
  [CLIENT_EXIT_CODES.RRC_ERR_TOO_MANY_REDIRECTS, 'more redirects than --max-redirs'],
  [CLIENT_EXIT_CODES.RRC_ERR_FILE, 'file error (cannot read the body, cannot save the response)'],
  [CLIENT_EXIT_CODES.RRC_ERR_THRESHOLD, 'load mode: error rate or imbalance above the threshold'],
  [CLIENT_EXIT_CODES.RRC_ERR_HTTP_STATUS, 'HTTP status >= 400 with --fail'],
];

/** A failure of the client with a code; `message` is what the user reads on stderr. */
export class ClientError extends Error {
  readonly exitCode: number;
  constructor(
    readonly code: ClientErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ClientError';
    this.exitCode = CLIENT_EXIT_CODES[code];
  }
}

/** Any thrown value as a ClientError: itself when it is one, else a generic failure. */
export function asClientError(err: unknown): ClientError {
  return err instanceof ClientError ? err : new ClientError('RRC_ERR_FAILURE', String(err));
}

function errnoOf(err: unknown): { code: string; syscall: string } {
  if (typeof err !== 'object' || err === null) return { code: '', syscall: '' };
  const rec = err as { code?: unknown; syscall?: unknown };
  return {
    code: typeof rec.code === 'string' ? rec.code : '',
    syscall: typeof rec.syscall === 'string' ? rec.syscall : '',
  };
}

/**
 * Maps a socket or resolver error from Node to a ClientError that says what happened in words a
 * user can act on. `where` names the peer ("127.0.0.1:8080", "example.test").
 */
export function socketErrorToClientError(err: unknown, host: string, where: string): ClientError {
  if (err instanceof ClientError) return err;
  const { code, syscall } = errnoOf(err);
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
    case 'EAI_FAIL':
    case 'EAI_AGAIN':
      return new ClientError('RRC_ERR_DNS', `could not resolve host ${host} (${code})`);
    case 'ECONNREFUSED':
      return new ClientError('RRC_ERR_CONNECT', `connection refused by ${where}`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return new ClientError('RRC_ERR_CONNECT', `cannot reach ${where} (${code})`);
    case 'ETIMEDOUT':
      return new ClientError('RRC_ERR_TIMEOUT', `timed out talking to ${where}`);
    case 'ECONNRESET':
    case 'EPIPE':
      return new ClientError('RRC_ERR_PROTOCOL', `connection reset by ${where}`);
  }
  if (syscall === 'getaddrinfo') {
    return new ClientError('RRC_ERR_DNS', `could not resolve host ${host}`);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ClientError('RRC_ERR_FAILURE', `${where}: ${message}`);
}
