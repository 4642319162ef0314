/**
 * The harness's port-ownership check: a readiness probe is only trusted when the listener on the
 * port belongs to the process under test (CI once saw a proxy's /readyz answered by another).
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { once } from 'node:events';
import { listensOn } from './ports';

test('a port this process listens on is ours; one a child listens on is not', async () => {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const ours = (server.address() as net.AddressInfo).port;

  const child = spawn(
    process.execPath,
    [
      '-e',
      "const s=require('net').createServer().listen(0,'127.0.0.1',()=>console.log(s.address().port))",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
    const theirs = Number(chunk.toString().trim());
    expect(listensOn(process.pid, ours)).toBe(true);
    expect(listensOn(process.pid, theirs)).toBe(false);
    expect(listensOn(child.pid!, theirs)).toBe(true);
    expect(listensOn(child.pid!, ours)).toBe(false);
  } finally {
    child.kill('SIGKILL');
    server.close();
  }
});

test('a process that is gone listens on nothing', () => {
  expect(listensOn(2 ** 22 + 1, 80)).toBe(false);
});
