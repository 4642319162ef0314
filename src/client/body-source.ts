import { readFileSync, statSync } from 'node:fs';
import type { DataArg } from './args';
import type { RequestBody } from './connection';
import { ClientError } from './errors';

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer | string) =>
      parts.push(typeof c === 'string' ? Buffer.from(c) : c),
    );
    stream.on('end', () => resolve(Buffer.concat(parts)));
    stream.on('error', reject);
  });
}

function stripNewlines(b: Buffer): Buffer {
  return Buffer.from(b.toString('latin1').replace(/[\r\n]/g, ''), 'latin1');
}

/**
 * Turns -d / --data-binary into a request body whose length is known before the head is sent
 * (Content-Length framing). A file sent as is is streamed from disk; stdin has to be read whole,
 * as its length is known only at its end.
 */
export async function loadRequestBody(
  data: DataArg,
  stdin: NodeJS.ReadableStream,
): Promise<RequestBody> {
  switch (data.kind) {
    case 'literal':
      return { kind: 'buffer', data: Buffer.from(data.text, 'utf8') };
    case 'stdin': {
      const all = await readAll(stdin);
      return { kind: 'buffer', data: data.stripNewlines ? stripNewlines(all) : all };
    }
    case 'file':
      try {
        if (data.stripNewlines)
          return { kind: 'buffer', data: stripNewlines(readFileSync(data.path)) };
        const st = statSync(data.path);
        if (!st.isFile()) throw new Error('not a regular file');
        return { kind: 'file', path: data.path, size: st.size };
      } catch (err) {
        throw new ClientError(
          'RRC_ERR_FILE',
          `cannot read ${data.path}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
  }
}

export function bodyLength(body: RequestBody | null): number | null {
  if (body === null) return null;
  return body.kind === 'buffer' ? body.data.length : body.size;
}
