#!/usr/bin/env python3
"""Maps the addresses of a capture onto other prefixes, so that a generated capture can be replayed into the
lab's namespaces on addresses of their own. Each rule OLD/len=NEW/len keeps the host bits: an address in OLD
becomes NEW's prefix plus the address's bits below NEW's length (the bits between the two lengths must be zero,
or two addresses could collide: that is an error, not a silent merge). Addresses outside every rule are an
error too: nothing is replayed on an address the namespaces do not own.

IPv4 header, TCP, UDP and ICMPv6 checksums are updated incrementally (RFC 1624), so a checksum that was wrong
stays wrong by the same amount; frame lengths, Ethernet padding, VLAN tags and payloads are left as they were.
(tcprewrite 4.4.3 --pnat sets the IPv4 total length of padded frames to include the padding, which turns a
pure ACK into a data segment, and leaves IPv6 addresses unmapped; hence this tool.)

Usage: remap.py IN.pcap OUT.pcap RULE...   e.g. 10.0.0.0/8=100.64.0.0/10 2001:db8:1::/48=fd00:18:1::/48
"""
import ipaddress
import struct
import sys


def parse_rule(text):
    old, new = text.split("=")
    old, new = ipaddress.ip_network(old), ipaddress.ip_network(new)
    if old.version != new.version:
        sys.exit(f"remap: {text}: both sides must be the same IP version")
    return old, new


class Mapper:
    def __init__(self, rules):
        self.rules = rules
        self.cache = {}

    def map(self, raw):
        hit = self.cache.get(raw)
        if hit is not None:
            return hit
        addr = ipaddress.ip_address(raw)
        for old, new in self.rules:
            if old.version == addr.version and addr in old:
                bits = addr.max_prefixlen
                value = int(addr)
                host = value & ((1 << (bits - new.prefixlen)) - 1)
                if value & ~int(old.netmask) & ~((1 << (bits - new.prefixlen)) - 1):
                    sys.exit(f"remap: {addr} does not fit into {new} (it would collide)")
                out = (int(new.network_address) | host).to_bytes(bits // 8, "big")
                self.cache[raw] = out
                return out
        sys.exit(f"remap: {addr} is outside every rule")


def csum_fix(checksum, old, new):
    """RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') over the 16-bit words of old -> new."""
    s = (~checksum) & 0xFFFF
    for i in range(0, len(old), 2):
        s += (~((old[i] << 8) | old[i + 1])) & 0xFFFF
        s += (new[i] << 8) | new[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def patch_l4(pkt, off, proto, old, new, end):
    # checksum offset inside the transport header; UDP 0 means "no checksum" (IPv4 only)
    pos = {6: 16, 17: 6, 58: 2}.get(proto)
    if pos is None or off + pos + 2 > end:
        return
    c = struct.unpack_from("!H", pkt, off + pos)[0]
    if proto == 17 and c == 0:
        return
    c = csum_fix(c, old, new)
    if proto == 17 and c == 0:
        c = 0xFFFF
    struct.pack_into("!H", pkt, off + pos, c)


def rewrite(pkt, mapper):
    off, etype = 12, None
    if len(pkt) < 14:
        return
    etype = struct.unpack_from("!H", pkt, 12)[0]
    off = 14
    while etype in (0x8100, 0x88A8) and off + 4 <= len(pkt):
        etype = struct.unpack_from("!H", pkt, off + 2)[0]
        off += 4
    if etype == 0x0800 and off + 20 <= len(pkt):
        ihl = (pkt[off] & 0x0F) * 4
        old = bytes(pkt[off + 12:off + 20])
        new = mapper.map(old[:4]) + mapper.map(old[4:])
        pkt[off + 12:off + 20] = new
        struct.pack_into("!H", pkt, off + 10, csum_fix(struct.unpack_from("!H", pkt, off + 10)[0], old, new))
        frag = struct.unpack_from("!H", pkt, off + 6)[0] & 0x1FFF
        total = struct.unpack_from("!H", pkt, off + 2)[0]
        if frag == 0:
            patch_l4(pkt, off + ihl, pkt[off + 9], old, new, min(len(pkt), off + total))
    elif etype == 0x86DD and off + 40 <= len(pkt):
        old = bytes(pkt[off + 8:off + 40])
        new = mapper.map(old[:16]) + mapper.map(old[16:])
        pkt[off + 8:off + 40] = new
        patch_l4(pkt, off + 40, pkt[off + 6], old, new, len(pkt))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    src, dst, rules = sys.argv[1], sys.argv[2], [parse_rule(r) for r in sys.argv[3:]]
    mapper = Mapper(rules)
    with open(src, "rb") as f:
        data = f.read()
    magic = data[:4]
    endian = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}.get(magic)
    if endian is None:
        sys.exit(f"remap: {src}: not a classic pcap file")
    if struct.unpack_from(endian + "I", data, 20)[0] != 1:
        sys.exit(f"remap: {src}: only Ethernet captures")
    out = bytearray(data[:24])
    pos, frames = 24, 0
    while pos + 16 <= len(data):
        caplen = struct.unpack_from(endian + "I", data, pos + 8)[0]
        if pos + 16 + caplen > len(data):
            sys.exit(f"remap: {src}: frame {frames + 1} at offset {pos} is cut")
        pkt = bytearray(data[pos + 16:pos + 16 + caplen])
        rewrite(pkt, mapper)
        out += data[pos:pos + 16]
        out += pkt
        pos += 16 + caplen
        frames += 1
    with open(dst, "wb") as f:
        f.write(out)
    print(f"remap: {frames} frames, {len(mapper.cache)} addresses mapped")


if __name__ == "__main__":
    main()
