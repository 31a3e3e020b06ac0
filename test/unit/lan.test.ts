/** `up --host`: which address others must use (issue 10 #6). */
import { strict as assert } from 'node:assert';
import { advertisedHosts, localHost, reachLine } from '../../cli/lan.ts';

const IFACES = {
  lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '255.0.0.0', mac: '', cidr: null }],
  eth0: [
    { address: '192.168.1.20', family: 'IPv4', internal: false, netmask: '255.255.255.0', mac: '', cidr: null },
    { address: 'fe80::1', family: 'IPv6', internal: false, netmask: 'ffff::', mac: '', cidr: null, scopeid: 2 },
  ],
} as unknown as Parameters<typeof advertisedHosts>[1];

describe('up --host', () => {
  it('0.0.0.0 is reached on the LAN addresses; local workers use loopback', () => {
    assert.deepEqual(advertisedHosts('0.0.0.0', IFACES), ['192.168.1.20']);
    assert.equal(localHost('0.0.0.0'), '127.0.0.1');
    assert.equal(reachLine('0.0.0.0', 1883, IFACES), 'cameras and boards on the LAN connect to mqtt://192.168.1.20:1883');
  });
  it('a loopback listener says how to open it to the LAN; a named address is used as is', () => {
    assert.deepEqual(advertisedHosts('127.0.0.1', IFACES), []);
    assert.match(reachLine('127.0.0.1', 1883, IFACES), /this machine only \(--host 0\.0\.0\.0/);
    assert.deepEqual([advertisedHosts('192.168.1.20', IFACES), localHost('192.168.1.20')], [['192.168.1.20'], '192.168.1.20']);
  });
});
