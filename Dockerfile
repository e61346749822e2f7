# Sentinela image (used by docker-compose.yml). Debian-based: chDB ships a glibc binary.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production SENTINELA_DATA_DIR=/var/lib/sentinela
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY rules ./rules
COPY console ./console
USER node
ENTRYPOINT ["node", "bin/sentinela.js"]
