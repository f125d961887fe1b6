/**
 * A TCP round-robin load balancer on loopback, standing in for the reverse
 * proxy in front of several nodes: each new connection goes to the next
 * backend that accepts it, so a dead node's clients land on the others.
 */
import net from "node:net";

export type Balancer = { url: string; close(): Promise<void> };

export async function startBalancer(backends: () => number[]): Promise<Balancer> {
  let next = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    client.pause();
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => client.destroy());
    const ports = backends();
    const attempt = (tries: number) => {
      if (tries >= ports.length) return void client.destroy();
      const upstream = net.connect(ports[next++ % ports.length]!, "127.0.0.1");
      let connected = false;
      upstream.once("connect", () => {
        connected = true;
        open.add(upstream);
        client.pipe(upstream).pipe(client);
        client.resume();
      });
      upstream.on("error", () => {
        upstream.destroy();
        if (connected) client.destroy();
        else attempt(tries + 1);
      });
      upstream.on("close", () => {
        open.delete(upstream);
        if (connected) client.destroy();
      });
      client.on("close", () => upstream.destroy());
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
