// tcpdump's compact flag notation: [S.] for SYN+ACK, [P.] for PSH+ACK, [none] for no flags.

const LETTERS: ReadonlyArray<readonly [number, string]> = [
  [0x02, 'S'], [0x01, 'F'], [0x08, 'P'], [0x04, 'R'], [0x20, 'U'], [0x40, 'E'], [0x80, 'W'], [0x100, 'e'],
];

/**
 * Formats TCP flags the way tcpdump does: S F P R U, E (ECE), W (CWR), e (AE), and '.' for ACK
 * last; reserved bits as '+r'. Returns the text inside the brackets.
 */
export function formatTcpFlags(flags: number): string {
  let out = '';
  for (const [bit, letter] of LETTERS) if (flags & bit) out += letter;
  if (flags & 0x10) out += '.';
  if (flags & 0xe00) out += '+r';
  return out === '' ? 'none' : out;
}
