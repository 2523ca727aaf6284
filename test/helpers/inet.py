# Shared by the Python packet writers the kernel-side tests run (garbage.py, syn-flood.py,
# ping.py): the RFC 1071 Internet checksum and the EtherType an AF_PACKET socket on a TUN device
# takes for each IP version. Imported by path: the scripts run with `ip netns exec`, not as a package.
import struct

ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD


def checksum(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF
