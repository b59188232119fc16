// Small shared pieces: error banners, the progress bar, the readiness chart, a debounce hook.
import { useEffect, useState, type ReactNode } from "react";
import type { GqlError } from "../api/client";
import { useI18n, type MsgKey } from "../i18n";

export function ErrorBanner({ error }: { error: GqlError | Error | string | undefined | null }) {
  const { t } = useI18n();
  if (!error) return null;
  const msg = typeof error === "string" ? error : error.message;
  const code = typeof error === "object" && "code" in error ? (error as GqlError).code : undefined;
  const known: Record<string, MsgKey> = {
    FORBIDDEN: "error.forbidden",
    RATE_LIMITED: "error.rateLimited",
    NETWORK: "error.network",
    CONFLICT: "error.conflict",
  };
  return (
    <div className="banner error" role="alert">
      {code && known[code] ? <strong>{t(known[code])} </strong> : null}
      <span>{msg}</span>
    </div>
  );
}

export function UserErrors({ errors }: { errors: { field: string[]; message: string }[] | undefined }) {
  if (!errors?.length) return null;
  return (
    <div className="banner error" role="alert">
      <ul>
        {errors.map((e, i) => (
          <li key={i}>{e.message}</li>
        ))}
      </ul>
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return <p className="muted" aria-live="polite">{t("common.loading")}</p>;
}

export function ProgressBar({ value, max, label }: { value: number; max: number; label: string }) {
  const pct = max > 0 ? Math.min(100, Math.round((value / max) * 100)) : 0;
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={max} aria-valuenow={value}>
      <progress value={pct} max={100} />
      <span className="progress-text">
        {value} / {max} ({pct}%)
      </span>
    </div>
  );
}

export const CLASS_KEYS = ["HAS_NTIN", "AUTO_LOOKUP_READY", "TEMPORARY_XTIN", "MANUAL_CARD"] as const;
export type ClassKey = (typeof CLASS_KEYS)[number];
export const classMsg: Record<ClassKey, MsgKey> = {
  HAS_NTIN: "class.HAS_NTIN",
  AUTO_LOOKUP_READY: "class.AUTO_LOOKUP_READY",
  TEMPORARY_XTIN: "class.TEMPORARY_XTIN",
  MANUAL_CARD: "class.MANUAL_CARD",
};

/** The four readiness classes as a horizontal stacked bar with a legend (SVG, no chart library). */
export function ReadinessChart({ counts }: { counts: Record<ClassKey, number> }) {
  const { t, num } = useI18n();
  const total = CLASS_KEYS.reduce((s, k) => s + counts[k], 0);
  let x = 0;
  return (
    <figure className="chart">
      <svg viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label={t("chart.readiness")}>
        {total === 0 ? <rect x={0} y={0} width={100} height={8} className="seg-empty" /> : null}
        {CLASS_KEYS.map((k) => {
          const w = total ? (counts[k] / total) * 100 : 0;
          const r = <rect key={k} x={x} y={0} width={w} height={8} className={`seg-${k}`} />;
          x += w;
          return r;
        })}
      </svg>
      <figcaption>
        <ul className="legend">
          {CLASS_KEYS.map((k) => (
            <li key={k}>
              <span className={`swatch seg-${k}`} aria-hidden="true" />
              {t(classMsg[k])}: <strong>{num(counts[k])}</strong>
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}

export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return v;
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="panel">
      <header className="panel-head">
        <h2>{title}</h2>
        {actions ? <div className="actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

/** Saves a text as a file through a blob: URL (no request leaves the page). */
export function downloadText(name: string, text: string, type = "text/csv;charset=utf-8"): void {
  const url = URL.createObjectURL(new Blob(["\ufeff", text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** One CSV field, quoted when needed, with formula-looking text neutralised. */
export function csvField(v: string | number | null | undefined): string {
  let s = v == null ? "" : String(v);
  if (/^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\n\r;]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
