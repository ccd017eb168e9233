# Palisade: `make demo` and `make test` work on a fresh Debian/Ubuntu machine as root.
SHELL := /bin/bash
.DEFAULT_GOAL := build

APT_PACKAGES := tcpdump
NODE_MAJOR_MIN := 20

.PHONY: deps build test demo bench clean check-node

check-node:
	@command -v node >/dev/null || { echo "palisade: Node.js $(NODE_MAJOR_MIN)+ is required (https://nodejs.org or NodeSource)"; exit 1; }
	@node -e 'const m=+process.versions.node.split(".")[0]; if (m < $(NODE_MAJOR_MIN)) { console.error("palisade: Node.js $(NODE_MAJOR_MIN)+ is required, found " + process.versions.node); process.exit(1); }'

# Installs what the build and tests need: Debian packages (when missing, as root) and npm packages.
deps: check-node
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing apt packages:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "palisade: missing apt packages:$$missing (run as root or install them)"; exit 1; fi; \
	fi
	@[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund

build: deps
	npx tsc -p tsconfig.json

test: build
	node --test --test-reporter=spec dist/test/

clean:
	rm -rf dist bench/out
