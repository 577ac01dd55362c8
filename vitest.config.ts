import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    setupFiles: ["test/setup/register-shim.ts"],
    globalSetup: ["test/setup/global.ts"],
    reporters: ["default"],
  },
});
