# The nbconductor image: `nbconductor worker` (default), `register` and the CLI against a Conductor server,
# with kernels from a Jupyter Server (NBCONDUCTOR_JUPYTER_URL) and output notebooks on S3/MinIO. No Python
# here. Node 26 is the Active LTS line (since 2026-10-28); the code also runs on Node 20+ (package.json).
FROM node:26-trixie-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY workers ./workers
COPY bench ./bench
RUN npm ci && npm prune --omit=dev

FROM node:26-trixie-slim
WORKDIR /app
ENV NODE_ENV=production \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true \
    NBCONDUCTOR_AUTO_SETUP=false
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json requirements.txt ./
COPY bin ./bin
COPY notebooks ./notebooks
COPY workflows ./workflows
USER node
# Prometheus metrics when NBCONDUCTOR_METRICS_PORT is set (the compose file uses 9464).
EXPOSE 9464
ENTRYPOINT ["node", "bin/nbconductor.js"]
CMD ["worker"]
