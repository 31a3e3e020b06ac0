/**
 * Which address others must use to reach `up`'s embedded broker (issue 10 #6): a wildcard listener
 * (`--host 0.0.0.0`) is reached on this machine's LAN addresses, a loopback one from here only.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

const WILDCARD = new Set(['0.0.0.0', '::', '']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** The host this machine's own clients (up's workers) connect to. */
export function localHost(listen: string): string {
  return WILDCARD.has(listen) ? '127.0.0.1' : listen;
}

/** Hosts other machines can use; empty when the broker listens on loopback only. */
export function advertisedHosts(listen: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string[] {
  if (LOOPBACK.has(listen)) return [];
  if (!WILDCARD.has(listen)) return [listen];
  return Object.values(interfaces).flat()
    .filter((i): i is NetworkInterfaceInfo => !!i && !i.internal && i.family === 'IPv4')
    .map((i) => i.address);
}

/** The line `up` prints about who can connect. */
export function reachLine(listen: string, port: number, interfaces?: NodeJS.Dict<NetworkInterfaceInfo[]>, scheme = 'mqtt'): string {
  const hosts = advertisedHosts(listen, interfaces);
  if (hosts.length === 0) {
    return LOOPBACK.has(listen) ? 'the broker listens on this machine only (--host 0.0.0.0 serves cameras and boards on the LAN)'
      : 'the broker listens on all interfaces, but this machine has no LAN address';
  }
  return `cameras and boards on the LAN connect to ${hosts.map((h) => `${scheme}://${h}:${port}`).join(' or ')}`;
}
