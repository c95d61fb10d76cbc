import { defineConfig } from "@playwright/test";
import path from "node:path";

// The server under test: the release binary (scripts/test sets ATENDE_BIN), on its own port,
// with a fresh SQLite database holding the demo users.
const repo = path.resolve(__dirname, "..");
const bin =
  process.env.ATENDE_BIN ??
  path.resolve(repo, process.env.CARGO_TARGET_DIR ?? "target", "release", "atende");
const port = 3100;
const database = "target/e2e/atende.db";

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  fullyParallel: false,
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    locale: "pt-BR",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    // The server's log goes to a file: scripts/test prints its warnings when a test fails.
    command: `rm -rf target/e2e && "${bin}" provision demo/demo.toml && exec "${bin}" serve > target/e2e/server.log 2>&1`,
    cwd: repo,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: {
      ATENDE_PORT: String(port),
      ATENDE_EXTERNAL_URL: `http://127.0.0.1:${port}`,
      ATENDE_DATABASE_URL: `sqlite://${database}`,
      ATENDE_ADMIN_PASSWORD: "unused-because-demo-admin-exists",
      // Many logins from one address in a short run: the per-IP limit must not interfere.
      ATENDE_LOGIN_MAX_FAILURES_PER_IP: "1000",
      // The Messenger sandbox plays Meta: it signs its webhooks with this app secret.
      ATENDE_SANDBOX: "1",
      ATENDE_META_APP_SECRET: "e2e-app-secret",
      // No verify token: the admin generates one in the general settings (a browser test).
      ATENDE_SECRET_KEY_FILE: "target/e2e/secret.key",
      ATENDE_ATTACHMENTS_DIR: "target/e2e/attachments",
    },
  },
});
