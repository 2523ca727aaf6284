import { expect } from 'chai';
import { TcpFlags, formatTcpFlags } from '../../src/index.js';

describe('formatTcpFlags', function () {
  it("uses tcpdump's letters in tcpdump's order", function () {
    expect(formatTcpFlags(TcpFlags.SYN)).to.equal('S');
    expect(formatTcpFlags(TcpFlags.SYN | TcpFlags.ACK)).to.equal('S.');
    expect(formatTcpFlags(TcpFlags.FIN | TcpFlags.PSH | TcpFlags.ACK)).to.equal('FP.');
    expect(formatTcpFlags(TcpFlags.SYN | TcpFlags.ACK | TcpFlags.CWR)).to.equal('S.W');
    expect(formatTcpFlags(TcpFlags.SYN | TcpFlags.ECE | TcpFlags.CWR | TcpFlags.AE)).to.equal('SEWe');
    expect(formatTcpFlags(0x1ff)).to.equal('FSRP.UEWe');
  });

  it('shows no flags as none and leaves the reserved bits out', function () {
    expect(formatTcpFlags(0)).to.equal('none');
    expect(formatTcpFlags(TcpFlags.RESERVED)).to.equal('none');
    expect(formatTcpFlags(TcpFlags.RESERVED | TcpFlags.RST)).to.equal('R');
  });
});
