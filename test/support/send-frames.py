#!/usr/bin/env python3
# Sends raw Ethernet frames on an interface (AF_PACKET), for the XDP tests' crafted frames (VLAN
# tags, truncated headers) that no socket API produces. Run inside a test namespace:
#   ip netns exec NS python3 send-frames.py IFACE COUNT HEX [HEX ...]
# Each frame (hex) is sent COUNT times. Prints the number of frames sent.
import socket
import sys

iface, count, frames = sys.argv[1], int(sys.argv[2]), [bytes.fromhex(h) for h in sys.argv[3:]]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
sent = 0
for f in frames:
    for _ in range(count):
        s.send(f)
        sent += 1
print(sent)
