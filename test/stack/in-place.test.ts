// The stack's in-place receive path: packets a device placed in a pinned region of the codec's
// WebAssembly memory (as TunDevice does) are decoded where they lie, survive WASM memory growing
// while their batch is handled, and are not kept after the handler returns.

import { expect } from 'chai';
import type { Device, PacketBatchHandler } from '../../src/link/device.js';
import { buildEchoPacket, ICMP_ECHO_REQUEST } from '../../src/wire/icmp.js';
import { ReceivedBatch } from '../../src/wire/received-batch.js';
import { encodeSegment } from '../../src/wire/encode-segment.js';
import { segmentFromRow } from '../../src/wire/segment-row.js';
import { Stack } from '../../src/stack/stack.js';
import type { TcpSocket } from '../../src/stack/socket.js';
import { VirtualClock } from '../../src/base/clock.js';
import { parseAddress } from '../../src/base/address.js';
import { decodeBatch } from '../../src/wire/batch.js';
import { LinkType, TcpFlags } from '../../src/wire/constants.js';
import { decodeIp } from '../../src/wire/decode.js';
import { codec, type MemoryRegion } from '../../src/wire/module.js';
import { CLIENT_V4, CLIENT_V6, SERVER_V4, SERVER_V6 } from './harness.js';

const REGION_BYTES = 1 << 20;

/** Forces WASM memory to grow by one page, detaching every view of the current buffer. */
function growMemory(): void {
  const c = codec();
  const spare = c.memoryBuffer().byteLength - c.reserveInput(0);
  c.reserveInput(spare + 1);
}

/**
 * A device that delivers batches the way TunDevice does: views of a pinned region of WASM
 * memory, overwritten (by the "next read") as soon as the handler returns. Optionally grows WASM
 * memory whenever the stack sends while a batch is being handled.
 */
class RegionDevice implements Device {
  readonly mtu = 65535;
  readonly region: MemoryRegion = codec().allocateRegion(REGION_BYTES);
  readonly sent: Uint8Array[] = [];
  growOnSend = false;
  grows = 0;
  #handler: PacketBatchHandler | null = null;
  #delivering = false;

  deliver(packets: Uint8Array[]): void {
    const c = codec();
    const heap = c.bytes();
    let at = this.region.offset;
    const views = packets.map((p) => {
      heap.set(p, at);
      const view = new Uint8Array(c.memoryBuffer(), at, p.length);
      at += (p.length + 15) & ~15;
      return view;
    });
    this.#delivering = true;
    try {
      this.#handler?.(views);
    } finally {
      this.#delivering = false;
      // The next read lands here: whatever kept a view now reads garbage.
      c.bytes().fill(0xee, this.region.offset, this.region.offset + this.region.length);
    }
  }

  send(packet: Uint8Array): void {
    this.sent.push(packet.slice());
    if (this.growOnSend && this.#delivering) {
      growMemory();
      this.grows++;
    }
  }

  onReceive(handler: PacketBatchHandler | null): void {
    this.#handler = handler;
  }

  close(): void {
    codec().freeRegion(this.region);
  }
}

const bytes = (a: string) => parseAddress(a).bytes;

