# The nbconductor worker image: runs `nbconductor worker` against a Conductor server, with kernels from a
# Jupyter Server (NBCONDUCTOR_JUPYTER_URL) and output notebooks on S3/MinIO. No Python needed here.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY workers ./workers
COPY bench ./bench
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
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
ENTRYPOINT ["node", "bin/nbconductor.js"]
CMD ["worker"]
