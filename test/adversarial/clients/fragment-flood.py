# Hostile IP fragments from inside a test's network namespace (scapy, raw IP socket), for
# test/adversarial/fragments.test.ts:
#   python3 fragment-flood.py SRC DST ENDLESS OVERLAPPING
# ENDLESS first fragments of distinct datagrams that never complete (1,200 bytes of data each),
# then OVERLAPPING datagrams whose second fragment overlaps the first (RFC 5722), each completed
# afterwards by a clean last fragment that must not revive it. IPv4 or IPv6 by DST.
# Prints one JSON line: {"event": "done", "sent": n}.
import json, sys
from scapy.all import IP, IPv6, IPv6ExtHdrFragment, ICMP, ICMPv6EchoRequest, Raw, conf, send

conf.verb = 0
src, dst, endless, overlapping = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
v6 = ':' in dst
sent = 0

def v4_fragment(ident, offset, more, data, proto=1):
    return IP(src=src, dst=dst, id=ident, flags='MF' if more else 0, frag=offset // 8, proto=proto) / Raw(data)

def v6_fragment(ident, offset, more, data, nh=58):
    return IPv6(src=src, dst=dst) / IPv6ExtHdrFragment(id=ident, offset=offset // 8, m=1 if more else 0, nh=nh) / Raw(data)

fragment = v6_fragment if v6 else v4_fragment
echo = bytes(ICMPv6EchoRequest(id=7, seq=1) if v6 else ICMP(type=8, id=7, seq=1))

batch = []
for i in range(endless):
    batch.append(fragment(1000 + i, 0, True, echo + bytes(1200 - len(echo))))
    if len(batch) == 200:
        send(batch)
        sent += len(batch)
        batch = []
for i in range(overlapping):
    ident = 40000 + i
    batch.append(fragment(ident, 0, True, echo + bytes(800 - len(echo))))
    batch.append(fragment(ident, 400, True, bytes(800)))  # overlaps [400, 800)
    batch.append(fragment(ident, 1200, False, bytes(8)))
send(batch)
sent += len(batch)
print(json.dumps({'event': 'done', 'sent': sent}), flush=True)
