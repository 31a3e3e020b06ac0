/**
 * Connecting the real transport: mqtt.js against any broker (embedded aedes, Mosquitto, EMQX, …),
 * speaking MQTT 5 where the broker does and 3.1.1 otherwise (DESIGN.md "Broker").
 */
import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import { logger, type Logger } from '../log.ts';
import { MqttTransport, toBuffer } from './mqtt-transport.ts';
import type { Will } from './types.ts';

export { MqttTransport } from './mqtt-transport.ts';

export interface MqttConnectOptions {
  /** mqtt://host:port, mqtts://…, ws://host:port, wss://… */
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  will?: Will;
  /** PEM certificate(s) of a private CA, trusted for mqtts:// and wss:// besides the system's. */
  ca?: string | Buffer;
  /** 'auto' (default) tries MQTT 5 and falls back to 3.1.1 when the broker refuses level 5. */
  protocol?: 'auto' | 3 | 4 | 5;
  /** Per attempt; default 10 s. */
  connectTimeoutMs?: number;
  /** Reconnect delay once connected; default 1 s. */
  reconnectPeriodMs?: number;
  log?: Logger;
}

/** Connect, negotiating the protocol version; rejects when the broker can't be reached or refuses us. */
export async function connectMqtt(opts: MqttConnectOptions): Promise<MqttTransport> {
  const log = opts.log ?? logger('transport');
  const versions: (3 | 4 | 5)[] = opts.protocol === undefined || opts.protocol === 'auto' ? [5, 4] : [opts.protocol];
  let lastError: Error | undefined;
  for (const version of versions) {
    const attempt = await attemptConnect(opts, version);
    if ('client' in attempt) {
      // Reconnect only after a successful first connect: a refused first attempt must fall through.
      attempt.client.options.reconnectPeriod = opts.reconnectPeriodMs ?? 1000;
      log.debug(`connected to ${opts.url} as ${opts.clientId} with protocol level ${version}`);
      return new MqttTransport({ client: attempt.client, connack: attempt.connack, version, clientId: opts.clientId, log, url: opts.url });
    }
    lastError = attempt.error;
    if (!attempt.protocolRefused) break;
    log.debug(`${opts.url} refused protocol level ${version}: ${attempt.error.message}`);
  }
  throw new Error(`transport: cannot connect to ${opts.url} as ${opts.clientId}: ${lastError?.message}`);
}

/**
 * TLS client options: a private CA when given. The chain is always verified; the host name is not when
 * the URL is loopback, because `up` reaches its own broker at 127.0.0.1 while the certificate names the
 * machine's LAN name, and nothing can sit between a process and its own loopback.
 */
function tlsOptions(opts: MqttConnectOptions): Partial<IClientOptions> {
  if (!/^(mqtts|ssl|wss):/i.test(opts.url)) return {};
  const host = new URL(opts.url).hostname;
  const loopback = host === 'localhost' || host === '[::1]' || /^127\./.test(host);
  return {
    ...(opts.ca ? { ca: opts.ca } : {}),
    rejectUnauthorized: true,
    ...(loopback ? { checkServerIdentity: () => undefined } : {}),
  };
}

type Attempt = { client: MqttClient; connack: IConnackPacket } | { error: Error; protocolRefused: boolean };

/** One CONNECT at one protocol level, without reconnects. */
function attemptConnect(opts: MqttConnectOptions, version: 3 | 4 | 5): Promise<Attempt> {
  const options: IClientOptions = {
    clientId: opts.clientId, protocolVersion: version, clean: true, reconnectPeriod: 0,
    connectTimeout: opts.connectTimeoutMs ?? 10_000, username: opts.username, password: opts.password,
    will: opts.will && {
      topic: opts.will.topic, payload: toBuffer(opts.will.payload), qos: opts.will.qos ?? 0, retain: opts.will.retain ?? false,
    },
    ...tlsOptions(opts),
  };
  const client = mqtt.connect(opts.url, options);
  return new Promise((resolve) => {
    let error: Error | undefined;
    const onError = (e: Error) => { error = e; };
    const onConnect = (connack: IConnackPacket) => finish({ client, connack });
    const onClose = () => {
      const code = (error as { code?: unknown } | undefined)?.code;
      // Refusals of the level: 3.1.1 return code 1, MQTT 5 reason 0x84 (§3.2.2.2); a broker may
      // also just close the socket before CONNACK [MQTT-3.1.4-2]. aedes 1.2 sends return code 1.
      const protocolRefused = code === 1 || code === 132 || error === undefined;
      finish({ error: error ?? new Error('connection closed before CONNACK'), protocolRefused });
    };
    // Remove only our listeners: mqtt.js registers its own on 'connect' and 'close'. The error
    // listener stays (it only records), so an 'error' before the transport listens can't throw.
    const finish = (a: Attempt) => {
      client.off('connect', onConnect).off('close', onClose);
      if ('error' in a) client.end(true);
      resolve(a);
    };
    client.once('connect', onConnect);
    client.on('error', onError);
    client.once('close', onClose);
  });
}
