// tcpdump's compact flag notation: [S.] for SYN+ACK, [P.] for PSH+ACK, [none] for no flags.

/** tcpdump's order (print-tcp.c tcp_flag_values): FIN SYN RST PSH ACK URG ECE CWR AE. */
const LETTERS: ReadonlyArray<readonly [number, string]> = [
  [0x01, 'F'],
  [0x02, 'S'],
  [0x04, 'R'],
  [0x08, 'P'],
  [0x10, '.'],
  [0x20, 'U'],
  [0x40, 'E'],
  [0x80, 'W'],
  [0x100, 'e'],
];

/**
 * Formats TCP flags the way tcpdump does: F S R P, '.' for ACK, U, E (ECE), W (CWR), e (AE), in
 * that order. Returns the text inside the brackets; the reserved bits are not shown.
 */
export function formatTcpFlags(flags: number): string {
  let out = '';
  for (const [bit, letter] of LETTERS) if (flags & bit) out += letter;
  return out === '' ? 'none' : out;
}
