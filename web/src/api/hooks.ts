// Data hooks over the client: a query with reload, and the signed-in viewer's role.
import { createContext, useCallback, useContext, useEffect, useRef, useState } from "react";
import type { TypedDocumentString } from "../gql/graphql";
import { GqlError, request } from "./client";

export interface QueryState<R> {
  data: R | undefined;
  error: GqlError | undefined;
  loading: boolean;
  reload: () => Promise<void>;
}

/** Runs `doc` now and whenever `variables` change (compared as JSON); `skip` holds it. */
export function useQuery<R, V>(doc: TypedDocumentString<R, V>, variables: V, skip = false): QueryState<R> {
  const [data, setData] = useState<R>();
  const [error, setError] = useState<GqlError>();
  const [loading, setLoading] = useState(!skip);
  const key = JSON.stringify(variables);
  const seq = useRef(0);
  const run = useCallback(async () => {
    const mine = ++seq.current;
    setLoading(true);
    try {
      const r = await request(doc, JSON.parse(key) as V);
      if (mine === seq.current) {
        setData(r);
        setError(undefined);
      }
    } catch (e) {
      if (mine === seq.current) setError(e instanceof GqlError ? e : new GqlError(String(e), "INTERNAL"));
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }, [doc, key]);
  useEffect(() => {
    if (!skip) void run();
  }, [run, skip]);
  return { data, error, loading, reload: run };
}

/** Who is signed in. */
export interface Viewer {
  role: "ADMIN" | "RESELLER" | "OWNER" | "EDITOR" | "VIEWER";
  tenantName: string | null;
  segment: string | null;
}
export const ViewerContext = createContext<Viewer | null>(null);

export function useViewer(): Viewer | null {
  return useContext(ViewerContext);
}

/** Whether the viewer may change catalogs, SKUs and cards. */
export function useCanEdit(): boolean {
  const v = useViewer();
  return !!v && v.role !== "VIEWER";
}

/** Whether the viewer may manage the NCT key and delete catalogs. */
export function useIsOwner(): boolean {
  const v = useViewer();
  return !!v && (v.role === "OWNER" || v.role === "ADMIN" || v.role === "RESELLER");
}
