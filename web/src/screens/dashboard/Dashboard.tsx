// The tenant at a glance: its NCT deadline with a countdown, each catalog's readiness as a chart with its
// registration plan and expiring XTINs, and the running and recent jobs.
import { useEffect, useState } from "react";
import { graphql } from "../../gql";
import { useQuery, useViewer } from "../../api/hooks";
import { useI18n } from "../../i18n";
import { Link } from "../../router";
import { ErrorBanner, Loading, ReadinessChart, Section } from "../../components/ui";
import { RecentJobs, isActive, kindMsg, stateMsg } from "../../components/jobs";

const DashboardQuery = graphql(`
  query Dashboard {
    deadlines { segment title date status daysLeft }
    catalogs(first: 50) {
      nodes {
        id
        name
        readiness { total hasNtin autoLookupReady temporaryXtin manualCard duplicates }
        expiringXtins(withinDays: 7) { id sellerSku xtin xtinExpiresAt }
      }
    }
  }
`);

const PlanQuery = graphql(`
  query CatalogPlan($id: ID!) {
    catalog(id: $id) { id registrationPlan { pending earliestNtinDate latestNtinDate assumptions } }
  }
`);

/** Midnight at the start of `date` in Kazakhstan (UTC+5). */
function kzMidnight(date: string): number {
  return Date.parse(`${date}T00:00:00+05:00`);
}

function Countdown({ date }: { date: string }) {
  const { t } = useI18n();
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  const ms = kzMidnight(date) - now;
  if (ms <= 0) return <span className="countdown passed" data-testid="countdown">{t("dashboard.passed", { n: Math.floor(-ms / 86_400_000) })}</span>;
  const d = Math.floor(ms / 86_400_000);
  const h = Math.floor((ms % 86_400_000) / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return (
    <span className="countdown" data-testid="countdown">
      {t("dashboard.countdown", { d, h, m: String(m).padStart(2, "0"), s: String(s).padStart(2, "0") })}
    </span>
  );
}

function Plan({ id }: { id: string }) {
  const { t, date, num } = useI18n();
  const q = useQuery(PlanQuery, { id });
  const p = q.data?.catalog?.registrationPlan;
  if (q.error) return <p className="muted">{t("dashboard.planUnavailable")}</p>;
  if (!p) return null;
  return (
    <p>
      {t("dashboard.plan", { n: num(p.pending) })}{" "}
      {p.earliestNtinDate ? t("dashboard.planDates", { from: date(p.earliestNtinDate), to: date(p.latestNtinDate) }) : null}
    </p>
  );
}

export function Dashboard() {
  const { t, date, dateTime, num } = useI18n();
  const viewer = useViewer();
  const q = useQuery(DashboardQuery, {});
  const jobs = useQuery(RecentJobs, { first: 10 });
  useEffect(() => {
    // Keep the job list fresh while something runs.
    if (!jobs.data?.jobs.some(isActive)) return;
    const id = setInterval(() => void jobs.reload(), 2000);
    return () => clearInterval(id);
  }, [jobs]);
  if (q.error) return <ErrorBanner error={q.error} />;
  if (!q.data) return <Loading />;
  const mine = q.data.deadlines.find((d) => d.segment === viewer?.segment) ?? null;
  const catalogName = (id: string) => q.data?.catalogs.nodes.find((c) => c.id === id)?.name ?? "—";
  return (
    <div className="grid">
      <h1 className="sr-only">{t("nav.dashboard")}</h1>
      <Section title={t("dashboard.deadline")}>
        {mine ? (
          <div className={`deadline ${mine.status}`}>
            <p className="big">{date(mine.date)}</p>
            <p>{t(`segment.${mine.segment}`)}</p>
            <Countdown date={mine.date} />
          </div>
        ) : (
          <p className="muted">{t("dashboard.noSegment")}</p>
        )}
        <details>
          <summary>{t("dashboard.allDeadlines")}</summary>
          <ul>
            {q.data.deadlines.map((d) => (
              <li key={d.segment}>
                {t(`segment.${d.segment}`)}: {date(d.date)} ({t("dashboard.daysLeft", { n: d.daysLeft })})
              </li>
            ))}
          </ul>
        </details>
      </Section>

      {q.data.catalogs.nodes.map((c) => (
        <Section key={c.id} title={c.name} actions={<Link to={`/catalogs/${c.id}`}>{t("common.open")}</Link>}>
          <p className="muted">{t("dashboard.skus", { n: num(c.readiness.total) })}</p>
          <ReadinessChart
            counts={{
              HAS_NTIN: c.readiness.hasNtin,
              AUTO_LOOKUP_READY: c.readiness.autoLookupReady,
              TEMPORARY_XTIN: c.readiness.temporaryXtin,
              MANUAL_CARD: c.readiness.manualCard,
            }}
          />
          <Plan id={c.id} />
          {c.expiringXtins.length ? (
            <div className="banner warn">
              <strong>{t("dashboard.expiringXtins", { n: c.expiringXtins.length })}</strong>
              <ul>
                {c.expiringXtins.slice(0, 5).map((s) => (
                  <li key={s.id}>
                    <Link to={`/skus/${s.id}`}>{s.sellerSku}</Link> {s.xtin} — {dateTime(s.xtinExpiresAt)}
                  </li>
                ))}
              </ul>
            </div>
          ) : (
            <p className="muted">{t("dashboard.noExpiring")}</p>
          )}
        </Section>
      ))}
      {q.data.catalogs.nodes.length === 0 ? (
        <Section title={t("nav.catalogs")}>
          <p>{t("dashboard.noCatalogs")}</p>
          <Link to="/catalogs">{t("catalogs.create")}</Link>
        </Section>
      ) : null}

      <Section title={t("dashboard.jobs")}>
        {jobs.data?.jobs.length ? (
          <table>
            <thead>
              <tr>
                <th>{t("job.kind")}</th>
                <th>{t("nav.catalogs")}</th>
                <th>{t("job.stateLabel")}</th>
                <th>{t("job.progress")}</th>
                <th>{t("job.createdAt")}</th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.jobs.map((j) => (
                <tr key={j.id}>
                  <td>{t(kindMsg[j.kind])}</td>
                  <td>
                    <Link to={`/catalogs/${j.catalogId}/${j.kind === "LOOKUP" ? "lookup" : "moderation"}`}>{catalogName(j.catalogId)}</Link>
                  </td>
                  <td><span className={`pill state-${j.state}`}>{t(stateMsg[j.state])}</span></td>
                  <td>{j.progress.processed} / {j.progress.total}</td>
                  <td>{dateTime(j.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">{t("dashboard.noJobs")}</p>
        )}
      </Section>
    </div>
  );
}
