// GraphiQL from this build (no CDN), against this server: HTTP for queries, graphql-ws for subscriptions.
// The console's token, when signed in, is offered as the Authorization header.
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { createClient } from "graphql-ws";
import "graphiql/graphiql.css";
import { getToken } from "../api/session";

const proto = window.location.protocol === "https:" ? "wss:" : "ws:";
const headers = () => {
  try {
    const h = JSON.parse(localStorage.getItem("graphiql:headers") ?? "{}") as Record<string, string>;
    return h;
  } catch {
    return {};
  }
};
const fetcher = createGraphiQLFetcher({
  url: "/graphql",
  wsClient: createClient({
    url: `${proto}//${window.location.host}/graphql/ws`,
    connectionParams: () => {
      const h = headers();
      const auth = h.Authorization ?? h.authorization ?? (getToken() ? `Bearer ${getToken()}` : undefined);
      return auth ? { Authorization: auth } : {};
    },
    lazy: true,
  }),
});
const DEFAULT_QUERY = `# NTIN Desk API. Sign in to the console first, or put {"Authorization": "Bearer <token>"} in Headers.
# The readiness check needs no token.
{
  readiness(barcodes: ["4870000000017", "0200121958529", "0041234567890", "12345"]) {
    summary { total hasNtin autoLookupReady temporaryXtin manualCard }
    items { line input class reason { code message } }
  }
}
`;
const token = getToken();
const defaultHeaders = token ? JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2) : undefined;
const root = document.getElementById("graphiql");
if (root) createRoot(root).render(<GraphiQL fetcher={fetcher} defaultHeaders={defaultHeaders} defaultQuery={DEFAULT_QUERY} />);
