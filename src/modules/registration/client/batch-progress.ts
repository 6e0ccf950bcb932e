/**
 * Live progress of a registration batch upload: polls the batch's progress JSON every second and
 * updates the progress element and figures in place. Without scripts the page refreshes itself
 * (a meta refresh inside <noscript>) and has a link to refresh by hand.
 */
interface Progress {
  statusText: string;
  totalRows: number;
  handled: number;
  accepted: number;
  rejected: number;
  pending: number;
  message: string;
  running: boolean;
}

const box = document.getElementById("batch-progress");
const url = box?.dataset.progressUrl;
if (box && url) {
  const bar = box.querySelector("progress");
  const set = (name: string, text: string) => {
    const el = box.querySelector(`[data-field="${name}"]`);
    if (el) el.textContent = text;
  };
  const tick = async () => {
    try {
      const res = await fetch(url, { headers: { accept: "application/json" }, credentials: "same-origin" });
      if (!res.ok) return;
      const p = (await res.json()) as Progress;
      if (bar) {
        bar.max = p.totalRows || 1;
        bar.value = p.handled;
        bar.textContent = `${p.handled}/${p.totalRows}`;
      }
      set("percent", `${p.totalRows ? Math.floor((p.handled * 100) / p.totalRows) : 0}%`);
      for (const k of ["statusText", "totalRows", "accepted", "rejected", "pending", "message"] as const)
        set(k, String(p[k]));
      if (!p.running) {
        for (const el of document.querySelectorAll("[data-when=running]")) el.remove();
        return;
      }
    } catch {
      // A network hiccup: try again on the next tick.
    }
    setTimeout(() => void tick(), 1000);
  };
  if (document.querySelector("[data-when=running]")) setTimeout(() => void tick(), 1000);
}
