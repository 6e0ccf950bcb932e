// Similar published letters while a citizen types a letter (progressive: the form works without it).

function setupSimilar(): void {
  const form = document.querySelector<HTMLFormElement>("form[data-similar-form]");
  const results = document.getElementById("similar-results");
  if (!form || !results) return;
  const site = form.dataset.similarForm ?? "";
  const subject = form.querySelector<HTMLInputElement>("#subject");
  const content = form.querySelector<HTMLTextAreaElement>("#content");
  const draft = form.querySelector<HTMLInputElement>("input[name=draft]");
  let timer: number | undefined;
  let last = "";
  const run = async () => {
    const q = `${subject?.value ?? ""} ${content?.value ?? ""}`.trim().slice(0, 300);
    if (q.length < 4 || q === last) return;
    last = q;
    const url = `/api/interaction/similar?site=${encodeURIComponent(site)}&draft=${encodeURIComponent(draft?.value ?? "")}&q=${encodeURIComponent(q)}`;
    try {
      const res = await fetch(url, { headers: { accept: "application/json" } });
      if (!res.ok) return;
      const data = (await res.json()) as { items: { title: string; url: string; snippet: string }[] };
      results.replaceChildren();
      if (data.items.length === 0) return;
      const intro = document.createElement("p");
      intro.textContent = `找到 ${data.items.length} 个相似的已答复问题：`;
      const list = document.createElement("ul");
      list.className = "list";
      for (const item of data.items) {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = item.url;
        a.textContent = item.title;
        a.target = "_blank";
        a.rel = "noopener";
        const meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = item.snippet;
        li.append(a, meta);
        list.append(li);
      }
      results.append(intro, list);
    } catch {
      // Offline or slow: the "查看相似问题" button still works.
    }
  };
  const schedule = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void run(), 700);
  };
  subject?.addEventListener("input", schedule);
  content?.addEventListener("input", schedule);
}

document.addEventListener("DOMContentLoaded", setupSimilar);
