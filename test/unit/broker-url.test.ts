/** `--broker` values (issue 10 #5): host:port means mqtt://host:port; anything else says what a URL looks like. */
import { strict as assert } from 'node:assert';
import { brokerUrl } from '../../cli/net-opts.ts';
import { UsageError } from '../../shared/errors.ts';

describe('--broker', () => {
  it('host:port and host get mqtt://; URLs with a known scheme pass unchanged', () => {
    assert.equal(brokerUrl('127.0.0.1:1883'), 'mqtt://127.0.0.1:1883');
    assert.equal(brokerUrl('broker.lan'), 'mqtt://broker.lan');
    assert.equal(brokerUrl('[::1]:1884'), 'mqtt://[::1]:1884');
    for (const u of ['mqtt://h:1', 'mqtts://h:8883', 'ws://h:8883/mqtt', 'wss://h', 'tcp://h:1', 'ssl://h:1']) assert.equal(brokerUrl(u), u);
  });
  it('a bad scheme or no host is a usage error that shows a broker URL', () => {
    for (const [bad, why] of [['http://h:1883', /unknown scheme 'http:\/\/'/], ['mqtt://', /not a URL|names no host/], ['h:notaport', /not a URL/]] as const) {
      assert.throws(() => brokerUrl(bad), (e: Error) => e instanceof UsageError && why.test(e.message) && /mqtt:\/\/host:1883/.test(e.message), bad);
    }
  });
});
