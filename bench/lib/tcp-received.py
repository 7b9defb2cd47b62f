#!/usr/bin/env python3
# For the kill -9 measurement (ferry-bench.ts): started inside a lab
# namespace before the kill, it answers each line on stdin with one JSON line
# {"received": B, "unread": B}: the TCP payload every established TCP
# connection of the namespace has received (tcp_info.tcpi_bytes_received)
# and what of it the owning process has not read yet (the receive queue),
# summed. It asks the kernel over NETLINK_SOCK_DIAG directly, in well under a
# millisecond, where spawning `ss` took 10–16 ms, during which a frozen
# receiver's kernel goes on receiving (up to 2 MB at these rates).

import json
import socket
import struct
import sys

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST = 1
NLM_F_DUMP = 0x300
NLMSG_DONE = 3
NLMSG_ERROR = 2
TCP_ESTABLISHED = 1
INET_DIAG_INFO = 2
# struct tcp_info: tcpi_bytes_received is the u64 at offset 128
BYTES_RECEIVED_AT = 128
# struct inet_diag_msg: idiag_rqueue (u32) at offset 56, attributes from 72
RQUEUE_AT = 56
MSG_LEN = 72


def sample(nl):
    received = 0
    unread = 0
    for family in (socket.AF_INET, socket.AF_INET6):
        r, u = sample_family(nl, family)
        received += r
        unread += u
    return received, unread


def sample_family(nl, family):
    # struct inet_diag_req_v2: family, protocol, ext, pad, states, sockid (48 bytes)
    req = struct.pack('=BBBBI', family, socket.IPPROTO_TCP, 1 << (INET_DIAG_INFO - 1), 0, 1 << TCP_ESTABLISHED) + bytes(48)
    nl.send(struct.pack('=IHHII', 16 + len(req), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + req)
    received = 0
    unread = 0
    while True:
        data = nl.recv(1 << 16)
        at = 0
        while at + 16 <= len(data):
            length, kind = struct.unpack_from('=IH', data, at)
            if kind == NLMSG_DONE:
                return received, unread
            if kind == NLMSG_ERROR:
                raise OSError('sock_diag error')
            msg = at + 16
            unread += struct.unpack_from('=I', data, msg + RQUEUE_AT)[0]
            attr = msg + MSG_LEN
            end = at + length
            while attr + 4 <= end:
                alen, akind = struct.unpack_from('=HH', data, attr)
                if alen < 4:
                    break
                if akind == INET_DIAG_INFO and alen - 4 >= BYTES_RECEIVED_AT + 8:
                    received += struct.unpack_from('=Q', data, attr + 4 + BYTES_RECEIVED_AT)[0]
                attr += (alen + 3) & ~3
            at += (length + 3) & ~3


def main():
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG)
    print(json.dumps({'ready': True}), flush=True)
    for _ in sys.stdin:
        received, unread = sample(nl)
        print(json.dumps({'received': received, 'unread': unread}), flush=True)


main()
