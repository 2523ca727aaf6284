# A kernel-side pinger for the TUN tests where ping(8) is not installed: ICMP / ICMPv6 echo
# requests through a raw socket (the kernel builds the IP header), run with
# `ip netns exec NS python3 ping.py HOST COUNT INTERVAL_S TIMEOUT_S [DATA_BYTES]` (interval 0: a burst).
# Prints one JSON line: {"sent": n, "received": n}; exit status 0 only if every reply came back.
import json, os, select, socket, struct, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'helpers'))
from inet import checksum  # noqa: E402

host, count, interval, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
size = int(sys.argv[5]) if len(sys.argv) > 5 else 56
v6 = ':' in host
sock = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_RAW,
                     socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
request, reply = (128, 129) if v6 else (8, 0)
ident = os.getpid() & 0xffff


payload = bytes((i * 7) & 0xff for i in range(size))
received = set()

def send(seq):
    header = struct.pack('!BBHHH', request, 0, 0, ident, seq)
    # ICMPv6: the kernel fills in the checksum (it covers a pseudo-header); ICMP: we do.
    csum = 0 if v6 else checksum(header + payload)
    sock.sendto(struct.pack('!BBHHH', request, 0, csum, ident, seq) + payload, (host, 0))

def collect(wait):
    deadline = time.monotonic() + wait
    while len(received) < count:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([sock], [], [], left)[0]:
            break
        data = sock.recv(70000)
        message = data if v6 else data[(data[0] & 0x0f) * 4:]
        kind, _, _, rid, rseq = struct.unpack('!BBHHH', message[:8])
        if kind == reply and rid == ident and message[8:] == payload:
            received.add(rseq)

# INTERVAL_S 0: a burst, every request sent before any reply is awaited.
for seq in range(1, count + 1):
    send(seq)
    if interval > 0 and seq < count:
        collect(interval)
collect(timeout)
print(json.dumps({'sent': count, 'received': len(received)}))
sys.exit(0 if len(received) == count else 1)
