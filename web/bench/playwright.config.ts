// The figures script (not a test suite): `npm run figures`. Measures, prints, asserts nothing.
import { defineConfig } from "@playwright/test";
import base from "../playwright.config";

export default defineConfig({ ...base, testDir: ".", outputDir: "../bench-results", timeout: 900_000, reporter: [["line"]] });
