// Two pages: the console (index.html) and GraphiQL (graphiql.html), built into dist/app with
// content-hashed assets; the ntin-desk binary embeds that folder.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  oxc: { jsx: { runtime: "automatic", importSource: "react" } },
  build: {
    outDir: "dist/app",
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: { index: "index.html", graphiql: "graphiql.html" },
      // GraphiQL's dependencies mark modules "use client" (for React Server Components); meaningless here.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
  server: {
    proxy: {
      "/graphql": { target: process.env.NTIN_DESK_URL ?? "http://127.0.0.1:8080", ws: true },
      "/exports": { target: process.env.NTIN_DESK_URL ?? "http://127.0.0.1:8080" },
    },
  },
});
