# kube-lego container image: Node 24 LTS, non-root, one bundled file, no dev dependencies.
# syntax=docker/dockerfile:1
FROM node:24-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY scripts/bundle.mjs scripts/
COPY src/ src/
RUN node scripts/bundle.mjs /out/kube-lego.mjs

FROM node:24-slim
LABEL org.opencontainers.image.title="kube-lego" \
      org.opencontainers.image.description="Automatic ACME certificates for Kubernetes Ingresses" \
      org.opencontainers.image.licenses="Apache-2.0"
# The .mjs name makes Node load the bundle as ESM; the symlink gives it the command name.
COPY --from=build /out/kube-lego.mjs /usr/local/lib/kube-lego/kube-lego.mjs
RUN ln -s /usr/local/lib/kube-lego/kube-lego.mjs /usr/local/bin/kube-lego
# uid 1000 is the image's unprivileged "node" user; the Deployment also sets runAsNonRoot.
# V8 sizes its young generation from the heap limit, not from the live data: on a node with a few GiB free
# it grows to 2 x 64 MiB under a burst of allocations, most of the controller's peak RSS. 8 MiB semi-spaces
# bound that part (docs/benchmarks.md, "Memory"); an operator can override NODE_OPTIONS in the Deployment.
ENV NODE_OPTIONS="--max-semi-space-size=8"
USER 1000:1000
WORKDIR /home/node
EXPOSE 8080 9402
ENTRYPOINT ["kube-lego"]