describe('Stack: in-place receive from pinned WASM memory', () => {
  it('ReceivedBatch decodes packets in a pinned region where they lie, rows as decodeBatch reports them', () => {
    const c = codec();
    const region = c.allocateRegion(64 * 1024);
    try {
      const packets = [
        encodeSegment(
          {
            srcPort: 1,
            dstPort: 2,
            seq: 10,
            ack: 20,
            flags: TcpFlags.ACK,
            window: 100,
            urgentPointer: 0,
            payload: new Uint8Array([1, 2, 3]),
          },
          CLIENT_V4,
          SERVER_V4,
        ),
        encodeSegment(
          {
            srcPort: 3,
            dstPort: 4,
            seq: 5,
            ack: 0,
            flags: TcpFlags.SYN,
            window: 9,
            urgentPointer: 0,
            payload: new Uint8Array(0),
            mss: 1000,
            tsVal: 7,
            tsEcr: 0,
          },
          CLIENT_V6,
          SERVER_V6,
        ),
      ];
      const views = packets.map((p, i) => {
        const at = region.offset + i * 1024;
        c.bytes().set(p, at);
        return new Uint8Array(c.memoryBuffer(), at, p.length);
      });
      // Sentinel bytes where a copying decoder would put the packets.
      const copyArea = c.reserveInput(4096);
      c.bytes().fill(0x5a, copyArea, copyArea + 4096);
      const batch = new ReceivedBatch();
      batch.decode(views, 0, views.length);
      expect(
        c
          .bytes()
          .subarray(copyArea, copyArea + 4096)
          .every((b) => b === 0x5a),
      ).to.equal(true);
      // The codec reported offsets inside the pinned packets themselves.
      expect(batch.count).to.equal(2);
      const table = decodeBatch(packets, LinkType.RAW);
      for (let i = 0; i < 2; i++) {
        expect(batch.status(i)).to.equal(0);
        expect(batch.segment(i, views[i]!)).to.deep.equal(segmentFromRow(table, i, packets[i]!));
        expect(batch.packet(views, 0, i)).to.equal(views[i]); // memory did not grow: the same view
      }
      // After a grow the views are detached; packet() finds the same bytes in the new buffer.
      growMemory();
      expect(views[0]!.length).to.equal(0);
      for (let i = 0; i < 2; i++) expect([...batch.packet(views, 0, i)]).to.deep.equal([...packets[i]!]);
    } finally {
      c.freeRegion(region);
    }
  });

  it('handles every row right when WASM memory grows mid-batch, and keeps no view after the handler returns', async () => {
    const clock = new VirtualClock();
    const device = new RegionDevice();
    device.growOnSend = true;
    const stack = new Stack({ device, addresses: [`${SERVER_V4}/24`, `${SERVER_V6}/64`], clock });
    const accepted: TcpSocket[] = [];
    const received = new Map<string, string>();
    stack
      .createServer((s) => {
        accepted.push(s);
        let text = '';
        s.on('data', (d: Buffer) => {
          text += d.toString('latin1');
        });
        s.on('end', () => received.set(`${s.remoteAddress}|${s.remotePort}`, text));
        s.end();
      })
      .listen(80);

    const data = Uint8Array.from({ length: 2000 }, (_, i) => (i * 13) & 0xff);
    const syn = (src: string, dst: string, srcPort: number, dstPort: number) =>
      encodeSegment(
        {
          srcPort,
          dstPort,
          seq: 1000,
          ack: 0,
          flags: TcpFlags.SYN,
          window: 65535,
          urgentPointer: 0,
          payload: new Uint8Array(0),
          mss: 1460,
        },
        src,
        dst,
      );
    // Each reply sent while the batch is handled grows memory: the echo reply and the RSTs while
    // later rows wait, then the two SYN-ACKs from the flush at the batch's end.
    device.deliver([
      buildEchoPacket(4, bytes(CLIENT_V4), bytes(SERVER_V4), {
        type: ICMP_ECHO_REQUEST,
        identifier: 9,
        sequence: 1,
        data,
      }),
      syn(CLIENT_V4, SERVER_V4, 40000, 81),
      syn(CLIENT_V4, SERVER_V4, 40001, 80),
      syn(CLIENT_V6, SERVER_V6, 40002, 81),
      syn(CLIENT_V6, SERVER_V6, 40003, 80),
    ]);
    clock.advance(0);
    expect(device.grows).to.equal(5);
    expect(stack.stats.ip.notOurs + stack.stats.ip.malformed + stack.stats.dropped.malformed).to.equal(0);
    const isIcmp = (p: Uint8Array) => p[0]! >> 4 === 4 && p[9] === 1;
    const echo = device.sent.find(isIcmp)!;
    const replies = device.sent.filter((p) => !isIcmp(p)).map((p) => decodeIp(p));
    expect(replies).to.have.length(4);
    expect([...echo.subarray(28)]).to.deep.equal([...data]);
    const tcp = replies.map(
      (d) => `${d.ip.src}:${d.tcp.srcPort}>${d.ip.dst}:${d.tcp.dstPort} ${d.tcp.flags & 0x3f} ack=${d.tcp.ack}`,
    );
    expect(tcp.sort()).to.deep.equal([
      `${SERVER_V4}:80>${CLIENT_V4}:40001 18 ack=1001`,
      `${SERVER_V4}:81>${CLIENT_V4}:40000 20 ack=1001`,
      `${SERVER_V6}:80>${CLIENT_V6}:40003 18 ack=1001`,
      `${SERVER_V6}:81>${CLIENT_V6}:40002 20 ack=1001`,
    ]);

    // Complete both handshakes with data and FIN; the region is overwritten after every batch,
    // so what the connections hold (remote addresses, data) must be their own copies.
    const synAcks = replies.filter((d) => (d.tcp.flags & 0x12) === 0x12);
    const finishing = synAcks.map((d) =>
      encodeSegment(
        {
          srcPort: d.tcp.dstPort,
          dstPort: 80,
          seq: 1001,
          ack: (d.tcp.seq + 1) >>> 0,
          flags: TcpFlags.ACK | TcpFlags.PSH | TcpFlags.FIN,
          window: 65535,
          urgentPointer: 0,
          payload: new TextEncoder().encode(`hello from ${d.tcp.dstPort}`),
        },
        d.ip.dst,
        d.ip.src,
      ),
    );
    device.deliver(finishing);
    clock.advance(0);
    await new Promise((r) => setImmediate(r));
    clock.advance(0);
    expect(accepted.map((s) => `${s.remoteAddress}|${s.remotePort}`).sort()).to.deep.equal(
      [`${CLIENT_V6}|40003`, `${CLIENT_V4}|40001`].sort(),
    );
    expect([...received.entries()].sort()).to.deep.equal(
      [
        [`${CLIENT_V4}|40001`, 'hello from 40001'],
        [`${CLIENT_V6}|40003`, 'hello from 40003'],
      ].sort(),
    );
    stack.close();
  });

  it('answers a ping right when checking its checksum grows WASM memory (the request is copied first)', () => {
    const c = codec();
    const clock = new VirtualClock();
    const device = new RegionDevice();
    const stack = new Stack({ device, addresses: [`${SERVER_V4}/24`], clock });
    const data = Uint8Array.from({ length: 4096 }, (_, i) => (i * 31 + 7) & 0xff);
    const request = buildEchoPacket(4, bytes(CLIENT_V4), bytes(SERVER_V4), {
      type: ICMP_ECHO_REQUEST,
      identifier: 3,
      sequence: 4,
      data,
    });
    // Leave about 1 KiB between the copy area and the end of memory: copying the 4 KiB message
    // in to sum it must grow memory.
    const spare = c.memoryBuffer().byteLength - c.reserveInput(0);
    const filler = c.allocateRegion(Math.floor((spare - 1024) / 64) * 64);
    try {
      expect(c.memoryBuffer().byteLength - c.reserveInput(0)).to.be.below(4096);
      const before = c.memoryBuffer();
      device.deliver([request]);
      expect(c.memoryBuffer()).to.not.equal(before);
      expect(stack.stats.icmp.echoRepliesOut).to.equal(1);
      const reply = device.sent[0]!;
      expect([...reply.subarray(12, 16)]).to.deep.equal([...bytes(SERVER_V4)]);
      expect([...reply.subarray(16, 20)]).to.deep.equal([...bytes(CLIENT_V4)]);
      expect([...reply.subarray(24, 28)]).to.deep.equal([0, 3, 0, 4]);
      expect([...reply.subarray(28)]).to.deep.equal([...data]);
    } finally {
      c.freeRegion(filler);
      stack.close();
    }
  });
});
