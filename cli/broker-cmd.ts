/** `deeperthings broker`: the embedded aedes broker (MQTT 3.1.1; use Mosquitto next to Home Assistant). */
import type { Command } from './args.ts';
import { intOpt } from './args.ts';
import { untilSignal } from './signals.ts';
import { EmbeddedBroker } from '../broker/server.ts';
import { loadUsers } from '../broker/auth.ts';
import { tlsFromOpts, tlsOptions } from './net-opts.ts';

export const brokerCommand: Command = {
  name: 'broker',
  summary: 'Run the embedded MQTT broker (TCP, optional WebSocket, optional users and ACLs).',
  usage: 'broker [--port 1883] [--ws-port 8883] [--host 0.0.0.0 --users users.yaml] [--tls-cert cert.pem --tls-key key.pem]',
  options: {
    port: { type: 'string', help: 'TCP port (0 = any free port)', default: '1883' },
    'ws-port': { type: 'string', help: 'WebSocket port' },
    host: { type: 'string', help: 'address to listen on (0.0.0.0 for the LAN)', default: '127.0.0.1' },
    users: { type: 'string', help: 'users file (deeperthings users add); required beyond loopback' },
    root: { type: 'string', help: 'topic root the roles\' ACLs name', default: 'deeperthings' },
    'ha-prefix': { type: 'string', help: 'Home Assistant discovery prefix the roles\' ACLs name', default: 'homeassistant' },
    ...tlsOptions,
  },
  async run(opts) {
    const users = opts.users ? await loadUsers(String(opts.users)) : undefined;
    const tls = tlsFromOpts(opts);
    const broker = new EmbeddedBroker({
      port: intOpt(opts, 'port', 0, 65535), wsPort: intOpt(opts, 'ws-port', 0, 65535), host: String(opts.host), users, tls,
      topics: { root: String(opts.root), haPrefix: String(opts['ha-prefix']) },
    });
    const { port, wsPort } = await broker.start();
    const [mqtt, ws] = tls ? ['mqtts', 'wss'] : ['mqtt', 'ws'];
    process.stdout.write(`broker listening on ${mqtt}://${String(opts.host)}:${port}${wsPort ? ` and ${ws}://${String(opts.host)}:${wsPort}` : ''} (MQTT 3.1.1)\n`);
    await untilSignal();
    await broker.stop();
    return 0;
  },
};
