/**
 * What went wrong talking to the API server, reduced to what discovery acts on. The client library
 * reports a failed LIST as an ApiException (`code`), a failed watch as an Error with `statusCode`,
 * and socket trouble as a node-fetch FetchError (`code` = 'ECONNREFUSED'...).
 */
export type ApiErrorKind = 'forbidden' | 'unauthorized' | 'gone' | 'http' | 'network';

export interface ApiErrorInfo {
  readonly kind: ApiErrorKind;
  readonly status?: number;
  readonly message: string;
}

function numberField(err: object, name: string): number | undefined {
  const v: unknown = (err as Record<string, unknown>)[name];
  return typeof v === 'number' ? v : undefined;
}

function stringField(err: object, name: string): string | undefined {
  const v: unknown = (err as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}

/** The API server's Status message, when the error carries the response body. */
function statusMessage(err: object): string | undefined {
  const body: unknown = (err as Record<string, unknown>).body;
  if (typeof body === 'object' && body !== null) {
    const m: unknown = (body as Record<string, unknown>).message;
    if (typeof m === 'string') return m;
  }
  if (typeof body === 'string') {
    try {
      const parsed: unknown = JSON.parse(body);
      if (typeof parsed === 'object' && parsed !== null) {
        const m: unknown = (parsed as Record<string, unknown>).message;
        if (typeof m === 'string') return m;
      }
    } catch {
      // not JSON: fall through to the error's own message
    }
  }
  return undefined;
}

export function classifyApiError(err: unknown): ApiErrorInfo {
  if (typeof err !== 'object' || err === null) {
    return { kind: 'network', message: String(err) };
  }
  const status = numberField(err, 'statusCode') ?? numberField(err, 'code');
  const raw = stringField(err, 'message') ?? String(err);
  // ApiException messages embed the whole body and headers; keep the first line only.
  const message = statusMessage(err) ?? raw.split('\n')[0] ?? raw;
  if (status === undefined) {
    const code = stringField(err, 'code');
    return {
      kind: 'network',
      message: code && !message.includes(code) ? `${code}: ${message}` : message,
    };
  }
  if (status === 403) return { kind: 'forbidden', status, message };
  if (status === 401) return { kind: 'unauthorized', status, message };
  if (status === 410) return { kind: 'gone', status, message };
  return { kind: 'http', status, message };
}
