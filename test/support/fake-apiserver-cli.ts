/**
 * The fake API server as a standalone process, for demos, the client Job and chart tests that
 * drive a proxy outside jest:
 *
 *   node -r ./test/discovery/harness/register.js test/support/fake-apiserver-cli.ts \
 *     --kubeconfig /tmp/kubeconfig --namespace shop --service web --port-name http \
 *     --endpoint 127.0.0.2:8080 --endpoint 127.0.0.3:8080 [--listen-port 6443] [--no-tls]
 *
 * It prints one JSON line {"url": ..., "kubeconfig": ...} when ready, keeps one EndpointSlice
 * (`<service>-fake`) for the endpoints, and takes commands on stdin, one per line:
 *
 *   add IP:PORT | remove IP:PORT | terminate IP:PORT (ready=false, serving, terminating)
 *   drop (cut watches) | expire (410) | forbid | allow | down | up | requests | quit
 *
 * Each command answers one JSON line {"ok": true, ...} or {"ok": false, "error": ...}.
 */
import { createInterface } from 'node:readline';
import { FakeApiServer, endpointSlice, type SliceEndpointSpec } from './fake-apiserver';

interface CliOptions {
  kubeconfig: string;
  namespace: string;
  service: string;
  portName: string;
  endpoints: string[];
  listenPort: number;
  tls: boolean;
}

export function parseCliArgs(argv: readonly string[]): CliOptions {
  const o: CliOptions = {
    kubeconfig: '',
    namespace: 'default',
    service: 'web',
    portName: 'http',
    endpoints: [],
    listenPort: 0,
    tls: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--kubeconfig':
        o.kubeconfig = value();
        break;
      case '--namespace':
        o.namespace = value();
        break;
      case '--service':
        o.service = value();
        break;
      case '--port-name':
        o.portName = value();
        break;
      case '--endpoint':
        o.endpoints.push(value());
        break;
      case '--listen-port':
        o.listenPort = Number(value());
        break;
      case '--no-tls':
        o.tls = false;
        break;
      default:
        throw new Error(`unknown flag ${flag}`);
    }
  }
  if (o.kubeconfig === '') throw new Error('--kubeconfig FILE is required');
  return o;
}

/** "10.0.0.1:8080" or "[fd00::1]:8080". */
function splitHostPort(s: string): { ip: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s);
  if (!m || m[1] === undefined || m[2] === undefined)
    throw new Error(`bad endpoint "${s}" (want IP:PORT)`);
  return { ip: m[1], port: Number(m[2]) };
}

async function main(): Promise<void> {
  const o = parseCliArgs(process.argv.slice(2));
  const fake = await FakeApiServer.start({ tls: o.tls, port: o.listenPort });
  const endpoints = new Map<string, SliceEndpointSpec & { port: number }>();
  const published = new Set<string>();
  const publish = (): void => {
    // One slice per port number, as the controller does when a named targetPort resolves to
    // different numbers; a Service without endpoints keeps an empty placeholder slice.
    const byPort = new Map<number, SliceEndpointSpec[]>();
    for (const e of endpoints.values()) byPort.set(e.port, [...(byPort.get(e.port) ?? []), e]);
    const names = new Set<string>();
    for (const [port, eps] of byPort) {
      const name = `${o.service}-fake-${port}`;
      names.add(name);
      fake.apply(
        'endpointslices',
        endpointSlice({
          name,
          service: o.service,
          namespace: o.namespace,
          addressType: eps.some((e) => e.ip.includes(':')) ? 'IPv6' : 'IPv4',
          ports: [{ name: o.portName, port }],
          endpoints: eps,
        }),
      );
    }
    if (names.size === 0) {
      const name = `${o.service}-fake`;
      names.add(name);
      fake.apply(
        'endpointslices',
        endpointSlice({ name, service: o.service, namespace: o.namespace, endpoints: [] }),
      );
    }
    for (const old of published)
      if (!names.has(old)) fake.remove('endpointslices', old, o.namespace);
    published.clear();
    for (const n of names) published.add(n);
  };
  for (const e of o.endpoints) endpoints.set(e, splitHostPort(e));
  publish();
  fake.writeKubeconfig(o.kubeconfig, o.namespace);
  process.stdout.write(
    `${JSON.stringify({ url: fake.url, kubeconfig: o.kubeconfig, tls: fake.tls })}\n`,
  );

  const reply = (line: object): void => {
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };
  const quit = async (): Promise<void> => {
    await fake.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void quit());
  process.on('SIGINT', () => void quit());
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [cmd, arg] = line.trim().split(/\s+/);
    void (async () => {
      try {
        switch (cmd) {
          case 'add':
          case 'remove':
          case 'terminate': {
            if (!arg) throw new Error(`${cmd} needs IP:PORT`);
            const hp = splitHostPort(arg);
            if (cmd === 'add') endpoints.set(arg, hp);
            if (cmd === 'remove') endpoints.delete(arg);
            if (cmd === 'terminate')
              endpoints.set(arg, { ...hp, ready: false, serving: true, terminating: true });
            publish();
            break;
          }
          case 'drop':
            fake.dropWatches();
            break;
          case 'expire':
            fake.expireWatches();
            break;
          case 'forbid':
            fake.setForbidden('endpointslices');
            break;
          case 'allow':
            fake.setForbidden('endpointslices', false);
            break;
          case 'down':
            await fake.goAway();
            break;
          case 'up':
            await fake.comeBack();
            break;
          case 'requests':
            reply({ ok: true, requests: fake.requests, problems: fake.problems });
            return;
          case 'quit':
            reply({ ok: true });
            await quit();
            return;
          case undefined:
          case '':
            return;
          default:
            throw new Error(`unknown command "${cmd}"`);
        }
        reply({ ok: true, resourceVersion: fake.resourceVersion });
      } catch (err) {
        reply({ ok: false, error: (err as Error).message });
      }
    })();
  });
  // stdin closed (a parent that went away): keep serving until signalled, as a server should.
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`fake-apiserver: ${(err as Error).message}\n`);
    process.exit(2);
  });
}
