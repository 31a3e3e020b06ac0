/**
 * The embedded broker's sockets (DESIGN.md "Broker"): TCP (TLS with a certificate) and MQTT over
 * WebSocket, each handing its connections to aedes; and whether a host is this machine only.
 */
import type net from 'node:net';
import http from 'node:http';
import https from 'node:https';
import type { Aedes } from 'aedes';

/** PEM certificate chain and key: with them every listener speaks TLS (mqtts://, wss://). */
export interface BrokerTls { cert: string | Buffer; key: string | Buffer }

/** Whether `host` is reachable from this machine only (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export interface WebSocketListener { readonly http: http.Server; readonly port: number; close(): void }

/** MQTT over WebSocket on `port` (0 = any); plain HTTP requests get 426. */
export async function startWebSocket(aedes: Aedes, at: { host: string; port: number; tls?: BrokerTls }): Promise<WebSocketListener> {
  // ws comes with mqtt.js; load it lazily so a TCP-only broker never needs it.
  let ws: typeof import('ws');
  try {
    ws = await import('ws');
  } catch (e) {
    throw new Error(`broker: a WebSocket listener needs the 'ws' package: ${(e as Error).message}`);
  }
  const refuse = (_req: http.IncomingMessage, res: http.ServerResponse) => res.writeHead(426).end('MQTT over WebSocket only\n');
  const server = at.tls ? https.createServer({ ...at.tls }, refuse) : http.createServer(refuse);
  const wss = new ws.WebSocketServer({ server });
  wss.on('connection', (socket, req) => aedes.handle(ws.createWebSocketStream(socket), req));
  const port = await listen(server, at.port, at.host);
  return { http: server, port, close: () => wss.close() };
}

export function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(new Error(`broker: cannot listen on ${host}:${port}: ${e.message}`)));
    server.listen(port, host, () => resolve((server.address() as net.AddressInfo).port));
  });
}

export function closeServer(server: net.Server | undefined): Promise<void> {
  return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
}
