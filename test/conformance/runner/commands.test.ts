import { describe, expect, it } from 'vitest';
import { millis, seconds } from '../../../src/base/time.ts';
import { applyCommand, shellWords } from '../../../src/conformance/packetdrill/runner/commands.ts';
import { defaultSysctls, linuxTcpConfig } from '../../../src/conformance/packetdrill/runner/linux-profile.ts';
import { windowScaleFor } from '../../../src/tcp/config.ts';

describe('script commands and the Linux profile', () => {
  it('splits shell words with quotes', () => {
    expect(shellWords(`set_sysctls.py /proc/sys/net/ipv4/tcp_wmem="4096 50000 4194304"  a='b c'`)).toEqual([
      'set_sysctls.py',
      '/proc/sys/net/ipv4/tcp_wmem=4096 50000 4194304',
      'a=b c',
    ]);
  });

  it('maps defaults.sh, set_sysctls.py, sysctl -q, ethtool and the restore script', () => {
    const sysctls = defaultSysctls();
    const command = `../common/defaults.sh
ethtool -K tun0 tso off gso off
../common/set_sysctls.py /proc/sys/net/ipv4/tcp_wmem="4096 50000 4194304" \\
    /proc/sys/net/ipv4/tcp_min_tso_segs=10
sysctl -q net.ipv4.tcp_timestamps=0
/tmp/sysctl_restore_\${PPID}.sh`;
    expect(applyCommand(command, sysctls)).toBeUndefined();
    const config = linuxTcpConfig(sysctls);
    expect(config.sendBuffer).toBe(50000);
    expect(config.timestamps).toBe(false);
  });

  it('names what it cannot honour', () => {
    expect(applyCommand('ip route change 192.0.2.0/24 mtu 1200', defaultSysctls())).toBe(
      'unsupported command ip route change 192.0.2.0/24 mtu 1200',
    );
    expect(applyCommand('sysctl -q net.ipv4.tcp_mtu_probing=1', defaultSysctls())).toBe(
      'unsupported sysctl tcp_mtu_probing',
    );
    expect(applyCommand('sysctl -q net.ipv4.tcp_wmem=4096', defaultSysctls())).toBe(
      "bad value '4096' for sysctl tcp_wmem",
    );
  });

  it("holds Linux's constants (NOTES.md §7)", () => {
    const config = linuxTcpConfig();
    expect(config.initialRto).toBe(seconds(1));
    expect(config.minRto).toBe(millis(200));
    expect(config.delayedAck).toBe(millis(40));
    expect(config.initialWindowSegments).toBe(10);
    expect(config.synRetries).toBe(5);
    expect(config.timeWait).toBe(seconds(60));
    expect(windowScaleFor(config.recvBuffer!)).toBe(8);
    expect(config.restartAfterIdle).toBe(false);
  });
});
