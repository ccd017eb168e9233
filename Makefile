# Palisade: `make demo` and `make test` work on a fresh Debian/Ubuntu machine (as root, Debian
# packages are installed when missing; without root, missing packages are named and the target stops).
SHELL := /bin/bash
.DEFAULT_GOAL := build

NODE_MAJOR_MIN := 20
# Debian packages per target. build: compilers for the SQLite addon (better-sqlite3). test: the
# kernel backends, namespaces and a real OpenSSH server and client for the end-to-end tests.
APT_BUILD := python3 make g++ clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libnetfilter-queue-dev libpcap-dev pkg-config
APT_TEST := nftables iptables ipset conntrack iproute2 openssh-server openssh-client sshpass nmap hping3 sqlmap tcpdump ethtool
APT_BENCH := tcpdump time fail2ban sshguard nftables iptables ipset iproute2

.PHONY: deps test-deps build native bpf test demo bench bench-kernel clean check-node

check-node:
	@command -v node >/dev/null || { echo "palisade: Node.js $(NODE_MAJOR_MIN)+ is required (Debian: NodeSource packages; or https://nodejs.org)"; exit 1; }
	@node -e 'const m=+process.versions.node.split(".")[0]; if (m < $(NODE_MAJOR_MIN)) { console.error("palisade: Node.js $(NODE_MAJOR_MIN)+ is required, found " + process.versions.node); process.exit(1); }'

# apt-install PKGS: installs the Debian packages that are missing (root), or names them (not root).
define apt-install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing Debian packages:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "palisade: missing Debian packages:$$missing (run as root, or install them)"; exit 1; fi; \
	fi
endef

# A node_modules that is a symlink belongs to another checkout (a git worktree sharing it): never
# npm ci through it (that empties the other checkout's modules).
deps: check-node
	$(call apt-install,$(APT_BUILD))
	@if [ -L node_modules ]; then echo "node_modules is a symlink: left as it is (run npm ci where it points)"; \
	elif [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi

# The kernel parts: eBPF objects (clang -target bpf, CO-RE against this kernel's BTF) and the
# Node-API addon (node-gyp, linked with libbpf, libnetfilter_queue and libpcap).
BPF_SRC := $(wildcard bpf/*.bpf.c)
BPF_OBJ := $(patsubst bpf/%.bpf.c,build/bpf/%.bpf.o,$(BPF_SRC))
BPF_CFLAGS := -O2 -g -Wall -target bpf -D__TARGET_ARCH_x86 -I/usr/include/x86_64-linux-gnu -Ibuild/bpf -Ibpf
NATIVE_SRC := $(wildcard native/src/*.c native/src/*.h) native/binding.gyp

build/bpf/vmlinux.h:
	@mkdir -p build/bpf
	@if [ -r /sys/kernel/btf/vmlinux ]; then bpftool btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@; \
	else echo "palisade: this kernel has no BTF (/sys/kernel/btf/vmlinux): the tracepoint program cannot be built; XDP still works" >&2; touch $@; fi

build/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) build/bpf/vmlinux.h
	clang $(BPF_CFLAGS) -c $< -o $@

bpf: $(BPF_OBJ)

native/build/Release/palisade_native.node: $(NATIVE_SRC)
	cd native && npx --no-install node-gyp rebuild --silent
	@touch $@

native: native/build/Release/palisade_native.node

build: deps
	$(MAKE) --no-print-directory bpf native
	npx tsc -p tsconfig.json
	@node dist/src/detect/signatures/gate-cache.js >/dev/null  # precomputed rule analysis: faster start

test: build
	$(call apt-install,$(APT_TEST))
	node --test --test-reporter=spec dist/test/*.test.js

# The main job for now: analyse the shipped lab capture (attacks from documented addresses mixed
# with normal office traffic; see examples/lab.md) and print the report.
test-deps:
	$(call apt-install,$(APT_TEST))

demo: build
	@if [ "$$(id -u)" = 0 ]; then $(MAKE) --no-print-directory test-deps; fi
	@echo
	@echo "== palisade analyze examples/lab.pcap  (what is in it: examples/lab.md)"
	@./bin/palisade analyze examples/lab.pcap
	@if [ -d ../shared/corpus/pcaps ]; then \
	  echo; echo "== a real spoofed SYN flood from the public corpus (37,623 forged sources)"; \
	  ./bin/palisade analyze ../shared/corpus/pcaps/flood__stopddos__synflood_spoofed.pcap; \
	fi
	@echo
	@echo "== the daemon protecting a real sshd in a lab of network namespaces (examples/daemon-demo.ts)"
	@node dist/examples/daemon-demo.js
	@echo
	@echo "== the kernel data path: nmap and hping3 detected and dropped in XDP (examples/kernel-demo.ts)"
	@node dist/examples/kernel-demo.js

bench: build
	$(call apt-install,$(APT_BENCH))
	node dist/bench/run.js
	node dist/bench/auth-log-bench.js
	@if [ "$$(id -u)" = 0 ]; then node dist/bench/enforce-bench.js; else echo "enforce benchmark skipped: needs root (network namespace, nftables)"; fi

# Kernel data path: receive-CPU cost of dropping in XDP / nftables / ipset / iptables with 10 to
# 1 M entries (bench/kernel/run.ts; namespaces of its own; QUICK=1 for a one-minute smoke run).
bench-kernel: build
	@if [ "$$(id -u)" != 0 ]; then echo "bench-kernel: must run as root (it creates network namespaces, attaches XDP and runs nft/ipset/iptables inside them): sudo make bench-kernel"; exit 1; fi
	node dist/bench/kernel/run.js
	node dist/bench/nfqueue-bench.js

clean:
	rm -rf dist bench/out build native/build
