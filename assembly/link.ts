// Link-layer framing: find where the IP header starts for each supported capture link type.

import { be16, u8at } from './bytes';
import * as S from './state';
import {
  STATUS_NOT_IP, STATUS_OK, STATUS_TRUNCATED, STATUS_UNSUPPORTED_LINK,
} from './status';

export const LINK_NULL: i32 = 0;
export const LINK_ETHERNET: i32 = 1;
export const LINK_RAW: i32 = 101;
export const LINK_LOOP: i32 = 108;
export const LINK_LINUX_SLL: i32 = 113;
export const LINK_IPV4: i32 = 228;
export const LINK_IPV6: i32 = 229;
export const LINK_LINUX_SLL2: i32 = 276;

const ETHERTYPE_IPV4: u32 = 0x0800;
const ETHERTYPE_IPV6: u32 = 0x86dd;
const ETHERTYPE_VLAN: u32 = 0x8100;
const ETHERTYPE_QINQ: u32 = 0x88a8;
const ETHERTYPE_QINQ_OLD: u32 = 0x9100;

/** Stacked VLAN tags accepted before giving up (802.1Q, QinQ and a margin). */
const MAX_VLAN_TAGS: i32 = 8;

/** The IP version the link layer announced (4, 6) or 0 when only the header itself can tell. */
export let announcedVersion: i32 = 0;

function fromEthertype(type: u32): i32 {
  if (type == ETHERTYPE_IPV4) { announcedVersion = 4; return STATUS_OK; }
  if (type == ETHERTYPE_IPV6) { announcedVersion = 6; return STATUS_OK; }
  return STATUS_NOT_IP;
}

/**
 * BSD address-family values seen in DLT_NULL / DLT_LOOP headers: AF_INET is 2 everywhere,
 * AF_INET6 differs by OS (Linux 10, Windows 23, NetBSD/OpenBSD 24, FreeBSD 28, macOS 30).
 */
function fromAddressFamily(af: u32): i32 {
  if (af == 2) { announcedVersion = 4; return STATUS_OK; }
  if (af == 10 || af == 23 || af == 24 || af == 28 || af == 30) { announcedVersion = 6; return STATUS_OK; }
  return STATUS_NOT_IP;
}

/**
 * Sets S.ipOffset to the start of the IP header and `announcedVersion`; returns a status.
 * Never reads at or beyond `p + len`.
 */
export function frame(p: usize, len: i32, linkType: i32): i32 {
  announcedVersion = 0;
  S.errorOffset = 0;
  switch (linkType) {
    case LINK_RAW: {
      S.ipOffset = 0;
      return STATUS_OK;
    }
    case LINK_IPV4: {
      S.ipOffset = 0;
      announcedVersion = 4;
      return STATUS_OK;
    }
    case LINK_IPV6: {
      S.ipOffset = 0;
      announcedVersion = 6;
      return STATUS_OK;
    }
    case LINK_ETHERNET: {
      if (len < 14) return STATUS_TRUNCATED;
      let off = 12;
      let type = be16(p + 12);
      let tags = 0;
      while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD) {
        if (++tags > MAX_VLAN_TAGS) return STATUS_NOT_IP;
        off += 4;
        if (off + 2 > len) { S.errorOffset = off; return STATUS_TRUNCATED; }
        type = be16(p + off);
      }
      S.ipOffset = off + 2;
      return fromEthertype(type);
    }
    case LINK_NULL: {
      if (len < 4) return STATUS_TRUNCATED;
      // Host byte order of the capturing machine: a value with high bits set is the other order.
      let af = load<u32>(p);
      if (af & 0xffff0000) af = bswap<u32>(af);
      S.ipOffset = 4;
      return fromAddressFamily(af);
    }
    case LINK_LOOP: {
      if (len < 4) return STATUS_TRUNCATED;
      S.ipOffset = 4;
      return fromAddressFamily(bswap<u32>(load<u32>(p)));
    }
    case LINK_LINUX_SLL: {
      if (len < 16) return STATUS_TRUNCATED;
      S.ipOffset = 16;
      return fromEthertype(be16(p + 14));
    }
    case LINK_LINUX_SLL2: {
      if (len < 20) return STATUS_TRUNCATED;
      S.ipOffset = 20;
      return fromEthertype(be16(p));
    }
  }
  return STATUS_UNSUPPORTED_LINK;
}

/** The IP version nibble, for link types that leave it to the header. */
// @ts-ignore: decorator
@inline export function versionNibble(p: usize): i32 {
  return <i32>(u8at(p) >> 4);
}
