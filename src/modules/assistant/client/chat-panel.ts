// The assistant's chat panel: progressive enhancement of the "智能客服" link on every public page.
// Without this script the link opens the full page, which works on its own.

interface AskReply {
  answered: boolean;
  faqId: string | null;
  answer: string;
  confidence: number;
  suggestions: { faqId: string; question: string }[];
  conversationId: string;
  turnId: number;
  source: { faqId: string; question: string; links: { kind: string; title: string; href: string }[] } | null;
}

const STORAGE_KEY = "cy-assistant-conversation";
const LINK_KIND: Record<string, string> = {
  service: "办事指南",
  apply: "在线办理",
  policy: "相关政策",
  page: "相关页面",
};

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { class?: string; text?: string; attrs?: Record<string, string> } = {},
  children: (Node | null)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.text !== undefined) node.textContent = props.text;
  for (const [k, v] of Object.entries(props.attrs ?? {})) node.setAttribute(k, v);
  for (const c of children) if (c) node.appendChild(c);
  return node;
}

function setup(): void {
  const opener = document.querySelector<HTMLAnchorElement>("a[data-assistant-open]");
  if (!opener || !window.fetch) return;
  const fullPage = opener.getAttribute("href") ?? "/assistant";
  if (location.pathname.replace(/\/$/, "").endsWith("/assistant")) return; // the full page is already here
  const site = /^\/sites\/([^/]+)/.exec(fullPage)?.[1];

  const log = el("ol", { class: "chat-log", attrs: { "aria-live": "polite" } });
  const input = el("textarea", { attrs: { id: "chat-question", rows: "2", maxlength: "300" } });
  const send = el("button", { class: "button", text: "发送", attrs: { type: "submit" } });
  const form = el("form", { class: "chat-form" }, [
    el("label", { text: "请输入您的问题", attrs: { for: "chat-question" } }),
    input,
    send,
  ]);
  const close = el("button", { class: "chat-close", text: "关闭", attrs: { type: "button" } });
  const panel = el(
    "section",
    { class: "chat-panel", attrs: { role: "dialog", "aria-labelledby": "chat-title", hidden: "" } },
    [
      el("header", { class: "chat-header" }, [
        el("h2", { text: "智能客服", attrs: { id: "chat-title" } }),
        close,
      ]),
      log,
      form,
      el("p", { class: "chat-footer" }, [
        el("a", { text: "打开完整页面 / 转人工客服", attrs: { href: fullPage } }),
      ]),
    ],
  );
  document.body.appendChild(panel);

  let conversationId = sessionStorage.getItem(STORAGE_KEY) ?? "";
  const handOffLink = () =>
    el("a", {
      text: "转人工客服",
      attrs: { href: `${fullPage}?c=${encodeURIComponent(conversationId)}#handoff-title` },
    });

  function rate(turnId: number, helpful: boolean, box: HTMLElement): void {
    fetch("/api/assistant/rate", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ conversationId, turnId, helpful }),
    }).then(
      () => (box.textContent = "感谢您的评价。"),
      () => (box.textContent = "评价未能提交，请稍后再试。"),
    );
  }

  function showAnswer(reply: AskReply): void {
    const item = el("li", { class: reply.answered ? "chat-answer" : "chat-answer unsure" }, [
      el("p", { text: reply.answer }),
    ]);
    if (reply.source) {
      item.appendChild(el("p", { class: "meta", text: `答案来源：知识库条目“${reply.source.question}”` }));
      for (const l of reply.source.links)
        item.appendChild(
          el("p", {}, [
            document.createTextNode(`${LINK_KIND[l.kind] ?? "相关链接"}：`),
            el("a", { text: l.title, attrs: { href: l.href } }),
          ]),
        );
    }
    if (reply.suggestions.length > 0) {
      const list = el("ul", { class: "chat-suggestions" });
      for (const s of reply.suggestions) {
        const b = el("button", { class: "link-button", text: s.question, attrs: { type: "button" } });
        b.addEventListener("click", () => void ask(s.question));
        list.appendChild(el("li", {}, [b]));
      }
      item.appendChild(el("p", { text: reply.answered ? "您可能还想问：" : "您是不是想问：" }));
      item.appendChild(list);
    }
    if (reply.answered) {
      const box = el("p", { class: "chat-rate" }, [document.createTextNode("有帮助吗？")]);
      const yes = el("button", { class: "link-button", text: "有帮助", attrs: { type: "button" } });
      const no = el("button", { class: "link-button", text: "没帮助", attrs: { type: "button" } });
      yes.addEventListener("click", () => rate(reply.turnId, true, box));
      no.addEventListener("click", () => rate(reply.turnId, false, box));
      box.append(yes, no);
      item.appendChild(box);
    } else {
      item.appendChild(el("p", {}, [handOffLink()]));
    }
    log.appendChild(item);
    item.scrollIntoView({ block: "nearest" });
  }

  async function ask(question: string): Promise<void> {
    if (!question.trim()) return;
    log.appendChild(el("li", { class: "chat-question", text: question }));
    send.disabled = true;
    try {
      const res = await fetch("/api/assistant/ask", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ question, conversationId: conversationId || undefined, site }),
      });
      if (!res.ok) {
        const text = res.status === 429 ? "提问太频繁了，请稍等一会儿再试。" : "服务暂时不可用，请稍后再试。";
        log.appendChild(el("li", { class: "chat-answer unsure", text }));
        return;
      }
      const reply = (await res.json()) as AskReply;
      conversationId = reply.conversationId;
      sessionStorage.setItem(STORAGE_KEY, conversationId);
      showAnswer(reply);
    } catch {
      log.appendChild(el("li", { class: "chat-answer unsure", text: "网络连接失败，请稍后再试。" }));
    } finally {
      send.disabled = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = input.value;
    input.value = "";
    void ask(question);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  opener.addEventListener("click", (event) => {
    event.preventDefault();
    panel.hidden = false;
    if (log.childElementCount === 0)
      log.appendChild(
        el("li", {
          class: "chat-answer",
          text: "您好，我是智能客服。请问您要办理什么事项？例如“租房怎么提取公积金”。",
        }),
      );
    input.focus();
  });
  const hide = () => {
    panel.hidden = true;
    opener.focus();
  };
  close.addEventListener("click", hide);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") hide();
  });
}

document.addEventListener("DOMContentLoaded", setup);
