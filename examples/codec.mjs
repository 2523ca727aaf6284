// The codec: build a TCP/IPv4 packet with options, decode it, check its checksums.
import { encodePacket, decodeIp, formatTcpFlags, internetChecksum, TcpFlags } from 'tcpwasm/codec';

const packet = encodePacket({
  ip: { src: '192.0.2.1', dst: '192.0.2.2', ttl: 64 },
  tcp: {
    srcPort: 40000,
    dstPort: 80,
    seq: 1000,
    flags: TcpFlags.SYN,
    window: 64240,
    options: { mss: 1460, sackPermitted: true, timestamp: { value: 1, echo: 0 }, windowScale: 7 },
  },
});
const { ip, tcp, checksumStatus } = decodeIp(packet);
console.log(`${ip.src}.${tcp.srcPort} > ${ip.dst}.${tcp.dstPort}`, formatTcpFlags(tcp.flags), checksumStatus);
const { kinds, mss, windowScale, timestamp } = tcp.options;
console.log(packet.length, 'bytes; options', kinds, 'mss', mss, 'wscale', windowScale, timestamp);
// A header with a correct checksum sums to 0 (RFC 1071): the IPv4 header here.
console.log('IPv4 header sum', internetChecksum(packet.subarray(0, 20)));
// One flipped bit in the TCP header and the verdict turns 'bad'.
packet[20 + 4] ^= 0x01;
console.log('after a flipped bit:', decodeIp(packet).checksumStatus);
