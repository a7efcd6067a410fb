# Turns off transmit checksum offload on one interface (what `ethtool -K IFNAME tx off` does, without
# needing ethtool): a veth otherwise hands its peer TCP/UDP packets whose checksum holds only the
# pseudo-header sum (CHECKSUM_PARTIAL), which the kernel accepts but a raw socket passes on as it is.
import array
import fcntl
import socket
import struct
import sys

SIOCETHTOOL = 0x8946
ETHTOOL_STXCSUM = 0x17  # struct ethtool_value { u32 cmd; u32 data; }, data 0 = off

value = array.array('I', [ETHTOOL_STXCSUM, 0])
pointer, _ = value.buffer_info()
ifreq = struct.pack('16sP', sys.argv[1].encode(), pointer)
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifreq)
