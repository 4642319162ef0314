/**
 * Every way an exchange can end badly is a typed code, mapped once here to the HTTP status the
 * client sees and the `outcome` field of the access log.
 */
export const ERROR_STATUS = {
  RRP_ERR_BAD_REQUEST: 400,
  RRP_ERR_CLIENT_TIMEOUT: 408,
  RRP_ERR_BODY_TOO_LARGE: 413,
  RRP_ERR_URI_TOO_LONG: 414,
  RRP_ERR_EXPECTATION_FAILED: 417,
  RRP_ERR_HEADERS_TOO_LARGE: 431,
  RRP_ERR_NOT_IMPLEMENTED: 501,
  RRP_ERR_UPSTREAM_CONNECT: 502,
  RRP_ERR_UPSTREAM_BAD_RESPONSE: 502,
  RRP_ERR_UPSTREAM_RESET: 502,
  RRP_ERR_NO_BACKENDS: 503,
  /** Every backend is at limits.maxInFlightPerBackend and the queue wait ran out. */
  RRP_ERR_BACKENDS_BUSY: 503,
  RRP_ERR_DRAINING: 503,
  RRP_ERR_UPSTREAM_TIMEOUT: 504,
  /** only-if-cached with nothing usable, or a stale entry that may not be served (RFC 9111). */
  RRP_ERR_CACHE_GATEWAY_TIMEOUT: 504,
  RRP_ERR_VERSION_NOT_SUPPORTED: 505,
  /** The client went away mid-exchange; nothing is sent (nginx logs this as 499). */
  RRP_ERR_CLIENT_ABORT: 499,
  RRP_ERR_LOOP_DETECTED: 508,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const STATUS_TEXT: Readonly<Record<number, string>> = {
  100: 'Continue',
  101: 'Switching Protocols',
  103: 'Early Hints',
  200: 'OK',
  204: 'No Content',
  304: 'Not Modified',
  400: 'Bad Request',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Content Too Large',
  414: 'URI Too Long',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
  508: 'Loop Detected',
};

/** A failure with a code; `detail` is for logs, never sent to the client. */
export class ProxyError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'ProxyError';
    this.status = ERROR_STATUS[code];
  }
}
