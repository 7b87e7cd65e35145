/**
 * berth published-port throughput: bytes pushed from the host into a TCP sink inside a
 * sandbox, through three paths in ONE run (interleaved, so machine noise hits all alike):
 *
 *   direct     host -> container address (routed over the bridge, no NAT)
 *   loopback   host -> 127.0.0.1:<published>  (DNAT in OUTPUT, route_localnet, MASQUERADE)
 *   gateway    host -> <bridge gateway>:<published>  (DNAT in OUTPUT, a host address)
 *   proxy      host -> 127.0.0.1:<p> -> a userland proxy (a Node process piping sockets, like
 *              docker-proxy) -> container address: the alternative berth did not take
 *
 *   sudo npx vite-node bench/ports.ts [-- --mb 256 --rounds 5]
 *
 * The sink is a Node process started inside the netns (`ip netns exec`), so both ends
 * cost the same on every path; only the kernel path differs. Docker's userland proxy
 * (docker-proxy) would add a user-space copy on the loopback path; berth has none.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { newId } from '../engine/common/naming.js';
import { nsName, testNetworkManager, waitFor } from '../engine/network/testkit.js';

const args = process.argv.slice(2);
const opt = (n: string, d: number): number => {
  const i = args.indexOf(n);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const MB = opt('--mb', 256);
const ROUNDS = opt('--rounds', 5);

// the sink: counts bytes per connection, answers the count when the sender half-closes
const SINK = "require('net').createServer(s=>{let n=0;s.on('data',d=>n+=d.length);s.on('end',()=>s.end(String(n)))}).listen(9000)";
const PROXY = (listen: number, host: string, port: number) =>
  `require('net').createServer({allowHalfOpen:true},c=>{const u=require('net').connect({port:${port},host:'${host}',allowHalfOpen:true});c.pipe(u);u.pipe(c);c.on('error',()=>u.destroy());u.on('error',()=>c.destroy())}).listen(${listen},'127.0.0.1')`;

function push(host: string, port: number, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(1 << 20, 7);
    const t0 = process.hrtime.bigint();
    const sock = net.connect({ host, port });
    let sent = 0;
    let reply = '';
    const pump = (): void => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!sock.write(chunk)) return void sock.once('drain', pump);
      }
      sock.end();
    };
    sock.on('connect', pump);
    sock.on('data', (d) => (reply += d.toString()));
    sock.on('error', reject);
    sock.on('close', () => {
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      if (Number(reply) !== sent) return reject(new Error(`sink got ${reply} of ${sent} bytes via ${host}:${port}`));
      resolve(sent / (1 << 20) / secs);
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root (sudo): the bench creates a bridge, a netns and firewall rules');
  fs.mkdirSync('/tmp/bt', { recursive: true });
  const root = fs.mkdtempSync('/tmp/bt/bench-');
  const mgr = testNetworkManager(root);
  await mgr.init();
  const id = newId();
  let sink: ReturnType<typeof spawn> | undefined;
  let proxy: ReturnType<typeof spawn> | undefined;
  try {
    await mgr.create({ name: 'bench' });
    const sb = await mgr.setupSandbox({ containerId: id, name: 'sink', hostname: 'sink', endpoints: [{ network: 'bench' }], ports: [{ containerPort: 9000, protocol: 'tcp' }] });
    const ep = sb.endpoints.bench!;
    const hostPort = sb.ports[0]!.hostPort;
    sink = spawn('ip', ['netns', 'exec', nsName(sb.netnsPath), process.execPath, '-e', SINK], { stdio: 'ignore' });
    await waitFor('sink', async () => push(ep.ipAddress, 9000, 1 << 20).then(() => true, () => false));
    const proxyPort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    proxy = spawn(process.execPath, ['-e', PROXY(proxyPort, ep.ipAddress, 9000)], { stdio: 'ignore' });
    await waitFor('proxy', async () => push('127.0.0.1', proxyPort, 1 << 20).then(() => true, () => false));
    const paths: [string, string, number][] = [
      ['direct', ep.ipAddress, 9000],
      ['loopback', '127.0.0.1', hostPort],
      ['gateway', ep.gateway, hostPort],
      ['proxy', '127.0.0.1', proxyPort],
    ];
    const results = new Map<string, number[]>(paths.map(([n]) => [n, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, host, port] of paths) results.get(name)!.push(await push(host, port, MB << 20));
    }
    const direct = median(results.get('direct')!);
    console.log(`published-port throughput, ${MB} MiB per transfer, median of ${ROUNDS} interleaved rounds`);
    console.log('path       MiB/s    vs direct   all rounds');
    for (const [name] of paths) {
      const xs = results.get(name)!;
      const m = median(xs);
      console.log(`${name.padEnd(10)} ${m.toFixed(0).padStart(6)}   ${((m / direct) * 100).toFixed(0).padStart(6)}%    ${xs.map((x) => x.toFixed(0)).join(' ')}`);
    }
  } finally {
    for (const child of [sink, proxy]) {
      if (!child?.pid) continue;
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await mgr.teardownSandbox(id);
    await mgr.prune();
    await mgr.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
