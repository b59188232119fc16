// The console's GraphQL client: typed operations over fetch (queries, mutations, multipart uploads with
// upload progress) and graphql-ws (subscriptions, with automatic reconnection after a server restart).
import { createClient, type Client } from "graphql-ws";
import type { TypedDocumentString } from "../gql/graphql";
import { clearToken, getToken } from "./session";

/** A GraphQL error with its `extensions.code` (`FORBIDDEN`, `NOT_FOUND`, `CONFLICT`…). */
export class GqlError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

type Listener = () => void;
const unauthenticated = new Set<Listener>();
/** Called when the server refuses the token (expired or revoked). */
export function onUnauthenticated(l: Listener): () => void {
  unauthenticated.add(l);
  return () => unauthenticated.delete(l);
}

interface GqlResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

function unwrap<T>(status: number, body: GqlResponse<T>): T {
  const first = body.errors?.[0];
  const code = first?.extensions?.code;
  if (status === 401 || code === "UNAUTHENTICATED") {
    clearToken();
    unauthenticated.forEach((l) => l());
  }
  if (first) throw new GqlError(first.message, code);
  if (body.data == null) throw new GqlError(`HTTP ${status}`, "INTERNAL");
  return body.data;
}

function headers(): Record<string, string> {
  const token = getToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Runs a query or mutation. Throws `GqlError` for GraphQL errors. */
export async function request<R, V>(doc: TypedDocumentString<R, V>, variables?: V): Promise<R> {
  const res = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers() },
    body: JSON.stringify({ query: doc.toString(), variables: variables ?? {} }),
  });
  let body: GqlResponse<R>;
  try {
    body = (await res.json()) as GqlResponse<R>;
  } catch {
    throw new GqlError(`HTTP ${res.status}`, res.status === 429 ? "RATE_LIMITED" : "INTERNAL");
  }
  return unwrap(res.status, body);
}

/**
 * Runs a mutation whose variable at `filePath` (e.g. `input.file`) is a file, as a GraphQL multipart
 * request; `onProgress` gets the uploaded fraction (XMLHttpRequest, since fetch reports no upload progress).
 */
export function upload<R, V>(
  doc: TypedDocumentString<R, V>,
  variables: V,
  filePath: string,
  file: File,
  onProgress?: (fraction: number) => void,
): Promise<R> {
  const form = new FormData();
  form.append("operations", JSON.stringify({ query: doc.toString(), variables }));
  form.append("map", JSON.stringify({ "0": [`variables.${filePath}`] }));
  form.append("0", file, file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/graphql");
    for (const [k, v] of Object.entries(headers())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress?.(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new GqlError("network error", "NETWORK"));
    xhr.onload = () => {
      try {
        resolve(unwrap(xhr.status, JSON.parse(xhr.responseText) as GqlResponse<R>));
      } catch (e) {
        reject(e instanceof GqlError ? e : new GqlError(`HTTP ${xhr.status}`, "INTERNAL"));
      }
    };
    xhr.send(form);
  });
}

let ws: Client | null = null;
let wsToken: string | null = null;

function wsClient(): Client {
  const token = getToken();
  if (!ws || wsToken !== token) {
    void ws?.dispose();
    wsToken = token;
    const proto = window.location.protocol === "https:" ? "wss:" : "ws:";
    ws = createClient({
      url: `${proto}//${window.location.host}/graphql/ws`,
      connectionParams: () => ({ Authorization: `Bearer ${getToken() ?? ""}` }),
      lazy: true,
      // A server restart closes the socket: keep trying, quickly at first, and resubscribe.
      retryAttempts: Infinity,
      shouldRetry: () => true,
      retryWait: (retries) => new Promise((r) => setTimeout(r, Math.min(250 * 2 ** retries, 3000))),
    });
  }
  return ws;
}

/** Subscribes; `onData` gets every event. Returns the unsubscribe function. */
export function subscribe<R, V>(
  doc: TypedDocumentString<R, V>,
  variables: V,
  handlers: { onData: (data: R) => void; onError?: (e: GqlError) => void; onComplete?: () => void },
): () => void {
  return wsClient().subscribe<R>(
    { query: doc.toString(), variables: variables as Record<string, unknown> },
    {
      next: (msg) => {
        if (msg.errors?.length) {
          const e = msg.errors[0] as { message: string; extensions?: { code?: string } };
          handlers.onError?.(new GqlError(e.message, e.extensions?.code));
        } else if (msg.data) handlers.onData(msg.data);
      },
      error: (e) => handlers.onError?.(new GqlError(e instanceof Error ? e.message : "subscription failed", "NETWORK")),
      complete: () => handlers.onComplete?.(),
    },
  );
}
