// The signed-in token lives in sessionStorage only: it leaves with the tab and never enters a URL the
// server sees. `#token=…` (the demo link) is read once and wiped from the address bar.
const KEY = "ntin-desk.token";

/** Moves a `#token=` fragment into sessionStorage and removes it from the address bar. */
export function adoptTokenFromFragment(): void {
  const m = /^#token=([^&]+)/.exec(window.location.hash);
  if (!m) return;
  sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
  history.replaceState(null, "", window.location.pathname + window.location.search);
}

export function getToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setToken(token: string): void {
  sessionStorage.setItem(KEY, token.trim().replace(/^Bearer\s+/i, ""));
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}
