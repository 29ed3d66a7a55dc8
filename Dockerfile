# seatgate: build with dev dependencies, run with production dependencies only, as a non-root
# user, against the PostgreSQL named by DATABASE_URL (one host, or libpq's several with
# target_session_attrs=read-write). Built and run in CI by .ci/image.sh, which passes a Node 20
# base made locally as NODE_IMAGE since no registry is reachable there.
ARG NODE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json vite.config.mjs ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config ./config
COPY schemas ./schemas
USER node
EXPOSE 8080
# DATABASE_URL must be set: the bundled PostgreSQL is for development, not for containers.
CMD ["node", "dist/src/main.js"]
