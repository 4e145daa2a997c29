// One ES module, everything inlined (Lit, hls.js), written where the integration serves it.
// HELDAR_OUT_DIR lets scripts/test build elsewhere and compare with the committed bundle.
import { defineConfig } from "vitest/config";

const outDir = process.env.HELDAR_OUT_DIR ?? "../custom_components/heldar/www";

export default defineConfig({
  build: {
    outDir,
    emptyOutDir: false,
    target: "es2022",
    minify: true,
    sourcemap: false,
    reportCompressedSize: false,
    modulePreload: false,
    copyPublicDir: false,
    rollupOptions: {
      input: "src/index.ts",
      preserveEntrySignatures: false,
      output: { format: "es", entryFileNames: "heldar-timeline-card.js", inlineDynamicImports: true },
    },
  },
  test: {
    environment: "happy-dom",
    include: ["test/**/*.test.ts"],
  },
});
