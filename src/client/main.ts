#!/usr/bin/env node
import { parseArgs } from './args';
import { asClientError } from './errors';
import { helpText } from './help';
import { runLoad } from './load';
import { formatLoadReport } from './load-report';
import { writeForHuman } from './output';
import { SingleRequestRunner, type ClientIo } from './single';
import { CLIENT_VERSION } from './version';

/** Runs the client with argv (without node and script); returns the exit code. */
export async function main(argv: readonly string[], io: ClientIo): Promise<number> {
  try {
    const command = parseArgs(argv);
    switch (command.kind) {
      case 'help':
        io.stdout.write(helpText(CLIENT_VERSION));
        return 0;
      case 'version':
        io.stdout.write(`rrproxy-client ${CLIENT_VERSION}\n`);
        return 0;
      case 'request':
        return await new SingleRequestRunner(command.options, io).run();
      case 'load': {
        const { report, exitCode } = await runLoad(command.options, io);
        // NaN (no latency sample) becomes null in JSON.
        io.stdout.write(
          command.options.json ? JSON.stringify(report) + '\n' : formatLoadReport(report),
        );
        if (exitCode !== 0 && !command.options.json) {
          io.stderr.write(
            `rrproxy-client: load check failed: ${report.verdict.failures.join('; ')}\n`,
          );
        }
        return exitCode;
      }
    }
  } catch (err) {
    const ce = asClientError(err);
    writeForHuman(io.stderr, `rrproxy-client: ${ce.message}\n`);
    if (ce.code === 'RRC_ERR_USAGE') io.stderr.write('try rrproxy-client --help\n');
    return ce.exitCode;
  }
}

if (require.main === module) {
  // `rrproxy-client URL | head` closes the pipe early: stop quietly instead of a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const io: ClientIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    cwd: process.cwd(),
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      // Let stdout drain into a pipe before exiting (process.exit would cut it short).
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`rrproxy-client: internal error: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
