// Free ports for the servers the browser tests start. Playwright loads its configuration again
// in every worker, so each port is picked once and kept in the environment the workers inherit.
import net from 'node:net';

/** A port on 127.0.0.1 that nothing listens on right now. */
export async function freePort() {
  const listener = net.createServer();
  await new Promise((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address();
  await new Promise((resolve) => listener.close(resolve));
  return String(port);
}

/** Sets `name` once: workers load the configuration again and must see the same value. */
export async function once(name, make) {
  process.env[name] ||= await make();
  return process.env[name];
}
