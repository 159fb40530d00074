# syntax=docker/dockerfile:1
# kube-lego container image: Node 24 LTS, non-root, one bundled file, no npm and no dev dependencies.
# Users build it with `docker build .` on the public node:24-slim. CI reaches no registry and builds that name
# locally from Debian's nodejs 24 with npm in the same place (scripts/lib/ci-base-image.sh, docs/adr/0008).
FROM node:24-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# The optional build secret ca-certificates (a PEM file) is trusted by npm, for builds behind a TLS-inspecting
# proxy: `--secret id=ca-certificates,src=/path/ca.pem`. It is never part of a layer.
RUN --mount=type=secret,id=ca-certificates \
    if [ -s /run/secrets/ca-certificates ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca-certificates; fi; \
    npm ci --no-audit --no-fund --no-update-notifier --ignore-scripts --loglevel=error
COPY tsconfig.json ./
COPY scripts/bundle.mjs scripts/
COPY src/ src/
RUN node scripts/bundle.mjs /out/kube-lego.mjs

# The base without what only builds need: npm, npx, corepack, yarn and Node's C headers. Both layouts are
# covered, the official image's (/usr/local) and Debian's corepack (/usr/share/nodejs); the build fails if any
# of the commands is left.
FROM node:24-slim AS runtime
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* /usr/local/include/node \
      /usr/bin/corepack /usr/share/nodejs/corepack \
 && for tool in npm npx corepack yarn; do if command -v "$tool"; then exit 1; fi; done
# The .mjs name makes Node load the bundle as ESM; the symlink gives it the command name.
COPY --from=build /out/kube-lego.mjs /usr/local/lib/kube-lego/kube-lego.mjs
RUN ln -s /usr/local/lib/kube-lego/kube-lego.mjs /usr/local/bin/kube-lego

# One layer: files deleted above are not carried in a lower layer of the image.
FROM scratch
COPY --from=runtime / /
ARG VERSION=unknown
ARG REVISION=unknown
ARG SOURCE=https://github.com/kube-lego/kube-lego
LABEL org.opencontainers.image.title="kube-lego" \
      org.opencontainers.image.description="Automatic ACME certificates for Kubernetes Ingresses" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}"
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# V8 sizes its young generation from the heap limit, not from the live data: on a node with a few GiB free
# it grows to 2 x 64 MiB under a burst of allocations, most of the controller's peak RSS. 8 MiB semi-spaces
# bound that part (docs/benchmarks.md, "Memory"). The old generation may use 75 % of the container's memory
# limit: Node's own default is half of it (and at least 256 MiB), which crashed a controller of 100,000
# Ingresses in a 1 Gi pod with "heap out of memory" at 560 MiB. An operator can override NODE_OPTIONS in the
# Deployment.
ENV NODE_OPTIONS="--max-semi-space-size=8 --max-old-space-size-percentage=75"
# uid 1000 is the base image's unprivileged "node" user; the Deployment also sets runAsNonRoot.
USER 1000:1000
WORKDIR /home/node
EXPOSE 8080 9402
ENTRYPOINT ["kube-lego"]
