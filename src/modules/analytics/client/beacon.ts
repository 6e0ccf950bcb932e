// The engagement beacon: when the visitor leaves a public page (pagehide, or the tab is hidden), one
// small POST tells how long the page was visible and how far it was scrolled. No cookie, no storage;
// page views themselves are counted on the server, so nothing depends on this script.

const script = document.currentScript as HTMLScriptElement | null;
const site = script?.dataset.site ?? "";
let visibleSince = document.visibilityState === "visible" ? Date.now() : 0;
let visibleMs = 0;
let deepest = 0;
let sent = false;

function scrollDepth(): number {
  const doc = document.documentElement;
  const height = Math.max(doc.scrollHeight, 1);
  return Math.min(100, Math.round(((window.scrollY + window.innerHeight) / height) * 100));
}

function send(): void {
  if (sent || !site || !navigator.sendBeacon) return;
  if (visibleSince) visibleMs += Date.now() - visibleSince;
  visibleSince = 0;
  sent = true;
  const body = JSON.stringify({
    site,
    path: location.pathname,
    seconds: Math.round(visibleMs / 1000),
    scroll: Math.max(deepest, scrollDepth()),
  });
  navigator.sendBeacon("/api/analytics/beacon", new Blob([body], { type: "application/json" }));
}

window.addEventListener("scroll", () => (deepest = Math.max(deepest, scrollDepth())), { passive: true });
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") send();
  else if (!visibleSince) visibleSince = Date.now();
});
window.addEventListener("pagehide", send);
