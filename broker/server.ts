/**
 * The embedded broker (DESIGN.md "Broker"): aedes 1.2 on TCP and, optionally, WebSocket, with
 * username/password and topic ACLs from auth.ts. It makes `deeperthings up` a one-command setup; a
 * real deployment next to Home Assistant should use Mosquitto instead, because aedes 1.2 speaks only
 * MQTT 3.1.1 and HA drops 3.x in 2027.1 (ECOSYSTEM §1.6, §4).
 */
import net from 'node:net';
import tls from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { logger, type Logger } from '../shared/log.ts';
import { AccessControl, type BrokerUser } from './auth.ts';
import type { RoleTopics } from './roles.ts';
import { PlanGuard } from './plan-guard.ts';
import { closeServer, isLoopback, listen, startWebSocket, type BrokerTls, type WebSocketListener } from './listeners.ts';

export { isLoopback, type BrokerTls } from './listeners.ts';

/** How to make a users file, for the refusal of an open LAN broker (issue 14 §3). */
const USERS_HINT = 'create one with `deeperthings users add NAME --role planner|worker|camera|viewer --file users.yaml` ' +
  '(once per account) and pass --users users.yaml';

export interface EmbeddedBrokerContext {
  /** TCP port; 0 picks a free one (tests). Default 1883. */
  port?: number;
  /** Default 127.0.0.1 (this machine only); '0.0.0.0' to serve the LAN. */
  host?: string;
  /** WebSocket port (0 = any); no WebSocket listener when absent. */
  wsPort?: number;
  /** When non-empty, anonymous clients are refused. Required when `host` is not loopback. */
  users?: BrokerUser[];
  /** Root and HA prefix of the roles' topic patterns (default deeperthings, homeassistant). */
  topics?: RoleTopics;
  tls?: BrokerTls;
  log?: Logger;
}

export interface BrokerAddress { port: number; wsPort?: number }

export class EmbeddedBroker {
  readonly #ctx: EmbeddedBrokerContext;
  readonly #log: Logger;
  readonly #acl: AccessControl;
  readonly #userOf = new WeakMap<Client, BrokerUser>();
  readonly #plans: PlanGuard;
  #aedes: Aedes | undefined;
  #tcp: net.Server | undefined;
  #ws: WebSocketListener | undefined;
  #address: BrokerAddress | undefined;

  constructor(ctx: EmbeddedBrokerContext = {}) {
    this.#ctx = ctx;
    this.#log = ctx.log ?? logger('broker');
    this.#acl = new AccessControl(ctx.users ?? [], ctx.topics);
    this.#plans = new PlanGuard(ctx.topics?.root);
  }

  /** mqtt:// (mqtts:// with TLS) URL of the TCP listener (after start). */
  get url(): string {
    return `${this.#ctx.tls ? 'mqtts' : 'mqtt'}://${this.#clientHost()}:${this.#started().port}`;
  }

  /** ws:// (wss://) URL of the WebSocket listener (after start with wsPort). */
  get wsUrl(): string | undefined {
    const p = this.#started().wsPort;
    return p === undefined ? undefined : `${this.#ctx.tls ? 'wss' : 'ws'}://${this.#clientHost()}:${p}`;
  }

