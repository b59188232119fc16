// The console: sign-in, then the seller's screens; the readiness check needs no sign-in.
import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import "./styles.css";
import { graphql } from "./gql";
import { onUnauthenticated, request } from "./api/client";
import { ViewerContext, type Viewer } from "./api/hooks";
import { adoptTokenFromFragment, clearToken, getToken } from "./api/session";
import { I18nProvider, useI18n, type Lang } from "./i18n";
import { Link, match, navigate, useLocation } from "./router";
import { ErrorBanner, Loading } from "./components/ui";
import { SignIn } from "./screens/signin/SignIn";
import { Dashboard } from "./screens/dashboard/Dashboard";
import { ReadinessCheck } from "./screens/readiness/ReadinessCheck";
import { Catalogs } from "./screens/catalogs/Catalogs";
import { CatalogPage } from "./screens/catalogs/CatalogPage";
import { NctKeyPage } from "./screens/key/NctKeyPage";
import { SkuPage } from "./screens/sku/SkuPage";

const ViewerQuery = graphql(`
  query Viewer {
    viewer { role tenant { name segment } }
  }
`);

adoptTokenFromFragment();

function LangSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <label className="lang">
      <span className="sr-only">{t("nav.language")}</span>
      <select value={lang} onChange={(e) => setLang(e.target.value as Lang)} aria-label={t("nav.language")}>
        <option value="ru">Русский</option>
        <option value="kk">Қазақша</option>
        <option value="en">English</option>
      </select>
    </label>
  );
}

function Shell({ viewer, children }: { viewer: Viewer | null; children: React.ReactNode }) {
  const { t } = useI18n();
  const { path } = useLocation();
  const nav = viewer
    ? ([
        ["/", t("nav.dashboard")],
        ["/catalogs", t("nav.catalogs")],
        ["/readiness", t("nav.readiness")],
        ["/key", t("nav.key")],
      ] as const)
    : ([["/readiness", t("nav.readiness")], ["/signin", t("nav.signIn")]] as const);
  const signOut = () => {
    clearToken();
    window.location.assign("/signin");
  };
  return (
    <>
      <a className="skip" href="#main">{t("nav.skip")}</a>
      <header className="top">
        <Link to={viewer ? "/" : "/readiness"} className="brand">NTIN Desk</Link>
        <nav aria-label={t("nav.main")}>
          <ul>
            {nav.map(([to, label]) => (
              <li key={to}>
                <Link to={to} aria-current={path === to || (to !== "/" && path.startsWith(to)) ? "page" : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          {viewer ? (
            <>
              <span className="tenant" data-testid="tenant-name">{viewer.tenantName ?? "—"}</span>
              <span className="pill" data-testid="role">{t(`role.${viewer.role}`)}</span>
              <button type="button" className="link" onClick={signOut}>{t("nav.signOut")}</button>
            </>
          ) : null}
          <LangSwitch />
        </div>
      </header>
      <main id="main">{children}</main>
    </>
  );
}

function Routes({ viewer }: { viewer: Viewer | null }) {
  const { path } = useLocation();
  if (path === "/readiness") return <ReadinessCheck />;
  if (!viewer) return <SignIn />;
  if (path === "/" || path === "/signin") return <Dashboard />;
  if (path === "/catalogs") return <Catalogs />;
  if (path === "/key") return <NctKeyPage />;
  let m = match("/catalogs/:id", path) ?? match("/catalogs/:id/:tab", path);
  if (m) return <CatalogPage id={m.id} tab={m.tab ?? "skus"} />;
  m = match("/skus/:id", path);
  if (m) return <SkuPage id={m.id} />;
  return <NotFound />;
}

function NotFound() {
  const { t } = useI18n();
  return (
    <div className="panel">
      <h1>{t("common.notFound")}</h1>
      <Link to="/">{t("nav.dashboard")}</Link>
    </div>
  );
}

function App() {
  const { t } = useI18n();
  const [viewer, setViewer] = useState<Viewer | null>(null);
  const [checked, setChecked] = useState(false);
  const [error, setError] = useState<Error>();
  const [token, setTokenState] = useState(getToken());
  useEffect(() => onUnauthenticated(() => setTokenState(null)), []);
  useEffect(() => {
    const onSignIn = () => setTokenState(getToken());
    window.addEventListener("ntin-desk:signed-in", onSignIn);
    return () => window.removeEventListener("ntin-desk:signed-in", onSignIn);
  }, []);
  useEffect(() => {
    if (!token) {
      setViewer(null);
      setChecked(true);
      return;
    }
    setChecked(false);
    request(ViewerQuery, {})
      .then((r) => {
        setViewer({ role: r.viewer.role, tenantName: r.viewer.tenant?.name ?? null, segment: r.viewer.tenant?.segment ?? null });
        if (window.location.pathname === "/signin") navigate("/", true);
      })
      .catch((e: Error) => {
        setViewer(null);
        setError(e);
      })
      .finally(() => setChecked(true));
  }, [token]);
  useEffect(() => {
    document.title = t("app.title");
  }, [t]);
  return (
    <ViewerContext.Provider value={viewer}>
      <Shell viewer={viewer}>
        <ErrorBanner error={error} />
        {checked ? <Routes viewer={viewer} /> : <Loading />}
      </Shell>
    </ViewerContext.Provider>
  );
}

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <I18nProvider>
        <App />
      </I18nProvider>
    </StrictMode>,
  );
}
