#!/usr/bin/env python3
# Kernel-side SYN sender for the adversarial tests: writes TCP SYNs with spoofed sources straight
# onto the TUN interface through an AF_PACKET socket (the kernel's IP layer neither routes nor
# filters them: the bytes arrive at our stack's TUN reader as written). Seeded: the same seed
# gives the same packets. Run inside the test's own namespace:
#   python3 syn-flood.py IFACE flood OUR4 OUR6 PORT SOURCES MAX_PACKETS MAX_SECONDS SEED
#       SOURCES distinct spoofed (address, port) pairs, IPv4 from 203.0.113.0/24 and IPv6 from
#       2001:db8:ffff::/48 (documentation ranges, never configured anywhere); sent round-robin at
#       the highest rate this process reaches until MAX_PACKETS or MAX_SECONDS, whichever first.
#   python3 syn-flood.py IFACE martians OUR4 OUR6 PORT SOURCE...
#       one SYN from each given source address (IPv4 ones to OUR4, IPv6 ones to OUR6).
# Prints {"event":"started"} when sending begins and, at the end, one JSON line
# {"event":"done","sent":n,"failed":n,"seconds":s,"rate":pps,"sources":n}.

import json
import random
import socket
import struct
import sys
import time
import os
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'helpers'))
from inet import ETH_P_IP, ETH_P_IPV6, checksum  # noqa: E402


# MSS 1460, SACK-permitted, timestamps, NOP, window scale 7: what a Linux client sends.
def syn_options(tsval):
    return struct.pack('!BBHBBBBIIBBBB', 2, 4, 1460, 4, 2, 8, 10, tsval, 0, 1, 3, 3, 7)


def syn(src, dst, sport, dport, seq, tsval):
    options = syn_options(tsval)
    header = struct.pack('!HHIIBBHHH', sport, dport, seq, 0, ((20 + len(options)) // 4) << 4, 0x02, 64240, 0, 0) + options
    if len(src) == 4:
        pseudo = struct.pack('!4s4sBBH', src, dst, 0, 6, len(header))
        segment = header[:16] + struct.pack('!H', checksum(pseudo + header)) + header[18:]
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(segment), seq & 0xFFFF, 0x4000, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
        return ETH_P_IP, ip + segment
    pseudo = struct.pack('!16s16sIxxxB', src, dst, len(header), 6)
    segment = header[:16] + struct.pack('!H', checksum(pseudo + header)) + header[18:]
    return ETH_P_IPV6, struct.pack('!IHBB16s16s', 6 << 28, len(segment), 6, 64, src, dst) + segment


def address(text):
    return socket.inet_pton(socket.AF_INET6 if ':' in text else socket.AF_INET, text)


def main():
    args = sys.argv[1:]
    iface, mode, ours4, ours6, port = args[0], args[1], address(args[2]), address(args[3]), int(args[4])
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    packets = []
    if mode == 'flood':
        sources, max_packets, max_seconds, seed = int(args[5]), int(args[6]), float(args[7]), int(args[8])
        r = random.Random(seed)
        seen = set()
        while len(packets) < sources:
            if r.random() < 0.75:
                src = bytes([203, 0, 113, r.randrange(1, 255)])
                dst = ours4
            else:
                src = bytes([0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff]) + bytes(r.getrandbits(8) for _ in range(10))
                dst = ours6
            sport = r.randrange(1024, 65536)
            if (src, sport) in seen:
                continue
            seen.add((src, sport))
            packets.append(syn(src, dst, sport, port, r.getrandbits(32), r.getrandbits(32)))
    else:
        max_packets, max_seconds = len(args) - 5, 10.0
        for text in args[5:]:
            src = address(text)
            packets.append(syn(src, ours4 if len(src) == 4 else ours6, 40000, port, 12345, 1))
    print(json.dumps({'event': 'started'}), flush=True)
    sent = failed = 0
    started = time.time()
    deadline = started + max_seconds
    n = len(packets)
    while sent + failed < max_packets:
        ethertype, packet = packets[(sent + failed) % n]
        try:
            sock.sendto(packet, (iface, ethertype))
            sent += 1
        except OSError:
            failed += 1
        if (sent + failed) % 1024 == 0 and time.time() > deadline:
            break
    seconds = time.time() - started
    print(json.dumps({'event': 'done', 'sent': sent, 'failed': failed, 'seconds': seconds,
                      'rate': sent / seconds if seconds > 0 else 0, 'sources': n}), flush=True)


if __name__ == '__main__':
    main()
