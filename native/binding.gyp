{
  "targets": [
    {
      "target_name": "palisade_native",
      "sources": ["src/addon.c", "src/util.c", "src/bpf.c", "src/ringbuf.c", "src/nfq.c", "src/pcap.c", "src/testrun.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-std=gnu11"],
      "libraries": ["-lbpf", "-lelf", "-lz", "-lnetfilter_queue", "-lnfnetlink", "-lpcap"]
    }
  ]
}
