import { execFileSync } from 'node:child_process';
import {
  closeSync,
  constants,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLUSH_DELAY_MS, LineWriter, PIPE_BUF } from '../../src/observability/line-writer';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempFd(): { fd: number; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rrp-lw-'));
  dirs.push(dir);
  const path = join(dir, 'out.log');
  return { fd: openSync(path, 'w'), path };
}

test('lines leave together, FLUSH_DELAY_MS after the first', async () => {
  const { fd, path } = tempFd();
  const w = new LineWriter(fd);
  w.write('{"a":1}\n');
  w.write('{"b":2}\n');
  await new Promise((r) => setImmediate(r));
  expect(readFileSync(path, 'utf8')).toBe(''); // not yet: batched past the turn
  await new Promise((r) => setTimeout(r, FLUSH_DELAY_MS + 20));
  expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"b":2}\n');
  closeSync(fd);
});

test.each([
  ['whole', undefined],
  ['in PIPE_BUF pieces (--workers)', PIPE_BUF],
])(
  'a large batch written %s arrives in order, multi-byte text intact (content only: piece sizes are not observable on a file)',
  (_how, pieceBytes) => {
    const { fd, path } = tempFd();
    const w = new LineWriter(fd, pieceBytes);
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) lines.push(`{"i":${i},"s":"é${'x'.repeat(i % 50)}"}\n`);
    for (const l of lines) w.write(l);
    w.flush();
    expect(readFileSync(path, 'utf8')).toBe(lines.join(''));
    closeSync(fd);
  },
);

test('flush with nothing pending writes nothing; a closed fd does not throw', () => {
  const { fd, path } = tempFd();
  const w = new LineWriter(fd);
  w.flush();
  expect(readFileSync(path, 'utf8')).toBe('');
  closeSync(fd);
  const gone = new LineWriter(fd);
  gone.write('x\n');
  expect(() => gone.flush()).not.toThrow();
});

/** A FIFO opened read-write and non-blocking: a pipe this test both fills and drains. */
function nonBlockingPipe(): number {
  const dir = mkdtempSync(join(tmpdir(), 'rrp-lw-'));
  dirs.push(dir);
  const path = join(dir, 'fifo');
  execFileSync('mkfifo', [path]);
  return openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
}

/** Reads the pipe until `until` holds for what was read, or 5 s pass. */
async function drain(fd: number, until: (text: string) => boolean): Promise<string> {
  const chunk = Buffer.alloc(65536);
  let text = '';
  const deadline = Date.now() + 5_000;
  while (!until(text) && Date.now() < deadline) {
    try {
      const n = readSync(fd, chunk);
      text += chunk.toString('utf8', 0, n);
    } catch {
      await new Promise((r) => setTimeout(r, 5)); // EAGAIN: empty for now
    }
  }
  return text;
}

test('a full non-blocking stdout keeps the bytes and delivers them, in order, once read', async () => {
  const fd = nonBlockingPipe();
  const w = new LineWriter(fd);
  const lines: string[] = [];
  for (let i = 0; i < 4000; i++) lines.push(`{"i":${i},"pad":"${'p'.repeat(40)}"}\n`);
  for (const l of lines) w.write(l); // ~230 KB into a 64 KiB pipe nobody reads yet
  const expected = lines.join('');
  const text = await drain(fd, (t) => t.length >= expected.length);
  expect(text).toBe(expected);
  expect(w.dropped).toBe(0);
  closeSync(fd);
});

test('beyond maxPending, lines are dropped whole and counted; the rest arrive in order', async () => {
  const fd = nonBlockingPipe();
  const w = new LineWriter(fd, undefined, 128 * 1024);
  const lines: string[] = [];
  for (let i = 0; i < 20000; i++) lines.push(`{"i":${i}}\n`);
  for (const l of lines) w.write(l); // ~250 KB: more than the pipe and maxPending together
  expect(w.dropped).toBeGreaterThan(0);
  const total = lines.reduce((n, l) => n + l.length, 0);
  const text = await drain(fd, (t) => t.length >= total - w.dropped);
  expect(text.length).toBe(total - w.dropped); // nothing lost beyond what was counted
  const got = text.split('\n');
  expect(got.pop()).toBe('');
  const indices = got.map((l) => (JSON.parse(l) as { i: number }).i); // whole lines only
  for (let k = 1; k < indices.length; k++) expect(indices[k]!).toBeGreaterThan(indices[k - 1]!);
  closeSync(fd);
});
