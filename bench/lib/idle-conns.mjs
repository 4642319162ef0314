// The idle keep-alive connections scenario: open N client connections to a proxy (a freshly
// started process: bench/run.mjs restarts it first), send one GET
// on each and read the answer (so each is a used keep-alive connection, as a browser or an
// upstream proxy leaves it), leave them idle, then read the proxy's RSS and check that a new
// connection is still served and that idle ones can still be reused. Loopback only; every step
// is bounded in time; every socket is destroyed at the end.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { memoryOf, processTable, resetPeakRss, treeOf } from './proc-stats.mjs';

const OPEN_CONCURRENCY = 200;
// Source addresses spread over 127.0.0.2-9 so that repeated runs never run short of ephemeral
// ports (sockets closed by us linger in TIME_WAIT).
const SOURCES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);

/**
 * Sends `GET path` on `socket` and resolves true once a whole 200 response has arrived
 * (Content-Length or chunked), false on anything else or after `timeoutMs`.
 */
function exchange(socket, port, path, timeoutMs) {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (ok) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(ok);
    };
    const onData = (d) => {
      buf = Buffer.concat([buf, d]);
      const headEnd = buf.indexOf('\r\n\r\n');
      if (headEnd === -1) return;
      const head = buf.toString('latin1', 0, headEnd);
      if (!/^HTTP\/1\.\d 200 /.test(head)) return finish(false);
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (cl) {
        if (buf.length - headEnd - 4 >= Number(cl[1])) finish(true);
      } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
        if (buf.subarray(buf.length - 5).toString('latin1') === '0\r\n\r\n') finish(true);
      } else {
        finish(false);
      }
    };
    const onClose = () => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  });
}

function connect(port, localAddress, timeoutMs) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(null);
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(null);
    });
  });
}

/**
 * Runs the scenario against the proxy listening on `port` whose process is `pid`.
 * `deadlineS` bounds the opening phase (the whole scenario takes at most deadlineS + ~15 s).
 */
export async function idleConnections({
  port,
  pid,
  count,
  path = '/index.html',
  deadlineS = 60,
  settleS = 3,
}) {
  const pids = () => [...treeOf(processTable(), pid)];
  resetPeakRss(pids()); // the peak reported is the peak of this scenario
  const before = memoryOf(pids());
  const sockets = [];
  let closedByPeer = 0;
  let failed = 0;
  const started = Date.now();
  const deadline = started + deadlineS * 1000;
  let next = 0;

  async function opener() {
    while (next < count && Date.now() < deadline) {
      const i = next++;
      const socket = await connect(port, SOURCES[i % SOURCES.length], 5000);
      if (!socket) {
        failed++;
        continue;
      }
      socket.setNoDelay(true);
      socket.on('error', () => {});
      if (!(await exchange(socket, port, path, 10_000))) {
        failed++;
        socket.destroy();
        continue;
      }
      socket.on('close', () => closedByPeer++);
      socket.on('data', () => {}); // an idle connection should get nothing; drop it if it does
      sockets.push(socket);
    }
  }
  try {
    await Promise.all(Array.from({ length: OPEN_CONCURRENCY }, opener));
    const openS = (Date.now() - started) / 1000;
    await sleep(settleS * 1000); // let the proxy settle (GC, idle timers armed)
    const held = memoryOf(pids());
    const stillOpen = sockets.length - closedByPeer;

    // A new connection must still be served while the idle ones are held.
    const fresh = await connect(port, '127.0.0.1', 5000);
    const newRequestOk = fresh ? await exchange(fresh, port, path, 10_000) : false;
    fresh?.destroy();

    // And idle connections must still work (keep-alive reuse), on a sample of 100 of them.
    const reuse = sockets.filter((s) => !s.destroyed).slice(0, 100);
    const reused = (await Promise.all(reuse.map((s) => exchange(s, port, path, 10_000)))).filter(
      Boolean,
    ).length;
    const after = memoryOf(pids());

    return {
      connections: count,
      opened: sockets.length,
      failed,
      openSeconds: Number(openS.toFixed(2)),
      stillOpen,
      rssBeforeKiB: before.rssKiB,
      rssKiB: held.rssKiB,
      rssAfterReuseKiB: after.rssKiB,
      peakRssKiB: after.hwmKiB,
      perConnectionKiB: sockets.length
        ? Number(((held.rssKiB - before.rssKiB) / sockets.length).toFixed(2))
        : null,
      newRequestOk,
      reusedOk: reused,
      reuseTried: reuse.length,
    };
  } finally {
    for (const s of sockets) s.destroy();
  }
}
