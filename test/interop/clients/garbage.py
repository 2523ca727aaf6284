#!/usr/bin/env python3
# Kernel-side garbage for the interop tests: writes COUNT malformed and random IPv4/IPv6 packets
# straight onto the TUN interface through an AF_PACKET socket (so the kernel's IP layer neither
# fixes nor filters them: the bytes arrive at the TUN reader as written). Seeded: the same seed
# gives the same packets. Run inside the test's namespace:
#   python3 garbage.py IFACE COUNT SEED [--flow KERNEL_PORT OUR_PORT FAMILY] [--burst N] [--gap-ms T]
# Prints one JSON line: {"event":"done","sent":n,"failed":n,"categories":{...},"flowSegments":[[flags,seq,ack]...],
# "startedAt","finishedAt"} (times in ms since the epoch).
#
# Every packet is one the stack must drop and count: nothing here is a well-formed segment it
# should accept. With --flow, some carry the live connection's exact 4-tuple with a valid checksum
# but only RST/SYN/ACK flags, random sequence numbers and no payload, so they can provoke challenge
# ACKs but never inject data (an in-window data segment would be accepted by any TCP).

import json
import random
import socket
import struct
import sys
import time
import os
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'helpers'))
from inet import ETH_P_IP, ETH_P_IPV6, checksum  # noqa: E402

OURS4 = bytes([198, 51, 100, 2])
KERNEL4 = bytes([198, 51, 100, 1])
OTHER4 = bytes([198, 51, 100, 99])
OURS6 = socket.inet_pton(socket.AF_INET6, '2001:db8::2')
KERNEL6 = socket.inet_pton(socket.AF_INET6, '2001:db8::1')
OTHER6 = socket.inet_pton(socket.AF_INET6, '2001:db8::99')
CLOSED_PORT = 19  # nothing listens there in these tests (chargen: never served)


def ipv4(payload, proto=6, src=KERNEL4, dst=OURS4, total_length=None, ihl=5, frag=0, bad_checksum=False, r=None):
    length = total_length if total_length is not None else 20 + len(payload)
    header = struct.pack('!BBHHHBBH4s4s', (4 << 4) | ihl, 0, length & 0xFFFF, r.getrandbits(16), frag, 64, proto, 0, src, dst)
    c = checksum(header)
    if bad_checksum:
        c ^= 1 + r.getrandbits(15)
    return header[:10] + struct.pack('!H', c) + header[12:] + payload


def ipv6(payload, next_header=6, src=KERNEL6, dst=OURS6, payload_length=None):
    length = payload_length if payload_length is not None else len(payload)
    return struct.pack('!IHBB16s16s', 6 << 28, length & 0xFFFF, next_header, 64, src, dst) + payload


def tcp(src_ip, dst_ip, sport, dport, seq, ack, flags, payload=b'', options=b'', offset=None, bad_checksum=False, r=None):
    data_offset = offset if offset is not None else (20 + len(options)) // 4
    header = struct.pack('!HHIIBBHHH', sport, dport, seq, ack, (data_offset & 0xF) << 4, flags, 65535, 0, 0) + options
    segment = header + payload
    if len(src_ip) == 4:
        pseudo = struct.pack('!4s4sBBH', src_ip, dst_ip, 0, 6, len(segment))
    else:
        pseudo = struct.pack('!16s16sIxxxB', src_ip, dst_ip, len(segment), 6)
    c = checksum(pseudo + segment)
    if bad_checksum:
        c ^= 1 + r.getrandbits(15)
    return segment[:16] + struct.pack('!H', c) + segment[18:]


