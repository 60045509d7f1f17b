# vibegate: the gateway image. Build: docker build -t vibegate .
# Run:  docker run -p 8080:8080 -e OURSONG_API_KEY=… -e OURSONG_API_SECRET=… \
#         -e VIBEGATE_PUBLIC_URL=https://gate.example.com -e REDIS_URL=redis://redis:6379 \
#         -e VIBEGATE_SESSION_SECRET=… -v $PWD/rules.yaml:/app/rules/rules.yaml:ro vibegate
# test/dockerfile.test.ts runs these same steps outside Docker.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY rules ./rules
COPY fixtures ./fixtures
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/cli.js", "serve"]
