import net from "node:net";
import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { startAzurite } from "../../../src/local/azurite";

function listen(): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = net.createServer((s) => s.destroy());
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({ port, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

describe("startAzurite", () => {
  it("starts on free ports, serves Tables, and stops", async () => {
    const azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
    try {
      expect(azurite.reused).toBe(false);
      expect(new Set([azurite.blobPort, azurite.queuePort, azurite.tablePort]).size).toBe(3);
      const client = TableClient.fromConnectionString(azurite.connectionString, "probe", { allowInsecureConnection: true });
      await client.createTable();
      await client.createEntity({ partitionKey: "p", rowKey: "r", v: 1 });
      expect((await client.getEntity("p", "r")).v).toBe(1);
    } finally {
      await azurite.stop();
    }
    const socket = net.connect(azurite.tablePort, "127.0.0.1");
    const refused = await new Promise<boolean>((r) => {
      socket.once("connect", () => r(false));
      socket.once("error", () => r(true));
    });
    socket.destroy();
    expect(refused).toBe(true);
  });

  it("reuses an Azurite that already listens on the requested ports", async () => {
    const first = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
    try {
      const second = await startAzurite({
        blobPort: first.blobPort,
        queuePort: first.queuePort,
        tablePort: first.tablePort,
        reuseIfRunning: true,
      });
      expect(second.reused).toBe(true);
      expect(second.connectionString).toBe(first.connectionString);
      await second.stop(); // does nothing to the first one
      const client = TableClient.fromConnectionString(first.connectionString, "stillup", { allowInsecureConnection: true });
      await client.createTable();
    } finally {
      await first.stop();
    }
  });

  it("refuses to reuse ports held by something that is not Azurite", async () => {
    const [a, b, c] = await Promise.all([listen(), listen(), listen()]);
    try {
      await expect(startAzurite({ blobPort: a.port, queuePort: b.port, tablePort: c.port, reuseIfRunning: true })).rejects.toThrow(
        /not Azurite/,
      );
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it("fails with a clear error when Azurite exits early because a port is taken", async () => {
    const taken = await listen();
    try {
      await expect(startAzurite({ blobPort: taken.port, queuePort: 0, tablePort: 0, timeoutMs: 20_000 })).rejects.toThrow(
        /Azurite exited before it was ready/,
      );
    } finally {
      await taken.close();
    }
  });
});
