// Decode status codes. The TypeScript side reads these exported constants by name and maps
// them to DecodeError codes, so the numbers live only here.

export const STATUS_OK: i32 = 0;
/** The captured bytes end before a header that must be there. */
export const STATUS_TRUNCATED: i32 = 1;
/** TCP data offset below 5 words, or beyond the segment length the IP header gives. */
export const STATUS_BAD_DATA_OFFSET: i32 = 2;
/** TCP option with length 0 or 1, running past the header, or missing its length byte. */
export const STATUS_BAD_OPTION: i32 = 3;
/** IP carrying something other than TCP. */
export const STATUS_NOT_TCP: i32 = 4;
/** A non-first IP fragment: it carries no TCP header. */
export const STATUS_FRAGMENT: i32 = 5;
/** IP header inconsistent: wrong version, IHL below 5, lengths smaller than the headers. */
export const STATUS_BAD_IP_HEADER: i32 = 6;
/** A link type this decoder does not frame. */
export const STATUS_UNSUPPORTED_LINK: i32 = 7;
/** The link layer carries something other than IPv4 or IPv6 (ARP, LLDP, ...). */
export const STATUS_NOT_IP: i32 = 8;
