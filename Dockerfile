# Ferry on Node 20. Build: `docker build -t ferry .`; run: `docker run --rm ferry --help`.
# The image carries no JVM: `ferry dev` (local brokers from Maven jars) is for development hosts; in
# containers Ferry talks to brokers elsewhere (see docker-compose.yml).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY kafka ./kafka
USER node
ENTRYPOINT ["node", "dist/src/cli/ferry.js"]
CMD ["--help"]
