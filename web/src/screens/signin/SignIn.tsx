// Sign in by pasting a token (`ntin-desk token …`, a partner's JWT, or the demo link's token).
import { useState, type FormEvent } from "react";
import { setToken } from "../../api/session";
import { useI18n } from "../../i18n";
import { Link } from "../../router";

export function SignIn() {
  const { t } = useI18n();
  const [value, setValue] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!value.trim()) return;
    setToken(value);
    window.dispatchEvent(new Event("ntin-desk:signed-in"));
  };
  return (
    <div className="panel narrow">
      <h1>{t("signin.title")}</h1>
      <p>{t("signin.help")}</p>
      <form onSubmit={submit}>
        <label htmlFor="token">{t("signin.token")}</label>
        <textarea id="token" rows={4} value={value} onChange={(e) => setValue(e.target.value)} autoComplete="off" spellCheck={false} />
        <button type="submit">{t("signin.submit")}</button>
      </form>
      <p className="muted">
        {t("signin.public")} <Link to="/readiness">{t("nav.readiness")}</Link>
      </p>
    </div>
  );
}
