// Types every operation in src/ from the checked-in schema: a schema change that breaks an operation fails
// `npm run codegen` (unknown field, wrong argument) or `npm run typecheck` (a changed result type).
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../schema.graphql",
  documents: ["src/**/*.{ts,tsx}", "!src/gql/**/*"],
  ignoreNoDocuments: false,
  errorsOnly: true,
  generates: {
    "./src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        // Operations travel as plain strings: no GraphQL parser in the browser bundle.
        documentMode: "string",
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { DateTime: "string", NaiveDate: "string", JSON: "unknown", Upload: "File" },
      },
    },
  },
};

export default config;