def main():
    args = sys.argv[1:]
    iface, count, seed = args[0], int(args[1]), int(args[2])
    flow = None
    burst, gap_ms = 32, 1.0
    i = 3
    while i < len(args):
        if args[i] == '--flow':
            flow = (int(args[i + 1]), int(args[i + 2]), int(args[i + 3]))
            i += 4
        elif args[i] == '--burst':
            burst = int(args[i + 1])
            i += 2
        elif args[i] == '--gap-ms':
            gap_ms = float(args[i + 1])
            i += 2
        else:
            raise SystemExit('unknown argument ' + args[i])

    r = random.Random(seed)
    # [flags, seq, ack] of each valid segment sent on the live connection's 4-tuple, so the test
    # can tell them from the connection's real segments.
    flow_segments = []

    def rbytes(n):
        return bytes(r.getrandbits(8) for _ in range(n))

    def seq():
        return r.getrandbits(32)

    def sport():
        # Never the live connection's port: only the flow-* makers target it, knowingly.
        while True:
            port = r.randrange(1024, 65536)
            if flow is None or port != flow[0]:
                return port

    def valid_tcp4(dst=OURS4, dport=CLOSED_PORT, flags=0x02, payload=b'', options=b''):
        return tcp(KERNEL4, dst, sport(), dport, seq(), seq(), flags, payload, options, r=r)

    def valid_tcp6(dst=OURS6, dport=CLOSED_PORT, flags=0x02, payload=b'', options=b''):
        return tcp(KERNEL6, dst, sport(), dport, seq(), seq(), flags, payload, options, r=r)

    def icmp_echo_bad_checksum():
        body = rbytes(r.randrange(4, 60))
        good = checksum(b'\x08\x00\x00\x00' + body)
        return b'\x08\x00' + struct.pack('!H', good ^ (1 + r.getrandbits(15))) + body

    # Each maker returns (ethertype, packet bytes).
    makers = {
        # Pure noise: random length, random bytes, random version nibble.
        'random-bytes': lambda: (lambda p: (ETH_P_IPV6 if p[0] >> 4 == 6 else ETH_P_IP, p))(rbytes(r.randrange(1, 1500))),
        'v4-truncated-header': lambda: (ETH_P_IP, ipv4(valid_tcp4(), r=r)[:r.randrange(1, 20)]),
        'v4-bad-ihl': lambda: (ETH_P_IP, ipv4(valid_tcp4(), ihl=r.randrange(0, 5), r=r)),
        'v4-bad-header-checksum': lambda: (ETH_P_IP, ipv4(valid_tcp4(dport=r.choice([CLOSED_PORT, 80, 7])), bad_checksum=True, r=r)),
        'v4-length-beyond-packet': lambda: (ETH_P_IP, (lambda seg: ipv4(seg, total_length=20 + len(seg) + r.randrange(1, 200), r=r))(valid_tcp4(payload=rbytes(r.randrange(0, 100))))),
        'v4-fragment': lambda: (ETH_P_IP, ipv4(valid_tcp4(), frag=r.choice([0x2000, 0x2000 | r.randrange(1, 100), r.randrange(1, 0x1FFF)]), r=r)),
        'v4-unknown-protocol': lambda: (ETH_P_IP, ipv4(rbytes(r.randrange(0, 200)), proto=r.choice([17, 47, 50, 132, 253]), r=r)),
        'v4-not-ours': lambda: (ETH_P_IP, ipv4(tcp(KERNEL4, OTHER4, sport(), 7, seq(), seq(), 0x02, r=r), dst=OTHER4, r=r)),
        'v4-tcp-bad-checksum': lambda: (ETH_P_IP, ipv4(tcp(KERNEL4, OURS4, sport(), r.choice([7, 80, CLOSED_PORT]), seq(), seq(), r.getrandbits(8), rbytes(r.randrange(0, 300)), bad_checksum=True, r=r), r=r)),
        'v4-tcp-bad-offset': lambda: (ETH_P_IP, ipv4(tcp(KERNEL4, OURS4, sport(), 7, seq(), seq(), 0x02, rbytes(r.randrange(0, 8)), offset=r.choice([0, 1, 2, 3, 4, 15]), r=r), r=r)),
        'v4-tcp-truncated': lambda: (ETH_P_IP, ipv4(valid_tcp4()[:r.randrange(0, 20)], r=r)),
        'v4-tcp-closed-port': lambda: (ETH_P_IP, ipv4(valid_tcp4(flags=r.choice([0x02, 0x10, 0x18, 0x11, 0x12])), r=r)),
        'v4-icmp-bad-checksum': lambda: (ETH_P_IP, ipv4(icmp_echo_bad_checksum(), proto=1, r=r)),
        'v6-truncated-header': lambda: (ETH_P_IPV6, ipv6(valid_tcp6())[:r.randrange(1, 40)]),
        'v6-length-beyond-packet': lambda: (ETH_P_IPV6, (lambda seg: ipv6(seg, payload_length=len(seg) + r.randrange(1, 200)))(valid_tcp6())),
        'v6-not-ours': lambda: (ETH_P_IPV6, ipv6(tcp(KERNEL6, OTHER6, sport(), 7, seq(), seq(), 0x02, r=r), dst=OTHER6)),
        'v6-unknown-next-header': lambda: (ETH_P_IPV6, ipv6(rbytes(r.randrange(0, 200)), next_header=r.choice([17, 47, 50, 132, 253]))),
        'v6-tcp-bad-checksum': lambda: (ETH_P_IPV6, ipv6(tcp(KERNEL6, OURS6, sport(), r.choice([7, 80, CLOSED_PORT]), seq(), seq(), r.getrandbits(8), rbytes(r.randrange(0, 300)), bad_checksum=True, r=r))),
        'v6-tcp-bad-offset': lambda: (ETH_P_IPV6, ipv6(tcp(KERNEL6, OURS6, sport(), 7, seq(), seq(), 0x02, rbytes(r.randrange(0, 8)), offset=r.choice([0, 1, 2, 3, 4, 15]), r=r))),
        'v6-tcp-closed-port': lambda: (ETH_P_IPV6, ipv6(valid_tcp6(flags=r.choice([0x02, 0x10, 0x18, 0x11, 0x12])))),
    }
    if flow is not None:
        kport, oport, family = flow
        src, dst = (KERNEL4, OURS4) if family == 4 else (KERNEL6, OURS6)
        wrap = (lambda seg: (ETH_P_IP, ipv4(seg, r=r))) if family == 4 else (lambda seg: (ETH_P_IPV6, ipv6(seg)))
        # The live 4-tuple, valid checksum, random sequence and acknowledgment numbers, no payload.
        def on_flow(flags, ack_number=None):
            s, a = seq(), (seq() if ack_number is None else ack_number)
            flow_segments.append([flags, s, a])
            return wrap(tcp(src, dst, kport, oport, s, a, flags, r=r))
        makers['flow-rst'] = lambda: on_flow(0x04)
        makers['flow-syn'] = lambda: on_flow(0x02, 0)
        makers['flow-ack'] = lambda: on_flow(0x10)
        makers['flow-data-bad-checksum'] = lambda: wrap(tcp(src, dst, kport, oport, seq(), seq(), 0x18, rbytes(r.randrange(1, 500)), bad_checksum=True, r=r))

    names = sorted(makers)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    categories = {}
    sent = failed = 0
    started = time.time()
    for k in range(count):
        name = names[r.randrange(len(names))]
        ethertype, packet = makers[name]()
        try:
            sock.sendto(packet, (iface, ethertype))
            sent += 1
            categories[name] = categories.get(name, 0) + 1
        except OSError:
            failed += 1
        if (k + 1) % burst == 0 and gap_ms > 0:
            time.sleep(gap_ms / 1000)
    finished = time.time()
    print(json.dumps({'event': 'done', 'sent': sent, 'failed': failed, 'categories': categories,
                      'flowSegments': flow_segments, 'startedAt': started * 1000, 'finishedAt': finished * 1000}), flush=True)


if __name__ == '__main__':
    main()
