import {
  DEFAULT_BACKEND_HEADER,
  DEFAULT_MAX_ERROR_RATE,
  DEFAULT_MAX_IMBALANCE,
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_TIMEOUT_S,
} from './args';
import { EXIT_CODE_HELP } from './errors';

export function helpText(version: string): string {
  const exitCodes = EXIT_CODE_HELP.map(
    ([code, text]) => `  ${String(code).padStart(2)}  ${text}`,
  ).join('\n');
  return `rrproxy-client ${version}: a small HTTP/1.1 client built by hand on TCP sockets

Usage:
  rrproxy-client [options] [METHOD] URL
  rrproxy-client load URL [-n N] [-c C] [load options]

URL is http://host[:port]/path?query (scheme optional; IPv6 as http://[::1]:8080/).
https is not supported. METHOD defaults to GET (POST with -d, HEAD with -I).

Request options:
  -X, --request METHOD     method to send (any token: GET, HEAD, POST, PUT, DELETE...)
  -H, --header 'N: v'      add a header (repeatable); 'N:' removes a default, 'N;' sends it empty
  -d, --data DATA          send DATA as a form body (POST); @file reads a file, @- stdin
      --data-binary DATA   send DATA exactly; @file or @- for stdin, bytes as they are
  -I, --head               send HEAD and print the response head
  -i, --include            print the response head before the body
  -o, --output FILE        save the body to FILE, whatever its type (- for stdout)
      --output-dir DIR     where binary bodies are saved (default: current directory)
  -L, --location           follow redirects (at most --max-redirs, default ${DEFAULT_MAX_REDIRECTS});
                           Authorization and Cookie are dropped when the origin changes
      --max-redirs N       redirect limit for -L
  -x, --proxy HOST:PORT    connect to HOST:PORT (e.g. rrproxy) but keep the URL's Host
  -m, --timeout SECONDS    connect timeout and longest wait for data (default ${DEFAULT_TIMEOUT_S})
  -v, --verbose            print the request and response heads on stderr
  -s, --silent             no progress bar and no notices on stderr (errors still shown)
  -f, --fail               exit 11 on an HTTP status >= 400
      --log FILE           append one JSON line per request/response to FILE
  -h, --help               this help;  -V, --version  the version

Responses: text types (text/*, JSON, XML) are written to stdout; on a terminal escape
sequences and control characters are shown as visible text, into a pipe the bytes are
written as received. Other types (images, PDF, ...) are saved in the output directory under
the Content-Disposition or URL name (never outside it, never overwriting: name-1.ext...),
and the path is printed on stderr. A progress bar is drawn on stderr for large downloads
when stderr is a terminal.

Load mode: rrproxy-client load URL -n 1000 -c 20
  -n, --requests N         requests to send (default 100)
  -c, --concurrency C      keep-alive connections used in parallel (default 10)
      --backend-header H   response header naming the backend (default ${DEFAULT_BACKEND_HEADER})
      --body-pattern RE    or: regular expression on the body (first group, else the match)
      --max-error-rate F   fail above this error rate (default ${DEFAULT_MAX_ERROR_RATE}); an error is a
                           failed exchange or a status >= 400
      --max-imbalance R    fail when max/min responses per backend exceeds R (default ${DEFAULT_MAX_IMBALANCE})
      --expect-backends K  fail when fewer than K backends answered
      --duration-limit S   stop sending new requests after S seconds
      --json               print the summary as one JSON object
  -X, -H, -d, --data-binary, --proxy, --timeout, --log work as for single requests.

Exit codes:
${exitCodes}
`;
}