  async start(): Promise<BrokerAddress> {
    if (this.#address) throw new Error('broker: already started');
    const host = this.#ctx.host ?? '127.0.0.1';
    // Closed by default beyond loopback (issue 14 §3): on a LAN anyone could forge plans and frames.
    if (!isLoopback(host) && !this.#acl.enabled) throw new Error(`broker: listening on ${host} (beyond this machine) needs a users file: ${USERS_HINT}`);
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => this.#authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => done(this.#publishError(client, packet.topic, packet.payload)),
      authorizeSubscribe: (client, sub, done) => done(null, this.#subscribeAllowed(client, sub.topic) ? sub : null),
    });
    this.#aedes = aedes;
    aedes.on('clientError', (client, e) => this.#log.debug(`client ${client?.id}: ${e.message}`));
    aedes.on('connectionError', (client, e) => this.#log.debug(`connection ${client?.id ?? '?'}: ${e.message}`));
    let port: number;
    let wsPort: number | undefined;
    try {
      const onSocket = (socket: net.Socket) => aedes.handle(socket);
      this.#tcp = this.#ctx.tls ? tls.createServer({ ...this.#ctx.tls }, onSocket) : net.createServer(onSocket);
      // A plain client on the TLS port fails the handshake: log it, don't crash.
      this.#tcp.on('tlsClientError', (e: Error) => this.#log.debug(`TLS handshake failed: ${e.message}`));
      port = await listen(this.#tcp, this.#ctx.port ?? 1883, host);
      if (this.#ctx.wsPort !== undefined) {
        this.#ws = await startWebSocket(aedes, { host, port: this.#ctx.wsPort, tls: this.#ctx.tls });
        wsPort = this.#ws.port;
      }
    } catch (e) {
      await this.stop(); // release whatever did start
      throw e;
    }
    this.#address = { port, ...(wsPort === undefined ? {} : { wsPort }) };
    this.#log.info(`listening on ${host}:${port}${wsPort === undefined ? '' : `, WebSocket ${host}:${wsPort}`}${this.#ctx.tls ? ' (TLS)' : ''}` +
      `${this.#acl.enabled ? ', authentication required' : ', anonymous access'}`);
    return this.#address;
  }

  async stop(): Promise<void> {
    const aedes = this.#aedes;
    if (!aedes) return;
    this.#aedes = undefined;
    this.#address = undefined;
    await new Promise<void>((resolve) => aedes.close(() => resolve())); // disconnects every client
    this.#ws?.close();
    this.#ws?.http.closeAllConnections();
    await Promise.all([closeServer(this.#tcp), closeServer(this.#ws?.http)]);
    this.#tcp = undefined;
    this.#ws = undefined;
  }

  #authenticate(client: Client, username: string | undefined, password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void): void {
    if (!this.#acl.enabled) return done(null, true);
    this.#acl.authenticate(username, password).then((user) => this.#authenticated(client, username, user, done),
      (e: Error) => { this.#log.error(`cannot check the password of '${username}': ${e.message}`); this.#authenticated(client, username, undefined, done); });
  }

  #authenticated(client: Client, username: string | undefined, user: BrokerUser | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void): void {
    if (user) {
      this.#userOf.set(client, user);
      return done(null, true);
    }
    this.#log.warn(`refused client ${client.id}: ${username === undefined ? 'no username' : `bad credentials for user '${username}'`}`);
    const e = new Error(`broker: bad username or password`) as AuthenticateError;
    (e as { returnCode: number }).returnCode = 4; // CONNACK 0x04 "bad user name or password" (MQTT 3.1.1 §3.2.2.3)
    done(e, null);
  }

  /** null = allowed. A refusal closes the client's connection: 3.1.1 has no other answer [MQTT-3.3.5-2]. */
  #publishError(client: Client | null, topic: string, payload: Buffer | string): Error | null {
    // aedes' own default: clients must not forge broker status topics (aedes issue #597).
    if (client && topic.startsWith('$SYS/')) return new Error(`broker: ${client.id} may not publish to ${topic}`);
    // client is null only for a will left by a session of an earlier broker process (aedes docs).
    if (!client) return null;
    const user = this.#userOf.get(client);
    if (this.#acl.canPublish(user, client.id, topic)) return this.#planError(client, user, topic, payload);
    this.#log.warn(`client ${client.id} (user '${this.#userOf.get(client)?.username}') may not publish to ${topic}: disconnected`);
    return new Error(`broker: client ${client.id} may not publish to ${topic}`);
  }

  /** The plan's word on a publish the role allows: planners teach the guard, workers are checked by it. */
  #planError(client: Client, user: BrokerUser | undefined, topic: string, payload: Buffer | string): Error | null {
    if (user?.role === 'planner') this.#plans.observe(topic, typeof payload === 'string' ? Buffer.from(payload) : payload);
    if (user?.role !== 'worker' || user.acl) return null;
    const why = this.#plans.refusal(user.id ?? user.username, topic);
    if (!why) return null;
    this.#log.warn(`client ${client.id} (user '${user.username}') may not publish to ${topic}: ${why}; disconnected`);
    return new Error(`broker: client ${client.id} may not publish to ${topic}: ${why}`);
  }

  /** A refusal is a SUBACK failure (0x80) for this filter only [MQTT-3.9.3]. */
  #subscribeAllowed(client: Client, filter: string): boolean {
    const user = this.#userOf.get(client);
    const why = !this.#acl.canSubscribe(user, client.id, filter) ? 'not in its ACL'
      : user?.role === 'worker' && !user.acl ? this.#plans.subscribeRefusal(user.id ?? user.username, filter) : undefined;
    if (!why) return true;
    this.#log.warn(`client ${client.id} (user '${user?.username}') may not subscribe to ${filter}: ${why}`);
    return false;
  }

  #started(): BrokerAddress {
    if (!this.#address) throw new Error('broker: not started');
    return this.#address;
  }

  #clientHost(): string {
    const host = this.#ctx.host ?? '127.0.0.1';
    return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  }
}
