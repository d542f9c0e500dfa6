# One image for the gateway and every subgraph; the command picks which one runs.
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-fund --no-audit
COPY tsconfig.json tsconfig.build.json ./
COPY platform platform
COPY gateway gateway
COPY subgraphs subgraphs
COPY scripts scripts
COPY bench bench
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
COPY schema schema
RUN mkdir -p /app/.keys /app/data && chown node:node /app/.keys /app/data
USER node
EXPOSE 4000 4001 4002 4003 4004
CMD ["node", "dist/gateway/index.js"]
