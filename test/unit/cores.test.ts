/** Cores for ONNX Runtime's intra-op threads (worker/engine/cores.ts): the cgroup quota caps the machine's. */
import { strict as assert } from 'node:assert';
import { cgroupCpuQuota, deviceCores } from '../../worker/engine/cores.ts';
import { engineThreads } from '../../worker/engine/select.ts';

const fs = (files: Record<string, string>) => (path: string): string | undefined => files[path];

describe('device cores (cgroup-aware)', () => {
  it('cgroup2: cpu.max of the own group, ceil(quota / period), capped by the machine', () => {
    const read = fs({ '/proc/self/cgroup': '0::/bench/w1\n', '/sys/fs/cgroup/bench/w1/cpu.max': '30000 100000\n' });
    assert.equal(cgroupCpuQuota(read), 0.3);
    assert.deepEqual(deviceCores(read, 8), { cores: 1, quota: 0.3 });
    const two = fs({ '/proc/self/cgroup': '0::/a\n', '/sys/fs/cgroup/a/cpu.max': '150000 100000' });
    assert.equal(deviceCores(two, 8).cores, 2);
    assert.equal(deviceCores(fs({ '/proc/self/cgroup': '0::/a\n', '/sys/fs/cgroup/a/cpu.max': '800000 100000' }), 4).cores, 4);
  });

  it('cgroup2: an ancestor\'s limit applies; "max" is no limit', () => {
    const read = fs({ '/proc/self/cgroup': '0::/outer/inner\n', '/sys/fs/cgroup/outer/inner/cpu.max': 'max 100000', '/sys/fs/cgroup/outer/cpu.max': '200000 100000' });
    assert.equal(cgroupCpuQuota(read), 2);
    assert.deepEqual(deviceCores(fs({ '/proc/self/cgroup': '0::/x\n', '/sys/fs/cgroup/x/cpu.max': 'max 100000' }), 6), { cores: 6 });
  });

  it('cgroup v1: cpu.cfs_quota_us / cpu.cfs_period_us of the cpu controller; -1 is no limit', () => {
    const read = fs({ '/proc/self/cgroup': '4:cpu,cpuacct:/docker/abc\n2:memory:/docker/abc\n', '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '50000', '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us': '100000' });
    assert.deepEqual(deviceCores(read, 4), { cores: 1, quota: 0.5 });
    const none = fs({ '/proc/self/cgroup': '4:cpu:/\n', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' });
    assert.equal(cgroupCpuQuota(none), undefined);
  });

  it('no cgroup files: the machine\'s cores; --threads overrides', () => {
    assert.deepEqual(deviceCores(fs({}), 3), { cores: 3 });
    assert.deepEqual(engineThreads(5), { threads: 5, why: '--threads' });
    assert.ok(engineThreads().threads >= 1);
  });
});
